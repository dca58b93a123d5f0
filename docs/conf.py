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

import attrs
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

import retroprog
import retroprog_sim
from retroprog_sim.settings import SETTINGS

logger = logging.getLogger(__name__)

project = "retroprog"
author = "The retroprog developers"
copyright = "2026, The retroprog developers"
release = retroprog.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "matplotlib.sphinxext.plot_directive",
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
# Pages that use files of the repository find them from ``DOCS`` (this folder), whatever
# the working directory; tutorial-app.rst imports examples/sqlite_app.py as ``sqlite_app``.
_DOCS = Path(__file__).resolve().parent
doctest_path = [str(_DOCS.parent / "examples")]
doctest_global_setup = f"""
import pathlib

import retroprog

DOCS = pathlib.Path({str(_DOCS)!r})
"""
# Sphinx's default also sets IGNORE_EXCEPTION_DETAIL, which would let an error
# message in the docs drift from the one raised; compare messages too.
doctest_default_flags = doctest.ELLIPSIS | doctest.DONT_ACCEPT_TRUE_FOR_1

# --- plots -------------------------------------------------------------------------------
# tutorial-coach.rst draws the report's figures at build time with ``.. plot::`` (the code
# is hidden: the page is for readers who do not program).  One PNG per figure, no links
# to the code or to other formats.
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

# --- references that cannot resolve offline ----------------------------------------------
# Without intersphinx the standard library is not in the inventory: these names appear
# in signatures (e.g. ``read_log(path: str | os.PathLike[str])``) and stay plain text.
nitpick_ignore = [
    ("py:class", "collections.abc.Callable"),
    ("py:class", "collections.abc.Iterable"),
    ("py:class", "collections.abc.Iterator"),
    ("py:class", "collections.abc.Mapping"),
    ("py:class", "collections.abc.Sequence"),
    ("py:class", "datetime.date"),
    ("py:class", "os.PathLike"),
    ("py:class", "pathlib.Path"),
    # retroprog_sim.testing's strategies return Hypothesis's strategy type; Hypothesis's
    # own docs are not in the (offline) inventory.
    ("py:class", "hypothesis.strategies.SearchStrategy"),
    # Hypothesis's own docs are not in the inventory either (the strategies of
    # retroprog.testing return its SearchStrategy).
    ("py:class", "hypothesis.strategies.SearchStrategy"),
    # The type variable of ``from_dict(data, cls: type[T]) -> T``: a type variable is
    # not an object with a page of its own, so there is nothing to link to.
    ("py:class", "retroprog._json.T"),
    # ... and of ``retroprog.support.trusted(cls: type[T]) -> Callable[..., T]``.
    ("py:class", "retroprog._validators.T"),
    # retroprog.support's validators: attrs' docs are not in the inventory, and
    # ``Validator`` is a type alias (documented as data, not a class).
    ("py:class", "attrs.Attribute"),
    ("py:class", "Validator"),
    ("py:func", "os.replace"),
    # pandas is optional (``to_pandas()``) and its docs are not in the offline inventory.
    ("py:class", "pandas.DataFrame"),
    # A report section's tables and images are the presenters' own records (built by
    # retroprog_sim.present, e.g. for a tuning's report), not public names.
    ("py:class", "retroprog_sim.present.tables.Table"),
    ("py:class", "retroprog_sim.present.figures.Image"),
    # ClientArrays' array methods (attend, draw, leaves) take and return NumPy arrays
    # (``npt.NDArray[np.int64]``, ``npt.NDArray[np.bool_]``); NumPy's docs are not in
    # the offline inventory.
    ("py:class", "numpy.ndarray"),
    ("py:class", "numpy.dtype"),
    ("py:class", "numpy.int64"),
    ("py:class", "numpy.bool"),
    # ... and a session's draws as the model core's record, not a public name.
    ("py:class", "retroprog_sim.model.core.Draw"),
    # The counter-based streams module is internal (not in the API reference);
    # PresetPopulation.drawn names it.
    ("py:mod", "retroprog_sim.model.streams"),
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
_API_SIM_PAGE = Path(__file__).with_name("api-sim.rst")
# ``.. py:data::`` too: a constant whose value's docstring is its type's (a dict's, say)
# is written out by hand rather than autodoc'd.
_AUTO = re.compile(
    r"^\.\. (?:auto(?:class|data|exception|function)|py:data)::\s+([\w.]+)", re.MULTILINE
)


def _check_reference_page(page: Path, package: Any) -> None:
    """Warn (an error under ``-W``) when ``page`` and ``package.__all__`` disagree."""
    names = _AUTO.findall(page.read_text(encoding="utf-8"))
    public = set(package.__all__)
    module, location = package.__name__, page.stem
    for name in sorted(public - set(names)):
        logger.warning("%s does not document %s.%s", page.name, module, name, location=location)
    for name in sorted({n for n in names if names.count(n) > 1}):
        logger.warning("%s documents %s.%s twice", page.name, module, name, location=location)
    for name in sorted(set(names) - public):
        logger.warning(
            "%s documents %s, not in %s.__all__", page.name, name, module, location=location
        )


def _check_api_page(app: Any) -> None:
    """Warn (an error under ``-W``) when a reference page and its package's ``__all__`` disagree.

    The reference pages list the packages' public names by hand, grouped by topic;
    this keeps the lists from drifting: every name documented, none twice.
    api.rst covers ``retroprog.__all__`` (``retroprog.plugins`` and
    ``retroprog.exceptions`` are documented with ``automodule``, which follows
    their ``__all__`` by itself); api-sim.rst covers ``retroprog_sim.__all__``.
    """
    _check_reference_page(_API_PAGE, retroprog)
    _check_reference_page(_API_SIM_PAGE, retroprog_sim)


def _no_type_docstring(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Constants (``SCHEMA_VERSION``, ``__version__``) must not show ``int``'s docstring."""
    if what == "data" and obj.__doc__ == type(obj).__doc__:
        lines.clear()


class RunSettingsTable(SphinxDirective):
    """``.. run-settings::``: a table of the run settings, made from the record itself.

    One row per field of :class:`retroprog_sim.RunSettings`: its command-line
    option, its experiment-file key, its default and its documentation, so a
    new setting appears here without an edit.
    """

    def run(self) -> list[Any]:
        """The table, as nodes."""
        fields = attrs.fields_dict(retroprog_sim.RunSettings)
        lines = [
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: 18 18 14 50",
            "",
            "   * - option",
            "     - experiment key",
            "     - default",
            "     - what it is",
        ]
        for name, setting in SETTINGS.items():
            default = fields[name].default
            shown = setting.default_text if setting.default_text else str(default)
            text = f"{setting.help} {setting.details}".strip()
            lines += [
                f"   * - ``{setting.option} N``",
                f"     - ``{setting.key}``",
                f"     - {shown}",
                f"     - {text}",
            ]
        return self.parse_text_to_nodes("\n".join(lines))


def setup(app: Any) -> None:
    """Hook the helpers above into the build."""
    app.add_directive("run-settings", RunSettingsTable)
    app.connect("autodoc-process-docstring", _no_type_docstring)
    app.connect("autodoc-process-bases", _public_bases)
    app.connect("builder-inited", _check_api_page)
