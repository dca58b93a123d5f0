"""Every scheduled session is attended, missed, or after the client's end: the counts add up."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import pytest

from retroprog_sim import ClientResult, SimulationResult, schedule, simulate

if TYPE_CHECKING:
    from .conftest import MakeSpec


@pytest.mark.parametrize(
    ("weeks", "per_week", "days"),
    [
        (1, 1, [0]),
        (2, 2, [0, 4, 7, 11]),
        (2, 3, [0, 2, 5, 7, 9, 12]),
        (1, 7, [0, 1, 2, 3, 4, 5, 6]),
    ],
)
def test_schedule_spreads_sessions_over_each_week(
    weeks: int, per_week: int, days: list[int]
) -> None:
    assert schedule(weeks, per_week) == days


@pytest.mark.parametrize("per_week", range(1, 8))
def test_schedule_has_the_asked_sessions_on_distinct_days(per_week: int) -> None:
    days = schedule(5, per_week)
    assert len(days) == 5 * per_week
    assert days == sorted(set(days))
    assert days[0] >= 0
    assert days[-1] < 35


def _ended(result: ClientResult) -> bool:
    return result.status != "active" or result.dropout_day is not None


@pytest.mark.parametrize("coach_capacity", [None, 1], ids=["no-coach", "coach-1"])
@pytest.mark.parametrize("per_week", [2, 3, 5])
def test_every_scheduled_session_is_counted_once(
    make_spec: MakeSpec, coach_capacity: int | None, per_week: int
) -> None:
    spec = make_spec(
        population="deconditioned",  # frequent stops and dropouts
        clients=60,
        weeks=10,
        sessions_per_week=per_week,
        coach_capacity=coach_capacity,
        trace_clients=60,
        block_size=20,
    )
    run = simulate(spec)
    days = schedule(spec.weeks, per_week)
    sessions_on: dict[int, list[int]] = defaultdict(list)
    for trace in run.traces:
        sessions_on[trace["client"]].append(trace["day"])

    for r in run.clients:
        assert r.scheduled == len(days), r
        assert r.sessions + r.missed + r.after_end == r.scheduled, r
        attended = sessions_on[r.client_id]
        assert len(attended) == r.sessions, r
        assert attended == sorted(set(attended)), r
        assert set(attended) <= set(days), r
        if _ended(r):  # nothing after the end; the end is the last session
            assert r.after_end == sum(day > attended[-1] for day in days), r
        else:
            assert r.after_end == 0, r
        if r.dropout_day is not None:
            assert r.dropout_day == attended[-1], r
            assert r.end_day == r.dropout_day, r
        else:
            assert r.end_day == spec.days, r

    assert run.summary.sessions == sum(r.sessions for r in run.clients)
    assert run.summary.missed_sessions == sum(r.missed for r in run.clients)
    # the census is not vacuous: clients attend, miss, and end
    for count in ("sessions", "missed", "after_end"):
        assert sum(getattr(r, count) for r in run.clients) > 0, count
    assert any(r.dropout_day is not None for r in run.clients)
    assert any(r.stopped for r in run.clients)


def _census(run: SimulationResult) -> list[tuple[int, int, int]]:
    return [(r.sessions, r.missed, r.after_end) for r in run.clients]


def test_a_coach_who_sees_everyone_changes_nothing(make_spec: MakeSpec) -> None:
    spec = make_spec(clients=30, block_size=30)
    alone = simulate(spec)
    coached = simulate(make_spec(clients=30, block_size=30, coach_capacity=30))

    assert _census(coached) == _census(alone)
    assert coached.clients == alone.clients
