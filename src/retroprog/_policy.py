"""Regression policies: given a session, where the level goes next."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import attrs

from . import _transition as t
from . import _validators as v
from ._decision import Decision, Reason
from ._outcome import SessionOutcome
from ._protocol import ProgressionProtocol
from ._stage import Stage
from ._state import ClientState, Status
from .exceptions import InvalidValueError

__all__ = ["PAIN_CEILING", "RegressionPolicy", "RulePolicy", "pain_bounds"]

#: The highest pain (0–10), during a session or the next day, after which any policy may
#: still step up, whatever it declares: the top of Silbernagel's acceptable zone
#: (Silbernagel et al. 2007).  :func:`~retroprog.testing.check_policy` holds every policy
#: to it, and the :class:`~retroprog.NoProgressAfterAdverse` guard enforces it.
PAIN_CEILING = 5


@runtime_checkable
class RegressionPolicy(Protocol):
    """The plug-in point that judges a session and decides the next step.

    ``decide`` must be pure: no clock, no global random numbers, no I/O, and it
    never changes its inputs.  The same log must always give the same decisions.

    A policy may also have a ``settled_pain`` attribute (optional, 0–10): the highest
    next-day pain after which it may still step up.  Without one, next-day pain is
    held to :attr:`pain_threshold`.  :func:`retroprog.testing.check_policy` holds
    both to an absolute ceiling of 5/10 whatever the policy declares.
    """

    @property
    def name(self) -> str:
        """The policy's name, e.g. ``reference``."""

    @property
    def pain_threshold(self) -> int:
        """The highest pain (0–10) during a session after which a step up is still allowed."""

    def decide(
        self, protocol: ProgressionProtocol, state: ClientState, outcome: SessionOutcome
    ) -> Decision:
        """The decision after ``outcome``, a session done by a client in ``state``."""


def pain_bounds(policy: RegressionPolicy, *, ceiling: int = PAIN_CEILING) -> tuple[int, int]:
    """The highest pain during a session and the next day after which ``policy`` may step up.

    The policy's ``pain_threshold``, and its optional ``settled_pain`` for next-day pain
    (else its threshold), each capped at ``ceiling``.

    >>> from retroprog import load_policy
    >>> pain_bounds(load_policy("pain-monitoring"))
    (5, 2)
    >>> pain_bounds(load_policy("reference", pain_threshold=6, stop_pain=8))
    (5, 2)
    """
    settled = getattr(policy, "settled_pain", None)
    return capped(policy.pain_threshold, settled if type(settled) is int else None, ceiling)


def capped(threshold: int, settled: int | None, ceiling: int) -> tuple[int, int]:
    """The (during, next-day) pain bounds of declared values, neither above ``ceiling``.

    Next-day pain is bounded by ``settled`` (``threshold`` when ``None``), never above
    ``threshold``.
    """
    next_day = threshold if settled is None else min(settled, threshold)
    return min(threshold, ceiling), min(next_day, ceiling)


def _le(other: str):  # type: ignore[no-untyped-def]
    def check(inst: RulePolicy, attribute: attrs.Attribute[int], value: int) -> None:
        bound = getattr(inst, other)
        if value > bound:
            raise InvalidValueError(attribute.name, value, f"must be at most {other} ({bound})")

    return check


@attrs.frozen
class RulePolicy:
    """The built-in policies, one set of rules with parameters.

    After each session the policy sorts what happened into three kinds:

    * **adverse** — pain above :attr:`pain_threshold`, next-day pain above
      :attr:`settled_pain`, more than :attr:`balance_losses_allowed` balance
      losses, or form breakdown: regress one
      step, and stop (avoid the exercise, refer) at :attr:`stop_pain` or when
      :attr:`stop_after` adverse sessions come in a row;
    * **difficulty** — bouts not completed, dizziness, a balance loss within
      :attr:`balance_losses_allowed`, RPE at or above
      :attr:`rpe_threshold`, or next-day pain worse than during the session
      (though settled): regress one step;
    * **success** — anything else.  Pain above :attr:`settled_pain` counts only
      once next-day pain shows it settled (until then the bout holds).

    After :attr:`successes_to_progress` successes in a row at a bout the policy
    steps up one step (never beyond base before the stage's minimum sessions
    at base); at the stage's target it advances to the next stage, or completes.

    With :attr:`step_shrink` below 1 this is a transformed up-down staircase:
    every reversal of direction multiplies the step by ``step_shrink``, down to
    :attr:`min_step_seconds`; the step and the reversals live in the state's
    memory under ``staircase.*``.

    Use :func:`~retroprog.load_policy` for the named presets: ``reference``,
    ``pain-monitoring`` and ``staircase``.

    :param name: the policy's name.
    :param pain_threshold: highest pain during a session still compatible with a step up.
    :param settled_pain: highest next-day pain that counts as settled.
    :param stop_pain: pain that stops at once.
    :param stop_after: adverse sessions in a row that stop.
    :param balance_losses_allowed: balance losses per session that count as
        difficulty rather than adverse (a balance loss never allows a step up).
    :param rpe_threshold: RPE (0–10) at or above which a session was too difficult.
    :param successes_to_progress: successful sessions in a row before a step up.
    :param step_shrink: factor applied to the step at each reversal (1: fixed steps).
    :param min_step_seconds: the smallest step a shrinking staircase reaches.
    """

    name: str = attrs.field(default="reference", validator=v.name)
    settled_pain: int = attrs.field(default=2, validator=v.integer(0, 10))
    pain_threshold: int = attrs.field(default=2, validator=[v.integer(0, 9), _le("stop_pain")])
    stop_pain: int = attrs.field(default=7, validator=v.integer(1, 10))
    stop_after: int = attrs.field(default=2, validator=v.integer(1))
    balance_losses_allowed: int = attrs.field(default=0, validator=v.integer(0))
    rpe_threshold: float = attrs.field(default=7.0, validator=v.number(0, 10))
    successes_to_progress: int = attrs.field(default=2, validator=v.integer(1))
    step_shrink: float = attrs.field(default=1.0, validator=v.number(0.05, 1))
    min_step_seconds: int = attrs.field(default=5, validator=v.integer(1))

    def __attrs_post_init__(self) -> None:
        if self.settled_pain > self.pain_threshold:
            raise InvalidValueError(
                "settled_pain",
                self.settled_pain,
                f"must be at most pain_threshold ({self.pain_threshold})",
            )
        if self.stop_pain <= self.pain_threshold:
            raise InvalidValueError(
                "stop_pain", self.stop_pain, f"must be above pain_threshold ({self.pain_threshold})"
            )

    def _clean(self, outcome: SessionOutcome) -> bool:
        """A session with nothing to judge: no finding, whatever the level's bouts."""
        rpe = outcome.rpe
        return (
            not outcome.pain
            and not outcome.next_day_pain
            and not outcome.balance_losses
            and outcome.completed
            and outcome.bouts_completed is None
            and not outcome.dizziness
            and not outcome.form_breakdown
            and (rpe is None or rpe < self.rpe_threshold)
        )

    def judge(
        self, outcome: SessionOutcome, *, bouts: int, unit: str = "bouts"
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]], bool]:
        """Sort a session's findings into (adverse, difficulty, awaiting next-day pain).

        Each finding is a (reason code, phrase) pair.  ``bouts`` is how many bouts
        (``unit``: or segments that are not rest, for a listed level's plan) the
        session had; fewer completed makes it difficult.
        """
        adverse: list[tuple[str, str]] = []
        difficulty: list[tuple[str, str]] = []
        if self._clean(outcome):  # the common case first
            return adverse, difficulty, False
        pain, next_day, rpe = outcome.pain, outcome.next_day_pain, outcome.rpe
        if pain > self.pain_threshold:
            code = Reason.SEVERE_PAIN if pain >= self.stop_pain else Reason.PAIN
            adverse.append((code, f"pain {pain}/10"))
        if next_day is not None:
            if next_day >= self.stop_pain:
                adverse.append((Reason.SEVERE_PAIN, f"next-day pain {next_day}/10"))
            elif next_day > self.settled_pain:
                adverse.append(
                    (Reason.NEXT_DAY_PAIN, f"next-day pain {next_day}/10 did not settle")
                )
        if outcome.balance_losses > self.balance_losses_allowed:
            adverse.append((Reason.BALANCE_LOSS, f"balance lost {t.times(outcome.balance_losses)}"))
        if outcome.form_breakdown:
            adverse.append((Reason.FORM_BREAKDOWN, "could not move properly"))
        done = outcome.bouts_completed
        if not outcome.completed or (done is not None and done < bouts):
            phrase = (
                f"completed {done} of {bouts} {unit}"
                if done is not None
                else f"{unit} not completed"
            )
            difficulty.append((Reason.INCOMPLETE, phrase))
        if next_day is not None and pain < next_day <= self.settled_pain:
            difficulty.append(
                (Reason.PAIN_WORSE_NEXT_DAY, f"pain worse next day ({pain} → {next_day}/10)")
            )
        if 0 < outcome.balance_losses <= self.balance_losses_allowed:
            difficulty.append(
                (Reason.BALANCE_LOSS, f"balance lost {t.times(outcome.balance_losses)}")
            )
        if outcome.dizziness:
            difficulty.append((Reason.DIZZINESS, "dizzy"))
        if rpe is not None and rpe >= self.rpe_threshold:
            difficulty.append((Reason.HIGH_RPE, f"RPE {rpe:g}/10"))
        awaiting = pain > self.settled_pain and next_day is None
        return adverse, difficulty, awaiting

    def decide(
        self, protocol: ProgressionProtocol, state: ClientState, outcome: SessionOutcome
    ) -> Decision:
        """The decision after ``outcome``; see the class description for the rules.

        :raises ~retroprog.exceptions.InvalidArgumentError: an argument is not a
            protocol, a state or an outcome.
        :raises ~retroprog.exceptions.InvalidValueError: the state lies outside its
            stage, or the session is dated before the state's last one.
        """
        if type(state) is not ClientState or type(outcome) is not SessionOutcome:
            t.check_arguments(protocol, state, outcome)  # subclasses pass
        try:
            stage = protocol.stage(state.stage)
        except AttributeError:
            t.check_arguments(protocol, state, outcome)
            raise
        before = state
        codes: list[str] = []
        if state.status is not Status.ACTIVE:
            if not outcome.resume:
                return t.absorbed(protocol, state, outcome)
            state = t.resumed(stage, state)
            codes.append(Reason.RESUMED)
        first, last, _, step = stage._ladder
        level = state.level
        if not first <= level <= last:
            t.check_bounds(stage, state)  # raises, naming the bounds
        if self._clean(outcome):  # the common case: a success
            after = t.record(stage, state, outcome, success=True, adverse=False)
            return self._succeeded(protocol, stage, before, after, codes)
        listed = stage.levels
        if listed:
            judged = self.judge(outcome, bouts=stage.bouts_in(level), unit="segments")
        else:
            judged = self.judge(outcome, bouts=stage.bouts)
        adverse, difficulty, awaiting = judged
        findings = adverse + difficulty if adverse or difficulty else adverse
        success = not (findings or awaiting)
        after = t.record(stage, state, outcome, success=success, adverse=bool(adverse))
        why = ""
        if findings:
            why = ", ".join(phrase for _, phrase in findings)
            codes += [code for code, _ in findings]

        if adverse and (
            any(code is Reason.SEVERE_PAIN for code, _ in adverse)
            or after.adverse >= self.stop_after
        ):
            if after.adverse >= self.stop_after and after.adverse > 1:
                codes.append(Reason.REPEATED_ADVERSE)
                why += f" ({after.adverse} adverse sessions in a row)"
            return t.decision(protocol, before, t.with_status(after, Status.STOPPED), codes, why)
        if findings:
            down = protocol.step_down(after, by=self._step(after, step))
            if down == level:
                below = t.stage_below(protocol, stage.name) if level == first else None
                if below is not None:
                    codes.append(Reason.PREVIOUS_STAGE)
                    why += f" (back to {below.name}, the previous stage)"
                    return t.decision(
                        protocol, before, self._entered(t.reenter(after, below)), codes, why
                    )
                codes.append(Reason.AT_FLOOR)
                why += " (already the first level)" if listed else " (already the shortest bout)"
            return t.decision(protocol, before, self._moved(after, down, step), codes, why)
        if awaiting:
            codes.append(Reason.AWAITING_NEXT_DAY)
            why = (
                f"pain {outcome.pain}/10 is allowed only if it settles by next morning; "
                "next-day pain not yet recorded"
            )
            return t.decision(protocol, before, after, codes, why)
        return self._succeeded(protocol, stage, before, after, codes)

    def _succeeded(
        self,
        protocol: ProgressionProtocol,
        stage: Stage,
        before: ClientState,
        after: ClientState,
        codes: list[str],
    ) -> Decision:
        """The decision after a successful session: hold, step up, advance or complete.

        ``before`` is the state before the session, ``after`` the state with the
        session counted (and any resume); ``codes`` the reasons so far.
        """
        _, last, _, step = stage._ladder
        level, listed = after.level, stage.levels
        codes.append(Reason.SUCCESS)
        needed = stage.sessions_needed(level) if listed else stage.sessions
        k = self.successes_to_progress if needed is None else needed
        if after.successes < k:
            codes.append(Reason.BUILDING)
            why = f"{after.successes} of {k} successful sessions in a row"
            return t.decision(protocol, before, after, codes, why)
        if level >= last and after.base_sessions >= stage.min_base_sessions:
            codes.append(Reason.TARGET_REACHED)
            done = t.sessions(after.successes, "successful session")
            if listed:
                why = f"{done} at {stage.level_name(last)}"
            else:
                why = f"{done} at the {t.seconds(last)} {stage.name} target"
            following = protocol.next_stage(stage.name)
            if following is None:
                return t.decision(
                    protocol, before, t.with_status(after, Status.COMPLETED), codes, why
                )
            return t.decision(
                protocol, before, self._entered(t.enter(after, following)), codes, why
            )
        up = protocol.step_up(after, by=self._step(after, step))
        if up == level:  # the stage's minimum sessions at base come first
            codes.append(Reason.BASE_SESSIONS)
            why = f"{after.base_sessions} of {stage.min_base_sessions} sessions at base done"
            return t.decision(protocol, before, after, codes, why)
        in_a_row = t.sessions(after.successes, "successful session")
        why = f"{in_a_row} in a row at {t.at_level(stage, level)}"
        return t.decision(protocol, before, self._moved(after, up, step), codes, why)

    # --- the staircase's memory -------------------------------------------------------------

    @property
    def _shrinks(self) -> bool:
        return self.step_shrink < 1

    def _step(self, state: ClientState, default: int) -> int:
        if not self._shrinks:
            return default
        step = state.memory.get("staircase.step", default)
        # never more than the stage's own step: one step per decision
        return min(step, default) if isinstance(step, int) and step > 0 else default

    def _moved(self, state: ClientState, level: int, default_step: int) -> ClientState:
        moved = t.move(state, level)
        if not self._shrinks or level == state.level:
            return moved
        direction = 1 if level > state.level else -1
        memory = state.memory
        last = memory.get("staircase.direction", 0)
        step = self._step(state, default_step)
        reversals = memory.get("staircase.reversals", 0)
        if last and last != direction:
            reversals += 1
            step = min(default_step, max(self.min_step_seconds, round(step * self.step_shrink)))
        return t.with_memory(
            moved,
            {
                **memory,
                "staircase.direction": direction,
                "staircase.reversals": reversals,
                "staircase.step": step,
            },
        )

    def _entered(self, entered: ClientState) -> ClientState:
        """A state just moved to another stage: the staircase starts over there."""
        if not self._shrinks:
            return entered
        memory = {k: val for k, val in entered.memory.items() if not k.startswith("staircase.")}
        return t.with_memory(entered, memory)
