"""Output folders: summary JSON, per-client CSV, traces, plots; every file atomic."""

from __future__ import annotations

import csv
import json
import os
from typing import IO, TYPE_CHECKING, Any

import attrs
import pytest

import retroprog
import retroprog_sim
from retroprog_sim.present import files as _output
from retroprog_sim.present import plots as _plots
from retroprog_sim.present.plots import plot_bouts, plot_time_to_goal
from retroprog_sim.stats import time_to_goal

if TYPE_CHECKING:
    from pathlib import Path

PNG = b"\x89PNG\r\n\x1a\n"
STAGES = ["retro-walk", "retro-run"]


def _reject_nan(value: str) -> Any:
    raise AssertionError(f"not strict JSON: {value}")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=_reject_nan)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def run(**changes: Any) -> retroprog_sim.SimulationResult:
    spec = retroprog_sim.RunSpec(
        retroprog.load_protocol("retro-walk-run"),
        retroprog.load_policy("reference"),
        retroprog_sim.load_population("athlete"),
        clients=25,
        weeks=8,
        trace_clients=3,
    )
    return retroprog_sim.simulate(attrs.evolve(spec, **changes))


@pytest.fixture(scope="module")
def result() -> retroprog_sim.SimulationResult:
    return run()


def test_summary_json_holds_the_summary_and_the_run(
    result: retroprog_sim.SimulationResult, tmp_path: Path
) -> None:
    _output.write_outputs(result, tmp_path, plots=False)

    summary = read_json(tmp_path / "summary.json")

    for key, value in result.summary.as_dict().items():
        assert summary[key] == (list(value) if isinstance(value, tuple) else value), key
    assert summary["weeks"] == 8
    assert summary["retroprog_version"] == retroprog.__version__
    assert summary["settings"]["trace_clients"] == 3
    assert summary["policy_settings"]["name"] == "reference"
    assert summary["population_settings"]["name"] == "athlete"


def test_clients_csv_has_a_row_per_client_and_goal_columns_per_stage(
    result: retroprog_sim.SimulationResult, tmp_path: Path
) -> None:
    _output.write_outputs(result, tmp_path, plots=False)

    rows = read_csv(tmp_path / "clients.csv")

    assert len(rows) == len(result.clients) == 25
    for row, client in zip(rows, result.clients, strict=True):
        assert int(row["client_id"]) == client.client_id
        assert int(row["sessions"]) == client.sessions
        assert row["status"] == client.status
        assert row["stopped"] == ("true" if client.stopped else "false")
        for i, stage in enumerate(STAGES):
            day, session = client.goal_days[i], client.goal_sessions[i]
            assert row[f"goal_day_{stage}"] == ("" if day is None else str(day))
            assert row[f"goal_session_{stage}"] == ("" if session is None else str(session))
    assert any(row["goal_day_retro-walk"] for row in rows)  # the columns are not all empty


def test_traces_are_written_only_when_kept(
    result: retroprog_sim.SimulationResult, tmp_path: Path
) -> None:
    with_traces = _output.write_outputs(result, tmp_path / "a", plots=False)
    without = _output.write_outputs(run(trace_clients=0), tmp_path / "b", plots=False, report=False)

    lines = (tmp_path / "a" / "traces.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == result.traces
    assert tmp_path / "a" / "traces.jsonl" in with_traces
    assert not (tmp_path / "b" / "traces.jsonl").exists()
    names = [p.name for p in without]
    expected = ["summary.json", "clients.csv", "clients.parquet", "manifest.json"]
    if not _output.parquet_available():
        expected.remove("clients.parquet")
    assert names == expected


def test_plots_are_pngs(result: retroprog_sim.SimulationResult, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")

    written = _output.write_outputs(result, tmp_path)

    for name in ("time_to_goal.png", "bout_length.png"):
        assert tmp_path / name in written
        assert (tmp_path / name).read_bytes()[:8] == PNG


def test_no_plots_without_matplotlib(
    result: retroprog_sim.SimulationResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_plots, "available", lambda: False)

    _output.write_outputs(result, tmp_path)

    assert not list(tmp_path.glob("*.png"))


def test_files_have_ordinary_permissions_and_no_leftovers(
    result: retroprog_sim.SimulationResult, tmp_path: Path
) -> None:
    umask = os.umask(0)
    os.umask(umask)

    written = _output.write_outputs(result, tmp_path, plots=False)
    _output.write_outputs(result, tmp_path, plots=False)  # overwriting is fine too

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    target.write_text("old", encoding="utf-8")

    def half_then_fail(handle: IO[bytes]) -> None:
        handle.write(b"{half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _output.write_atomic(target, half_then_fail)

    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_time_to_goal_agrees_with_the_summary(result: retroprog_sim.SimulationResult) -> None:
    horizon = result.spec.days

    overall = time_to_goal(result.clients, horizon=horizon)
    walk = time_to_goal(result.clients, horizon=horizon, stage=0)

    assert overall.median == result.summary.median_days_to_goal
    assert walk.median == result.summary.stage_median_days["retro-walk"]
    # censoring at dropout: the estimate is never below the share observed to reach it
    assert walk.event_rate_by(horizon) >= result.summary.stage_goal_rates["retro-walk"]


def test_plots_of_empty_data() -> None:
    pytest.importorskip("matplotlib")
    none_reached = retroprog_sim.kaplan_meier([10.0, 20.0], [False, False])

    figure = plot_time_to_goal({"nobody": none_reached}, horizon_days=28, title="empty")

    assert figure.axes[0].get_ylim() == (0.0, 0.05)  # nothing reached: the smallest axis
    assert plot_bouts([], title="no traces") is None
