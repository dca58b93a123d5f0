"""Summaries, comparisons and experiments in a notebook: ``to_pandas()`` and ``_repr_html_``."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

import pytest

import retroprog as rp
from retroprog_sim import (
    Experiment,
    PolicyEntry,
    RunSettings,
    compare,
    run_experiment,
    simulate,
)
from retroprog_sim.extras import MissingExtraError

if TYPE_CHECKING:
    from retroprog_sim import Comparison, ExperimentResult, RunSpec, SimulationResult

    from .conftest import MakeSpec


@pytest.fixture(scope="module")
def spec(make_spec: MakeSpec) -> RunSpec:
    return make_spec(clients=40, weeks=8)


@pytest.fixture(scope="module")
def run(spec: RunSpec) -> SimulationResult:
    return simulate(spec)


@pytest.fixture(scope="module")
def comparison(spec: RunSpec) -> Comparison:
    return compare(spec, [rp.load_policy("reference"), rp.load_policy("staircase")], resamples=50)


@pytest.fixture(scope="module")
def sweep() -> ExperimentResult:
    experiment = Experiment(
        [PolicyEntry("staircase", grid={"successes_to_progress": (2, 3)})],
        run_settings=RunSettings(clients=20, weeks=4),
    )
    return run_experiment(experiment, "sweep")


def test_a_summary_as_a_one_row_frame(run: SimulationResult) -> None:
    pytest.importorskip("pandas")

    frame = run.summary.to_pandas()

    assert len(frame) == 1
    assert frame.loc[0, "goal_rate"] == run.summary.goal_rate
    assert frame.loc[0, "policy"] == "reference"
    assert "goal_rate_retro-walk" in frame.columns


def test_a_comparison_as_its_differences(comparison: Comparison) -> None:
    pytest.importorskip("pandas")

    frame = comparison.to_pandas()

    expected = comparison.differences["staircase"]
    assert list(frame["metric"]) == [d.metric for d in expected]
    assert list(frame["policy"].unique()) == ["staircase"]
    assert list(frame["difference"]) == pytest.approx([d.difference for d in expected], nan_ok=True)
    assert set(frame["reading"]) <= {
        "no clear difference",
        "cannot tell",
        "better (higher)",
        "better (lower)",
        "worse (higher)",
        "worse (lower)",
        "sooner",
        "later",
    }


def test_an_experiment_as_its_tables(sweep: ExperimentResult) -> None:
    pytest.importorskip("pandas")

    runs = sweep.to_pandas()
    clients = sweep.to_pandas("clients")

    assert list(runs["successes_to_progress"]) == [2, 3]
    assert len(clients) == 40
    with pytest.raises(ValueError, match="must be one of runs, clients"):
        sweep.to_pandas("differences")


def test_without_pandas_one_line_names_the_extra(
    run: SimulationResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pandas" else real(name, *a)
    )

    with pytest.raises(MissingExtraError, match=r"to_pandas\(\) needs the pandas extra") as caught:
        run.summary.to_pandas()
    assert "[pandas]" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_html_is_the_reports_table(
    run: SimulationResult, comparison: Comparison, sweep: ExperimentResult
) -> None:
    summary = run.summary._repr_html_()
    compared = comparison._repr_html_()
    swept = sweep._repr_html_()

    assert summary.count("<table") == 1
    assert '<th scope="row">goal rate</th>' in summary
    assert f"{100 * run.summary.goal_rate:.1f} %" in summary
    assert compared.count("<table") == 2
    assert "staircase − reference, paired on the same clients" in compared
    assert swept.count("<table") == 1
    assert "<script" not in summary + compared + swept
