"""How to install an extra, said the way this copy of retroprog was installed.

From an index the hint is ``pip install 'retroprog[dask]'``; from a folder (a
clone: ``pip install .`` or ``pip install -e .``) that name would fetch another
retroprog, so the hint names the folder, as pip recorded it in the
distribution's ``direct_url.json`` (PEP 610).
"""

from __future__ import annotations

import json
import shlex
from importlib.metadata import PackageNotFoundError, distribution
from urllib.parse import unquote, urlparse

__all__ = ["install_hint", "installed_from"]

#: The distribution whose extras are meant.
DISTRIBUTION = "retroprog"


def installed_from() -> tuple[str, bool] | None:
    """The local folder this distribution was installed from, and whether editably.

    ``None`` when it came from an index or a wheel file, or is not installed.
    """
    try:
        text = distribution(DISTRIBUTION).read_text("direct_url.json")
    except (PackageNotFoundError, OSError):
        return None
    if not text:
        return None
    try:
        found = json.loads(text)
    except ValueError:
        return None
    if not isinstance(found, dict) or "dir_info" not in found:
        return None
    url = urlparse(str(found.get("url", "")))
    if url.scheme != "file":
        return None
    editable = bool((found.get("dir_info") or {}).get("editable"))
    return unquote(url.path), editable


def install_hint(extra: str) -> str:
    """The command that installs ``extra``: ``pip install 'retroprog[dask]'``, or from the folder.

    Installed from a folder, the hint names it (``pip install '/src/retroprog[dask]'``,
    with ``-e`` when it was installed editably), so that it works from a clone.

    >>> from retroprog.support import install_hint
    >>> hint = install_hint("plot")
    >>> hint.startswith("pip install "), hint.endswith("[plot]'")
    (True, True)
    """
    folder = installed_from()
    if folder is None:
        return f"pip install {shlex.quote(f'{DISTRIBUTION}[{extra}]')}"
    path, editable = folder
    return f"pip install {'-e ' if editable else ''}{shlex.quote(f'{path}[{extra}]')}"
