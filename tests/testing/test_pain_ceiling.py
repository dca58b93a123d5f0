"""Every policy is held to an absolute pain ceiling, whatever threshold it declares."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import retroprog as rp
from retroprog.exceptions import InvalidValueError, PolicyViolation
from retroprog.testing import PAIN_CEILING, check_decision, check_policy

from .unsafe import IgnoresNextDayPain

WALK_RUN = rp.load_protocol("retro-walk-run")
#: one clean session in: a clean session now steps up
READY = rp.ClientState(stage="retro-walk", level=15, sessions=1, successes=1)


def test_the_ceiling_is_the_top_of_the_acceptable_zone() -> None:
    assert PAIN_CEILING == 5


def test_the_pain_monitoring_preset_is_within_the_ceiling() -> None:
    check_policy(rp.load_policy("pain-monitoring"), max_examples=20)


@pytest.mark.parametrize(
    ("params", "declared"),
    [
        ({"pain_threshold": 6, "stop_pain": 8}, "pain_threshold 6"),
        ({"pain_threshold": 9, "stop_pain": 10}, "pain_threshold 9"),
    ],
)
def test_a_rule_policy_that_declares_more_is_refused(params: dict[str, Any], declared: str) -> None:
    with pytest.raises(PolicyViolation) as caught:
        check_policy(rp.load_policy("reference", **params))

    assert caught.value.invariant == 1
    assert caught.value.outcomes == ()
    assert f"declares {declared}, above the ceiling of 5/10" in str(caught.value)


def test_a_lower_ceiling_refuses_the_pain_monitoring_preset() -> None:
    with pytest.raises(PolicyViolation) as caught:
        check_policy(rp.load_policy("pain-monitoring"), pain_ceiling=3)

    assert caught.value.invariant == 1
    assert "declares pain_threshold 5, above the ceiling of 3/10" in str(caught.value)


def test_a_lower_ceiling_still_passes_a_policy_within_it() -> None:
    check_policy(rp.load_policy("reference"), pain_ceiling=2, max_examples=10)


def test_a_higher_ceiling_must_be_asked_for() -> None:
    policy = rp.load_policy("reference", pain_threshold=7, stop_pain=9)

    with pytest.raises(InvalidValueError) as refused:
        check_policy(policy, pain_ceiling=7)
    check_policy(policy, pain_ceiling=7, raise_pain_ceiling=True, max_examples=10)

    assert refused.value.field == "pain_ceiling"
    assert "raise_pain_ceiling=True" in str(refused.value)


@pytest.mark.parametrize("ceiling", [-1, 11, 2.5, True, "5"])
def test_a_ceiling_out_of_range_is_refused(ceiling: Any) -> None:
    with pytest.raises(InvalidValueError) as refused:
        check_policy(rp.load_policy("reference"), pain_ceiling=ceiling, raise_pain_ceiling=True)

    assert refused.value.field == "pain_ceiling"


def test_check_decision_holds_a_declared_threshold_to_the_ceiling() -> None:
    policy = rp.load_policy("reference", pain_threshold=7, settled_pain=6, stop_pain=9)
    outcome = rp.SessionOutcome(pain=6)
    decision = policy.decide(WALK_RUN, READY, outcome)

    with pytest.raises(PolicyViolation) as caught:
        check_decision(WALK_RUN, policy, READY, outcome, decision)

    assert decision.action is rp.Action.PROGRESS
    assert caught.value.invariant == 1
    assert "pain 6/10 above the ceiling 5 (the policy declares 7)" in str(caught.value)


def test_check_decision_holds_next_day_pain_to_the_settled_bound() -> None:
    policy = IgnoresNextDayPain()  # pain_threshold 5, settled_pain 2
    outcome = rp.SessionOutcome(pain=4, next_day_pain=3)
    decision = policy.decide(WALK_RUN, READY, outcome)

    with pytest.raises(PolicyViolation) as caught:
        check_decision(WALK_RUN, policy, READY, outcome, decision)

    assert decision.action is rp.Action.PROGRESS
    assert caught.value.invariant == 1
    assert "next-day pain 3/10 above the policy's settled bound 2" in str(caught.value)
    assert "pain 4/10" not in str(caught.value)  # within the threshold of 5


@attrs.frozen
class _Declares:
    """A policy that declares whatever pain bounds it is given, and follows ``rules``."""

    pain_threshold: Any = 2
    settled_pain: Any = None
    name: str = "declares"
    rules: rp.RulePolicy = attrs.field(factory=rp.RulePolicy)

    def decide(
        self, protocol: rp.ProgressionProtocol, state: rp.ClientState, outcome: rp.SessionOutcome
    ) -> rp.Decision:
        return self.rules.decide(protocol, state, outcome)


def test_a_policy_without_a_settled_bound_is_held_to_its_threshold_the_next_day() -> None:
    policy = _Declares(pain_threshold=2, rules=rp.RulePolicy(pain_threshold=3, settled_pain=3))
    outcome = rp.SessionOutcome(pain=3, next_day_pain=3)  # not worse the next day
    decision = policy.decide(WALK_RUN, READY, outcome)

    with pytest.raises(PolicyViolation) as caught:
        check_decision(WALK_RUN, policy, READY, outcome, decision)

    assert decision.action is rp.Action.PROGRESS
    assert caught.value.invariant == 1
    assert "next-day pain 3/10 above the policy's threshold 2" in str(caught.value)


def test_a_settled_bound_above_the_ceiling_is_refused() -> None:
    with pytest.raises(PolicyViolation) as caught:
        check_policy(_Declares(pain_threshold=5, settled_pain=6))

    assert caught.value.invariant == 1
    assert "declares settled_pain 6, above the ceiling of 5/10" in str(caught.value)


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        (_Declares(pain_threshold=None), "pain_threshold"),
        (_Declares(pain_threshold=2.0), "pain_threshold"),
        (_Declares(pain_threshold=11), "pain_threshold"),
        (_Declares(settled_pain=-1), "settled_pain"),
    ],
)
def test_a_bound_that_is_not_a_pain_level_is_bad_input(policy: _Declares, field: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        check_policy(policy)

    assert refused.value.field == field


def test_a_guarded_policy_exposes_the_settled_bound_it_is_checked_against() -> None:
    guarded = rp.guarded(rp.load_policy("pain-monitoring"))

    assert (guarded.pain_threshold, guarded.settled_pain) == (5, 2)
    assert rp.guarded(_Declares(pain_threshold=3)).settled_pain == 3
