"""The bookkeeping every decision shares: counting a session, moving the level, wording it.

Policies decide *where* the level goes; these helpers keep the state's counters
consistent whichever policy or guard decided, so ``replay`` and the step-by-step
result always agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ._decision import Action, Decision, Reason, Wording, make_decision
from ._outcome import SessionOutcome
from ._protocol import ProgressionProtocol, StagedProtocol
from ._stage import Prescription, Stage
from ._state import ClientState, Status
from ._state import _memory as _copied_memory
from ._validators import evolver, trusted
from .exceptions import InvalidArgumentError, InvalidValueError

#: A copy of a state with some fields changed (keywords only, validated as usual).
_evolve = evolver(ClientState)
#: A state built here from a state already validated: nothing checked again.
_state = trusted(ClientState)


def _memory_of(state: ClientState) -> dict[str, Any]:
    """A copy of ``state``'s memory for the next state, as the public constructor copies it.

    No two states share a memory, so changing one (they are dicts) changes no other.
    """
    memory = state.memory
    return _copied_memory(memory) if memory else {}


def how_to_get(loader: str, value: object, example: str) -> str:
    """How to get the right kind of argument, for an error's reason.

    ``(for one by name, use load_guard('gap'))`` when ``value`` is a name,
    else ``(e.g. <example>)``.
    """
    if isinstance(value, str):
        return f"(for one by name, use {loader}({value!r}))"
    return f"(e.g. {example})"


def check_protocol(protocol: object) -> None:
    """Refuse, naming it, a ``protocol`` argument that is not a protocol."""
    # the built-in class first: a Protocol's isinstance check takes microseconds
    if type(protocol) is not StagedProtocol and not isinstance(protocol, ProgressionProtocol):
        hint = how_to_get("load_protocol", protocol, "load_protocol('retro-walk-run')")
        raise InvalidArgumentError("protocol", protocol, f"must be a ProgressionProtocol {hint}")


def check_arguments(protocol: object, state: object, outcome: object) -> None:
    """Refuse, naming it, an argument of ``decide`` that is not what it must be.

    Policies call this only when a fast check of the arguments fails, so
    valid calls pay nothing for it.
    """
    check_protocol(protocol)
    if not isinstance(state, ClientState):
        raise InvalidArgumentError(
            "state", state, "must be a ClientState (a new client's is start(protocol))"
        )
    if not isinstance(outcome, SessionOutcome):
        raise InvalidArgumentError("outcome", outcome, "must be a SessionOutcome")


_LAST_ORDINAL = dt.date.max.toordinal()


def backwards(outcome: SessionOutcome, last_day: int, *, where: str = "") -> InvalidValueError:
    """The error for ``outcome`` dated before the previous session's day (or date).

    ``where`` prefixes the field, e.g. ``outcomes[3].``.
    """
    if outcome.date is not None and 1 <= last_day <= _LAST_ORDINAL:
        previous = dt.date.fromordinal(last_day).isoformat()
        return InvalidValueError(
            f"{where}date", outcome.date.isoformat(), f"is before the previous session ({previous})"
        )
    field, value = ("date", outcome.date) if outcome.date is not None else ("day", outcome.day)
    return InvalidValueError(
        f"{where}{field}", value, f"is before the previous session (day {last_day})"
    )


def session_day(state: ClientState, outcome: SessionOutcome) -> int | None:
    """The session's day number (a date counts as its ordinal), or ``None`` if unknown.

    Refuses a session dated before the state's last one: decisions must be made
    in the order the sessions happened.  The same day twice is fine.  Day
    numbers and dates share one scale (a date is its proleptic ordinal, about
    739 000 today), so a log that switches from dates to day numbers is refused
    here, and one that switches from day numbers to dates looks like a long gap.
    """
    if outcome.date is None:
        day = outcome.day
        if day is None:
            return None
    else:
        day = outcome.date.toordinal()
    last = state.last_day
    if last is not None and day < last:
        raise backwards(outcome, last)
    return day


def check_bounds(stage: Stage, state: ClientState) -> None:
    """Refuse a state whose level lies outside its stage's ladder."""
    if not stage.contains(state.level):
        unit = " (its levels)" if stage.levels else " s"
        raise InvalidValueError(
            "level",
            state.level,
            f"must be between {stage.first_level} and {stage.last_level}{unit} "
            f"for stage {stage.name!r}",
        )


def record(
    stage: Stage, state: ClientState, outcome: SessionOutcome, *, success: bool, adverse: bool
) -> ClientState:
    """``state`` after counting the session just done, before the level moves.

    :raises ~retroprog.exceptions.InvalidValueError: the session is dated before
        the state's last one (see :func:`session_day`).
    """
    day = session_day(state, outcome)
    return _state(
        stage=state.stage,
        level=state.level,
        status=state.status,
        sessions=state.sessions + 1,
        sessions_at_level=state.sessions_at_level + 1,
        base_sessions=state.base_sessions + (state.level <= stage._ladder[2]),
        successes=state.successes + 1 if success else 0,
        failures=0 if success else state.failures + 1,
        adverse=state.adverse + 1 if adverse else 0,
        last_day=state.last_day if day is None else day,
        memory=_memory_of(state),
    )


def move(state: ClientState, level: int) -> ClientState:
    """``state`` at another level of the same stage (level counters restart)."""
    if level == state.level:
        return state
    if type(level) is not int or level < 1:  # a plug-in protocol's step: checked
        return _evolve(state, level=level, sessions_at_level=0, successes=0)
    return _state(
        stage=state.stage,
        level=level,
        status=state.status,
        sessions=state.sessions,
        sessions_at_level=0,
        base_sessions=state.base_sessions,
        successes=0,
        failures=state.failures,
        adverse=state.adverse,
        last_day=state.last_day,
        memory=_memory_of(state),
    )


def enter(state: ClientState, stage: Stage) -> ClientState:
    """``state`` at the start of ``stage`` (every stage counter restarts)."""
    return _evolve(
        state,
        stage=stage.name,
        level=stage.first_level,
        sessions_at_level=0,
        base_sessions=0,
        successes=0,
        failures=0,
        adverse=0,
    )


def reenter(state: ClientState, stage: Stage) -> ClientState:
    """``state`` back at the last level of ``stage``, an earlier stage, after a regression.

    The stage was done before, so its sessions at base count as done: the client
    can climb out of it again.  The failures and adverse sessions in a row go on.
    """
    return _evolve(
        state,
        stage=stage.name,
        level=stage.last_level,
        sessions_at_level=0,
        base_sessions=stage.min_base_sessions,
        successes=0,
    )


def stage_below(protocol: ProgressionProtocol, name: str) -> Stage | None:
    """The stage a regression at ``name``'s first level goes to, if the protocol allows one."""
    if getattr(protocol, "regress_across_stages", False) is not True:
        return None
    previous = getattr(protocol, "previous_stage", None)
    if callable(previous):
        found = previous(name)
        return found if isinstance(found, Stage) else None
    names = [stage.name for stage in protocol.stages]
    index = names.index(name) if name in names else 0
    return protocol.stages[index - 1] if index else None


def with_memory(state: ClientState, memory: dict[str, Any]) -> ClientState:
    """``state`` with another memory."""
    return _evolve(state, memory=memory)


def with_status(state: ClientState, status: Status) -> ClientState:
    """``state`` with another status."""
    return _evolve(state, status=status)


def seconds(value: int) -> str:
    """``45 s``."""
    return f"{value} s"


def sessions(count: int, noun: str) -> str:
    """``1 successful session``, ``2 successful sessions``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def times(count: int) -> str:
    """``once``, ``twice``, ``3 times``."""
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def at_level(stage: Stage, level: int) -> str:
    """Where a level is, as explanations say it: ``45 s``, ``week 3``, ``week 5 level 2``."""
    return f"{level} s" if not stage.levels else stage.level_name(level)


def decision(
    protocol: ProgressionProtocol,
    before: ClientState,
    after: ClientState,
    reasons: Sequence[str],
    why: str,
) -> Decision:
    """The decision that leads from ``before`` to ``after``, worded from the change of level.

    On a stage that generates its levels the sentence names bout lengths
    (``progressed 30 s → 45 s: …``); on one that lists them, the new level and its
    plan (``progressed to week 5 level 2: walk 5 min, …; …``).  When ``before`` was
    stopped or complete and ``after`` is not, a resume was recorded, and the
    sentence says so.  The sentence is worded when first read (see
    :class:`~retroprog._decision.Wording`).
    """
    prescription = protocol.prescribe(after)
    if after.status is Status.STOPPED:
        action = Action.STOP
    elif after.status is Status.COMPLETED:
        action = Action.COMPLETE
    elif after.stage != before.stage:
        following = protocol.next_stage(before.stage)
        action = (
            Action.ADVANCE
            if following is not None and following.name == after.stage
            else Action.REGRESS
        )
    elif after.level > before.level:
        action = Action.PROGRESS
    elif after.level < before.level:
        action = Action.REGRESS
    else:
        action = Action.HOLD
    wording = Wording(_explanation, (protocol, before, after, action, prescription, why))
    if (
        (prescription is None or type(prescription) is Prescription)
        and type(after) is ClientState
        and type(why) is str
    ):
        return make_decision(
            action=action,
            state=after,
            prescription=prescription,
            reasons=tuple(reasons),
            explanation=wording,
        )
    # a plug-in protocol's prescription, or a subclassed state: checked as usual
    return Decision(action, after, prescription, tuple(reasons), wording.words(*wording.args))


def _explanation(
    protocol: ProgressionProtocol,
    before: ClientState,
    after: ClientState,
    action: Action,
    prescription: Prescription | None,
    why: str,
) -> str:
    """The sentence of the decision ``action`` from ``before`` to ``after``."""
    if before.status is not Status.ACTIVE and after.status is not before.status:
        stage = protocol.stage(before.stage)
        where = (
            f"the {seconds(stage.first_level)} base of {before.stage}"
            if not stage.levels
            else stage.level_name(stage.first_level)
        )
        why = f"resumed at {where}; {why}"
    plan = ""  # the new level's plan, on a stage that lists its levels
    tail = ""
    if action is Action.STOP:
        head = f"stopped {before.stage}" if before.active else f"still stopped at {before.stage}"
        tail = "; avoid the exercise and refer"
    elif action is Action.COMPLETE:
        head = f"completed {protocol.name}"
    elif after.stage != before.stage:
        verb = "advanced" if action is Action.ADVANCE else "regressed"
        stage = protocol.stage(after.stage)
        if stage.levels:
            head, plan = f"{verb} to {stage.level_name(after.level)}", _plan(prescription)
        else:
            head = f"{verb} to {after.stage} at {seconds(after.level)}"
    elif prescription is not None and prescription.level is not None:
        name = protocol.stage(after.stage).level_name(after.level)
        if action is Action.PROGRESS:
            head, plan = f"progressed to {name}", _plan(prescription)
        elif action is Action.REGRESS:
            head, plan = f"regressed to {name}", _plan(prescription)
        else:
            head = f"held at {name}"
    elif action is Action.PROGRESS:
        head = f"progressed {seconds(before.level)} → {seconds(after.level)}"
    elif action is Action.REGRESS:
        head = f"regressed {seconds(before.level)} → {seconds(after.level)}"
    else:
        head = f"held at {seconds(after.level)}"
    if plan:
        return f"{head}: {plan}; {why}" if why else f"{head}: {plan}"
    return f"{head}: {why}{tail}" if why else head + tail


def _plan(prescription: Prescription | None) -> str:
    return "" if prescription is None else prescription.plan


def absorbed(
    protocol: ProgressionProtocol, state: ClientState, outcome: SessionOutcome
) -> Decision:
    """The decision for a session recorded while stopped or complete, with no resume.

    The state does not change (not even its last day), but a session dated
    before the last counted one is refused all the same.
    """
    session_day(state, outcome)
    reason = Reason.STOPPED if state.status is Status.STOPPED else Reason.COMPLETED
    why = (
        "a resume must be recorded before the exercise continues"
        if state.status is Status.STOPPED
        else "the protocol is already complete; record a resume to go on"
    )
    return decision(protocol, state, state, (reason,), why)


def resumed(stage: Stage, state: ClientState) -> ClientState:
    """``state`` made active again at the base of its stage, as a resume records."""
    return enter(with_status(state, Status.ACTIVE), stage)
