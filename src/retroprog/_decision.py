"""A decision: what to do next, the state it leads to, and why."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from . import _validators as v
from ._stage import Prescription
from ._state import ClientState
from .exceptions import InvalidValueError

__all__ = ["Action", "Decision", "Reason", "Wording", "make_decision"]


class Action(str, enum.Enum):
    """What a decision does to the client's level."""

    #: keep the same level (bout length, or listed level)
    HOLD = "hold"
    #: a higher level in the same stage (a longer bout, the next listed level)
    PROGRESS = "progress"
    #: a lower level in the same stage, or, where the protocol allows it, from a
    #: stage's first level to the previous stage's last level
    REGRESS = "regress"
    #: the next stage, at its first level
    ADVANCE = "advance"
    #: avoid the exercise and refer; absorbing until a resume is recorded
    STOP = "stop"
    #: the protocol's goal is reached; absorbing
    COMPLETE = "complete"

    def __str__(self) -> str:
        return self.value


class Reason(str, enum.Enum):
    """Machine-readable reasons that built-in policies and guards give.

    A plug-in policy may give reasons of its own: :attr:`Decision.reasons` holds
    strings, and every member here is one.
    """

    #: pain during the session above the policy's threshold
    PAIN = "pain"
    #: pain at or above the level that stops at once
    SEVERE_PAIN = "severe_pain"
    #: next-day pain did not settle
    NEXT_DAY_PAIN = "next_day_pain"
    #: next-day pain worse than pain during the session
    PAIN_WORSE_NEXT_DAY = "pain_worse_next_day"
    #: pain in the acceptable zone, next-day pain not yet known
    AWAITING_NEXT_DAY = "awaiting_next_day"
    #: balance lost more often than allowed
    BALANCE_LOSS = "balance_loss"
    #: the client could not move properly
    FORM_BREAKDOWN = "form_breakdown"
    #: the client got dizzy
    DIZZINESS = "dizziness"
    #: not every prescribed bout was completed
    INCOMPLETE = "incomplete"
    #: rating of perceived exertion at or above the policy's threshold
    HIGH_RPE = "high_rpe"
    #: adverse sessions repeated
    REPEATED_ADVERSE = "repeated_adverse"
    #: a successful session
    SUCCESS = "success"
    #: more successful sessions in a row are needed before a step up
    BUILDING = "building"
    #: more sessions at base are needed before going beyond it (or leaving the stage)
    BASE_SESSIONS = "base_sessions"
    #: success at the stage's target (its last level)
    TARGET_REACHED = "target_reached"
    #: already at the first level (the shortest bout) of the stage
    AT_FLOOR = "at_floor"
    #: a regression at a stage's first level went back to the previous stage's last level
    PREVIOUS_STAGE = "previous_stage"
    #: the client is stopped and no resume was recorded
    STOPPED = "stopped"
    #: the protocol is complete
    COMPLETED = "completed"
    #: a clinician cleared the client to resume
    RESUMED = "resumed"
    #: a guard held back a step up after an adverse session
    GUARD_ADVERSE = "guard_adverse"
    #: a guard cut a change down to one step
    GUARD_ONE_STEP = "guard_one_step"
    #: a guard regressed after a long gap between sessions
    GUARD_GAP = "guard_gap"
    #: a guard capped the increase over 7 days
    GUARD_WEEKLY_CAP = "guard_weekly_cap"

    def __str__(self) -> str:
        return self.value


def _action(value: object) -> Action:
    if type(value) is Action:
        return value
    try:
        return Action(value)
    except ValueError:
        known = ", ".join(a.value for a in Action)
        raise InvalidValueError("action", value, f"must be one of {known}") from None


def _reasons(value: object) -> tuple[str, ...]:
    if type(value) is tuple:
        return value
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidValueError("reasons", value, "must be a sequence of reason codes")
    return tuple(value)


@attrs.frozen
class Decision:
    """What to do after a session, and why.

    :param action: what the decision does to the level.
    :param state: the client's state after the session.
    :param prescription: what the client does next; ``None`` when stopped or complete.
    :param reasons: machine-readable reason codes (see :class:`Reason`).
    :param explanation: one human sentence with the numbers, e.g.
        ``"regressed 45 s → 30 s: balance lost twice"``, or naming the new plan:
        ``"advanced to week 3: walk 5 min, 2 × (run 90 s, walk 90 s, run 3 min,
        walk 3 min); 3 successful sessions at week 2"``.
    """

    action: Action = attrs.field(converter=_action)
    state: ClientState
    prescription: Prescription | None
    reasons: tuple[str, ...] = attrs.field(converter=_reasons)
    explanation: str

    def __attrs_post_init__(self) -> None:
        if not (
            type(self.state) is ClientState
            and (self.prescription is None or type(self.prescription) is Prescription)
            and type(self.explanation) is str
            and all(isinstance(r, str) for r in self.reasons)
        ):
            v.raise_first(self, _CHECKS)

    def __str__(self) -> str:
        return self.explanation


class Wording:
    """How to word a decision's explanation, kept until someone reads it.

    Most decisions of a simulation are never read as text (only traced clients
    are), so the library builds them with the recipe instead of the sentence:
    ``words(*args)`` makes the sentence on first read, and the decision keeps it.
    """

    __slots__ = ("args", "words")

    def __init__(self, words: Callable[..., str], args: tuple[Any, ...]) -> None:
        self.words = words
        self.args = args


class _Explanation:
    """One human sentence with the numbers: why the decision was made."""

    __slots__ = ("slot",)

    def __init__(self, slot: Any) -> None:
        self.slot = slot  # the slot attrs made: the sentence, or a Wording until read

    def __get__(self, inst: Decision | None, owner: type | None = None) -> Any:
        if inst is None:
            return self
        value = self.slot.__get__(inst, owner)
        if type(value) is Wording:  # built by the library: word it now, once
            value = value.words(*value.args)
            self.slot.__set__(inst, value)
        return value

    def __set__(self, inst: Decision, value: str) -> None:
        self.slot.__set__(inst, value)


Decision.explanation = _Explanation(Decision.__dict__["explanation"])  # type: ignore[assignment]

#: A decision the library built from values it trusts, its sentence a :class:`Wording`
#: worded when read: keywords ``action`` (an :class:`Action`), ``state`` (a
#: :class:`ClientState`), ``prescription`` (``None`` or a :class:`Prescription`),
#: ``reasons`` (a tuple of strings) and ``explanation``; nothing is checked.
make_decision = v.trusted(Decision)


def _reason_codes(_inst: object, attribute: attrs.Attribute[object], value: object) -> None:
    if not all(isinstance(r, str) for r in value):  # type: ignore[attr-defined]
        raise InvalidValueError(attribute.name, value, "reason codes must be strings")


_CHECKS: dict[str, v.Validator] = v.hot_checks(
    Decision,
    {
        "state": v.instance(ClientState),
        "prescription": v.optional(v.instance(Prescription)),
        "reasons": _reason_codes,
        "explanation": v.text,
    },
)
