"""The command line loads the simulation engine only when it simulates.

``retroprog --help`` and ``retroprog next`` need the core alone: they must work
where NumPy, SimPy and matplotlib are not installed.  Each test runs the command
in a fresh interpreter whose import system refuses them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path

HEAVY = ("numpy", "simpy", "matplotlib", "rich", "jinja2", "distributed", "pyarrow")

#: Runs the command line with the heavy libraries refused, then lists what was imported.
_BLOCKED = textwrap.dedent(
    """
    import importlib.abc, json, sys

    HEAVY = {heavy!r}

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in HEAVY:
                raise ImportError(f"{{name}} is not installed here (refused by the test)")
            return None

    sys.meta_path.insert(0, Refuse())
    from retroprog_sim.cli import cli

    code = cli.main(sys.argv[1:], prog_name="retroprog", standalone_mode=False)
    print("IMPORTED", json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})))
    sys.exit(code)
    """
)


def _run_blocked(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    script = _BLOCKED.format(heavy=HEAVY)
    result = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=60
    )
    last = (result.stdout.splitlines() or [""])[-1]
    found = json.loads(last.removeprefix("IMPORTED ")) if last.startswith("IMPORTED") else []
    imported = set(found)
    return result, imported


def test_the_blocker_refuses_what_it_should() -> None:
    result, _ = _run_blocked("simulate", "--clients", "5", "--weeks", "1")

    assert result.returncode != 0
    assert "is not installed here" in result.stderr


@pytest.mark.parametrize(
    "args", [("--help",), ("simulate", "--help"), ("compare", "--help"), ("plugins", "--json")]
)
def test_help_and_listing_need_no_heavy_library(args: tuple[str, ...]) -> None:
    result, imported = _run_blocked(*args)

    assert result.returncode == 0, result.stderr
    assert "Usage: retroprog" in result.stdout or '"kind"' in result.stdout
    assert imported.isdisjoint(HEAVY)


def test_next_runs_with_the_core_alone(tmp_path: Path) -> None:
    log = tmp_path / "client.jsonl"
    log.write_text('{"schema": 1, "type": "SessionOutcome", "pain": 0}\n' * 2, encoding="utf-8")

    result, imported = _run_blocked("next", str(log), "--json")

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout[: result.stdout.rindex("IMPORTED")])
    assert document["sessions"] == 2
    assert document["action"] == "progress"
    assert imported.isdisjoint(HEAVY)
    assert "retroprog_sim" in imported


def test_importing_the_harness_loads_nothing_heavy() -> None:
    code = "import json, sys, retroprog_sim; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = {name.split(".")[0] for name in json.loads(result.stdout)}

    assert loaded.isdisjoint(HEAVY)


def test_a_public_name_is_never_shadowed_by_a_module() -> None:
    code = (  # every module imported first: a module named like a public name would win
        "import importlib, pkgutil, retroprog_sim as r\n"
        "for m in pkgutil.walk_packages(r.__path__, 'retroprog_sim.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(all(not isinstance(getattr(r, n), type(r)) for n in r.__all__))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert result.stdout.strip() == "True"
