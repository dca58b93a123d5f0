"""check_policy fails each kind of unsafe policy, naming the invariant, with a short sequence."""

from __future__ import annotations

import pytest

import retroprog as rp
from retroprog.exceptions import PolicyViolation
from retroprog.testing import check_decision, check_policy

from .unsafe import (
    DeclaresHighThreshold,
    EarlyAdvance,
    EarlyIncrease,
    IgnoresNextDayPain,
    ProgressOn,
    TwoSteps,
    Unsafe,
    Unstop,
    WeeklyBlindSpot,
    WritesMemory,
)

WALK_RUN = rp.load_protocol("retro-walk-run")

# The unsafe mutants: (id, unsafe policy, the invariant it breaks, the longest shrunk
# sequence accepted), each caught at check_policy's default budget (no seed).
MUTANTS: list[tuple[str, Unsafe, int, int]] = [
    ("progress-on-pain", ProgressOn(finding="pain"), 1, 2),
    ("progress-on-balance-loss", ProgressOn(finding="balance"), 1, 2),
    ("progress-on-form-breakdown", ProgressOn(finding="form"), 1, 2),
    ("increase-before-min-base-sessions", EarlyIncrease(), 3, 4),
    ("two-steps-in-one-decision", TwoSteps(), 5, 10),
    ("run-stage-before-walk-target", EarlyAdvance(), 4, 6),
    ("leave-a-stop-without-resume", Unstop(), 6, 3),
    ("writes-into-its-input-memory", WritesMemory(), 7, 1),
    ("declares-threshold-10", DeclaresHighThreshold(), 1, 0),
    ("ignores-next-day-pain-up-to-5", IgnoresNextDayPain(), 1, 2),
    ("ignores-pain-3-every-seventh-day", WeeklyBlindSpot(), 1, 2),
]
CASES = [pytest.param(case[1:], id=case[0]) for case in MUTANTS]


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
    assert len(found.outcomes) <= longest, str(found)
    assert f"invariant {invariant} " in str(found)


def test_the_counterexample_reproduces_the_violation(
    case: tuple[Unsafe, int, int, PolicyViolation],
) -> None:
    policy, invariant, _, found = case
    if not found.outcomes:  # a declaration, not a decision: nothing to replay
        assert found.decision is None
        assert found.state == WALK_RUN.start()
        return
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


def test_a_declared_threshold_above_the_ceiling_is_refused_before_any_session() -> None:
    found = _violation(DeclaresHighThreshold())

    assert (found.invariant, found.outcomes, found.decision) == (1, (), None)
    assert found.problems == (
        "invariant 1: the policy declares pain_threshold 10, above the ceiling of 5/10; "
        "a declared threshold never excuses more pain",
    )
    assert str(found).splitlines()[0] == (
        "policy 'unsafe-DeclaresHighThreshold' breaks invariant 1 "
        "(no step up after an adverse session):"
    )


def test_a_write_into_the_input_memory_is_caught_on_the_first_session() -> None:
    found = _violation(WritesMemory())

    (outcome,) = found.outcomes
    assert outcome == rp.SessionOutcome()
    assert found.state == WALK_RUN.start()  # as it was before deciding changed it
    assert any("deciding changed its inputs" in problem for problem in found.problems)


def test_next_day_pain_is_held_to_the_settled_bound() -> None:
    found = _violation(IgnoresNextDayPain())

    assert [o.next_day_pain for o in found.outcomes] == [None, 3]  # settled_pain 2, plus one
    assert "next-day pain 3/10 above the policy's settled bound 2" in str(found)


@pytest.mark.parametrize("seed", [None, 0, 1, 2, 3, 12345])
def test_a_rule_on_the_day_modulo_7_is_found_as_two_sessions_whatever_the_seed(
    seed: int | None,
) -> None:
    found = _violation(WeeklyBlindSpot(), seed)

    first, second = found.outcomes
    assert first.pain == 0
    assert second.pain == 3
    assert second.day_number is not None
    assert second.day_number % 7 == 0
    assert found.decision is not None
    assert found.decision.action is rp.Action.PROGRESS


def mutant_table() -> list[tuple[str, int, str, int | None]]:
    """(mutant, invariant, caught at the default budget, shrunk length) for each mutant."""
    rows: list[tuple[str, int, str, int | None]] = []
    for name, policy, invariant, _ in MUTANTS:
        try:
            check_policy(policy)
        except PolicyViolation as found:
            caught = "yes" if found.invariant == invariant else f"as {found.invariant}"
            rows.append((name, invariant, caught, len(found.outcomes)))
        else:
            rows.append((name, invariant, "no", None))
    return rows


if __name__ == "__main__":  # python -m tests.testing.test_check_policy_catches
    print("| mutant | invariant | caught at the default budget | shrunk length |")
    print("|---|---|---|---|")
    for row in mutant_table():
        print("| " + " | ".join("—" if cell is None else str(cell) for cell in row) + " |")
