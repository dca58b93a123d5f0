"""Sphinx configuration for retroprog's documentation.

Builds offline: no intersphinx, so references to the standard library stay
plain text and are listed in ``nitpick_ignore`` below, each with the reason.
``-n -W`` (nitpicky, warnings as errors) must pass for both the HTML and the
doctest builders.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path
from typing import Any

from sphinx.util import logging

import retroprog

logger = logging.getLogger(__name__)

project = "retroprog"
author = "The retroprog developers"
copyright = "2026, The retroprog developers"
release = retroprog.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
]

exclude_patterns = ["_build"]
nitpicky = True

html_theme = "furo"
html_title = f"retroprog {release}"

# --- autodoc ---------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autoclass_content = "class"

# --- doctest ---------------------------------------------------------------------------
# Every page's doctests run; docstring doctests run through the API page's autodoc.
doctest_global_setup = """
import retroprog
"""
# Sphinx's default also sets IGNORE_EXCEPTION_DETAIL, which would let an error
# message in the docs drift from the one raised; compare messages too.
doctest_default_flags = doctest.ELLIPSIS | doctest.DONT_ACCEPT_TRUE_FOR_1

# --- references that cannot resolve offline ----------------------------------------------
# Without intersphinx the standard library is not in the inventory: these names appear
# in signatures (e.g. ``read_log(path: str | os.PathLike[str])``) and stay plain text.
nitpick_ignore = [
    ("py:class", "collections.abc.Iterable"),
    ("py:class", "collections.abc.Mapping"),
    ("py:class", "collections.abc.Sequence"),
    ("py:class", "datetime.date"),
    ("py:class", "os.PathLike"),
    ("py:class", "pathlib.Path"),
    # The type variable of ``from_dict(data, cls: type[T]) -> T``: a type variable is
    # not an object with a page of its own, so there is nothing to link to.
    ("py:class", "retroprog._json.T"),
]


def _public_bases(app: Any, name: str, obj: Any, options: Any, bases: list[type]) -> None:
    """Show a private base class as the public bases it stands for.

    ``ProtocolFileError`` and ``SessionLogError`` share a private base; readers need
    to know they are :exc:`~retroprog.exceptions.RetroprogError` and ``ValueError``.
    """
    for i, base in reversed(list(enumerate(bases))):
        if base.__name__.startswith("_"):
            bases[i : i + 1] = [b for b in base.__bases__ if b not in bases]


_API_PAGE = Path(__file__).with_name("api.rst")
_AUTO = re.compile(r"^\.\. auto(?:class|data|exception|function)::\s+([\w.]+)", re.MULTILINE)


def _check_api_page(app: Any) -> None:
    """Warn (an error under ``-W``) when api.rst and ``retroprog.__all__`` disagree.

    The reference page lists the package's public names by hand, grouped by topic;
    this keeps the list from drifting: every name documented, none twice.
    ``retroprog.plugins`` and ``retroprog.exceptions`` are documented with
    ``automodule``, which follows their ``__all__`` by itself.
    """
    names = _AUTO.findall(_API_PAGE.read_text(encoding="utf-8"))
    public = set(retroprog.__all__)
    for name in sorted(public - set(names)):
        logger.warning("api.rst does not document retroprog.%s", name, location="api")
    for name in sorted({n for n in names if names.count(n) > 1}):
        logger.warning("api.rst documents retroprog.%s twice", name, location="api")
    for name in sorted(set(names) - public):
        logger.warning("api.rst documents %s, not in retroprog.__all__", name, location="api")


def setup(app: Any) -> None:
    """Hook the helpers above into the build."""
    app.connect("autodoc-process-bases", _public_bases)
    app.connect("builder-inited", _check_api_page)
