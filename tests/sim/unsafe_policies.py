"""Policies for ``retroprog check MODULE:ATTRIBUTE``: one unsafe, one safe, and a non-policy.

``progresses_on_pain`` is the reference policy with one rule broken: it judges a
session as if there had been no pain, so after two painful sessions in a row it
steps up.  ``check_policy`` must catch it (safety invariant 1).
"""

from __future__ import annotations

import time
from typing import Any

import attrs

import retroprog as rp


@attrs.frozen
class IgnoresPain:
    """The reference rules applied to each session with its pain wiped out."""

    inner: rp.RulePolicy = attrs.field(factory=lambda: rp.RulePolicy(name="ignores-pain"))

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def pain_threshold(self) -> int:
        return self.inner.pain_threshold

    def decide(
        self, protocol: rp.ProgressionProtocol, state: rp.ClientState, outcome: rp.SessionOutcome
    ) -> rp.Decision:
        painless = attrs.evolve(outcome, pain=0, next_day_pain=None)
        return self.inner.decide(protocol, state, painless)


#: A policy object: the reference rules, blind to pain.
progresses_on_pain = IgnoresPain()


def ignoring_pain(**params: Any) -> IgnoresPain:
    """A factory: ``RulePolicy`` parameters, then blind to pain."""
    return IgnoresPain(rp.RulePolicy(name="ignores-pain", **params))


def reference(successes_to_progress: int = 2) -> rp.RegressionPolicy:
    """A safe factory with one parameter."""
    return rp.RulePolicy(name="my-reference", successes_to_progress=successes_to_progress)


#: Not a policy at all.
not_a_policy = 42


@attrs.frozen
class ByTheClock:
    """The reference rules, blind to pain whenever the clock's nanoseconds are even."""

    inner: rp.RulePolicy = attrs.field(factory=lambda: rp.RulePolicy(name="by-the-clock"))

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def pain_threshold(self) -> int:
        return self.inner.pain_threshold

    def decide(
        self, protocol: rp.ProgressionProtocol, state: rp.ClientState, outcome: rp.SessionOutcome
    ) -> rp.Decision:
        if time.monotonic_ns() // 1000 % 2:
            outcome = attrs.evolve(outcome, pain=0, next_day_pain=None)
        return self.inner.decide(protocol, state, outcome)


#: A policy that decides by the clock (safety invariant 7).
by_the_clock = ByTheClock()


class Nameless:
    """A policy whose ``name`` raises (as a dict-backed plug-in might)."""

    @property
    def name(self) -> str:
        raise KeyError("name")

    @property
    def pain_threshold(self) -> int:
        return 2

    def decide(
        self, protocol: rp.ProgressionProtocol, state: rp.ClientState, outcome: rp.SessionOutcome
    ) -> rp.Decision:
        return rp.RulePolicy().decide(protocol, state, outcome)


#: A policy whose name raises ``KeyError: 'name'``.
nameless = Nameless()
