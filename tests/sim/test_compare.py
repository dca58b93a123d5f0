"""Comparisons run every policy on the same clients; sweeps cover the whole grid."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from typing import TYPE_CHECKING

import attrs
import pytest

import retroprog as rp
from retroprog_sim import (
    Comparison,
    Experiment,
    PolicyEntry,
    PopulationEntry,
    RunSpec,
    SimulationResult,
    compare,
    paired_differences,
    run_experiment,
    simulate,
)
from retroprog_sim.comparison import shared_stages

if TYPE_CHECKING:
    from .conftest import MakeSpec

_POLICIES = ("reference", "pain-monitoring", "staircase")


@pytest.fixture(scope="module")
def spec(make_spec: MakeSpec) -> RunSpec:
    return make_spec(population="athlete", clients=80, weeks=16, trace_clients=80, block_size=30)


@pytest.fixture(scope="module")
def comparison(spec: RunSpec) -> Comparison:
    return compare(spec, [rp.load_policy(name) for name in _POLICIES], resamples=200)


def _attended(run: SimulationResult) -> dict[int, list[int]]:
    days: dict[int, list[int]] = defaultdict(list)
    for trace in run.traces:
        days[trace["client"]].append(trace["day"])
    return days


def _same(value: float, expected: float | None) -> bool:
    if expected is None or math.isnan(expected):
        return math.isnan(value)
    return value == pytest.approx(expected)


def test_every_policy_meets_the_same_clients_with_the_same_attendance(
    comparison: Comparison, spec: RunSpec
) -> None:
    runs = comparison.runs
    assert [run.spec.policy.name for run in runs] == list(_POLICIES)
    for a, b in itertools.combinations(runs, 2):
        assert [r.client_id for r in a.clients] == [r.client_id for r in b.clients]
        days_a, days_b = _attended(a), _attended(b)
        for ra, rb in zip(a.clients, b.clients, strict=True):
            assert ra.sessions + ra.missed + ra.after_end == rb.sessions + rb.missed + rb.after_end
            # while both are still in the programme, they attend the very same days
            ends = [
                spec.days
                if r.status == "active" and r.dropout_day is None
                else days[r.client_id][-1]
                for r, days in ((ra, days_a), (rb, days_b))
            ]
            until = min(ends)
            assert [d for d in days_a[ra.client_id] if d <= until] == [
                d for d in days_b[rb.client_id] if d <= until
            ], ra.client_id
    # and the policies do differ, so the sameness above is not for lack of a difference
    assert runs[0].clients != runs[2].clients


def test_each_run_is_the_policys_own_simulation(comparison: Comparison, spec: RunSpec) -> None:
    alone = simulate(attrs.evolve(spec, policy=rp.load_policy("staircase")))

    assert comparison.runs[2].summary == alone.summary
    assert comparison.runs[2].clients == alone.clients


def test_differences_are_against_the_first_policy(comparison: Comparison) -> None:
    assert sorted(comparison.differences) == sorted(_POLICIES[1:])
    baseline = comparison.runs[0].summary
    for run in comparison.runs[1:]:
        diffs = {d.metric: d for d in comparison.differences[run.spec.policy.name]}
        assert list(diffs) == [
            "goal_rate",
            "retro-walk_target_rate",
            "median_days_to_goal",
            "adverse_events_per_100_sessions",
            "stop_rate",
            "dropout_rate",
        ]
        walk = diffs.pop("retro-walk_target_rate")
        assert walk.baseline == baseline.stage_goal_rates["retro-walk"]
        assert walk.other == run.summary.stage_goal_rates["retro-walk"]
        for metric, d in diffs.items():
            # an undefined median (None in a summary) is NaN in a difference
            assert _same(d.baseline, getattr(baseline, metric)), metric
            assert _same(d.other, getattr(run.summary, metric)), metric
            assert _same(d.difference, d.other - d.baseline), metric
            assert math.isnan(d.difference) or d.ci_low <= d.ci_high, d
    # a 3-up staircase reaches the goal later than 2-up: a difference that is not luck
    staircase = {d.metric: d for d in comparison.differences["staircase"]}
    assert staircase["goal_rate"].ci_high < 0
    assert staircase["retro-walk_target_rate"].ci_high < 0


def test_a_policy_compared_with_itself_differs_by_nothing(spec: RunSpec) -> None:
    policy = rp.load_policy("reference")
    result = compare(spec, [policy, policy], resamples=100)
    (diffs,) = result.differences.values()

    assert result.runs[0].clients == result.runs[1].clients
    assert result.runs[0].summary.median_days_to_goal is not None  # so its CI is defined
    for d in diffs:
        assert d.difference == 0.0, d
        assert (d.ci_low, d.ci_high) == (0.0, 0.0), d


def test_compare_needs_two_policies(spec: RunSpec) -> None:
    with pytest.raises(ValueError, match="two policies"):
        compare(spec, [rp.load_policy("reference")])


def test_paired_differences_need_the_same_clients(comparison: Comparison) -> None:
    clients = comparison.runs[0].clients
    with pytest.raises(ValueError, match="same clients"):
        paired_differences(clients, clients[::-1], horizon=112)


def test_compare_reports_progress_over_all_policies(spec: RunSpec) -> None:
    seen: list[tuple[int, int]] = []
    small = attrs.evolve(
        spec, settings=attrs.evolve(spec.settings, clients=20, block_size=10, trace_clients=0)
    )
    compare(
        small,
        [rp.load_policy("reference"), rp.load_policy("staircase")],
        progress=lambda done, total: seen.append((done, total)),
        resamples=10,
    )

    assert seen == [(10, 40), (20, 40), (30, 40), (40, 40)]


def test_sweep_runs_every_grid_cell_on_every_population() -> None:
    grid = {"pain_threshold": [2, 4], "successes_to_progress": [1, 2, 3]}
    experiment = Experiment(
        [PolicyEntry("reference", grid=grid)],
        populations=[PopulationEntry("general"), PopulationEntry("athlete")],
        clients=12,
        weeks=4,
        seeds=[11],
    )
    seen: list[int] = []

    result = run_experiment(experiment, "sweep", progress=lambda done, total: seen.append(done))

    assert len(result.cells) == 2 * 3 * 2
    keys = [
        (
            cell.parameters["pain_threshold"],
            cell.parameters["successes_to_progress"],
            cell.population,
        )
        for cell in result.cells
    ]
    assert sorted(keys) == sorted(itertools.product([2, 4], [1, 2, 3], ["general", "athlete"]))
    for cell, run in zip(result.cells, result.results, strict=True):
        policy = run.spec.policy
        assert isinstance(policy, rp.RulePolicy)
        assert policy.pain_threshold == cell.parameters["pain_threshold"]
        assert policy.successes_to_progress == cell.parameters["successes_to_progress"]
        assert run.spec.population.name == cell.population
        assert run.summary.population == cell.population
        assert run.summary.clients == 12
    assert seen[-1] == 12 * 12
    assert result.differences == {}
    # the parameters matter: stepping up after every success moves faster than after three
    by_key = dict(zip(keys, result.results, strict=True))
    fast, slow = by_key[(2, 1, "athlete")], by_key[(2, 3, "athlete")]
    assert sum(r.final_bout for r in fast.clients) > sum(r.final_bout for r in slow.clients)


def test_stage_targets_are_compared_only_on_the_same_stages() -> None:
    article = rp.load_protocol("retro-walk-run")
    shorter = rp.load_protocol("retro-walk-run", min_base_sessions=4)
    walk_only = rp.StagedProtocol("walk-only", [rp.Stage("retro-walk")])

    assert shared_stages(article, shorter) == ["retro-walk"]
    assert shared_stages(article, walk_only) == []
    assert shared_stages(walk_only, walk_only) == []  # its one target is the goal
