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


# -- the harness's modules: no cycles, none too long ---------------------------------------------


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(HARNESS.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


HARNESS_NAMES = {_module_name(p): p for p in HARNESS_MODULES}


def _type_checking_lines(tree: ast.Module) -> set[int]:
    """The lines of ``if TYPE_CHECKING:`` blocks (imports for the type checker only)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


#: A record's notebook hooks: they present it (``present.notebook``) when a notebook asks,
#: the one call from a lower layer up into ``present`` (as pandas' ``DataFrame.plot``).
NOTEBOOK_HOOKS = ("_repr_html_", "to_pandas")


def _notebook_hook_lines(tree: ast.Module) -> set[int]:
    """The lines of the notebook hooks' bodies."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in NOTEBOOK_HOOKS:
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def harness_imports(name: str, *, hooks: bool = False) -> set[str]:
    """The harness modules that ``name`` imports when it runs, at the top or inside functions.

    Imports inside a notebook hook (:data:`NOTEBOOK_HOOKS`) count only with ``hooks``.
    """
    path = HARNESS_NAMES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skipped = _type_checking_lines(tree) | (set() if hooks else _notebook_hook_lines(tree))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t in HARNESS_NAMES and t != name)
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of ``graph``, or ``[]``."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def test_the_import_graph_sees_relative_imports_and_imports_in_functions() -> None:
    graph = {name: harness_imports(name) for name in HARNESS_NAMES}

    assert "retroprog_sim.engine.spec" in graph["retroprog_sim.engine.process"]
    assert "retroprog_sim.settings" in graph["retroprog_sim.experiment.model"]
    assert "retroprog_sim.execute" in graph["retroprog_sim.cli.simulate"]  # inside the command
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_import_cycles_between_harness_modules() -> None:
    graph = {name: harness_imports(name) for name in HARNESS_NAMES}

    assert _cycle(graph) == []


def test_notebook_hooks_import_only_the_notebook_module() -> None:
    hooked = {
        name: harness_imports(name, hooks=True) - harness_imports(name) for name in HARNESS_NAMES
    }
    hooked = {name: found for name, found in hooked.items() if found}

    assert set(hooked) >= {"retroprog_sim.stats", "retroprog_sim.comparison"}
    assert all(found == {"retroprog_sim.present.notebook"} for found in hooked.values()), hooked


#: The most lines a module of the harness may have.
MAX_MODULE_LINES = 600


@pytest.mark.parametrize("path", HARNESS_MODULES, ids=lambda p: str(p.relative_to(HARNESS)))
def test_no_harness_module_is_over_600_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) < MAX_MODULE_LINES
