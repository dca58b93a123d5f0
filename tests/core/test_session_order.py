"""Sessions are decided in the order they happened: a session dated before the last is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from retroprog import (
    Action,
    ClientState,
    Decision,
    ProgressionProtocol,
    SessionOutcome,
    Status,
    WeeklyCap,
    dumps_log,
    guarded,
    load_policy,
    load_protocol,
    loads_log,
    replay,
)
from retroprog.exceptions import InvalidValueError, SessionLogError

WALK_RUN = load_protocol("retro-walk-run")
REFERENCE = load_policy("reference")
AT_60 = ClientState("retro-walk", 60, sessions=10, base_sessions=6)
MAY_3 = dt.date(2024, 5, 3)


@attrs.frozen
class Climber:
    """A plug-in policy that steps up every session and keeps no days at all."""

    name: str = "climber"
    pain_threshold: int = 2

    def decide(
        self, protocol: ProgressionProtocol, state: ClientState, outcome: SessionOutcome
    ) -> Decision:
        after = attrs.evolve(state, level=protocol.step_up(state), sessions=state.sessions + 1)
        action = Action.PROGRESS if after.bout_seconds > state.bout_seconds else Action.HOLD
        return Decision(action, after, protocol.prescribe(after), ("climb",), "climbed")


def _refused(call: Any) -> InvalidValueError:
    with pytest.raises(InvalidValueError) as info:
        call()
    return info.value


# --- decide -----------------------------------------------------------------------------------


def test_decide_refuses_a_day_before_the_last() -> None:
    state = attrs.evolve(AT_60, last_day=12)

    error = _refused(lambda: REFERENCE.decide(WALK_RUN, state, SessionOutcome(day=10)))

    assert (error.field, error.value) == ("day", 10)
    assert str(error) == "day: is before the previous session (day 12), got 10"


def test_decide_refuses_a_date_before_the_last_and_shows_both_dates() -> None:
    state = attrs.evolve(AT_60, last_day=MAY_3.toordinal())

    error = _refused(
        lambda: REFERENCE.decide(WALK_RUN, state, SessionOutcome(date=MAY_3.replace(day=1)))
    )

    assert str(error) == "date: is before the previous session (2024-05-03), got '2024-05-01'"


@pytest.mark.parametrize(
    "policy",
    [REFERENCE, load_policy("staircase"), guarded(REFERENCE), guarded(Climber())],
    ids=lambda p: p.name,
)
def test_the_same_day_twice_and_sessions_without_a_day_are_fine(policy: Any) -> None:
    log = [SessionOutcome(day=5), SessionOutcome(day=5), SessionOutcome(), SessionOutcome(day=5)]

    decisions = replay(WALK_RUN, policy, log)

    assert len(decisions) == 4


def test_a_stopped_client_refuses_a_day_before_the_last_too() -> None:
    stopped = attrs.evolve(AT_60, status=Status.STOPPED, last_day=12)

    error = _refused(lambda: REFERENCE.decide(WALK_RUN, stopped, SessionOutcome(day=11)))
    later = REFERENCE.decide(WALK_RUN, stopped, SessionOutcome(day=13))

    assert str(error) == "day: is before the previous session (day 12), got 11"
    assert later.state == stopped  # absorbed: nothing changes, not even the last day


def test_a_resume_dated_before_the_last_session_is_refused() -> None:
    stopped = attrs.evolve(AT_60, status=Status.STOPPED, last_day=12)

    error = _refused(
        lambda: REFERENCE.decide(WALK_RUN, stopped, SessionOutcome(day=3, resume=True))
    )

    assert error.field == "day"


def test_a_guarded_plug_in_policy_that_ignores_days_is_checked_by_the_guards() -> None:
    state = attrs.evolve(AT_60, last_day=12)

    error = _refused(lambda: guarded(Climber()).decide(WALK_RUN, state, SessionOutcome(day=10)))

    assert str(error) == "day: is before the previous session (day 12), got 10"


def test_day_numbers_and_dates_share_one_scale() -> None:
    # decide() cannot tell which the state's last day was: a date counts as its
    # ordinal, so dates after day numbers look like a long gap, and day numbers
    # after dates go back in time (read_log refuses mixing them outright).
    by_date = REFERENCE.decide(
        WALK_RUN, attrs.evolve(AT_60, last_day=12), SessionOutcome(date=MAY_3)
    )
    error = _refused(lambda: REFERENCE.decide(WALK_RUN, by_date.state, SessionOutcome(day=13)))

    assert by_date.state.last_day == MAY_3.toordinal()
    assert str(error) == f"day: is before the previous session (day {MAY_3.toordinal()}), got 13"


# --- replay -----------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", [REFERENCE, Climber(), guarded(Climber())], ids=lambda p: p.name)
def test_replay_names_the_session_for_any_policy(policy: Any) -> None:
    log = [SessionOutcome(day=1), SessionOutcome(), SessionOutcome(day=4), SessionOutcome(day=3)]

    error = _refused(lambda: replay(WALK_RUN, policy, log))

    assert (error.field, error.value) == ("outcomes[3].day", 3)
    assert str(error) == "outcomes[3].day: is before the previous session (day 4), got 3"


def test_replay_starts_from_the_state_s_last_day() -> None:
    error = _refused(
        lambda: replay(
            WALK_RUN, Climber(), [SessionOutcome(day=3)], state=attrs.evolve(AT_60, last_day=9)
        )
    )

    assert str(error) == "outcomes[0].day: is before the previous session (day 9), got 3"


def test_replay_counts_the_days_of_sessions_a_stopped_client_had() -> None:
    # a stopped client's sessions leave the state alone, but the log must still be in order
    log = [
        SessionOutcome(day=1, pain=8),
        SessionOutcome(day=20),
        SessionOutcome(day=15, resume=True),
    ]

    error = _refused(lambda: replay(WALK_RUN, REFERENCE, log))

    assert str(error) == "outcomes[2].day: is before the previous session (day 20), got 15"


def test_replay_refuses_what_read_log_refuses() -> None:
    log = [SessionOutcome(date=MAY_3), SessionOutcome(date=MAY_3.replace(day=1))]

    with pytest.raises(InvalidValueError) as replayed:
        replay(WALK_RUN, REFERENCE, log)
    with pytest.raises(SessionLogError) as read:
        loads_log(dumps_log(log))

    assert str(replayed.value) == (
        "outcomes[1].date: is before the previous session (2024-05-03), got '2024-05-01'"
    )
    assert [str(p) for p in read.value.problems] == [
        "line 2: date: is before the previous session (2024-05-03), got '2024-05-01'"
    ]


# --- the weekly cap ---------------------------------------------------------------------------


def test_daily_sessions_dated_backwards_no_longer_slip_past_the_weekly_cap() -> None:
    # Issue 9: dated backwards, every session's 7-day window held only itself,
    # and the bout rose 45 s → 105 s in 7 days under a cap of 30 s a week.
    policy = guarded(load_policy("reference", successes_to_progress=1), WeeklyCap())
    state = ClientState("retro-walk", 45, sessions=10, base_sessions=6, last_day=100)
    log = [SessionOutcome(day=100 - d) for d in range(7)]

    error = _refused(lambda: replay(WALK_RUN, policy, log, state=state))
    first = policy.decide(WALK_RUN, state, log[0])
    refused = _refused(lambda: policy.decide(WALK_RUN, first.state, log[1]))

    assert str(error) == "outcomes[1].day: is before the previous session (day 100), got 99"
    assert str(refused) == "day: is before the previous session (day 100), got 99"


def test_daily_sessions_in_order_are_capped() -> None:
    policy = guarded(load_policy("reference", successes_to_progress=1), WeeklyCap())
    state = ClientState("retro-walk", 45, sessions=10, base_sessions=6, last_day=93)
    log = [SessionOutcome(day=94 + d) for d in range(7)]

    decisions = replay(WALK_RUN, policy, log, state=state)

    assert max(d.state.bout_seconds for d in decisions) == 75
