"""What happened in one session."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from . import _validators as v
from .exceptions import InvalidValueError, UnknownParameterError

__all__ = ["SessionOutcome"]


def _date(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (type(value) is not dt.date):
        raise InvalidValueError(attribute.name, value, "must be a date (YYYY-MM-DD)")


v.with_json_schema(_date, {"type": ["string", "null"], "format": "date"})


@attrs.frozen
class SessionOutcome:
    """What happened in one session.  With no arguments: a clean, completed session.

    >>> SessionOutcome().clean
    True
    >>> SessionOutcome(pain=6, balance_losses=1).clean
    False
    >>> SessionOutcome(pain=-1)
    Traceback (most recent call last):
    ...
    retroprog.exceptions.InvalidValueError: pain: must be a whole number between 0 and 10, got -1

    :param completed: whether every prescribed bout was completed.
    :param bouts_completed: how many bouts were completed, when counted; fewer
        than prescribed makes the session incomplete.
    :param pain: pain during the session on the 0–10 numeric rating scale.
    :param balance_losses: how many times the client lost balance.
    :param dizziness: whether the client got dizzy.
    :param form_breakdown: whether the client could not move properly.
    :param rpe: rating of perceived exertion, 0–10 (CR10), if asked.
    :param next_day_pain: pain the next morning, 0–10; it arrives later and
        amends the session (see :meth:`amend`).
    :param day: the session's day number (any origin), if dates are kept as numbers.
    :param date: the session's calendar date; give ``day`` or ``date``, not both.
    :param resume: a clinician cleared a stopped client to resume before this session.
    """

    completed: bool = True
    bouts_completed: int | None = None
    pain: int = 0
    balance_losses: int = 0
    dizziness: bool = False
    form_breakdown: bool = False
    rpe: float | None = None
    next_day_pain: int | None = None
    day: int | None = None
    date: dt.date | None = None
    resume: bool = False

    def __attrs_post_init__(self) -> None:
        # one fast expression; the per-field checks run only to name the culprit
        pain, rpe, next_day, day, done = (
            self.pain,
            self.rpe,
            self.next_day_pain,
            self.day,
            self.bouts_completed,
        )
        if not (
            type(pain) is int
            and 0 <= pain <= 10
            and type(self.balance_losses) is int
            and self.balance_losses >= 0
            and type(self.completed) is bool
            and type(self.dizziness) is bool
            and type(self.form_breakdown) is bool
            and type(self.resume) is bool
            and (done is None or (type(done) is int and done >= 0))
            and (rpe is None or (type(rpe) in (int, float) and 0 <= rpe <= 10))
            and (next_day is None or (type(next_day) is int and 0 <= next_day <= 10))
            and (day is None or (type(day) is int and day >= 0))
            and (self.date is None or type(self.date) is dt.date)
        ):
            v.raise_first(self, _CHECKS)
        if day is not None and self.date is not None:
            raise InvalidValueError("date", self.date, f"give day ({self.day}) or date, not both")

    @property
    def day_number(self) -> int | None:
        """The session's day as a number: ``day``, or the date's ordinal, or ``None``."""
        if self.date is not None:
            return self.date.toordinal()
        return self.day

    @property
    def clean(self) -> bool:
        """No pain, balance loss, dizziness or form breakdown, and every bout completed."""
        return (
            self.completed
            and self.bouts_completed != 0
            and not self.pain
            and not self.balance_losses
            and not self.dizziness
            and not self.form_breakdown
            and not self.next_day_pain
        )

    def amend(self, **changes: Any) -> SessionOutcome:
        """A copy with some fields changed, e.g. ``amend(next_day_pain=3)``.

        >>> SessionOutcome(pain=3).amend(next_day_pain=1).next_day_pain
        1
        """
        for key in changes:
            if key not in _CHECKS:
                raise UnknownParameterError("SessionOutcome", key, list(_CHECKS))
        return _evolve(self, **changes)


_CHECKS: dict[str, v.Validator] = v.hot_checks(
    SessionOutcome,
    {  # every field, in order
        "completed": v.flag,
        "bouts_completed": v.optional(v.integer(0)),
        "pain": v.integer(0, 10),
        "balance_losses": v.integer(0),
        "dizziness": v.flag,
        "form_breakdown": v.flag,
        "rpe": v.optional(v.number(0, 10)),
        "next_day_pain": v.optional(v.integer(0, 10)),
        "day": v.optional(v.integer(0)),
        "date": _date,
        "resume": v.flag,
    },
)

#: A copy of an outcome with some fields changed (keywords only, validated as usual).
_evolve = v.evolver(SessionOutcome)
