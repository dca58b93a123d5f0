"""``retroprog compare FILE`` and ``retroprog sweep FILE``: experiment files on the command line."""

from __future__ import annotations

import csv
import json
import textwrap
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from retroprog_sim import cli
from retroprog_sim.experiment import Cell, run_experiment
from retroprog_sim.present import plots as _plots

EXAMPLES = Path(__file__).parents[2] / "examples" / "experiments"

EXPERIMENT = """
name = "small"
clients = 20
weeks = 4
seeds = [0, 1]

[[policies]]
name = "reference"

[[policies]]
name = "staircase"
label = "stairs"
params = { step_shrink = 0.5 }
"""


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli.cli, list(args))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def experiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(_plots, "available", lambda: False)  # fast: no plots
    path = tmp_path / "small.toml"
    path.write_text(textwrap.dedent(EXPERIMENT), encoding="utf-8")
    return path


def test_compare_runs_a_file_into_its_own_folder(experiment: Path) -> None:
    result = invoke("compare", str(experiment))

    assert result.exit_code == 0, result.output
    out = experiment.parent / "small-results"
    assert [r["policy"] for r in read_csv(out / "runs.csv")] == ["reference", "stairs"] * 2
    assert "stairs − reference, paired on the same clients" in result.stdout
    assert result.stdout.count("paired on the same clients") == 2  # one per seed
    assert (out / "report.html").exists()
    assert "resumed" not in result.stderr

    again = invoke("compare", str(experiment))

    assert again.exit_code == 0, again.output
    assert f"resumed: 4 of 4 runs were already finished in {out / 'cells'}" in again.stderr
    assert again.stdout == result.stdout


def test_sweep_runs_a_file_and_out_wins(experiment: Path, tmp_path: Path) -> None:
    experiment.write_text(
        experiment.read_text(encoding="utf-8").replace(
            '[[policies]]\nname = "reference"\n',
            '[[policies]]\nname = "reference"\ngrid = { stop_after = [1, 2] }\n',
        ),
        encoding="utf-8",
    )

    result = invoke("sweep", str(experiment), "--out", str(tmp_path / "elsewhere"))

    assert result.exit_code == 0, result.output
    rows = read_csv(tmp_path / "elsewhere" / "runs.csv")
    assert [(r["seed"], r["policy"], r["stop_after"]) for r in rows] == [
        ("0", "reference", "1"),
        ("0", "reference", "2"),
        ("0", "stairs", ""),
        ("1", "reference", "1"),
        ("1", "reference", "2"),
        ("1", "stairs", ""),
    ]
    assert not (experiment.parent / "small-results").exists()


def test_settings_given_as_options_win_over_the_file_and_are_recorded(
    experiment: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["--clients", "12", "--seed", "4", "--adverse-pain", "5", "--out", str(out)]
    result = invoke("compare", str(experiment), *args)

    assert result.exit_code == 0, result.output
    rows = read_csv(out / "runs.csv")
    assert [(r["seed"], r["policy"], r["clients"]) for r in rows] == [
        ("4", "reference", "12"),
        ("4", "stairs", "12"),
    ]
    document = json.loads((out / "experiment.json").read_text(encoding="utf-8"))
    settings = document["experiment"]
    assert (settings["clients"], settings["weeks"], settings["seeds"]) == (12, 4, [4])
    assert settings["from_command_line"] == ["adverse_pain", "clients", "seed"]
    assert [run["settings"]["adverse_pain"] for run in document["runs"]] == [5, 5]
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "12 (from the command line)" in report


@pytest.mark.parametrize(
    "args",
    [
        ("compare", "--population", "athlete"),
        ("compare", "--protocol", "retro-walk-run"),
        ("compare", "--param", "stop_after=3"),
        ("sweep", "--grid", "stop_after=1,2"),
        ("sweep", "--population-param", "heterogeneity=0"),
    ],
)
def test_options_the_file_sets_are_refused(experiment: Path, args: tuple[str, ...]) -> None:
    command, *options = args

    result = invoke(command, str(experiment), *options)

    assert result.exit_code == 2
    assert f"cannot be used with an experiment file: set it in {experiment}" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_every_problem_of_a_file_on_a_line_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'weeks = 0\n[[policies]]\nname = "reference"\ngrid = { stop_after = [1] }\n',
        encoding="utf-8",
    )

    result = invoke("compare", str(path))

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"retroprog: error: {path}: 3 problems in experiment:",
        "  weeks (line 1): must be a whole number ≥ 1, got 0",
        "  policies[1].grid (line 4): a grid is for sweeps (retroprog sweep); compare takes params",
        "  policies: compare needs at least two policies",
    ]


def _stop_after(count: int, error: BaseException, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the next run stop with ``error`` once ``count`` runs are saved."""
    real = run_experiment

    def stopping(*args: Any, finished: Any, **kwargs: Any) -> Any:
        seen: list[Cell] = []

        def counting(cell: Cell, reused: bool) -> None:
            finished(cell, reused)
            seen.append(cell)
            if len(seen) == count:
                raise error

        return real(*args, finished=counting, **kwargs)

    monkeypatch.setattr("retroprog_sim.experiment.run.run_experiment", stopping)


def test_ctrl_c_says_what_is_saved_and_a_rerun_finishes(
    experiment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = experiment.parent / "small-results"
    _stop_after(3, KeyboardInterrupt(), monkeypatch)

    stopped = invoke("compare", str(experiment))

    assert stopped.exit_code == 130
    assert stopped.stderr == (
        f"retroprog: error: interrupted; 3 of 4 runs are finished and saved in "
        f"{out / 'cells'}; run the same command again to finish the rest\n"
    )
    assert not (out / "runs.csv").exists()
    monkeypatch.undo()
    monkeypatch.setattr(_plots, "available", lambda: False)

    finished = invoke("compare", str(experiment))

    assert finished.exit_code == 0, finished.output
    assert "resumed: 3 of 4 runs" in finished.stderr
    assert len(read_csv(out / "runs.csv")) == 4


def test_a_lost_worker_is_one_line_too(experiment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _stop_after(1, BrokenProcessPool("a child process terminated abruptly"), monkeypatch)

    result = invoke("compare", str(experiment))

    assert result.exit_code == 2
    assert result.stderr.startswith(
        "retroprog: error: a worker was lost (BrokenProcessPool: a child process terminated "
        "abruptly); 1 of 4 runs are finished and saved in "
    )


def test_without_an_output_folder_nothing_is_claimed(monkeypatch: pytest.MonkeyPatch) -> None:
    _stop_after(1, KeyboardInterrupt(), monkeypatch)

    result = invoke("compare", "reference", "staircase", "--clients", "10", "--weeks", "2")

    assert result.exit_code == 130
    assert "nothing was saved (give --out DIR to keep finished runs)" in result.stderr


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_the_example_experiments_run(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_plots, "available", lambda: False)
    if "tune" in path.name:  # a tuning, shortened: its tests are in test_tune.py
        # its safety gate with 2 examples (as there): check_policy's own tests check at length
        shortened = tmp_path / path.name
        text = path.read_text(encoding="utf-8")
        shortened.write_text(text.replace("\n[tune]\n", "\n[tune]\ncheck_examples = 2\n", 1))
        small = ("--clients", "20", "--weeks", "4", "--trials", "2")
        result = invoke("tune", str(shortened), "--out", str(tmp_path / "out"), *small)
        assert result.exit_code == 0, result.output
        assert json.loads((tmp_path / "out" / "tune.json").read_text())["trials"]
        assert (tmp_path / "out" / "report.html").exists()
        return
    command = "sweep" if "sweep" in path.name else "compare"

    result = invoke(command, str(path), "--out", str(tmp_path))

    assert result.exit_code == 0, result.output
    assert read_csv(tmp_path / "runs.csv")
    assert (tmp_path / "report.html").exists()
