"""Results stay byte-identical: fixed runs compared with files recorded before a change.

Each case runs a small, fixed simulation (with a coach and without, a
comparison, a sweep, and the command line) and writes its results; the files
must equal those in ``tests/sim/golden/`` byte for byte.  Only the version of
retroprog is blanked out.  A change that is meant to change results records
the files again::

    RETROPROG_GOLDEN=record pytest tests/sim/test_golden.py

and the diff of ``tests/sim/golden/`` shows, in the commit, what changed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import retroprog
from retroprog_sim import (
    Experiment,
    PolicyEntry,
    PopulationEntry,
    RunSpec,
    load_population,
    run_experiment,
    simulate,
    write_experiment,
    write_outputs,
)
from retroprog_sim.cli import cli

GOLDEN = Path(__file__).parent / "golden"
RECORD = os.environ.get("RETROPROG_GOLDEN") == "record"


def _spec(policy: str, population: str, **settings: object) -> RunSpec:
    return RunSpec(
        retroprog.load_protocol("retro-walk-run"),
        retroprog.load_policy(policy),
        load_population(population),
        **settings,  # type: ignore[arg-type]
    )


def simulate_with_coach(out: Path) -> None:
    spec = _spec(
        "reference",
        "general",
        clients=60,
        weeks=8,
        seed=3,
        coach_capacity=4,
        trace_clients=3,
        block_size=25,
    )
    write_outputs(simulate(spec), out, plots=False, report=False)


def simulate_without_coach(out: Path) -> None:
    spec = _spec(
        "staircase", "athlete", clients=50, weeks=10, seed=7, trace_clients=2, adverse_pain=4
    )
    write_outputs(simulate(spec), out, plots=False, report=False)


def _experiment_files(experiment: Experiment, kind: str, out: Path) -> None:
    result = run_experiment(experiment, kind)  # type: ignore[arg-type]
    write_experiment(result, out, plots=False, report=False)
    for i, run in enumerate(result.results):
        write_outputs(run, out / f"run{i}", plots=False, report=False)


def comparison(out: Path) -> None:
    experiment = Experiment(
        [PolicyEntry("reference"), PolicyEntry("pain-monitoring", label="pm")],
        populations=[PopulationEntry("general"), PopulationEntry("post-injury")],
        clients=40,
        weeks=6,
        seeds=(1,),
        traces=2,
    )
    _experiment_files(experiment, "compare", out)


def sweep_cell(out: Path) -> None:
    experiment = Experiment(
        [PolicyEntry("reference", grid={"stop_after": (1, 3)})],
        populations=[PopulationEntry("deconditioned", params={"heterogeneity": 0.5})],
        clients=30,
        weeks=6,
        seeds=(2,),
        coach_capacity=3,
        adverse_pain=2,
        traces=1,
    )
    _experiment_files(experiment, "sweep", out)


def command_line(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    args = ["simulate", "--policy", "pain-monitoring", "--clients", "40", "--weeks", "6"]
    args += ["--seed", "5", "--coach-capacity", "5", "--sessions-per-week", "2", "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    (out / "summary.json").write_text(result.stdout, encoding="utf-8")


CASES: dict[str, Callable[[Path], None]] = {
    "simulate-coach": simulate_with_coach,
    "simulate-no-coach": simulate_without_coach,
    "compare": comparison,
    "sweep": sweep_cell,
    "cli-simulate": command_line,
}
#: The files compared (the manifest holds fingerprints and the version: not results).
SUFFIXES = (".json", ".csv", ".jsonl")
SKIPPED = {"manifest.json", "experiment.json"}


def _files(folder: Path) -> dict[str, bytes]:
    version = retroprog.__version__.encode("utf-8")
    return {
        str(path.relative_to(folder)): path.read_bytes().replace(version, b"<version>")
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix in SUFFIXES and path.name not in SKIPPED
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_results_are_byte_identical_to_the_recorded_ones(case: str, tmp_path: Path) -> None:
    CASES[case](tmp_path)
    found = _files(tmp_path)
    expected_folder = GOLDEN / case
    if RECORD:
        for name, data in found.items():
            target = expected_folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    expected = {name: path.read_bytes() for name, path in _golden(expected_folder).items()}

    assert sorted(found) == sorted(expected)
    for name, data in found.items():
        assert data == expected[name], f"{case}/{name} differs from the recorded file"


def _golden(folder: Path) -> dict[str, Path]:
    return {
        str(path.relative_to(folder)): path for path in sorted(folder.rglob("*")) if path.is_file()
    }


def test_every_case_has_recorded_files() -> None:
    assert sorted(p.name for p in GOLDEN.iterdir() if p.is_dir()) == sorted(CASES)
    for case in CASES:
        names = _golden(GOLDEN / case)
        assert any(name.endswith("summary.json") for name in names), case
