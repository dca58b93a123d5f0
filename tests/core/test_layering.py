"""The core's layering: no heavy dependencies, and never the harness."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import retroprog

HEAVY = ("simpy", "numpy", "matplotlib", "rich")
SOURCE = Path(retroprog.__file__).parent
MODULES = sorted(SOURCE.rglob("*.py"))


def _imported_in_a_fresh_interpreter(code: str) -> set[str]:
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_the_source_folder_is_the_package() -> None:
    assert SOURCE.name == "retroprog"
    assert {p.name for p in MODULES} >= {"__init__.py", "_policy.py", "plugins.py"}


@pytest.mark.parametrize(
    "code",
    [
        "import retroprog",
        "import retroprog.plugins, retroprog.exceptions",
        # deciding, replaying, JSON and listing plug-ins must not pull them in either
        # (listing only: loading every plug-in would import the harness's own plug-ins)
        "import retroprog as r, retroprog.plugins\n"
        "p = r.load_protocol('retro-walk-run')\n"
        "d = r.replay(p, r.guarded(r.load_policy('staircase')), [r.SessionOutcome()] * 3)\n"
        "r.from_json(r.to_json(d[-1]), r.Decision)\n"
        "for group in r.plugins.GROUPS: r.plugins.available(group)\n"
        "r.load_policy('cautious'), r.load_protocol('retro-walk-only')",
    ],
    ids=["import", "submodules", "use"],
)
def test_the_core_never_imports_heavy_libraries(code: str) -> None:
    modules = _imported_in_a_fresh_interpreter(code)

    assert "retroprog" in modules
    loaded = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert loaded == []


def test_the_core_never_imports_the_harness_at_run_time() -> None:
    modules = _imported_in_a_fresh_interpreter("import retroprog, retroprog.plugins")

    assert not any(m.split(".")[0] == "retroprog_sim" for m in modules)


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_the_import_scan_finds_imports() -> None:
    assert "attrs" in _imports(SOURCE / "_stage.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_no_module_imports_the_harness_or_heavy_libraries(path: Path) -> None:
    imported = {name.split(".")[0] for name in _imports(path)}

    assert "retroprog_sim" not in imported
    assert imported.isdisjoint(HEAVY)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_no_module_names_the_harness_in_a_dynamic_import(path: Path) -> None:
    # importlib.import_module("retroprog_sim...") or __import__ would dodge the scan above
    assert "retroprog_sim" not in path.read_text(encoding="utf-8")


# -- the harness uses the core's public names only ---------------------------------------------

HARNESS = Path(__file__).parents[2] / "sim" / "retroprog_sim"
HARNESS_MODULES = sorted(HARNESS.rglob("*.py"))


def _private_core_imports(path: Path) -> list[str]:
    """Every ``retroprog._x`` a module imports (``import``, ``from … import``, any depth)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "retroprog" and any(part.startswith("_") for part in parts[1:]):
                found.append(module)
    return found


def test_the_private_import_scan_finds_private_imports(tmp_path: Path) -> None:
    path = tmp_path / "sample.py"
    path.write_text(
        "import retroprog._atomic\n"
        "from retroprog import _validators as v, support\n"
        "from retroprog.exceptions import _FileProblemsError\n"
        "def f():\n    from retroprog._presets import PRESETS\n",
        encoding="utf-8",
    )

    assert _private_core_imports(path) == [
        "retroprog._atomic",
        "retroprog._validators",
        "retroprog.exceptions._FileProblemsError",
        "retroprog._presets",
        "retroprog._presets.PRESETS",
    ]


def test_the_harness_is_scanned() -> None:
    assert {p.name for p in HARNESS_MODULES} >= {"__init__.py", "testing.py"}


@pytest.mark.parametrize("path", HARNESS_MODULES, ids=lambda p: str(p.relative_to(HARNESS)))
def test_the_harness_imports_no_private_name_of_the_core(path: Path) -> None:
    assert _private_core_imports(path) == []


def test_the_support_module_exports_what_it_declares() -> None:
    from retroprog import support

    assert len(set(support.__all__)) == len(support.__all__)
    missing = [name for name in support.__all__ if not hasattr(support, name)]
    assert missing == []
