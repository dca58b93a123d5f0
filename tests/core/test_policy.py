"""The built-in policies on hand-made cases: exact actions, bouts, reasons and sentences."""

from __future__ import annotations

import math
from typing import Any

import attrs
import pytest

from retroprog import (
    Action,
    ClientState,
    Decision,
    Prescription,
    RegressionPolicy,
    RulePolicy,
    SessionOutcome,
    Status,
    amend_log,
    load_policy,
    load_protocol,
    replay,
    start,
)
from retroprog.exceptions import InvalidValueError, UnknownParameterError, UnknownPluginError

WALK_RUN = load_protocol("retro-walk-run")
REFERENCE = load_policy("reference")
PAIN_MONITORING = load_policy("pain-monitoring")
STAIRCASE = load_policy("staircase")

#: a client at 60 s retro-walk, long past the sessions at base
AT_60 = ClientState("retro-walk", 60, sessions=10, base_sessions=6)


def _decide(policy: RegressionPolicy, state: ClientState, **outcome: Any) -> Decision:
    return policy.decide(WALK_RUN, state, SessionOutcome(**outcome))


def _summary(decision: Decision) -> tuple[str, str, int, tuple[str, ...], str]:
    return (
        decision.action.value,
        decision.state.stage,
        decision.state.bout_seconds,
        tuple(str(r) for r in decision.reasons),
        decision.explanation,
    )


def _move(decision: Decision) -> tuple[str, int]:
    return decision.action.value, decision.state.bout_seconds


# --- presets and parameters -------------------------------------------------------------------


def test_presets() -> None:
    assert RulePolicy(name="reference") == REFERENCE
    assert RulePolicy(name="pain-monitoring", pain_threshold=5, settled_pain=2) == PAIN_MONITORING
    assert RulePolicy(name="staircase", successes_to_progress=3, step_shrink=0.5) == STAIRCASE
    assert isinstance(REFERENCE, RegressionPolicy)


def test_reference_defaults_are_the_articles() -> None:
    assert isinstance(REFERENCE, RulePolicy)
    assert attrs.asdict(REFERENCE) == {
        "name": "reference",
        "settled_pain": 2,
        "pain_threshold": 2,
        "stop_pain": 7,
        "stop_after": 2,
        "balance_losses_allowed": 0,
        "rpe_threshold": 7.0,
        "successes_to_progress": 2,
        "step_shrink": 1.0,
        "min_step_seconds": 5,
    }


def test_parameters_override_a_preset() -> None:
    policy = load_policy("pain-monitoring", pain_threshold=4, stop_after=3)

    assert isinstance(policy, RulePolicy)
    assert (policy.name, policy.pain_threshold, policy.settled_pain, policy.stop_after) == (
        "pain-monitoring",
        4,
        2,
        3,
    )


def test_an_unknown_parameter_is_refused_with_the_known_ones() -> None:
    with pytest.raises(UnknownParameterError) as info:
        load_policy("reference", speed=3)

    error = info.value
    assert error.field == "speed"
    assert error.owner == "policy 'reference'"
    assert error.known == (
        "settled_pain",
        "pain_threshold",
        "stop_pain",
        "stop_after",
        "balance_losses_allowed",
        "rpe_threshold",
        "successes_to_progress",
        "step_shrink",
        "min_step_seconds",
    )
    assert str(error).startswith("speed: policy 'reference' has no such parameter (it takes: ")
    assert isinstance(error, TypeError)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"stop_after": 0}, "stop_after", "stop_after: must be a whole number ≥ 1, got 0"),
        (
            {"pain_threshold": 8},
            "pain_threshold",
            "pain_threshold: must be at most stop_pain (7), got 8",
        ),
        (
            {"pain_threshold": 7},
            "stop_pain",
            "stop_pain: must be above pain_threshold (7), got 7",
        ),
        (
            {"settled_pain": 3},
            "settled_pain",
            "settled_pain: must be at most pain_threshold (2), got 3",
        ),
        (
            {"step_shrink": 0},
            "step_shrink",
            "step_shrink: must be a finite number between 0.05 and 1, got 0",
        ),
        (
            {"rpe_threshold": math.nan},
            "rpe_threshold",
            "rpe_threshold: must be a finite number between 0 and 10, got nan",
        ),
        (
            {"successes_to_progress": True},
            "successes_to_progress",
            "successes_to_progress: must be a whole number ≥ 1, got True",
        ),
        (
            {"pain_threshold": 2.0},
            "pain_threshold",
            "pain_threshold: must be a whole number between 0 and 9, got 2.0",
        ),
    ],
)
def test_bad_parameters(params: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        load_policy("reference", **params)

    assert info.value.field == field
    assert str(info.value) == message


def test_an_unknown_policy_lists_the_known_ones() -> None:
    with pytest.raises(UnknownPluginError) as info:
        load_policy("no-such-policy")

    assert {"cautious", "pain-monitoring", "reference", "staircase"} <= set(info.value.known)
    assert str(info.value) == (
        f"unknown policy 'no-such-policy' (available: {', '.join(info.value.known)})"
    )


# --- reference: progress ----------------------------------------------------------------------


def test_first_clean_session_holds_and_counts() -> None:
    decision = _decide(REFERENCE, start(WALK_RUN))

    assert _summary(decision) == (
        "hold",
        "retro-walk",
        15,
        ("success", "building"),
        "held at 15 s: 1 of 2 successful sessions in a row",
    )
    assert decision.prescription == Prescription.simple("retro-walk", 15)
    assert attrs.asdict(decision.state) == {
        "stage": "retro-walk",
        "level": 15,
        "status": Status.ACTIVE,
        "sessions": 1,
        "sessions_at_level": 1,
        "base_sessions": 1,
        "successes": 1,
        "failures": 0,
        "adverse": 0,
        "last_day": None,
        "memory": {},
    }


def test_second_clean_session_progresses_within_base() -> None:
    state = ClientState(
        "retro-walk", 15, sessions=1, sessions_at_level=1, base_sessions=1, successes=1
    )

    decision = _decide(REFERENCE, state)

    assert _summary(decision) == (
        "progress",
        "retro-walk",
        30,
        ("success",),
        "progressed 15 s → 30 s: 2 successful sessions in a row at 15 s",
    )
    assert decision.prescription == Prescription.simple("retro-walk", 30)
    assert (decision.state.sessions_at_level, decision.state.successes) == (0, 0)


def test_holds_at_base_until_six_sessions_at_base() -> None:
    state = ClientState("retro-walk", 30, sessions=4, base_sessions=4, successes=1)

    decision = _decide(REFERENCE, state)

    assert _summary(decision) == (
        "hold",
        "retro-walk",
        30,
        ("success", "base_sessions"),
        "held at 30 s: 5 of 6 sessions at base done",
    )


def test_advances_to_retro_run_after_success_at_the_walk_target() -> None:
    state = ClientState("retro-walk", 120, sessions=17, base_sessions=6, successes=1)

    decision = _decide(REFERENCE, state)

    assert _summary(decision) == (
        "advance",
        "retro-run",
        15,
        ("success", "target_reached"),
        "advanced to retro-run at 15 s: 2 successful sessions at the 120 s retro-walk target",
    )
    assert decision.prescription == Prescription.simple("retro-run", 15)
    assert (decision.state.base_sessions, decision.state.successes, decision.state.sessions) == (
        0,
        0,
        18,
    )


def test_completes_after_success_at_the_run_target() -> None:
    state = ClientState("retro-run", 120, sessions=35, base_sessions=6, successes=1)

    decision = _decide(REFERENCE, state)

    assert _summary(decision) == (
        "complete",
        "retro-run",
        120,
        ("success", "target_reached"),
        "completed retro-walk-run: 2 successful sessions at the 120 s retro-run target",
    )
    assert decision.state.status is Status.COMPLETED
    assert decision.prescription is None


def test_the_article_clean_sessions_walk_then_run_then_complete() -> None:
    decisions = replay(WALK_RUN, REFERENCE, [SessionOutcome()] * 40)

    ladder = [
        ("hold", 15), ("progress", 30), ("hold", 30), ("hold", 30), ("hold", 30),
        ("progress", 45), ("hold", 45), ("progress", 60), ("hold", 60), ("progress", 75),
        ("hold", 75), ("progress", 90), ("hold", 90), ("progress", 105), ("hold", 105),
        ("progress", 120), ("hold", 120),
    ]  # fmt: skip
    expected = (
        [("retro-walk", a, b) for a, b in ladder]
        + [("retro-run", "advance", 15)]
        + [("retro-run", a, b) for a, b in ladder]
        + [("retro-run", "complete", 120)] * 5
    )
    assert [(d.state.stage, d.action.value, d.state.bout_seconds) for d in decisions] == expected
    # six sessions at base (15–30 s) before any bout beyond it, in each stage
    walk_bouts = [15] + [d.state.bout_seconds for d in decisions[:17]]
    assert walk_bouts.index(45) == 6
    assert decisions[-1].explanation == (
        "completed retro-walk-run: the protocol is already complete; record a resume to go on"
    )


def test_the_article_every_session_hurts() -> None:
    decisions = replay(WALK_RUN, REFERENCE, [SessionOutcome(pain=6)] * 5)

    assert [_summary(d) for d in decisions[:3]] == [
        (
            "hold",
            "retro-walk",
            15,
            ("pain", "at_floor"),
            "held at 15 s: pain 6/10 (already the shortest bout)",
        ),
        (
            "stop",
            "retro-walk",
            15,
            ("pain", "repeated_adverse"),
            "stopped retro-walk: pain 6/10 (2 adverse sessions in a row); "
            "avoid the exercise and refer",
        ),
        (
            "stop",
            "retro-walk",
            15,
            ("stopped",),
            "still stopped at retro-walk: a resume must be recorded before the exercise "
            "continues; avoid the exercise and refer",
        ),
    ]
    assert max(d.state.bout_seconds for d in decisions) == 15
    assert decisions[-1].state.status is Status.STOPPED
    assert decisions[-1].prescription is None


# --- reference: regress and stop --------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (
            {"balance_losses": 2},
            ("regress", 45, ("balance_loss",), "regressed 60 s → 45 s: balance lost twice"),
        ),
        (
            {"balance_losses": 1},
            ("regress", 45, ("balance_loss",), "regressed 60 s → 45 s: balance lost once"),
        ),
        (
            {"balance_losses": 3},
            ("regress", 45, ("balance_loss",), "regressed 60 s → 45 s: balance lost 3 times"),
        ),
        ({"dizziness": True}, ("regress", 45, ("dizziness",), "regressed 60 s → 45 s: dizzy")),
        ({"rpe": 8}, ("regress", 45, ("high_rpe",), "regressed 60 s → 45 s: RPE 8/10")),
        ({"rpe": 7.0}, ("regress", 45, ("high_rpe",), "regressed 60 s → 45 s: RPE 7/10")),
        ({"rpe": 7.5}, ("regress", 45, ("high_rpe",), "regressed 60 s → 45 s: RPE 7.5/10")),
        (
            {"completed": False},
            ("regress", 45, ("incomplete",), "regressed 60 s → 45 s: bouts not completed"),
        ),
        (
            {"bouts_completed": 0},
            ("regress", 45, ("incomplete",), "regressed 60 s → 45 s: completed 0 of 1 bouts"),
        ),
        (
            {"form_breakdown": True},
            ("regress", 45, ("form_breakdown",), "regressed 60 s → 45 s: could not move properly"),
        ),
        ({"pain": 3}, ("regress", 45, ("pain",), "regressed 60 s → 45 s: pain 3/10")),
        (
            {"pain": 0, "next_day_pain": 2},
            (
                "regress",
                45,
                ("pain_worse_next_day",),
                "regressed 60 s → 45 s: pain worse next day (0 → 2/10)",
            ),
        ),
        (
            {"pain": 1, "next_day_pain": 3},
            (
                "regress",
                45,
                ("next_day_pain",),
                "regressed 60 s → 45 s: next-day pain 3/10 did not settle",
            ),
        ),
        (
            {"pain": 4, "balance_losses": 1, "dizziness": True},
            (
                "regress",
                45,
                ("pain", "balance_loss", "dizziness"),
                "regressed 60 s → 45 s: pain 4/10, balance lost once, dizzy",
            ),
        ),
        (
            {"pain": 7},
            (
                "stop",
                60,
                ("severe_pain",),
                "stopped retro-walk: pain 7/10; avoid the exercise and refer",
            ),
        ),
        (
            {"pain": 2, "next_day_pain": 7},
            (
                "stop",
                60,
                ("severe_pain",),
                "stopped retro-walk: next-day pain 7/10; avoid the exercise and refer",
            ),
        ),
        (
            {"pain": 2},
            (
                "hold",
                60,
                ("success", "building"),
                "held at 60 s: 1 of 2 successful sessions in a row",
            ),
        ),
        (
            {"rpe": 6.5, "bouts_completed": 1, "next_day_pain": 0},
            (
                "hold",
                60,
                ("success", "building"),
                "held at 60 s: 1 of 2 successful sessions in a row",
            ),
        ),
    ],
)
def test_reference_judges_a_session_at_60_s(
    outcome: dict[str, Any], expected: tuple[str, int, tuple[str, ...], str]
) -> None:
    decision = _decide(REFERENCE, AT_60, **outcome)

    action, _, bout, reasons, explanation = _summary(decision)
    assert (action, bout, reasons, explanation) == expected


def test_a_regression_is_counted_as_a_failure() -> None:
    decision = _decide(REFERENCE, attrs.evolve(AT_60, successes=1), balance_losses=1)

    state = decision.state
    assert (
        state.sessions,
        state.sessions_at_level,
        state.successes,
        state.failures,
        state.adverse,
    ) == (
        11,
        0,
        0,
        1,
        1,
    )
    assert decision.prescription == Prescription.simple("retro-walk", 45)


def test_difficulty_is_not_adverse() -> None:
    decision = _decide(REFERENCE, attrs.evolve(AT_60, adverse=1), dizziness=True)

    assert decision.action is Action.REGRESS
    assert (decision.state.failures, decision.state.adverse) == (1, 0)


def test_a_second_adverse_session_in_a_row_stops() -> None:
    decision = _decide(REFERENCE, attrs.evolve(AT_60, adverse=1, failures=1), form_breakdown=True)

    assert _summary(decision) == (
        "stop",
        "retro-walk",
        60,
        ("form_breakdown", "repeated_adverse"),
        "stopped retro-walk: could not move properly (2 adverse sessions in a row); "
        "avoid the exercise and refer",
    )
    assert decision.state.status is Status.STOPPED
    assert decision.state.adverse == 2
    assert decision.prescription is None


def test_stop_after_one() -> None:
    decision = _decide(load_policy("reference", stop_after=1), AT_60, pain=3)

    assert decision.action is Action.STOP
    assert decision.reasons == ("pain",)
    assert decision.explanation == "stopped retro-walk: pain 3/10; avoid the exercise and refer"


def test_balance_losses_allowed() -> None:
    policy = load_policy("reference", balance_losses_allowed=1, stop_after=1)

    # a tolerated loss is difficulty: one step down, never a stop
    tolerated = _decide(policy, AT_60, balance_losses=1)
    assert (tolerated.action, tolerated.state.bout_seconds, tolerated.state.adverse) == (
        Action.REGRESS,
        45,
        0,
    )
    assert _decide(policy, AT_60, balance_losses=2).action is Action.STOP


def test_a_regression_never_goes_below_the_stage_base() -> None:
    decision = _decide(REFERENCE, ClientState("retro-walk", 20, base_sessions=6), dizziness=True)

    assert _summary(decision)[2:] == (15, ("dizziness",), "regressed 20 s → 15 s: dizzy")


def test_a_bout_outside_the_stage_is_refused() -> None:
    with pytest.raises(InvalidValueError) as info:
        _decide(REFERENCE, ClientState("retro-walk", 150))

    assert (info.value.field, info.value.value) == ("level", 150)
    assert str(info.value) == (
        "level: must be between 15 and 120 s for stage 'retro-walk', got 150"
    )


def test_decide_is_deterministic_and_leaves_its_input_alone() -> None:
    state = attrs.evolve(AT_60, successes=1)
    copy = attrs.evolve(state)

    first = _decide(REFERENCE, state, pain=1)
    second = _decide(REFERENCE, state, pain=1)

    assert first == second
    assert state == copy


def test_days_are_remembered() -> None:
    assert _decide(REFERENCE, AT_60, day=12).state.last_day == 12
    assert _decide(REFERENCE, attrs.evolve(AT_60, last_day=12)).state.last_day == 12


# --- pain monitoring --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (
            {"pain": 4},
            (
                "hold",
                60,
                ("awaiting_next_day",),
                "held at 60 s: pain 4/10 is allowed only if it settles by next morning; "
                "next-day pain not yet recorded",
            ),
        ),
        (
            {"pain": 4, "next_day_pain": 2},
            (
                "hold",
                60,
                ("success", "building"),
                "held at 60 s: 1 of 2 successful sessions in a row",
            ),
        ),
        (
            {"pain": 5, "next_day_pain": 1},
            (
                "hold",
                60,
                ("success", "building"),
                "held at 60 s: 1 of 2 successful sessions in a row",
            ),
        ),
        (
            {"pain": 4, "next_day_pain": 3},
            (
                "regress",
                45,
                ("next_day_pain",),
                "regressed 60 s → 45 s: next-day pain 3/10 did not settle",
            ),
        ),
        ({"pain": 6}, ("regress", 45, ("pain",), "regressed 60 s → 45 s: pain 6/10")),
        (
            {"pain": 1, "next_day_pain": 2},
            (
                "regress",
                45,
                ("pain_worse_next_day",),
                "regressed 60 s → 45 s: pain worse next day (1 → 2/10)",
            ),
        ),
        (
            {"pain": 4, "next_day_pain": 8},
            (
                "stop",
                60,
                ("severe_pain",),
                "stopped retro-walk: next-day pain 8/10; avoid the exercise and refer",
            ),
        ),
        (
            {"pain": 2},
            (
                "hold",
                60,
                ("success", "building"),
                "held at 60 s: 1 of 2 successful sessions in a row",
            ),
        ),
    ],
)
def test_pain_monitoring_zones(
    outcome: dict[str, Any], expected: tuple[str, int, tuple[str, ...], str]
) -> None:
    action, _, bout, reasons, explanation = _summary(_decide(PAIN_MONITORING, AT_60, **outcome))

    assert (action, bout, reasons, explanation) == expected


def test_pain_monitoring_waits_for_next_day_pain_and_replays_the_amendment() -> None:
    state = attrs.evolve(AT_60, successes=1)
    log = [SessionOutcome(pain=4, day=1)]

    waiting = replay(WALK_RUN, PAIN_MONITORING, log, state=state)
    settled = replay(WALK_RUN, PAIN_MONITORING, amend_log(log, 0, next_day_pain=1), state=state)
    unsettled = replay(WALK_RUN, PAIN_MONITORING, amend_log(log, 0, next_day_pain=4), state=state)

    assert [_move(d) for d in waiting] == [("hold", 60)]
    assert waiting[0].state.successes == 0
    assert [_summary(d) for d in settled] == [
        (
            "progress",
            "retro-walk",
            75,
            ("success",),
            "progressed 60 s → 75 s: 2 successful sessions in a row at 60 s",
        )
    ]
    assert [_move(d) for d in unsettled] == [("regress", 45)]


# --- staircase --------------------------------------------------------------------------------


def test_staircase_needs_three_successes_in_a_row() -> None:
    decisions = replay(WALK_RUN, STAIRCASE, [SessionOutcome()] * 3, state=AT_60)

    assert [_summary(d) for d in decisions] == [
        (
            "hold",
            "retro-walk",
            60,
            ("success", "building"),
            "held at 60 s: 1 of 3 successful sessions in a row",
        ),
        (
            "hold",
            "retro-walk",
            60,
            ("success", "building"),
            "held at 60 s: 2 of 3 successful sessions in a row",
        ),
        (
            "progress",
            "retro-walk",
            75,
            ("success",),
            "progressed 60 s → 75 s: 3 successful sessions in a row at 60 s",
        ),
    ]
    assert decisions[-1].state.memory == {
        "staircase.direction": 1,
        "staircase.reversals": 0,
        "staircase.step": 15,
    }


def test_staircase_one_failure_steps_down_and_resets_the_run() -> None:
    state = attrs.evolve(AT_60, successes=2)

    decision = _decide(STAIRCASE, state, rpe=9)

    assert _summary(decision) == (
        "regress",
        "retro-walk",
        45,
        ("high_rpe",),
        "regressed 60 s → 45 s: RPE 9/10",
    )
    assert decision.state.successes == 0


def test_staircase_step_shrinks_at_each_reversal() -> None:
    up = [SessionOutcome()] * 3
    down = [SessionOutcome(dizziness=True)]
    log = up + down + up + down + up + down + down

    decisions = replay(WALK_RUN, STAIRCASE, log, state=AT_60)

    moves = [
        (d.action.value, d.state.bout_seconds) for d in decisions if d.action is not Action.HOLD
    ]
    assert moves == [
        ("progress", 75),  # +15: the first move is no reversal
        ("regress", 60),  # reversal 1: the step becomes round(15 × 0.5) = 8 from here on
        ("progress", 68),  # reversal 2: round(8 × 0.5) = 4, but never below 5
        ("regress", 63),  # reversal 3
        ("progress", 68),  # reversal 4
        ("regress", 63),  # reversal 5
        ("regress", 58),  # the same direction: no reversal
    ]
    memories = [d.state.memory for d in decisions if d.action is not Action.HOLD]
    assert [(m["staircase.reversals"], m["staircase.step"]) for m in memories] == [
        (0, 15),
        (1, 8),
        (2, 5),
        (3, 5),
        (4, 5),
        (5, 5),
        (5, 5),
    ]


def test_staircase_min_step_is_a_parameter() -> None:
    # the reversing step itself is the old step; the shrunk step (max(10, 8)) applies after it
    policy = load_policy("staircase", min_step_seconds=10)
    log = [SessionOutcome()] * 3 + [SessionOutcome(dizziness=True)] + [SessionOutcome()] * 3

    decisions = replay(WALK_RUN, policy, log, state=AT_60)

    assert [d.state.bout_seconds for d in decisions] == [60, 60, 75, 60, 60, 60, 70]


def test_staircase_memory_is_cleared_at_a_new_stage() -> None:
    state = ClientState(
        "retro-walk",
        120,
        base_sessions=6,
        successes=2,
        memory={
            "staircase.direction": 1,
            "staircase.reversals": 3,
            "staircase.step": 5,
            "app.note": "x",
        },
    )

    decision = _decide(STAIRCASE, state)

    assert decision.action is Action.ADVANCE
    assert decision.state.memory == {"app.note": "x"}


def test_fixed_step_policies_keep_no_memory() -> None:
    decisions = replay(WALK_RUN, REFERENCE, [SessionOutcome()] * 10)

    assert all(d.state.memory == {} for d in decisions)


# --- stop, complete and resume ------------------------------------------------------------------

STOPPED_AT_60 = attrs.evolve(AT_60, status=Status.STOPPED, adverse=2, failures=2)


@pytest.mark.parametrize("policy", [REFERENCE, PAIN_MONITORING, STAIRCASE], ids=lambda p: p.name)
def test_stop_is_absorbing_without_a_resume(policy: RegressionPolicy) -> None:
    decision = _decide(policy, STOPPED_AT_60)

    assert _summary(decision) == (
        "stop",
        "retro-walk",
        60,
        ("stopped",),
        "still stopped at retro-walk: a resume must be recorded before the exercise continues; "
        "avoid the exercise and refer",
    )
    assert decision.state == STOPPED_AT_60
    assert decision.prescription is None


def test_complete_is_absorbing_without_a_resume() -> None:
    done = ClientState("retro-run", 120, status=Status.COMPLETED, sessions=36)

    decision = _decide(REFERENCE, done)

    assert _summary(decision) == (
        "complete",
        "retro-run",
        120,
        ("completed",),
        "completed retro-walk-run: the protocol is already complete; record a resume to go on",
    )
    assert decision.state == done


def test_resume_after_stop_restarts_the_stage_at_base() -> None:
    decision = _decide(REFERENCE, STOPPED_AT_60, resume=True)

    assert decision.action is Action.REGRESS
    assert tuple(decision.reasons) == ("resumed", "success", "building")
    assert attrs.asdict(decision.state) == {
        "stage": "retro-walk",
        "level": 15,
        "status": Status.ACTIVE,
        "sessions": 11,
        "sessions_at_level": 1,
        "base_sessions": 1,
        "successes": 1,
        "failures": 0,
        "adverse": 0,
        "last_day": None,
        "memory": {},
    }
    assert decision.prescription == Prescription.simple("retro-walk", 15)


def test_the_resume_is_in_the_explanation() -> None:
    decision = _decide(REFERENCE, STOPPED_AT_60, resume=True)

    assert decision.explanation.startswith("regressed 60 s → 15 s: ")
    assert "resum" in decision.explanation


def test_a_resumed_client_can_stop_again() -> None:
    decisions = replay(
        WALK_RUN,
        REFERENCE,
        [SessionOutcome(pain=5, resume=True), SessionOutcome(pain=5)],
        state=STOPPED_AT_60,
    )

    assert [(d.action.value, d.state.bout_seconds, d.state.status.value) for d in decisions] == [
        ("regress", 15, "active"),
        ("stop", 15, "stopped"),
    ]


def test_resume_on_an_active_client_changes_nothing() -> None:
    assert _decide(REFERENCE, AT_60, resume=True) == _decide(REFERENCE, AT_60)


# --- replay ---------------------------------------------------------------------------------------


def test_replay_equals_step_by_step() -> None:
    log = [
        SessionOutcome(day=1),
        SessionOutcome(day=3),
        SessionOutcome(day=5, pain=3),
        SessionOutcome(day=8, dizziness=True),
        SessionOutcome(day=10, rpe=5),
        SessionOutcome(day=12),
    ]
    state = start(WALK_RUN)
    stepwise = []
    for outcome in log:
        decision = STAIRCASE.decide(WALK_RUN, state, outcome)
        stepwise.append(decision)
        state = decision.state

    assert replay(WALK_RUN, STAIRCASE, log) == stepwise
    assert replay(WALK_RUN, STAIRCASE, []) == []
