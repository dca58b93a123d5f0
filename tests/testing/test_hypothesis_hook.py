"""The strategies reach Hypothesis through its entry point, with no import of retroprog.testing."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import retroprog as rp

SOURCE = Path(rp.__file__).parent
SCRIPT = """
import json, sys
from hypothesis import Phase, find, settings, strategies as st
import retroprog as rp
# the first value drawn is enough: no shrinking (it took a minute on a drawn protocol)
quick = settings(phases=[Phase.generate], database=None)
found = {}
for cls in (
    rp.SessionOutcome, rp.Stage, rp.Prescription, rp.ClientState, rp.StagedProtocol,
    rp.Segment, rp.Level,
):
    value = find(st.from_type(cls), lambda x: True, settings=quick)
    found[cls.__name__] = type(value).__name__
found["state-in-builtin"] = find(
    st.from_type(rp.ClientState), lambda s: True, settings=quick
).stage in {s.name for s in rp.load_protocol("retro-walk-run").stages}
found["painful"] = find(st.from_type(rp.SessionOutcome), lambda o: o.pain > 2).pain  # shrunk
print(json.dumps(found))
"""


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout.splitlines()[-1]


def test_from_type_works_through_the_entry_point() -> None:
    found = json.loads(_run(SCRIPT))

    assert found == {
        "SessionOutcome": "SessionOutcome",
        "Stage": "Stage",
        "Prescription": "Prescription",
        "ClientState": "ClientState",
        "StagedProtocol": "StagedProtocol",
        "Segment": "Segment",
        "Level": "Level",
        "state-in-builtin": True,
        "painful": 3,
    }


@pytest.mark.parametrize(
    "code",
    ["import retroprog", "import retroprog as r, retroprog.plugins, retroprog.exceptions"],
)
def test_retroprog_never_imports_hypothesis_or_its_testing_module(code: str) -> None:
    loaded = json.loads(_run(f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"))

    assert "retroprog" in loaded
    assert not [m for m in loaded if m.split(".")[0] == "hypothesis"]
    assert "retroprog.testing" not in loaded


def _top_level_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_hook_imports_hypothesis_only_when_called() -> None:
    hook = SOURCE / "testing" / "_hypothesis_hook.py"

    assert "hypothesis" not in _top_level_imports(hook)
    assert "hypothesis" in hook.read_text(encoding="utf-8")  # inside the hook


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(SOURCE.rglob("*.py")) if "testing" not in p.relative_to(SOURCE).parts],
    ids=lambda p: str(p.relative_to(SOURCE)),
)
def test_no_core_module_names_hypothesis_or_retroprog_testing(path: Path) -> None:
    text = path.read_text(encoding="utf-8")

    assert "import hypothesis" not in text
    assert "from hypothesis" not in text
    for imports_testing in (
        "import retroprog.testing",
        "from retroprog.testing",
        "from retroprog import testing",
        "from .testing",
        "from . import testing",
    ):
        assert imports_testing not in text
