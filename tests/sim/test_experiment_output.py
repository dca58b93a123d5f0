"""An experiment's folder: runs, clients and differences as CSV (and Parquet), JSON, report."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pytest

from retroprog_sim import (
    Experiment,
    ExperimentResult,
    PolicyEntry,
    PopulationEntry,
    run_experiment,
    write_experiment,
)
from retroprog_sim.present import files as _output
from retroprog_sim.present.plain import csv_cell


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


@pytest.fixture(scope="module")
def compared() -> ExperimentResult:
    experiment = Experiment(
        [PolicyEntry("reference"), PolicyEntry("pain-monitoring", label="zones")],
        populations=[PopulationEntry("general"), PopulationEntry("athlete")],
        clients=40,
        weeks=8,
        seeds=[5],
        traces=0,
    )
    return run_experiment(experiment, "compare", resamples=50)


@pytest.fixture(scope="module")
def swept() -> ExperimentResult:
    experiment = Experiment(
        [PolicyEntry("reference", grid={"stop_after": [1, 2, 3]})],
        clients=20,
        weeks=4,
        seeds=[0, 1],
        traces=0,
    )
    return run_experiment(experiment, "sweep")


def test_a_comparison_folder(compared: ExperimentResult, tmp_path: Path) -> None:
    written = write_experiment(compared, tmp_path, report=False)

    names = {p.name for p in written}
    assert {"runs.csv", "clients.csv", "differences.csv", "experiment.json"} <= names
    runs = read_csv(tmp_path / "runs.csv")
    assert [(r["population"], r["seed"], r["policy"]) for r in runs] == [
        ("general", "5", "reference"),
        ("general", "5", "zones"),
        ("athlete", "5", "reference"),
        ("athlete", "5", "zones"),
    ]
    assert [r["policy_name"] for r in runs] == ["reference", "pain-monitoring"] * 2
    for row, result in zip(runs, compared.results, strict=True):
        assert row["goal_rate"] == text(result.summary.goal_rate)
        assert row["adverse_events_per_100_sessions"] == text(
            result.summary.adverse_events_per_100_sessions
        )
    clients = read_csv(tmp_path / "clients.csv")
    assert len(clients) == 4 * 40
    assert [c["client_id"] for c in clients[:3]] == ["0", "1", "2"]
    assert clients[40]["policy"] == "zones"
    differences = read_csv(tmp_path / "differences.csv")
    expected = compared.differences[("athlete", 5)]["zones"]
    athlete = [d for d in differences if d["population"] == "athlete"]
    assert [d["metric"] for d in athlete] == [d.metric for d in expected]
    for row, d in zip(athlete, expected, strict=True):
        assert (row["policy"], row["baseline_policy"]) == ("zones", "reference")
        assert row["difference"] == text(d.difference)
        assert row["ci_low"] == text(d.ci_low)
    document = json.loads((tmp_path / "experiment.json").read_text(encoding="utf-8"))
    assert document["kind"] == "compare"
    assert document["experiment"]["clients"] == 40
    assert [r["label"] for r in document["runs"]] == ["reference", "zones"] * 2
    assert document["runs"][1]["policy_settings"]["pain_threshold"] == 5


def test_a_sweep_folder(swept: ExperimentResult, tmp_path: Path) -> None:
    written = write_experiment(swept, tmp_path, report=False)

    assert "differences.csv" not in {p.name for p in written}
    runs = read_csv(tmp_path / "runs.csv")
    assert list(runs[0])[:5] == ["population", "seed", "policy", "stop_after", "label"]
    assert [(r["seed"], r["stop_after"]) for r in runs] == [
        (seed, stop) for seed in "01" for stop in "123"
    ]
    assert runs[0]["label"] == "reference stop_after=1"


def test_parquet_holds_the_same_tables(compared: ExperimentResult, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")

    write_experiment(compared, tmp_path, report=False)

    for stem in ("runs", "clients", "differences"):
        table = pq.read_table(tmp_path / f"{stem}.parquet").to_pylist()
        rows = read_csv(tmp_path / f"{stem}.csv")
        assert len(table) == len(rows)
        assert list(table[0]) == list(rows[0])
        for got, want in zip(table, rows, strict=True):
            assert {k: csv_cell(v) for k, v in got.items()} == want


def test_without_pyarrow_only_csv(
    compared: ExperimentResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_output, "parquet_available", lambda: False)

    written = write_experiment(compared, tmp_path, report=False)

    assert not [p for p in written if p.suffix == ".parquet"]
    assert not list(tmp_path.glob("*.parquet"))


def test_the_report_is_written_with_the_tables(compared: ExperimentResult, tmp_path: Path) -> None:
    written = write_experiment(compared, tmp_path, plots=False)

    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert tmp_path / "report.html" in written
    assert "general population, seed 5" in report
    assert "athlete population, seed 5" in report
    assert "zones" in report
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
