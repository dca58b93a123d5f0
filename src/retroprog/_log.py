"""Session logs as JSON Lines: one :class:`SessionOutcome` document per line."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from ._atomic import write_text_atomic
from ._files import MAX_LOG_BYTES, loads_json, read_text
from ._json import SCHEMA_VERSION, from_dict, to_json
from ._outcome import SessionOutcome
from ._transition import backwards
from .exceptions import (
    InvalidArgumentError,
    InvalidValueError,
    Problem,
    RetroprogError,
    SessionLogError,
)

__all__ = ["amend_log", "dumps_log", "loads_log", "read_log", "write_log"]


def dumps_log(outcomes: Iterable[SessionOutcome]) -> str:
    """A session log as JSON Lines text."""
    return "".join(to_json(outcome) + "\n" for outcome in outcomes)


def loads_log(text: str, *, source: str = "<log>") -> list[SessionOutcome]:
    """Parse JSON Lines text; every bad line is reported at once, by line number.

    Blank lines are skipped.  Each line is read as strictly as :func:`from_json`
    reads a document, except that a line without a ``schema`` key is read as the
    current schema (a hand-written ``{"pain": 2}`` is a session); documents of
    other types keep requiring it.  Days or dates, when given, must not go backwards (the
    same day twice is fine), and a log keeps day numbers or dates, not both.

    >>> from retroprog.exceptions import SessionLogError
    >>> try:
    ...     loads_log('{"schema": 1, "pain": 2.9}')
    ... except SessionLogError as exc:
    ...     print(exc.problems[0])
    line 1: pain: must be a whole number between 0 and 10, got 2.9
    """
    outcomes: list[SessionOutcome] = []
    problems: list[Problem] = []
    last_day: int | None = None
    kinds: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            document = loads_json(line)
        except InvalidValueError as exc:  # the line's text: it is not JSON, or too deep
            problems.append(Problem(where, exc.reason))
            continue
        if (
            isinstance(document, dict)
            and "schema" not in document
            and document.get("type", "SessionOutcome") == "SessionOutcome"
        ):  # a hand-written session: the current schema
            document = {"schema": SCHEMA_VERSION, **document}
        try:
            outcome = from_dict(document, SessionOutcome)
        except RetroprogError as exc:
            problems.append(Problem(where, str(exc)))
            continue
        day = outcome.day_number
        if day is not None:
            kinds.add("date" if outcome.date is not None else "day")
            if len(kinds) > 1:
                problems.append(Problem(where, "mixes day numbers and dates; use one of them"))
            elif last_day is not None and day < last_day:
                problems.append(Problem(where, str(backwards(outcome, last_day))))
            last_day = day
        outcomes.append(outcome)
    if problems:
        raise SessionLogError(source, problems)
    return outcomes


def read_log(path: str | os.PathLike[str]) -> list[SessionOutcome]:
    """Read a JSON Lines session log (see :func:`loads_log`).

    Only a regular file of at most 16 MiB (about 70 000 sessions) is read: a
    folder, a FIFO or a device is refused without waiting on it.

    :raises ~retroprog.exceptions.SessionLogError: the file is unreadable, not a
        regular file, too large, or has bad lines (all reported, each with its
        line number).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidArgumentError("path", path, "must be a path to a session log (JSON Lines)")
    label = os.fspath(path)
    text = read_text(path, label=label, error=SessionLogError, max_bytes=MAX_LOG_BYTES)
    return loads_log(text, source=label)


def write_log(path: str | os.PathLike[str], outcomes: Iterable[SessionOutcome]) -> None:
    """Write a session log atomically: the old file stays whole until the new one is."""
    write_text_atomic(path, dumps_log(outcomes))


def amend_log(
    outcomes: Sequence[SessionOutcome], index: int, **changes: Any
) -> list[SessionOutcome]:
    """A copy of the log with session ``index`` amended, e.g. with ``next_day_pain=4``.

    >>> log = amend_log([SessionOutcome(pain=4)], -1, next_day_pain=1)
    >>> log[0].next_day_pain
    1
    """
    if not -len(outcomes) <= index < len(outcomes):
        raise InvalidValueError(
            "index", index, f"must point into a log of {len(outcomes)} sessions"
        )
    amended = list(outcomes)
    amended[index] = amended[index].amend(**changes)
    return amended
