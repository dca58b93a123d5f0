"""A coach with limited capacity: clients not seen that day miss their session."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pytest

from retroprog_sim import RunSpec, SimulationResult, schedule, simulate

if TYPE_CHECKING:
    from .conftest import MakeSpec

_CLIENTS = 120
_SLOTS = 8  # one-hour group sessions, eight hours a day


def _run(make_spec: MakeSpec, capacity: int | None) -> SimulationResult:
    spec: RunSpec = make_spec(
        clients=_CLIENTS,
        weeks=6,
        block_size=_CLIENTS // 2,  # two clinics, a coach each
        coach_capacity=capacity,
        trace_clients=_CLIENTS,
    )
    return simulate(spec)


@pytest.fixture(scope="module")
def unsupervised(make_spec: MakeSpec) -> SimulationResult:
    return _run(make_spec, None)


@pytest.fixture(scope="module")
def one_coach_place(make_spec: MakeSpec) -> SimulationResult:
    return _run(make_spec, 1)


def _per_clinic_and_day(run: SimulationResult) -> Counter[tuple[int, int]]:
    size = run.spec.block_size
    return Counter((t["client"] // size, t["day"]) for t in run.traces)


def test_a_small_coach_capacity_makes_clients_miss_sessions(
    unsupervised: SimulationResult, one_coach_place: SimulationResult
) -> None:
    alone, coached = unsupervised.summary, one_coach_place.summary

    assert coached.sessions < alone.sessions / 3
    assert coached.missed_sessions > alone.missed_sessions + alone.sessions / 2
    # every client still accounts for every scheduled session
    for r in one_coach_place.clients:
        assert r.sessions + r.missed + r.after_end == r.scheduled


def test_no_clinic_sees_more_clients_a_day_than_the_coach_can(
    one_coach_place: SimulationResult,
) -> None:
    counts = _per_clinic_and_day(one_coach_place)

    assert counts
    assert max(counts.values()) <= _SLOTS * 1


def test_a_busy_coach_runs_every_group_session_of_the_day(
    one_coach_place: SimulationResult,
) -> None:
    """With sixty clients a clinic and one place, each of the eight hours is used, every day."""
    counts = _per_clinic_and_day(one_coach_place)
    days = schedule(one_coach_place.spec.weeks, one_coach_place.spec.sessions_per_week)
    short = {key: n for key, n in counts.items() if n != _SLOTS}

    assert len(counts) == 2 * len(days)
    assert short == {}, f"clinic-days with fewer than {_SLOTS} sessions: {sorted(short.items())}"


def test_more_coach_places_see_more_clients(
    make_spec: MakeSpec, one_coach_place: SimulationResult
) -> None:
    two = _run(make_spec, 2)

    assert two.summary.sessions > 1.7 * one_coach_place.summary.sessions
    assert max(_per_clinic_and_day(two).values()) <= _SLOTS * 2
