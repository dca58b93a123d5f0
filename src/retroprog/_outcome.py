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

    completed: bool = attrs.field(default=True, validator=v.flag)
    bouts_completed: int | None = attrs.field(default=None, validator=v.optional(v.integer(0)))
    pain: int = attrs.field(default=0, validator=v.integer(0, 10))
    balance_losses: int = attrs.field(default=0, validator=v.integer(0))
    dizziness: bool = attrs.field(default=False, validator=v.flag)
    form_breakdown: bool = attrs.field(default=False, validator=v.flag)
    rpe: float | None = attrs.field(default=None, validator=v.optional(v.number(0, 10)))
    next_day_pain: int | None = attrs.field(default=None, validator=v.optional(v.integer(0, 10)))
    day: int | None = attrs.field(default=None, validator=v.optional(v.integer(0)))
    date: dt.date | None = attrs.field(default=None, validator=_date)
    resume: bool = attrs.field(default=False, validator=v.flag)

    def __attrs_post_init__(self) -> None:
        if self.day is not None and self.date is not None:
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
        known = attrs.fields_dict(SessionOutcome)
        for key in changes:
            if key not in known:
                raise UnknownParameterError("SessionOutcome", key, list(known))
        return attrs.evolve(self, **changes)
