"""Guards: safety rules that wrap any policy and may only make its decision more cautious."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

import attrs

from . import _transition as t
from . import _validators as v
from ._decision import Action, Decision, Reason
from ._outcome import SessionOutcome
from ._policy import RegressionPolicy, pain_bounds
from ._protocol import ProgressionProtocol
from ._registry import GUARDS as GUARD_GROUP
from ._resolve import resolve
from ._state import ClientState, Status
from .exceptions import InvalidArgumentError, InvalidValueError

__all__ = [
    "GapRegress",
    "Guard",
    "GuardedPolicy",
    "NoProgressAfterAdverse",
    "OneStep",
    "WeeklyCap",
    "guarded",
    "load_guard",
]

_UP = (Action.PROGRESS, Action.ADVANCE, Action.COMPLETE)


@runtime_checkable
class Guard(Protocol):
    """A rule that revises a policy's decision, only ever towards caution."""

    @property
    def name(self) -> str:
        """The guard's name, e.g. ``one-step``."""

    def revise(
        self,
        protocol: ProgressionProtocol,
        state: ClientState,
        outcome: SessionOutcome,
        decision: Decision,
        policy: RegressionPolicy,
    ) -> Decision:
        """``decision`` (made by ``policy`` for ``outcome`` in ``state``), revised."""


def _counted(
    protocol: ProgressionProtocol,
    state: ClientState,
    outcome: SessionOutcome,
    inner: Decision,
    *,
    adverse: bool = False,
) -> ClientState:
    """``state`` after counting the session, before any move.

    The session counts as the inner policy judged it, unless the guard found it
    ``adverse``: then it is neither a success nor anything but adverse.
    """
    stage = protocol.stage(state.stage)
    if not state.active:  # the inner policy honoured a resume
        state = t.resumed(stage, state)
    success = inner.state.failures == 0 and not adverse
    adverse = adverse or inner.state.adverse > 0
    counted = t.record(stage, state, outcome, success=success, adverse=adverse)
    return t.with_memory(counted, inner.state.memory)


def _replace(
    protocol: ProgressionProtocol,
    state: ClientState,
    outcome: SessionOutcome,
    inner: Decision,
    level: int,
    reason: Reason,
    why: str,
    *,
    adverse: bool = False,
) -> Decision:
    """The inner decision with the level put at ``level`` in ``state``'s stage instead."""
    after = t.move(_counted(protocol, state, outcome, inner, adverse=adverse), level)
    return t.decision(protocol, state, after, (*inner.reasons, reason), why)


@attrs.frozen
class NoProgressAfterAdverse:
    """Never step up after an adverse session, whatever the policy says.

    Adverse: pain during the session above ``pain_threshold``, next-day pain above it,
    any balance loss, or form breakdown.  Without a ``pain_threshold`` of its own the guard
    takes the policy's bounds (:func:`~retroprog.pain_bounds`): its threshold during the
    session, its ``settled_pain`` (if it declares one) the next day, neither above
    :data:`~retroprog.PAIN_CEILING` (5/10), whatever the policy declares.
    """

    pain_threshold: int | None = attrs.field(default=None, validator=v.optional(v.integer(0, 10)))
    name = "no-progress-after-adverse"

    def revise(
        self,
        protocol: ProgressionProtocol,
        state: ClientState,
        outcome: SessionOutcome,
        decision: Decision,
        policy: RegressionPolicy,
    ) -> Decision:
        """Turn a step up after an adverse session into a hold."""
        if decision.action not in _UP:
            return decision
        if self.pain_threshold is None:
            during, next_day = pain_bounds(policy)
        else:
            during = next_day = self.pain_threshold
        found = []
        if outcome.pain > during:
            found.append(f"pain {outcome.pain}/10")
        if outcome.next_day_pain is not None and outcome.next_day_pain > next_day:
            found.append(f"next-day pain {outcome.next_day_pain}/10")
        if outcome.balance_losses:
            found.append(f"balance lost {t.times(outcome.balance_losses)}")
        if outcome.form_breakdown:
            found.append("could not move properly")
        if not found:
            return decision
        why = f"no step up after an adverse session ({', '.join(found)})"
        # the level done in this session: a resume restarts at the stage's first level
        done = state.level if state.active else protocol.stage(state.stage).first_level
        return _replace(
            protocol, state, outcome, decision, done, Reason.GUARD_ADVERSE, why, adverse=True
        )


@attrs.frozen
class OneStep:
    """At most one step per decision: a change of level never exceeds the stage's step.

    An advance is allowed only from the stage's last level to the next stage's
    first level, and a regression across stages (where the protocol allows one)
    only from the stage's first level to the previous stage's last level.
    """

    name = "one-step"

    def revise(
        self,
        protocol: ProgressionProtocol,
        state: ClientState,
        outcome: SessionOutcome,
        decision: Decision,
        policy: RegressionPolicy,
    ) -> Decision:
        """Cut a change of more than one step down to one step."""
        after = decision.state
        if after.status is Status.STOPPED or not state.active:
            return decision
        stage = protocol.stage(state.stage)
        if after.status is Status.COMPLETED or after.stage != state.stage:
            following = protocol.next_stage(state.stage)
            below = t.stage_below(protocol, state.stage)
            up = after.status is Status.COMPLETED or (
                following is not None and after.stage == following.name
            )
            if up:
                legal = state.level >= stage.last_level and (
                    after.status is Status.COMPLETED
                    if following is None
                    else after.level == following.first_level
                )
            else:
                legal = (
                    below is not None
                    and after.stage == below.name
                    and after.level == below.last_level
                    and state.level == stage.first_level
                )
            if legal:
                return decision
            counted = _counted(protocol, state, outcome, decision)
            level = protocol.step_up(counted) if up else protocol.step_down(counted)
            where = t.at_level(stage, state.level)
            why = (
                f"one step at a time ({where} is below the target or the next stage was skipped)"
                if up
                else f"one step at a time ({where} is not the first level, or the stage "
                "before it was skipped)"
            )
            return _replace(protocol, state, outcome, decision, level, Reason.GUARD_ONE_STEP, why)
        change = after.level - state.level
        step = stage.step
        if abs(change) <= step:
            return decision
        level = state.level + (step if change > 0 else -step)
        why = f"one step at a time (the policy asked for {t.at_level(stage, after.level)})"
        return _replace(protocol, state, outcome, decision, level, Reason.GUARD_ONE_STEP, why)


@attrs.frozen
class GapRegress:
    """After more than ``max_gap_days`` days without a session, regress one step.

    One step down within the stage (one bout step, or one listed level).  Applies
    only when both sessions have a known day or date.
    """

    max_gap_days: int = attrs.field(default=14, validator=v.integer(1))
    name = "gap"

    def revise(
        self,
        protocol: ProgressionProtocol,
        state: ClientState,
        outcome: SessionOutcome,
        decision: Decision,
        policy: RegressionPolicy,
    ) -> Decision:
        """Regress one step instead of holding or stepping up after a long gap."""
        day = outcome.day_number
        if (
            day is None
            or state.last_day is None
            or day - state.last_day <= self.max_gap_days
            or not state.active
            or decision.action not in (Action.HOLD, *_UP)
        ):
            return decision
        counted = _counted(protocol, state, outcome, decision)
        level = protocol.step_down(counted)
        why = f"{day - state.last_day} days since the last session (more than {self.max_gap_days})"
        return _replace(protocol, state, outcome, decision, level, Reason.GUARD_GAP, why)


_WINDOW = "weekly_cap.window"
_WINDOW_DAYS = 7


def _window(memory: Mapping[str, Any], day: int) -> dict[int, int]:
    """The smallest bout of each of the 7 days up to ``day``, from the guard's memory.

    Older states may hold several entries per day, or days long past (their
    windows grew without bound): only what the rule can still use is kept.
    """
    window: dict[int, int] = {}
    entries = memory.get(_WINDOW, ())
    try:
        for d, b in entries:
            if type(d) is not int or type(b) is not int:
                raise TypeError
            if day - _WINDOW_DAYS < d <= day and b < window.get(d, b + 1):
                window[d] = b
    except (TypeError, ValueError):
        raise InvalidValueError(
            f"memory.{_WINDOW}", entries, "must be a list of [day, bout] pairs of whole numbers"
        ) from None
    return window


@attrs.frozen
class WeeklyCap:
    """The bout rises by at most ``max_increase_seconds`` over any 7 days.

    Keeps, for each of the last 7 days with a session, the shortest bout done
    that day, as ``[day, bout]`` pairs in the state's memory under
    ``weekly_cap.window`` (at most 7 of them, however many sessions a day has);
    applies only to sessions with a known day or date, on stages that generate
    their levels from bout lengths.  A stage that lists its levels is a
    deliberate plan, week by week (Couch to 5K's weeks): the cap leaves it alone.
    """

    max_increase_seconds: int = attrs.field(default=30, validator=v.integer(1))
    name = "weekly-cap"

    def revise(
        self,
        protocol: ProgressionProtocol,
        state: ClientState,
        outcome: SessionOutcome,
        decision: Decision,
        policy: RegressionPolicy,
    ) -> Decision:
        """Cap a step up so the bout stays within the weekly increase."""
        day = t.session_day(state, outcome)
        if day is None or not (state.active or outcome.resume):
            return decision
        stage = protocol.stage(state.stage)
        if stage.levels:
            return decision
        # the bout done in this session: a resume restarts at the stage's base
        done = state.level if state.active else stage.first_level
        window = _window(state.memory, day)
        window[day] = min(done, window.get(day, done))
        after = decision.state
        if after.stage == state.stage and after.active:
            allowed = max(min(window.values()) + self.max_increase_seconds, done)
            if after.level > allowed:
                why = (
                    f"at most {t.seconds(self.max_increase_seconds)} more in 7 days "
                    f"(the policy asked for {t.seconds(after.level)})"
                )
                decision = _replace(
                    protocol, state, outcome, decision, allowed, Reason.GUARD_WEEKLY_CAP, why
                )
                after = decision.state
        keep = [[d, window[d]] for d in sorted(window)] if after.stage == state.stage else []
        memory = {**after.memory, _WINDOW: keep}
        d = decision
        return Decision(
            d.action, t.with_memory(after, memory), d.prescription, d.reasons, d.explanation
        )


def _guard_tuple(guards: Iterable[Guard]) -> tuple[Guard, ...]:
    if isinstance(guards, (str, bytes, Mapping)) or not isinstance(guards, Iterable):
        raise InvalidArgumentError("guards", guards, "must be a sequence of Guard")
    return tuple(guards)


@attrs.frozen
class GuardedPolicy:
    """A policy whose every decision passes through guards, in order.

    >>> from retroprog import load_policy
    >>> guarded(load_policy("reference"), OneStep(), GapRegress(max_gap_days=10)).name
    'reference+one-step+gap'
    """

    policy: RegressionPolicy
    guards: tuple[Guard, ...] = attrs.field(converter=_guard_tuple)

    def __attrs_post_init__(self) -> None:
        policy: object = self.policy  # typed, but not checked by Python
        if not isinstance(policy, RegressionPolicy):
            hint = t.how_to_get("load_policy", policy, "load_policy('reference')")
            raise InvalidArgumentError("policy", policy, f"must be a RegressionPolicy {hint}")
        guards: tuple[object, ...] = self.guards
        for index, guard in enumerate(guards):
            if not isinstance(guard, Guard):
                hint = t.how_to_get("load_guard", guard, "OneStep() or load_guard('one-step')")
                raise InvalidArgumentError(f"guards[{index}]", guard, f"must be a Guard {hint}")

    @property
    def name(self) -> str:
        """The policy's name followed by the guards'."""
        return "+".join([self.policy.name, *(g.name for g in self.guards)])

    @property
    def pain_threshold(self) -> int:
        """The wrapped policy's pain threshold."""
        return self.policy.pain_threshold

    @property
    def settled_pain(self) -> int:
        """The wrapped policy's bound on next-day pain (its pain threshold if it has none)."""
        settled: int | None = getattr(self.policy, "settled_pain", None)
        return self.policy.pain_threshold if settled is None else settled

    def decide(
        self, protocol: ProgressionProtocol, state: ClientState, outcome: SessionOutcome
    ) -> Decision:
        """The wrapped policy's decision, revised by each guard in turn.

        :raises ~retroprog.exceptions.InvalidArgumentError: an argument is not a
            protocol, a state or an outcome.
        :raises ~retroprog.exceptions.InvalidValueError: the session is dated
            before the state's last one (whatever the wrapped policy says).
        """
        if type(state) is not ClientState or type(outcome) is not SessionOutcome:
            t.check_arguments(protocol, state, outcome)
        t.session_day(state, outcome)
        decision = self.policy.decide(protocol, state, outcome)
        if not state.active and not outcome.resume:
            return decision  # stopped or complete, and staying so: nothing to guard
        for guard in self.guards:
            decision = guard.revise(protocol, state, outcome, decision, self.policy)
        return decision


def guarded(policy: RegressionPolicy, *guards: Guard) -> GuardedPolicy:
    """Wrap ``policy`` in ``guards`` (all four built-in guards when none are given).

    :raises ~retroprog.exceptions.InvalidArgumentError: ``policy`` is not a policy,
        or a guard is not a guard (a guard's name is not: use :func:`load_guard`).
    """
    if not guards:
        guards = (NoProgressAfterAdverse(), OneStep(), GapRegress(), WeeklyCap())
    return GuardedPolicy(policy, guards)


GUARDS: Mapping[str, Callable[..., Guard]] = {
    NoProgressAfterAdverse.name: NoProgressAfterAdverse,
    OneStep.name: OneStep,
    GapRegress.name: GapRegress,
    WeeklyCap.name: WeeklyCap,
}


def load_guard(name: str, **params: Any) -> Guard:
    """A guard by name (built-in or plug-in) or ``MODULE:ATTR``, with its parameters.

    ``load_guard("gap", max_gap_days=10)``; ``name`` is resolved as
    :func:`retroprog.plugins.resolve` says.

    :raises ~retroprog.exceptions.UnknownPluginError: no guard has that name.
    :raises ~retroprog.exceptions.UnknownParameterError: the guard has no such parameter.
    :raises ~retroprog.exceptions.InvalidArgumentError: ``name`` is not a name.
    """
    if type(name) is not str:
        raise InvalidArgumentError("name", name, f"must be a guard's name ({', '.join(GUARDS)})")
    guard: Guard = resolve(GUARD_GROUP, name, params, expect=Guard)
    return guard
