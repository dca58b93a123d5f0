"""Invariant 7 as properties: replay equals step-by-step, amended logs re-plan cleanly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import retroprog as rp
from retroprog import testing as rt

BUILTIN = rp.load_protocol("retro-walk-run")


def step_by_step(
    protocol: rp.ProgressionProtocol,
    policy: rp.RegressionPolicy,
    log: list[rp.SessionOutcome],
    state: rp.ClientState | None = None,
) -> list[rp.Decision]:
    """Decide session by session, as an app does, each time from the stored JSON state."""
    current = protocol.start() if state is None else state
    decisions = []
    for outcome in log:
        decision = policy.decide(protocol, current, outcome)
        decisions.append(decision)
        current = rp.from_json(rp.to_json(decision.state), rp.ClientState)
    return decisions


policies = rt.policies() | rt.guarded_policies()


@given(rt.protocols(builtin=True), policies, rt.outcome_logs())
def test_replay_equals_step_by_step(
    protocol: rp.StagedProtocol, policy: rp.RegressionPolicy, log: list[rp.SessionOutcome]
) -> None:
    decisions = rp.replay(protocol, policy, log)
    assert decisions == step_by_step(protocol, policy, log)
    assert rp.replay(protocol, policy, log) == decisions
    assert rp.replay(protocol, policy, rp.loads_log(rp.dumps_log(log))) == decisions


@given(rt.protocols(builtin=True), policies, rt.outcome_logs(min_size=1), st.data())
def test_replay_goes_on_from_a_stored_state(
    protocol: rp.StagedProtocol,
    policy: rp.RegressionPolicy,
    log: list[rp.SessionOutcome],
    data: st.DataObject,
) -> None:
    decisions = rp.replay(protocol, policy, log)
    cut = data.draw(st.integers(1, len(log)), label="cut")
    stored = rp.from_json(rp.to_json(decisions[cut - 1].state), rp.ClientState)
    assert rp.replay(protocol, policy, log[cut:], state=stored) == decisions[cut:]


@given(rt.protocols(builtin=True), policies, rt.outcome_logs(min_size=1), st.data())
def test_amended_log_replays_as_step_by_step(
    protocol: rp.StagedProtocol,
    policy: rp.RegressionPolicy,
    log: list[rp.SessionOutcome],
    data: st.DataObject,
) -> None:
    index = data.draw(st.integers(0, len(log) - 1), label="index")
    pain = data.draw(st.integers(0, 10), label="next_day_pain")
    amended = rp.amend_log(log, index, next_day_pain=pain)
    assert amended[index] == log[index].amend(next_day_pain=pain)
    assert amended[:index] + amended[index + 1 :] == log[:index] + log[index + 1 :]

    original = rp.replay(protocol, policy, log)
    replayed = rp.replay(protocol, policy, amended)
    assert replayed == step_by_step(protocol, policy, amended)
    # An amendment re-plans from the amended session on; nothing before it changes.
    assert replayed[:index] == original[:index]


@given(rt.protocols(builtin=True), policies, rt.outcome_logs(min_size=1), st.integers(0, 10))
def test_next_day_pain_amending_the_last_session_redoes_only_its_decision(
    protocol: rp.StagedProtocol,
    policy: rp.RegressionPolicy,
    log: list[rp.SessionOutcome],
    pain: int,
) -> None:
    # The app's flow: decide after the session, then decide again when the
    # next-day pain arrives, before the next session.
    decisions = rp.replay(protocol, policy, log[:-1])
    before = decisions[-1].state if decisions else protocol.start()
    first = policy.decide(protocol, before, log[-1])
    amended = rp.amend_log(log, -1, next_day_pain=pain)
    redone = policy.decide(protocol, before, amended[-1])
    assert rp.replay(protocol, policy, amended) == [*decisions, redone]
    assert rp.replay(protocol, policy, log) == [*decisions, first]


def test_pain_monitoring_waits_for_next_day_pain_then_progresses() -> None:
    # Pain 4/10 is allowed by the pain-monitoring policy only if it settles by next
    # morning: held until the amendment arrives, then the step up once it settled.
    protocol, policy = BUILTIN, rp.load_policy("pain-monitoring")
    log = [rp.SessionOutcome(pain=4)] * 2
    waiting = rp.replay(protocol, policy, log)
    assert [d.action for d in waiting] == [rp.Action.HOLD, rp.Action.HOLD]
    assert all(rp.Reason.AWAITING_NEXT_DAY in d.reasons for d in waiting)
    settled = rp.replay(
        protocol,
        policy,
        rp.amend_log(rp.amend_log(log, 0, next_day_pain=1), 1, next_day_pain=2),
    )
    assert [(d.action, d.state.bout_seconds) for d in settled] == [
        (rp.Action.HOLD, 15),
        (rp.Action.PROGRESS, 30),
    ]
    unsettled = rp.replay(protocol, policy, rp.amend_log(log, 0, next_day_pain=3))
    assert [(d.action, d.state.bout_seconds) for d in unsettled] == [
        (rp.Action.HOLD, 15),
        (rp.Action.HOLD, 15),
    ]
    assert rp.Reason.NEXT_DAY_PAIN in unsettled[0].reasons
