"""PolicyViolation: what check_decision and check_policy raise, and how it reads."""

from __future__ import annotations

import pickle

import attrs
import pytest

import retroprog as rp
from retroprog.exceptions import PolicyViolation, RetroprogError
from retroprog.testing import check_decision

from .unsafe import ProgressOn, Unsafe

WALK_RUN = rp.load_protocol("retro-walk-run")


def _breach() -> PolicyViolation:
    policy = ProgressOn(finding="balance")
    state, outcome = WALK_RUN.start(), rp.SessionOutcome(balance_losses=1, day=3)
    with pytest.raises(PolicyViolation) as caught:
        check_decision(WALK_RUN, policy, state, outcome, policy.decide(WALK_RUN, state, outcome))
    return caught.value


def test_a_violation_is_a_retroprog_error_and_an_assertion_error() -> None:
    found = _breach()

    assert isinstance(found, RetroprogError)
    assert isinstance(found, AssertionError)


def test_a_violation_carries_its_context() -> None:
    found = _breach()

    assert found.invariant == 1
    assert found.invariant_name == "no step up after an adverse session"
    assert found.outcomes == (rp.SessionOutcome(balance_losses=1, day=3),)
    assert found.state == WALK_RUN.start()
    assert found.decision is not None
    assert found.decision.state.bout_seconds == 30
    assert found.policy_name == "unsafe-ProgressOn"
    assert found.problems == (
        "invariant 1: progress after an adverse session (1 balance loss(es))",
    )


def test_a_violation_reads_as_the_invariant_the_sessions_and_the_decision() -> None:
    assert str(_breach()).splitlines() == [
        "policy 'unsafe-ProgressOn' breaks invariant 1 (no step up after an adverse session) "
        "after 1 session(s):",
        "  1. balance_losses=1, day=3",
        "before the last session: retro-walk at 15 s, active, 0 session(s) at base",
        "decision: progress to retro-walk at 30 s: unsafe: 30 s",
        "  - invariant 1: progress after an adverse session (1 balance loss(es))",
    ]


def test_a_clean_session_reads_as_such() -> None:
    found = PolicyViolation(
        6,
        outcomes=[rp.SessionOutcome()],
        decision=None,
        state=WALK_RUN.start(),
        policy_name="p",
    )

    assert "  1. clean session" in str(found).splitlines()
    assert "decision: none (decide raised)" in str(found)


def test_a_violation_without_sessions_reads_as_the_invariant_and_the_problems() -> None:
    found = PolicyViolation(
        1,
        outcomes=(),
        decision=None,
        state=WALK_RUN.start(),
        policy_name="p",
        problems=["invariant 1: the policy declares pain_threshold 7"],
    )

    assert str(found).splitlines() == [
        "policy 'p' breaks invariant 1 (no step up after an adverse session):",
        "  - invariant 1: the policy declares pain_threshold 7",
    ]
    assert str(pickle.loads(pickle.dumps(found))) == str(found)


def test_a_violation_pickles() -> None:
    found = _breach()
    back = pickle.loads(pickle.dumps(found))

    assert (back.invariant, back.outcomes, back.decision) == (1, found.outcomes, found.decision)
    assert str(back) == str(found)


class WrongAction(Unsafe):
    """Calls every decision a regression, whatever it does."""

    def corrupt(
        self,
        protocol: rp.ProgressionProtocol,
        state: rp.ClientState,
        outcome: rp.SessionOutcome,
        decision: rp.Decision,
    ) -> rp.Decision | None:
        return attrs.evolve(decision, action=rp.Action.REGRESS)


def test_a_consistency_problem_alone_is_invariant_zero() -> None:
    policy = WrongAction()
    state, outcome = WALK_RUN.start(), rp.SessionOutcome()

    with pytest.raises(PolicyViolation) as caught:
        check_decision(WALK_RUN, policy, state, outcome, policy.decide(WALK_RUN, state, outcome))

    assert caught.value.invariant == 0
    assert caught.value.invariant_name == "a consistent decision"
    assert "does not name the change" in caught.value.problems[0]


def test_a_safe_decision_passes() -> None:
    policy = rp.load_policy("reference")
    state, outcome = WALK_RUN.start(), rp.SessionOutcome(pain=7)
    decision = policy.decide(WALK_RUN, state, outcome)

    assert decision.action is rp.Action.STOP
    check_decision(WALK_RUN, policy, state, outcome, decision)
