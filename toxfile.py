"""A tox plug-in (loaded by tox from this file) that finds interpreters pyenv installed.

pyenv's shims run only the versions made global or local, so ``tox`` alone would skip
py310, py312 and py313 on a machine where pyenv has them.  Before tox looks for
interpreters, this appends the newest pyenv build of each ``3.X`` that is not on
``PATH`` already, and says which ``3.X`` versions tox will not find (and so skip).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tox.config.sets import ConfigSet
from tox.plugin import impl
from tox.session.state import State

#: The Python versions the test environments ask for (``py310`` … ``py313``).
WANTED = ("3.10", "3.11", "3.12", "3.13")


def _pyenv_versions() -> Path | None:
    """The folder of the versions pyenv installed, or ``None`` without pyenv."""
    root = os.environ.get("PYENV_ROOT")
    if not root and shutil.which("pyenv"):
        found = subprocess.run(
            ["pyenv", "root"], capture_output=True, text=True, check=False
        ).stdout.strip()
        root = found or None
    folder = Path(root or Path.home() / ".pyenv") / "versions"
    return folder if folder.is_dir() else None


def _newest(folder: Path, minor: str) -> Path | None:
    """The ``bin`` folder of pyenv's newest CPython ``minor.N``, or ``None``."""
    pattern = re.compile(rf"{re.escape(minor)}\.(\d+)")
    builds = [
        (int(m.group(1)), entry / "bin")
        for entry in folder.iterdir()
        if (m := pattern.fullmatch(entry.name)) and (entry / "bin" / f"python{minor}").exists()
    ]
    return max(builds)[1] if builds else None


@impl
def tox_add_core_config(core_conf: ConfigSet, state: State) -> None:
    """Put pyenv's interpreters on ``PATH`` and name the versions that will be skipped."""
    path = os.environ.get("PATH", "")
    folder = _pyenv_versions()
    added, missing = [], []
    for minor in WANTED:
        on_path = shutil.which(f"python{minor}", path=path)
        if on_path and Path(on_path).parent.name != "shims":  # pyenv's shims may refuse to run
            continue
        found = _newest(folder, minor) if folder else None
        if found is None:
            missing.append(minor)
            continue
        path = f"{path}{os.pathsep}{found}" if path else str(found)
        added.append(f"{minor} ({found.parent.name})")
    os.environ["PATH"] = path
    if added:
        print(f"toxfile: Python {', '.join(added)} from pyenv", file=sys.stderr)
    if missing:
        skipped = ", ".join(f"py{m.replace('.', '')}" for m in missing)
        print(
            f"toxfile: no Python {', '.join(missing)} found on PATH or in pyenv: "
            f"tox will skip {skipped}",
            file=sys.stderr,
        )
