"""What building and working in a clone needs: the build backend's version, ignored outputs."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from retroprog.support import FileProblemsError, loads_toml

ROOT = Path(__file__).parents[1]


def _pyproject() -> dict[str, object]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return loads_toml(text, label="pyproject.toml", error=FileProblemsError)


def test_the_build_needs_a_hatchling_that_reads_license_files_as_a_list() -> None:
    pyproject = _pyproject()
    build = pyproject["build-system"]
    assert isinstance(build, dict)
    (hatchling,) = [r for r in build["requires"] if r.startswith("hatchling")]
    found = re.fullmatch(r"hatchling>=(\d+)\.(\d+)", hatchling)

    # 1.24.2 fails with "Field `project.license-files` must be a table" on this file
    assert found is not None, hatchling
    assert (int(found.group(1)), int(found.group(2))) >= (1, 27)
    project = pyproject["project"]
    assert isinstance(project, dict)
    assert isinstance(project.get("license-files"), list)


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git clone"
)
@pytest.mark.parametrize(
    "path",
    [
        "results/summary.json",
        "examples/experiments/staircase-sweep-results/report.html",
        "docs/examples/experiments/three-policies-results/runs.csv",
        ".tox/py311/x",
        "docs/_build/html/index.html",
    ],
)
def test_default_output_folders_are_ignored(path: str) -> None:
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT, check=False, timeout=30
    )

    assert result.returncode == 0, f"{path} is not ignored"
