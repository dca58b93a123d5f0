"""A policy that decides differently for the same sessions breaks invariant 7, never the check."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis.errors import FlakyFailure, FlakyReplay, FlakyStrategyDefinition

import retroprog as rp
from retroprog.exceptions import InvalidValueError, PolicyViolation
from retroprog.testing import _check, check_policy
from tests.sim.unsafe_policies import by_the_clock, nameless

DIFFERENTLY = "decides differently for the same sessions"


@attrs.define
class Alternating:
    """The reference rules, blind to pain at every other call (hidden state)."""

    calls: int = 0
    name: str = "alternating"
    pain_threshold: int = 2

    def decide(
        self, protocol: rp.ProgressionProtocol, state: rp.ClientState, outcome: rp.SessionOutcome
    ) -> rp.Decision:
        self.calls += 1
        if self.calls % 2:
            outcome = attrs.evolve(outcome, pain=0)
        return rp.RulePolicy().decide(protocol, state, outcome)


def _violation(policy: rp.RegressionPolicy, seed: int | None = None) -> PolicyViolation:
    with pytest.raises(PolicyViolation) as caught:
        check_policy(policy, seed=seed)
    return caught.value


@pytest.mark.parametrize("seed", [None, 1, 2, 3, 4, 5])
def test_a_policy_that_reads_the_clock_breaks_invariant_7(seed: int | None) -> None:
    found = _violation(by_the_clock, seed)

    assert found.invariant == 7, str(found)
    assert DIFFERENTLY in found.problems[0]


def test_a_policy_with_hidden_state_breaks_invariant_7() -> None:
    found = _violation(Alternating())

    assert found.invariant == 7, str(found)
    assert len(found.outcomes) == 1
    assert found.outcomes[0].pain == 3  # the first session its state makes it misjudge
    assert DIFFERENTLY in found.problems[0]


@pytest.fixture
def random_search_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Leave out the targeted pass, so that Hypothesis meets the policy first."""
    monkeypatch.setattr(_check, "_targeted", lambda *args: [])


@pytest.mark.usefixtures("random_search_only")
@pytest.mark.parametrize("seed", [None, 1, 2, 3, 4, 5])
def test_the_random_search_never_crashes_on_a_clock(seed: int | None) -> None:
    found = _violation(by_the_clock, seed)

    assert found.invariant == 7, str(found)


def _raising(error: BaseException) -> Callable[..., Callable[[], None]]:
    def test(*args: Any, **kwargs: Any) -> Callable[[], None]:
        def run() -> None:
            raise error

        return run

    return test


def _breach() -> PolicyViolation:
    outcome = rp.SessionOutcome(pain=3)
    state = rp.load_protocol("retro-walk-run").start()
    return PolicyViolation(
        1,
        outcomes=[rp.SessionOutcome(), outcome],
        decision=None,
        state=state,
        policy_name="reference",
        problems=["invariant 1: progress after an adverse session"],
    )


@pytest.mark.parametrize(
    "error",
    [
        FlakyStrategyDefinition("the second run stopped drawing earlier"),
        FlakyReplay("replay differs"),
        FlakyFailure("failed once, then passed", [_breach()]),
    ],
    ids=["strategy", "replay", "failure"],
)
def test_hypothesis_reports_of_flakiness_become_invariant_7(
    monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    monkeypatch.setattr(_check, "_targeted", lambda *args: [])
    monkeypatch.setattr(_check, "get_state_machine_test", _raising(error))

    found = _violation(rp.load_policy("reference"))

    assert found.invariant == 7
    assert DIFFERENTLY in found.problems[0]
    if isinstance(error, FlakyFailure):  # what it did the time it failed
        assert found.outcomes == _breach().outcomes
        assert found.problems[1] == "the first time: invariant 1: progress after an adverse session"


def test_other_errors_of_the_search_are_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_check, "_targeted", lambda *args: [])
    monkeypatch.setattr(_check, "get_state_machine_test", _raising(MemoryError()))

    with pytest.raises(MemoryError):
        check_policy(rp.load_policy("reference"))


def test_a_counterexample_that_does_not_replay_is_invariant_7() -> None:
    protocol, policy = rp.load_protocol("retro-walk-run"), rp.load_policy("reference")
    log = [rp.SessionOutcome(), rp.SessionOutcome(pain=3)]
    real = rp.replay(protocol, policy, log)

    def violation(decision: rp.Decision) -> PolicyViolation:
        return PolicyViolation(
            1,
            outcomes=log,
            decision=decision,
            state=real[0].state,
            policy_name="reference",
            problems=["invariant 1: progress after an adverse session"],
        )

    stepped_up = attrs.evolve(real[-1], action=rp.Action.PROGRESS)  # what it did "once"
    found = _check._confirmed(violation(stepped_up), protocol, policy)
    again = _check._confirmed(violation(real[-1]), protocol, policy)

    assert found.invariant == 7
    assert found.outcomes == tuple(log)
    assert found.problems[1] == "the first time: invariant 1: progress after an adverse session"
    assert again.invariant == 1  # the same decision on replay: confirmed as it was


def test_a_policy_whose_name_raises_is_bad_input() -> None:
    with pytest.raises(InvalidValueError) as refused:
        check_policy(nameless)

    assert str(refused.value) == (
        "name: reading the policy's name raised KeyError: 'name', got 'Nameless'"
    )


def test_the_clock_policy_really_reads_the_clock() -> None:
    protocol = rp.load_protocol("retro-walk-run")
    state, outcome = rp.ClientState("retro-walk", 15, successes=1), rp.SessionOutcome(pain=3)
    seen: set[rp.Action] = set()
    deadline = time.monotonic() + 5
    while len(seen) < 2 and time.monotonic() < deadline:
        seen.add(by_the_clock.decide(protocol, state, outcome).action)

    assert seen == {rp.Action.PROGRESS, rp.Action.HOLD}
