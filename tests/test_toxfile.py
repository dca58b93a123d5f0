"""toxfile.py finds the interpreters pyenv installed, and says which versions tox will skip."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

toxfile = pytest.importorskip("toxfile")


def _python(folder: Path, minor: str) -> Path:
    exe = folder / f"python{minor}"
    exe.parent.mkdir(parents=True, exist_ok=True)
    exe.write_text("#!/bin/sh\n", encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe


@pytest.fixture
def pyenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "pyenv"
    for version in ("3.10.9", "3.10.13", "3.12.1"):
        _python(root / "versions" / version / "bin", version.rsplit(".", 1)[0])
    (root / "versions" / "3.13.0").mkdir()  # an install without its interpreter
    _python(root / "shims", "3.13")  # a shim that would refuse to run
    monkeypatch.setenv("PYENV_ROOT", str(root))
    return root


def test_adds_the_newest_build_of_each_missing_version(
    pyenv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    own = _python(tmp_path / "system", "3.11").parent
    monkeypatch.setenv("PATH", os.pathsep.join([str(pyenv / "shims"), str(own)]))
    nothing: Any = None  # the hook reads neither the configuration nor the state

    toxfile.tox_add_core_config(nothing, nothing)

    path = os.environ["PATH"].split(os.pathsep)
    assert path == [
        str(pyenv / "shims"),
        str(own),
        str(pyenv / "versions" / "3.10.13" / "bin"),
        str(pyenv / "versions" / "3.12.1" / "bin"),
    ]
    err = capsys.readouterr().err
    assert "Python 3.10 (3.10.13), 3.12 (3.12.1) from pyenv" in err
    assert "no Python 3.13 found on PATH or in pyenv: tox will skip py313" in err


def test_without_pyenv_it_names_every_version_it_cannot_find(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "none"))
    monkeypatch.setenv("PATH", str(_python(tmp_path / "bin", "3.11").parent))
    nothing: Any = None  # the hook reads neither the configuration nor the state

    toxfile.tox_add_core_config(nothing, nothing)

    assert os.environ["PATH"] == str(tmp_path / "bin")
    assert "tox will skip py310, py312, py313" in capsys.readouterr().err
