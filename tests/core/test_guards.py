"""Guards: each one corrects a hand-written inner policy that misbehaves."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from retroprog import (
    PAIN_CEILING,
    Action,
    ClientState,
    Decision,
    GapRegress,
    Guard,
    GuardedPolicy,
    NoProgressAfterAdverse,
    OneStep,
    Prescription,
    ProgressionProtocol,
    Reason,
    SessionOutcome,
    Status,
    WeeklyCap,
    from_json,
    guarded,
    load_guard,
    load_policy,
    load_protocol,
    replay,
    to_dict,
    to_json,
)
from retroprog import _guards as guards_module
from retroprog.exceptions import InvalidValueError, UnknownParameterError, UnknownPluginError

WALK_RUN = load_protocol("retro-walk-run")
AT_60 = ClientState("retro-walk", 60, sessions=10, base_sessions=6)
_WINDOW = "weekly_cap.window"


def _counted(state: ClientState, outcome: SessionOutcome, bout: int) -> ClientState:
    moved = bout != state.bout_seconds
    day = outcome.day_number
    return attrs.evolve(
        state,
        level=bout,
        sessions=state.sessions + 1,
        sessions_at_level=0 if moved else state.sessions_at_level + 1,
        successes=0 if moved else state.successes + 1,
        last_day=state.last_day if day is None else day,
    )


@attrs.frozen
class Mover:
    """Misbehaves: moves the bout by ``by`` seconds every session, whatever happened."""

    by: int
    name: str = "mover"
    pain_threshold: int = 2

    def decide(
        self, protocol: ProgressionProtocol, state: ClientState, outcome: SessionOutcome
    ) -> Decision:
        stage = protocol.stage(state.stage)
        bout = max(stage.base_min_seconds, min(state.bout_seconds + self.by, stage.target_seconds))
        after = _counted(state, outcome, bout)
        if bout > state.bout_seconds:
            action = Action.PROGRESS
        elif bout < state.bout_seconds:
            action = Action.REGRESS
        else:
            action = Action.HOLD
        return Decision(action, after, protocol.prescribe(after), ("mover",), f"moved to {bout} s")


@attrs.frozen
class Skipper:
    """Misbehaves: jumps to the next stage (or completes) from any bout."""

    name: str = "skipper"
    pain_threshold: int = 2

    def decide(
        self, protocol: ProgressionProtocol, state: ClientState, outcome: SessionOutcome
    ) -> Decision:
        following = protocol.next_stage(state.stage)
        counted = _counted(state, outcome, state.bout_seconds)
        if following is None:
            after = attrs.evolve(counted, status=Status.COMPLETED)
            return Decision(Action.COMPLETE, after, None, ("skipper",), "done")
        after = attrs.evolve(
            counted,
            stage=following.name,
            level=following.base_min_seconds,
            base_sessions=0,
            successes=0,
            sessions_at_level=0,
        )
        return Decision(Action.ADVANCE, after, protocol.prescribe(after), ("skipper",), "skipped")


def _summary(decision: Decision) -> tuple[str, str, int, tuple[str, ...], str]:
    return (
        decision.action.value,
        decision.state.stage,
        decision.state.bout_seconds,
        tuple(str(r) for r in decision.reasons),
        decision.explanation,
    )


def _decide(
    guard: Guard, inner: Any, state: ClientState = AT_60, **outcome: Any
) -> tuple[Decision, Decision]:
    """(the inner policy's decision, the guarded one)."""
    session = SessionOutcome(**outcome)
    return inner.decide(WALK_RUN, state, session), guarded(inner, guard).decide(
        WALK_RUN, state, session
    )


# --- one step ---------------------------------------------------------------------------------


def test_one_step_cuts_a_jump_to_one_step() -> None:
    inner, decision = _decide(OneStep(), Mover(60))

    assert _summary(inner)[:3] == ("progress", "retro-walk", 120)
    assert _summary(decision) == (
        "progress",
        "retro-walk",
        75,
        ("mover", "guard_one_step"),
        "progressed 60 s → 75 s: one step at a time (the policy asked for 120 s)",
    )
    assert decision.prescription == Prescription.simple("retro-walk", 75)
    assert (decision.state.sessions, decision.state.sessions_at_level) == (11, 0)


def test_one_step_cuts_a_fall_to_one_step() -> None:
    _, decision = _decide(OneStep(), Mover(-60), attrs.evolve(AT_60, level=105))

    assert _summary(decision) == (
        "regress",
        "retro-walk",
        90,
        ("mover", "guard_one_step"),
        "regressed 105 s → 90 s: one step at a time (the policy asked for 45 s)",
    )


@pytest.mark.parametrize("by", [15, -15, 0, 5])
def test_one_step_leaves_single_steps_alone(by: int) -> None:
    inner, decision = _decide(OneStep(), Mover(by))

    assert decision == inner


def test_one_step_refuses_an_advance_below_the_target() -> None:
    inner, decision = _decide(OneStep(), Skipper())

    assert inner.action is Action.ADVANCE
    assert _summary(decision) == (
        "progress",
        "retro-walk",
        75,
        ("skipper", "guard_one_step"),
        "progressed 60 s → 75 s: one step at a time "
        "(60 s is below the target or the next stage was skipped)",
    )


def test_one_step_allows_an_advance_from_the_target() -> None:
    inner, decision = _decide(OneStep(), Skipper(), attrs.evolve(AT_60, level=120))

    assert decision == inner
    assert _summary(decision)[:3] == ("advance", "retro-run", 15)


def test_one_step_refuses_a_completion_below_the_last_target() -> None:
    state = ClientState("retro-run", 60, sessions=30, base_sessions=6)

    inner, decision = _decide(OneStep(), Skipper(), state)

    assert inner.action is Action.COMPLETE
    assert _summary(decision)[:4] == ("progress", "retro-run", 75, ("skipper", "guard_one_step"))
    assert decision.state.status is Status.ACTIVE
    assert decision.prescription == Prescription.simple("retro-run", 75)


def test_one_step_refuses_a_completion_from_a_stage_that_is_not_the_last() -> None:
    @attrs.frozen
    class Finisher:
        name: str = "finisher"
        pain_threshold: int = 2

        def decide(
            self, protocol: ProgressionProtocol, state: ClientState, outcome: SessionOutcome
        ) -> Decision:
            after = attrs.evolve(
                _counted(state, outcome, state.bout_seconds), status=Status.COMPLETED
            )
            return Decision(Action.COMPLETE, after, None, ("finisher",), "done")

    state = attrs.evolve(AT_60, level=120)

    _, decision = _decide(OneStep(), Finisher(), state)

    assert _summary(decision)[:4] == ("hold", "retro-walk", 120, ("finisher", "guard_one_step"))
    assert decision.state.status is Status.ACTIVE


# --- no progress after an adverse session -------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "found"),
    [
        ({"pain": 5}, "pain 5/10"),
        ({"balance_losses": 1}, "balance lost once"),
        ({"form_breakdown": True}, "could not move properly"),
        (
            {"pain": 3, "balance_losses": 2, "form_breakdown": True},
            "pain 3/10, balance lost twice, could not move properly",
        ),
    ],
)
def test_no_step_up_after_an_adverse_session(outcome: dict[str, Any], found: str) -> None:
    inner, decision = _decide(NoProgressAfterAdverse(), Mover(15), **outcome)

    assert inner.action is Action.PROGRESS
    assert _summary(decision) == (
        "hold",
        "retro-walk",
        60,
        ("mover", "guard_adverse"),
        f"held at 60 s: no step up after an adverse session ({found})",
    )
    assert decision.prescription == Prescription.simple("retro-walk", 60)


def test_the_held_adverse_session_is_not_counted_as_a_success() -> None:
    _, decision = _decide(
        NoProgressAfterAdverse(), Mover(15), attrs.evolve(AT_60, successes=1), pain=5
    )

    assert (decision.state.successes, decision.state.adverse) == (0, 1)


def test_no_advance_after_an_adverse_session() -> None:
    _, decision = _decide(
        NoProgressAfterAdverse(), Skipper(), attrs.evolve(AT_60, level=120), balance_losses=1
    )

    assert _summary(decision)[:4] == ("hold", "retro-walk", 120, ("skipper", "guard_adverse"))


@pytest.mark.parametrize("outcome", [{}, {"pain": 2}, {"dizziness": True}, {"rpe": 9}])
def test_no_progress_after_adverse_lets_other_sessions_through(outcome: dict[str, Any]) -> None:
    inner, decision = _decide(NoProgressAfterAdverse(), Mover(15), **outcome)

    assert decision == inner


def test_no_progress_after_adverse_lets_a_regression_through() -> None:
    inner, decision = _decide(NoProgressAfterAdverse(), Mover(-15), pain=6)

    assert decision == inner


def test_no_progress_after_adverse_takes_its_own_threshold() -> None:
    guard = NoProgressAfterAdverse(pain_threshold=4)

    assert _decide(guard, Mover(15), pain=4)[1].action is Action.PROGRESS
    assert _decide(guard, Mover(15), pain=5)[1].action is Action.HOLD
    assert _decide(guard, Mover(15), next_day_pain=5)[1].action is Action.HOLD
    assert _decide(guard, Mover(15), balance_losses=1)[1].action is Action.HOLD


def test_no_progress_after_adverse_uses_the_policys_threshold() -> None:
    assert _decide(NoProgressAfterAdverse(), Mover(15, pain_threshold=5), pain=5)[1].action is (
        Action.PROGRESS
    )
    assert _decide(NoProgressAfterAdverse(), Mover(15, pain_threshold=5), pain=6)[1].action is (
        Action.HOLD
    )


# --- a long gap ---------------------------------------------------------------------------------


def test_a_long_gap_regresses_one_step() -> None:
    state = attrs.evolve(AT_60, last_day=100)

    inner, decision = _decide(GapRegress(max_gap_days=10), Mover(0), state, day=111)

    assert inner.action is Action.HOLD
    assert _summary(decision) == (
        "regress",
        "retro-walk",
        45,
        ("mover", "guard_gap"),
        "regressed 60 s → 45 s: 11 days since the last session (more than 10)",
    )
    assert decision.state.last_day == 111


def test_a_long_gap_turns_a_step_up_into_a_step_down() -> None:
    state = attrs.evolve(AT_60, last_day=100)

    _, decision = _decide(GapRegress(max_gap_days=10), Mover(15), state, day=120)

    assert _summary(decision)[:4] == ("regress", "retro-walk", 45, ("mover", "guard_gap"))


def test_a_gap_of_exactly_the_limit_is_no_gap() -> None:
    state = attrs.evolve(AT_60, last_day=100)

    inner, decision = _decide(GapRegress(max_gap_days=10), Mover(15), state, day=110)

    assert decision == inner


def test_a_gap_in_dates() -> None:
    last = dt.date(2024, 2, 20)
    state = attrs.evolve(AT_60, last_day=last.toordinal())

    _, within = _decide(GapRegress(), Mover(0), state, date=last + dt.timedelta(days=14))
    _, beyond = _decide(GapRegress(), Mover(0), state, date=last + dt.timedelta(days=15))

    assert within.action is Action.HOLD
    assert (
        beyond.explanation == "regressed 60 s → 45 s: 15 days since the last session (more than 14)"
    )


@pytest.mark.parametrize(("last_day", "outcome"), [(None, {"day": 500}), (100, {}), (None, {})])
def test_no_gap_without_known_days(last_day: int | None, outcome: dict[str, Any]) -> None:
    inner, decision = _decide(
        GapRegress(), Mover(0), attrs.evolve(AT_60, last_day=last_day), **outcome
    )

    assert decision == inner


def test_a_gap_does_not_regress_twice() -> None:
    inner, decision = _decide(GapRegress(), Mover(-15), attrs.evolve(AT_60, last_day=1), day=100)

    assert decision == inner


# --- the weekly cap -----------------------------------------------------------------------------


def test_weekly_cap_over_a_week_of_daily_steps() -> None:
    policy = guarded(Mover(15), WeeklyCap())
    log = [SessionOutcome(day=d) for d in (1, 2, 3, 4, 9, 10)]

    decisions = replay(WALK_RUN, policy, log, state=AT_60)

    assert [(d.action.value, d.state.bout_seconds) for d in decisions] == [
        ("progress", 75),
        ("progress", 90),
        ("hold", 90),
        ("hold", 90),
        ("progress", 105),
        ("progress", 120),
    ]
    assert _summary(decisions[2])[3:] == (
        ("mover", "guard_weekly_cap"),
        "held at 90 s: at most 30 s more in 7 days (the policy asked for 105 s)",
    )
    assert decisions[3].state.memory == {"weekly_cap.window": [[1, 60], [2, 75], [3, 90], [4, 90]]}
    assert decisions[5].state.memory == {"weekly_cap.window": [[4, 90], [9, 90], [10, 105]]}


def test_weekly_cap_cuts_one_big_jump() -> None:
    _, decision = _decide(WeeklyCap(), Mover(60), day=1)

    assert _summary(decision) == (
        "progress",
        "retro-walk",
        90,
        ("mover", "guard_weekly_cap"),
        "progressed 60 s → 90 s: at most 30 s more in 7 days (the policy asked for 120 s)",
    )


def test_weekly_cap_is_a_parameter() -> None:
    _, decision = _decide(load_guard("weekly-cap", max_increase_seconds=10), Mover(15), day=1)

    assert decision.state.bout_seconds == 70


def test_weekly_cap_needs_days() -> None:
    inner, decision = _decide(WeeklyCap(), Mover(60))

    assert decision == inner
    assert decision.state.memory == {}


def test_weekly_cap_forgets_the_window_at_a_new_stage() -> None:
    state = attrs.evolve(AT_60, level=120, memory={"weekly_cap.window": [[1, 105]]})

    _, decision = _decide(WeeklyCap(), Skipper(), state, day=2)

    assert decision.action is Action.ADVANCE
    assert decision.state.memory == {"weekly_cap.window": []}


# --- wrapping -----------------------------------------------------------------------------------


def test_guarded_defaults_to_all_four_guards() -> None:
    policy = guarded(load_policy("reference"))

    assert isinstance(policy, GuardedPolicy)
    assert policy.guards == (NoProgressAfterAdverse(), OneStep(), GapRegress(), WeeklyCap())
    assert policy.name == "reference+no-progress-after-adverse+one-step+gap+weekly-cap"
    assert policy.pain_threshold == 2


def test_guards_in_order_all_correct_one_bad_policy() -> None:
    policy = guarded(Mover(60))
    state = attrs.evolve(AT_60, last_day=1)

    decisions = replay(
        WALK_RUN,
        policy,
        [SessionOutcome(day=2), SessionOutcome(day=3, pain=4), SessionOutcome(day=30)],
        state=state,
    )

    assert [(d.action.value, d.state.bout_seconds, d.reasons[-1]) for d in decisions] == [
        ("progress", 75, "guard_one_step"),
        ("hold", 75, "guard_adverse"),
        ("regress", 60, "guard_gap"),
    ]


def test_guards_leave_a_well_behaved_policy_alone() -> None:
    reference = load_policy("reference")
    log = (
        [SessionOutcome()] * 8
        + [SessionOutcome(pain=3), SessionOutcome(dizziness=True)]
        + [SessionOutcome()] * 6
    )

    assert replay(WALK_RUN, guarded(reference), log) == replay(WALK_RUN, reference, log)


def test_guarded_stop_stays_absorbing() -> None:
    policy = guarded(load_policy("reference"))
    stopped = attrs.evolve(AT_60, status=Status.STOPPED, last_day=1)

    decision = policy.decide(WALK_RUN, stopped, SessionOutcome(day=60))

    assert decision.action is Action.STOP
    assert decision.state.bout_seconds == 60
    assert decision.prescription is None


# --- loading guards ---------------------------------------------------------------------------


def test_load_guard_by_name() -> None:
    assert load_guard("gap", max_gap_days=10) == GapRegress(max_gap_days=10)
    assert load_guard("one-step") == OneStep()
    assert load_guard("no-progress-after-adverse", pain_threshold=3) == NoProgressAfterAdverse(3)


def test_load_guard_unknown_name() -> None:
    with pytest.raises(UnknownPluginError) as info:
        load_guard("two-steps")

    assert info.value.known == ("gap", "no-progress-after-adverse", "one-step", "weekly-cap")


def test_load_guard_unknown_parameter() -> None:
    with pytest.raises(UnknownParameterError) as info:
        load_guard("gap", max_gap=10)

    assert info.value.field == "max_gap"
    assert info.value.known == ("max_gap_days",)


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("gap", {"max_gap_days": 0}, "max_gap_days"),
        ("weekly-cap", {"max_increase_seconds": -5}, "max_increase_seconds"),
        ("no-progress-after-adverse", {"pain_threshold": 11}, "pain_threshold"),
    ],
)
def test_load_guard_bad_value(name: str, params: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        load_guard(name, **params)

    assert info.value.field == field
    assert info.value.value == next(iter(params.values()))


# --- the weekly cap's memory ------------------------------------------------------------------


@attrs.frozen
class UnboundedWeeklyCap:
    """The weekly cap as it was before issue 9: one [day, bout] entry per session."""

    max_increase_seconds: int = 30
    name = "weekly-cap"

    def revise(
        self,
        protocol: ProgressionProtocol,
        state: ClientState,
        outcome: SessionOutcome,
        decision: Decision,
        policy: Any,
    ) -> Decision:
        day = outcome.day_number
        if day is None or not (state.active or outcome.resume):
            return decision
        done = state.bout_seconds if state.active else protocol.stage(state.stage).base_min_seconds
        recent = [(d, b) for d, b in state.memory.get(_WINDOW, ()) if day - 7 < d <= day]
        window = [*recent, (day, done)]
        after = decision.state
        if after.stage == state.stage and after.active:
            allowed = min(b for _, b in window) + self.max_increase_seconds
            if after.bout_seconds > max(allowed, done):
                bout = max(allowed, done)
                why = (
                    f"at most {self.max_increase_seconds} s more in 7 days "
                    f"(the policy asked for {after.bout_seconds} s)"
                )
                decision = guards_module._replace(
                    protocol, state, outcome, decision, bout, Reason.GUARD_WEEKLY_CAP, why
                )
                after = decision.state
        keep = [[d, b] for d, b in window] if after.stage == state.stage else []
        memory = {**after.memory, _WINDOW: keep}
        d = decision
        return Decision(
            d.action, attrs.evolve(after, memory=memory), d.prescription, d.reasons, d.explanation
        )


def _without_window(decision: Decision) -> Decision:
    memory = {k: v for k, v in decision.state.memory.items() if k != _WINDOW}
    return attrs.evolve(decision, state=attrs.evolve(decision.state, memory=memory))


def test_many_sessions_on_one_day_keep_one_entry() -> None:
    policy = guarded(load_policy("reference"), WeeklyCap())
    state = WALK_RUN.start()

    for _ in range(8_000):
        state = policy.decide(WALK_RUN, state, SessionOutcome(day=3)).state

    assert state.memory[_WINDOW] == [[3, 15]]
    assert state.sessions == 8_000


def test_the_window_never_holds_more_than_seven_days() -> None:
    policy = guarded(Mover(5), WeeklyCap(max_increase_seconds=1_000))
    state = AT_60
    sizes = []

    for session in range(300):
        outcome = SessionOutcome(day=session // 3)  # three sessions a day
        state = policy.decide(WALK_RUN, state, outcome).state
        sizes.append(len(state.memory[_WINDOW]))

    assert max(sizes) == 7
    assert state.memory[_WINDOW] == [[d, 120] for d in range(93, 100)]


_INNER = [Mover(15), Mover(40), Mover(-15), load_policy("reference", successes_to_progress=1)]


@given(
    inner=st.sampled_from(_INNER),
    cap=st.sampled_from([1, 10, 15, 30, 60]),
    sessions=st.lists(
        st.tuples(st.sampled_from([0, 0, 0, 1, 2, 3, 8]), st.integers(0, 4), st.booleans()),
        max_size=60,
    ),
    switch=st.integers(0, 12),
)
@example(inner=Mover(15), cap=30, sessions=[(0, 1, False)] * 5, switch=3)  # 3 a day, then 1
def test_the_bounded_window_decides_as_the_unbounded_one_did(
    inner: Any, cap: int, sessions: list[tuple[int, int, bool]], switch: int
) -> None:
    # The first ``switch`` sessions are decided by the old rule for both, so the
    # new one also starts from the long windows that states written before hold.
    bounded = guarded(inner, WeeklyCap(cap))
    unbounded = guarded(inner, UnboundedWeeklyCap(cap))
    new = old = WALK_RUN.start()
    day = 0
    for index, (gap, dated, painful) in enumerate(sessions):  # several a day, some undated
        day += gap
        outcome = SessionOutcome(day=day if dated else None, pain=3 if painful else 0)
        expected = unbounded.decide(WALK_RUN, old, outcome)
        if index < switch:
            new = old = expected.state
            continue
        decided = bounded.decide(WALK_RUN, new, outcome)

        assert _without_window(decided) == _without_window(expected)
        assert len(decided.state.memory.get(_WINDOW, [])) <= 7
        new, old = decided.state, expected.state


def test_a_state_with_an_old_long_window_loads_and_decides_the_same() -> None:
    # written by the release before issue 9: one entry per session, many a day
    window = [[d, 60] for d in range(1, 5) for _ in range(20)] + [[5, 45], [5, 75], [6, 90]]
    document = to_dict(attrs.evolve(AT_60, level=90, memory={_WINDOW: window}))
    old_state = from_json(json.dumps(document), ClientState)
    outcome = SessionOutcome(day=9)

    decided = guarded(Mover(15), WeeklyCap()).decide(WALK_RUN, old_state, outcome)
    expected = guarded(Mover(15), UnboundedWeeklyCap()).decide(WALK_RUN, old_state, outcome)

    assert old_state.memory[_WINDOW] == window
    assert _without_window(decided) == _without_window(expected)
    assert (decided.action, decided.state.bout_seconds) == (Action.HOLD, 90)  # capped: 45 + 30
    assert decided.state.memory[_WINDOW] == [[3, 60], [4, 60], [5, 45], [6, 90], [9, 90]]
    assert from_json(to_json(decided), Decision) == decided


@pytest.mark.parametrize(
    "window", [[[1, "30"]], [[1.5, 30]], [[1, 30, 45]], "1,30", [[True, 30]]], ids=repr
)
def test_a_broken_window_in_memory_is_refused(window: Any) -> None:
    state = attrs.evolve(AT_60, memory={_WINDOW: window})

    with pytest.raises(InvalidValueError) as info:
        guarded(Mover(15), WeeklyCap()).decide(WALK_RUN, state, SessionOutcome(day=1))

    assert (info.value.field, info.value.value) == (f"memory.{_WINDOW}", window)
    assert info.value.reason == "must be a list of [day, bout] pairs of whole numbers"


# --- the guard's pain bounds: the policy's settled bound and the ceiling -------------------------


@attrs.frozen
class SettlingMover(Mover):
    """A mover that declares a settled bound below its threshold (and ignores it)."""

    settled_pain: int = 2


def test_no_progress_after_adverse_holds_next_day_pain_to_the_settled_bound() -> None:
    policy = SettlingMover(15, pain_threshold=4)
    guard = NoProgressAfterAdverse()

    assert _decide(guard, policy, next_day_pain=2)[1].action is Action.PROGRESS
    held = _decide(guard, policy, next_day_pain=3)[1]
    assert held.action is Action.HOLD
    assert "next-day pain 3/10" in held.explanation


def test_no_progress_after_adverse_never_allows_more_than_the_ceiling() -> None:
    policy = Mover(15, pain_threshold=8)  # declares more than the ceiling excuses
    guard = NoProgressAfterAdverse()

    assert PAIN_CEILING == 5
    assert _decide(guard, policy, pain=5)[1].action is Action.PROGRESS
    assert _decide(guard, policy, pain=6)[1].action is Action.HOLD
    assert _decide(guard, policy, next_day_pain=6)[1].action is Action.HOLD


def test_an_explicit_guard_threshold_is_used_as_given() -> None:
    guard = NoProgressAfterAdverse(pain_threshold=7)

    assert _decide(guard, Mover(15, pain_threshold=8), pain=7)[1].action is Action.PROGRESS
    assert _decide(guard, Mover(15, pain_threshold=8), pain=8)[1].action is Action.HOLD
