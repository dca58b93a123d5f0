"""``pip install retroprog`` without extras: the core and the commands that need only it.

A fresh virtual environment (no pip, no system site-packages) gets only what
the distribution depends on — attrs, cattrs (and typing_extensions), click —
and the two packages themselves, linked from this environment into one folder
on ``PYTHONPATH`` (never the folder they came from: installed, that is a
site-packages with every extra in it), and a
``retroprog`` distribution record (entry points, and ``direct_url.json`` as
pip writes it for ``pip install FOLDER``).  ``python -m retroprog`` then runs
``next``, ``log add``, ``describe`` and ``plugins``; ``simulate`` says in one line
which extra to install, naming the folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import retroprog

#: What ``pip install .`` installs besides retroprog itself (Python ≥ 3.11: no tomli).
DEPENDENCIES = ("attr", "attrs", "cattrs", "click", "typing_extensions", "exceptiongroup", "tomli")

ENTRY_POINTS = """\
[console_scripts]
retroprog = retroprog_sim.cli:main

[retroprog.populations]
general = retroprog_sim.model.population:GENERAL
"""


def _link(module: str, site: Path) -> None:
    try:
        found = __import__(module)
    except ImportError:
        return  # not needed on this Python (exceptiongroup and tomli: before 3.11 only)
    path = Path(found.__file__ or "")
    source = path.parent if path.name == "__init__.py" else path
    (site / source.name).symlink_to(source)


@pytest.fixture(scope="module")
def core_only(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(python, site folder, the folder it was "installed from")."""
    root = tmp_path_factory.mktemp("core-only")
    venv.EnvBuilder(with_pip=False, system_site_packages=False, symlinks=True).create(root / "venv")
    site = root / "site"
    site.mkdir()
    for module in (*DEPENDENCIES, "retroprog", "retroprog_sim"):
        _link(module, site)
    clone = root / "clone"
    clone.mkdir()
    record = site / f"retroprog-{retroprog.__version__}.dist-info"
    record.mkdir()
    (record / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: retroprog\nVersion: {retroprog.__version__}\n",
        encoding="utf-8",
    )
    (record / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    (record / "direct_url.json").write_text(
        json.dumps({"url": clone.as_uri(), "dir_info": {}}), encoding="utf-8"
    )
    return root / "venv" / "bin" / "python", site, clone


def _run(
    core_only: tuple[Path, Path, Path], *args: str, record: bool = True
) -> subprocess.CompletedProcess[str]:
    python, site, _ = core_only
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(site), "PYTHONNOUSERSITE": "1"}
    if not record:  # the dependencies and the packages, but no distribution record
        hidden = site.parent / "bare"
        if not hidden.exists():
            hidden.mkdir()
            for entry in site.iterdir():
                if not entry.name.endswith(".dist-info"):
                    (hidden / entry.name).symlink_to(entry.resolve())
        env["PYTHONPATH"] = str(hidden)
    return subprocess.run(
        [str(python), "-m", "retroprog", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=site.parent,
    )


def test_the_environment_has_no_heavy_library(core_only: tuple[Path, Path, Path]) -> None:
    python, site, _ = core_only
    heavy = ("numpy", "scipy", "simpy", "rich", "jinja2", "matplotlib")
    code = f"import importlib.util as u; print([m for m in {heavy!r} if u.find_spec(m)])"
    result = subprocess.run(
        [str(python), "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(site), "PYTHONNOUSERSITE": "1"},
        timeout=60,
        check=True,
    )

    assert result.stdout.strip() == "[]"


def test_help_and_version(core_only: tuple[Path, Path, Path]) -> None:
    result = _run(core_only, "--version")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"retroprog, version {retroprog.__version__}"


def test_next_works_with_the_core_alone(core_only: tuple[Path, Path, Path]) -> None:
    log = core_only[1].parent / "client.jsonl"
    log.write_text('{"schema": 1, "pain": 0}\n{"schema": 1, "pain": 1}\n', encoding="utf-8")

    result = _run(core_only, "next", str(log))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("next session: retro-walk: 1 × 30 s")


def test_log_add_works_with_the_core_alone(core_only: tuple[Path, Path, Path]) -> None:
    log = core_only[1].parent / "added.jsonl"

    result = _run(core_only, "log", "add", str(log), "--pain", "1", "--show-next")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"recorded session 1 in {log}: pain 1/10")
    assert "next session: retro-walk: 1 × 15 s" in result.stdout


def test_plugins_lists_without_rich(core_only: tuple[Path, Path, Path]) -> None:
    result = _run(core_only, "plugins")

    assert result.returncode == 0, result.stderr
    assert "reference" in result.stdout
    assert "retro-walk-run" in result.stdout
    assert "general" in result.stdout


def test_simulate_names_the_extra_and_the_folder_in_one_line(
    core_only: tuple[Path, Path, Path],
) -> None:
    clone = core_only[2]

    result = _run(core_only, "simulate", "--clients", "5")

    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("retroprog: error: retroprog simulate needs the sim extra (")
    assert result.stderr.strip().endswith(f"pip install '{clone}[sim]'")
    assert "Traceback" not in result.stderr


def test_without_the_command_installed_one_line(core_only: tuple[Path, Path, Path]) -> None:
    result = _run(core_only, "--help", record=False)

    assert result.returncode == 2
    assert result.stderr.startswith("retroprog: error: the retroprog command is not installed")
    assert result.stderr.count("\n") == 1


def test_the_harness_hint_follows_how_retroprog_was_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from retroprog import _extras

    monkeypatch.setattr(_extras, "installed_from", lambda: None)
    assert _extras.install_hint("dask") == "pip install 'retroprog[dask]'"
    monkeypatch.setattr(_extras, "installed_from", lambda: ("/src/my clone", True))
    assert _extras.install_hint("dask") == "pip install -e '/src/my clone[dask]'"
    monkeypatch.setattr(_extras, "installed_from", lambda: ("/src/retroprog", False))
    assert _extras.install_hint("plot") == "pip install '/src/retroprog[plot]'"


def test_python_dash_m_retroprog_in_this_environment() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "retroprog", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "retroprog, version" in result.stdout
