"""Unsafe policies: the reference policy with one safety rule broken, one class per kind.

Each wraps a :class:`retroprog.RulePolicy` and corrupts its decision in one way
only, keeping the decision otherwise consistent (the action names the change, the
prescription is the protocol's, the explanation names the bout), so the one
invariant it breaks is the one :func:`retroprog.testing.check_policy` must name.
The four after them (issue 9) misjudge what the wrapped policy sees instead, or what
they declare, or write into their input; the last five (issue 11) exploit levels: the
minimum sessions at base when the base range reaches the target, the sessions a level
declares, a listed level skipped, a regression across stages where the protocol allows
none, and one that lands on the wrong level.  Each uses the public API only.
"""

from __future__ import annotations

import attrs

import retroprog as rp


def _decision(
    protocol: rp.ProgressionProtocol, action: rp.Action, state: rp.ClientState
) -> rp.Decision:
    return rp.Decision(
        action, state, protocol.prescribe(state), ("unsafe",), f"unsafe: {state.bout_seconds} s"
    )


def _clean(outcome: rp.SessionOutcome) -> bool:
    return attrs.evolve(outcome, day=None, date=None) == rp.SessionOutcome()


@attrs.frozen
class Unsafe:
    """The reference policy, unchanged (subclasses corrupt :meth:`corrupt`)."""

    inner: rp.RulePolicy = attrs.field(factory=rp.RulePolicy)

    @property
    def name(self) -> str:
        return f"unsafe-{type(self).__name__}"

    @property
    def pain_threshold(self) -> int:
        return self.inner.pain_threshold

    def decide(
        self, protocol: rp.ProgressionProtocol, state: rp.ClientState, outcome: rp.SessionOutcome
    ) -> rp.Decision:
        decision = self.inner.decide(protocol, state, outcome)
        return self.corrupt(protocol, state, outcome, decision) or decision

    def corrupt(
        self,
        protocol: rp.ProgressionProtocol,
        state: rp.ClientState,
        outcome: rp.SessionOutcome,
        decision: rp.Decision,
    ) -> rp.Decision | None:
        return None


@attrs.frozen
class ProgressOn(Unsafe):
    """Steps up one step (never beyond base early) after a session with ``finding``."""

    finding: str = "pain"

    def corrupt(
        self,
        protocol: rp.ProgressionProtocol,
        state: rp.ClientState,
        outcome: rp.SessionOutcome,
        decision: rp.Decision,
    ) -> rp.Decision | None:
        found = {
            "pain": outcome.pain > self.pain_threshold,
            "balance": outcome.balance_losses > 0,
            "form": outcome.form_breakdown,
        }[self.finding]
        bout = protocol.step_up(state)
        if not (state.active and found and bout > state.bout_seconds):
            return None
        after = attrs.evolve(decision.state, status=rp.Status.ACTIVE, level=bout)
        return _decision(protocol, rp.Action.PROGRESS, attrs.evolve(after, stage=state.stage))


@attrs.frozen
class EarlyIncrease(Unsafe):
    """Steps beyond base after a clean session at the top of base, however few came before."""

    def corrupt(
        self,
        protocol: rp.ProgressionProtocol,
        state: rp.ClientState,
        outcome: rp.SessionOutcome,
        decision: rp.Decision,
    ) -> rp.Decision | None:
        stage = protocol.stage(state.stage)
        top = stage.base_max_seconds
        if not (
            state.active and _clean(outcome) and state.bout_seconds == top < stage.target_seconds
        ):
            return None
        after = attrs.evolve(
            decision.state, level=min(top + stage.step_seconds, stage.target_seconds)
        )
        return _decision(protocol, rp.Action.PROGRESS, after)


@attrs.frozen
class TwoSteps(Unsafe):
    """Beyond base, every step up is two steps."""

    def corrupt(
        self,
        protocol: rp.ProgressionProtocol,
        state: rp.ClientState,
        outcome: rp.SessionOutcome,
        decision: rp.Decision,
    ) -> rp.Decision | None:
        stage = protocol.stage(state.stage)
        if decision.action is not rp.Action.PROGRESS or state.bout_seconds < stage.base_max_seconds:
            return None
        bout = min(decision.state.bout_seconds + stage.step_seconds, stage.target_seconds)
        return _decision(protocol, rp.Action.PROGRESS, attrs.evolve(decision.state, level=bout))


@attrs.frozen
class EarlyAdvance(Unsafe):
    """Starts the next stage instead of any step up, target reached or not.

    Only once the stage's minimum sessions at base are done: an advance before them
    breaks invariant 3, and this mutant is about invariant 4 (not from the target).
    """

    def corrupt(
        self,
        protocol: rp.ProgressionProtocol,
        state: rp.ClientState,
        outcome: rp.SessionOutcome,
        decision: rp.Decision,
    ) -> rp.Decision | None:
        following = protocol.next_stage(state.stage)
        if (
            decision.action is not rp.Action.PROGRESS
            or following is None
            or decision.state.base_sessions < protocol.stage(state.stage).min_base_sessions
        ):
            return None
        after = attrs.evolve(
            decision.state,
            stage=following.name,
            level=following.base_min_seconds,
            sessions_at_level=0,
            base_sessions=0,
            successes=0,
        )
        return _decision(protocol, rp.Action.ADVANCE, after)


@attrs.frozen
class Unstop(Unsafe):
    """Lets a stopped client go on with no resume recorded."""

    def corrupt(
        self,
        protocol: rp.ProgressionProtocol,
        state: rp.ClientState,
        outcome: rp.SessionOutcome,
        decision: rp.Decision,
    ) -> rp.Decision | None:
        if state.status is not rp.Status.STOPPED or outcome.resume:
            return None
        return _decision(protocol, rp.Action.HOLD, attrs.evolve(state, status=rp.Status.ACTIVE))


@attrs.frozen
class WritesMemory(Unsafe):
    """Writes the same entry into its input state's memory at every call."""

    def decide(
        self, protocol: rp.ProgressionProtocol, state: rp.ClientState, outcome: rp.SessionOutcome
    ) -> rp.Decision:
        state.memory["unsafe.seen"] = True  # the input, changed in place
        return self.inner.decide(protocol, state, outcome)


@attrs.frozen
class DeclaresHighThreshold(Unsafe):
    """Declares a pain threshold of 10, then steps up as if there had been no pain."""

    @property
    def pain_threshold(self) -> int:
        return 10

    def decide(
        self, protocol: rp.ProgressionProtocol, state: rp.ClientState, outcome: rp.SessionOutcome
    ) -> rp.Decision:
        painless = attrs.evolve(outcome, pain=0, next_day_pain=None)
        return self.inner.decide(protocol, state, painless)


@attrs.frozen
class IgnoresNextDayPain(Unsafe):
    """The pain-monitoring preset (threshold 5, settled 2), blind to next-day pain up to 5."""

    inner: rp.RulePolicy = attrs.field(
        factory=lambda: rp.RulePolicy(name="pain-monitoring", pain_threshold=5, settled_pain=2)
    )

    @property
    def settled_pain(self) -> int:
        return self.inner.settled_pain

    def decide(
        self, protocol: rp.ProgressionProtocol, state: rp.ClientState, outcome: rp.SessionOutcome
    ) -> rp.Decision:
        next_day = outcome.next_day_pain
        if next_day is not None and next_day <= 5:
            outcome = attrs.evolve(outcome, next_day_pain=0)
        return self.inner.decide(protocol, state, outcome)


@attrs.frozen
class WeeklyBlindSpot(Unsafe):
    """Ignores pain 3 on days whose number is divisible by 7 (and only then)."""

    def decide(
        self, protocol: rp.ProgressionProtocol, state: rp.ClientState, outcome: rp.SessionOutcome
    ) -> rp.Decision:
        day = outcome.day_number
        if outcome.pain == 3 and day is not None and day % 7 == 0:
            outcome = attrs.evolve(outcome, pain=0)
        return self.inner.decide(protocol, state, outcome)


# --- issue 11: levels, the sessions they need, and regressions across stages ---------------


@attrs.frozen
class IgnoresBaseAtTarget(Unsafe):
    """Advances (or completes) at the stage's last level whatever the sessions at base.

    The hole of issue 11: when a stage's base range reaches its target, the reference
    policy held ``min_base_sessions`` only before a step up, never before an advance.
    """

    def corrupt(
        self,
        protocol: rp.ProgressionProtocol,
        state: rp.ClientState,
        outcome: rp.SessionOutcome,
        decision: rp.Decision,
    ) -> rp.Decision | None:
        stage = protocol.stage(state.stage)
        if rp.Reason.BASE_SESSIONS not in decision.reasons or state.level < stage.last_level:
            return None
        following = protocol.next_stage(state.stage)
        if following is None:
            after = attrs.evolve(decision.state, status=rp.Status.COMPLETED)
            return _decision(protocol, rp.Action.COMPLETE, after)
        after = attrs.evolve(
            decision.state,
            stage=following.name,
            level=following.first_level,
            sessions_at_level=0,
            base_sessions=0,
            successes=0,
        )
        return _decision(protocol, rp.Action.ADVANCE, after)


def _without_sessions(protocol: rp.ProgressionProtocol) -> rp.StagedProtocol:
    """``protocol`` with no stage or level saying how many sessions it needs."""
    assert isinstance(protocol, rp.StagedProtocol)
    stages = [
        attrs.evolve(
            stage,
            sessions=None,
            levels=[attrs.evolve(level, sessions=None) for level in stage.levels],
        )
        for stage in protocol.stages
    ]
    return attrs.evolve(protocol, stages=stages)


@attrs.frozen
class IgnoresLevelSessions(Unsafe):
    """Decides as if no stage or level declared its ``sessions``: the policy's default wins."""

    def decide(
        self, protocol: rp.ProgressionProtocol, state: rp.ClientState, outcome: rp.SessionOutcome
    ) -> rp.Decision:
        # the same stages and plans, so the same prescriptions and explanations
        return self.inner.decide(_without_sessions(protocol), state, outcome)


@attrs.frozen
class SkipsListedLevel(Unsafe):
    """On a stage that lists its levels, every step up skips a level when it can."""

    def corrupt(
        self,
        protocol: rp.ProgressionProtocol,
        state: rp.ClientState,
        outcome: rp.SessionOutcome,
        decision: rp.Decision,
    ) -> rp.Decision | None:
        stage = protocol.stage(state.stage)
        after = decision.state
        if (
            decision.action is not rp.Action.PROGRESS
            or not stage.levels
            or after.level + 1 > stage.last_level
        ):
            return None
        moved = attrs.evolve(after, level=after.level + 1)
        return _listed_decision(protocol, rp.Action.PROGRESS, moved)


@attrs.frozen
class RegressesAcrossStages(Unsafe):
    """At a stage's first level, a regression goes back to the previous stage's last level.

    Whether or not the protocol allows it (``regress_across_stages``).
    """

    def corrupt(
        self,
        protocol: rp.ProgressionProtocol,
        state: rp.ClientState,
        outcome: rp.SessionOutcome,
        decision: rp.Decision,
    ) -> rp.Decision | None:
        previous = _previous(protocol, state.stage)
        if rp.Reason.AT_FLOOR not in decision.reasons or previous is None:
            return None
        after = attrs.evolve(
            decision.state,
            stage=previous.name,
            level=previous.last_level,
            sessions_at_level=0,
            successes=0,
        )
        return _listed_decision(protocol, rp.Action.REGRESS, after)


@attrs.frozen
class RegressesToFirstLevel(Unsafe):
    """A regression across stages (where the protocol allows one) lands on the first level."""

    def corrupt(
        self,
        protocol: rp.ProgressionProtocol,
        state: rp.ClientState,
        outcome: rp.SessionOutcome,
        decision: rp.Decision,
    ) -> rp.Decision | None:
        if rp.Reason.PREVIOUS_STAGE not in decision.reasons:
            return None
        stage = protocol.stage(decision.state.stage)
        if stage.first_level == decision.state.level:
            return None
        moved = attrs.evolve(decision.state, level=stage.first_level)
        return _listed_decision(protocol, rp.Action.REGRESS, moved)


def _previous(protocol: rp.ProgressionProtocol, name: str) -> rp.Stage | None:
    names = [stage.name for stage in protocol.stages]
    index = names.index(name)
    return protocol.stages[index - 1] if index else None


def _listed_decision(
    protocol: rp.ProgressionProtocol, action: rp.Action, state: rp.ClientState
) -> rp.Decision:
    """Like :func:`_decision`, with an explanation that names a listed level's plan."""
    prescription = protocol.prescribe(state)
    plan = "" if prescription is None or prescription.level is None else f": {prescription.plan}"
    return rp.Decision(action, state, prescription, ("unsafe",), f"unsafe: {state.level} s{plan}")
