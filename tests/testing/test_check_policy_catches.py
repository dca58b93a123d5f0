"""check_policy fails each kind of unsafe policy, naming the invariant, with a short sequence."""

from __future__ import annotations

import pytest

import retroprog as rp
from retroprog.exceptions import PolicyViolation
from retroprog.testing import check_decision, check_policy

from .unsafe import EarlyAdvance, EarlyIncrease, ProgressOn, TwoSteps, Unsafe, Unstop

WALK_RUN = rp.load_protocol("retro-walk-run")

# (unsafe policy, the invariant it breaks, the longest shrunk sequence accepted)
CASES = [
    pytest.param((ProgressOn(finding="pain"), 1, 2), id="progress-on-pain"),
    pytest.param((ProgressOn(finding="balance"), 1, 2), id="progress-on-balance-loss"),
    pytest.param((ProgressOn(finding="form"), 1, 2), id="progress-on-form-breakdown"),
    pytest.param((EarlyIncrease(), 3, 4), id="increase-before-min-base-sessions"),
    pytest.param((TwoSteps(), 5, 10), id="two-steps-in-one-decision"),
    pytest.param((EarlyAdvance(), 4, 3), id="run-stage-before-walk-target"),
    pytest.param((Unstop(), 6, 3), id="leave-a-stop-without-resume"),
]


def _violation(policy: rp.RegressionPolicy, seed: int | None = None) -> PolicyViolation:
    with pytest.raises(PolicyViolation) as caught:
        check_policy(policy, seed=seed)
    return caught.value


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest) -> tuple[Unsafe, int, int, PolicyViolation]:
    policy, invariant, longest = request.param
    return policy, invariant, longest, _violation(policy)


def test_check_policy_catches_an_unsafe_policy(
    case: tuple[Unsafe, int, int, PolicyViolation],
) -> None:
    policy, invariant, longest, found = case

    assert found.invariant == invariant, str(found)
    assert found.policy_name == policy.name
    assert 1 <= len(found.outcomes) <= longest, str(found)
    assert f"invariant {invariant} " in str(found)


def test_the_counterexample_reproduces_the_violation(
    case: tuple[Unsafe, int, int, PolicyViolation],
) -> None:
    policy, invariant, _, found = case
    state = WALK_RUN.start()
    decisions = rp.replay(WALK_RUN, policy, list(found.outcomes))

    for outcome, decision in zip(found.outcomes[:-1], decisions[:-1], strict=True):
        check_decision(WALK_RUN, policy, state, outcome, decision)  # all safe up to the last
        state = decision.state
    assert found.state == state
    assert found.decision == decisions[-1]
    with pytest.raises(PolicyViolation) as last:
        check_decision(WALK_RUN, policy, state, found.outcomes[-1], decisions[-1])
    assert last.value.invariant == invariant


def test_the_shrunk_progress_on_pain_is_one_painful_session() -> None:
    found = _violation(ProgressOn(finding="pain"))

    (outcome,) = found.outcomes
    assert outcome.pain == 3  # the threshold (2) plus one: shrunk to the smallest breach
    assert outcome.balance_losses == 0
    assert not outcome.form_breakdown
    assert found.decision is not None
    assert found.decision.action is rp.Action.PROGRESS


@pytest.mark.parametrize("seed", [None, 12345])
def test_the_same_seed_finds_the_same_counterexample(seed: int | None) -> None:
    first = _violation(EarlyIncrease(), seed)
    again = _violation(EarlyIncrease(), seed)

    assert first.outcomes == again.outcomes
    assert first.invariant == again.invariant == 3


def test_a_crashing_policy_is_a_violation() -> None:
    class Crasher(Unsafe):
        def decide(
            self,
            protocol: rp.ProgressionProtocol,
            state: rp.ClientState,
            outcome: rp.SessionOutcome,
        ) -> rp.Decision:
            raise ZeroDivisionError("oops")

    found = _violation(Crasher())

    assert found.invariant == 0
    assert found.decision is None
    assert len(found.outcomes) == 1
    assert "ZeroDivisionError" in str(found)
