"""check_policy fails each kind of unsafe policy, naming the invariant, with a short sequence."""

from __future__ import annotations

import attrs
import pytest

import retroprog as rp
from retroprog.exceptions import PolicyViolation
from retroprog.testing import check_decision, check_policy

from .unsafe import (
    DeclaresHighThreshold,
    EarlyAdvance,
    EarlyIncrease,
    IgnoresBaseAtTarget,
    IgnoresLevelSessions,
    IgnoresNextDayPain,
    ProgressOn,
    RegressesAcrossStages,
    RegressesToFirstLevel,
    SkipsListedLevel,
    TwoSteps,
    Unsafe,
    Unstop,
    WeeklyBlindSpot,
    WritesMemory,
)

#: check_policy's search, finding or ruling out violations: on the default Python only (tox.ini).
pytestmark = pytest.mark.search

WALK_RUN = rp.load_protocol("retro-walk-run")
assert isinstance(WALK_RUN, rp.StagedProtocol)
COUCH_TO_5K = rp.load_protocol("couch-to-5k")

#: Issue 11's hole: a stage whose base range is its target, with 5 sessions at base.
BASE_IS_TARGET = rp.StagedProtocol(
    "base-is-target",
    [
        rp.Stage(name, base_min_seconds=30, base_max_seconds=30, target_seconds=30,
                 min_base_sessions=5)
        for name in ("retro-walk", "retro-run")
    ],
)  # fmt: skip

#: The article's protocol, regressing across stages.
WALK_RUN_ACROSS = attrs.evolve(WALK_RUN, regress_across_stages=True)

# The unsafe mutants: (id, unsafe policy, the invariant it breaks, the longest shrunk
# sequence accepted, the protocol it is checked on), each caught at check_policy's
# default budget (no seed).
MUTANTS: list[tuple[str, Unsafe, int, int, rp.ProgressionProtocol]] = [
    ("progress-on-pain", ProgressOn(finding="pain"), 1, 2, WALK_RUN),
    ("progress-on-balance-loss", ProgressOn(finding="balance"), 1, 2, WALK_RUN),
    ("progress-on-form-breakdown", ProgressOn(finding="form"), 1, 2, WALK_RUN),
    ("increase-before-min-base-sessions", EarlyIncrease(), 3, 4, WALK_RUN),
    ("two-steps-in-one-decision", TwoSteps(), 5, 10, WALK_RUN),
    ("run-stage-before-walk-target", EarlyAdvance(), 4, 6, WALK_RUN),
    ("leave-a-stop-without-resume", Unstop(), 6, 3, WALK_RUN),
    ("writes-into-its-input-memory", WritesMemory(), 7, 1, WALK_RUN),
    ("declares-threshold-10", DeclaresHighThreshold(), 1, 0, WALK_RUN),
    ("ignores-next-day-pain-up-to-5", IgnoresNextDayPain(), 1, 2, WALK_RUN),
    ("ignores-pain-3-every-seventh-day", WeeklyBlindSpot(), 1, 2, WALK_RUN),
    ("advance-before-min-base-sessions-at-target", IgnoresBaseAtTarget(), 3, 2, BASE_IS_TARGET),
    ("ignores-a-level-s-sessions", IgnoresLevelSessions(), 4, 2, COUCH_TO_5K),
    ("skips-a-listed-level", SkipsListedLevel(), 5, 13, COUCH_TO_5K),
    ("regresses-across-stages-not-allowed", RegressesAcrossStages(), 4, 4, COUCH_TO_5K),
    ("regresses-across-stages-to-a-wrong-level", RegressesToFirstLevel(), 4, 19, WALK_RUN_ACROSS),
]
CASES = [pytest.param(case[1:], id=case[0]) for case in MUTANTS]

Case = tuple[Unsafe, int, int, rp.ProgressionProtocol, PolicyViolation]


def _violation(
    policy: rp.RegressionPolicy,
    seed: int | None = None,
    protocol: rp.ProgressionProtocol | None = None,
) -> PolicyViolation:
    with pytest.raises(PolicyViolation) as caught:
        check_policy(policy, protocol, seed=seed)
    return caught.value


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest) -> Case:
    policy, invariant, longest, protocol = request.param
    return policy, invariant, longest, protocol, _violation(policy, protocol=protocol)


def test_check_policy_catches_an_unsafe_policy(case: Case) -> None:
    policy, invariant, longest, _, found = case

    assert found.invariant == invariant, str(found)
    assert found.policy_name == policy.name
    assert len(found.outcomes) <= longest, str(found)
    assert f"invariant {invariant} " in str(found)


def test_the_counterexample_reproduces_the_violation(case: Case) -> None:
    policy, invariant, _, protocol, found = case
    if not found.outcomes:  # a declaration, not a decision: nothing to replay
        assert found.decision is None
        assert found.state == protocol.start()
        return
    state = protocol.start()
    decisions = rp.replay(protocol, policy, list(found.outcomes))

    for outcome, decision in zip(found.outcomes[:-1], decisions[:-1], strict=True):
        check_decision(protocol, policy, state, outcome, decision)  # all safe up to the last
        state = decision.state
    assert found.state == state
    assert found.decision == decisions[-1]
    with pytest.raises(PolicyViolation) as last:
        check_decision(protocol, policy, state, found.outcomes[-1], decisions[-1])
    assert last.value.invariant == invariant


@pytest.mark.parametrize("policy", ["reference", "pain-monitoring", "staircase"])
def test_every_preset_passes_where_the_mutants_fail(policy: str) -> None:
    # the protocols the new mutants are caught on are ones the presets are safe on
    for protocol in (BASE_IS_TARGET, WALK_RUN_ACROSS):
        check_policy(rp.load_policy(policy), protocol, max_examples=30)


def test_the_min_sessions_hole_is_found_as_two_clean_sessions() -> None:
    found = _violation(IgnoresBaseAtTarget(), protocol=BASE_IS_TARGET)

    assert found.outcomes == (rp.SessionOutcome(), rp.SessionOutcome())
    assert found.decision is not None
    assert found.decision.action is rp.Action.ADVANCE
    assert (
        "invariant 3: advanced to retro-run after only 2 of 5 sessions at base in retro-walk"
        in found.problems
    )


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
    for name, policy, invariant, _, protocol in MUTANTS:
        try:
            check_policy(policy, protocol)
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
