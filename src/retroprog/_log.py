"""Session logs as JSON Lines: one :class:`SessionOutcome` document per line."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ._atomic import write_text_atomic
from ._json import from_dict, to_json
from ._outcome import SessionOutcome
from .exceptions import InvalidValueError, Problem, RetroprogError, SessionLogError

__all__ = ["amend_log", "dumps_log", "loads_log", "read_log", "write_log"]


def dumps_log(outcomes: Iterable[SessionOutcome]) -> str:
    """A session log as JSON Lines text."""
    return "".join(to_json(outcome) + "\n" for outcome in outcomes)


def loads_log(text: str, *, source: str = "<log>") -> list[SessionOutcome]:
    """Parse JSON Lines text; every bad line is reported at once, by line number.

    Blank lines are skipped.  Days or dates, when given, must not go backwards.
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
            outcome = from_dict(json.loads(line), SessionOutcome)
        except json.JSONDecodeError as exc:
            problems.append(Problem(where, f"not JSON ({exc.msg})"))
            continue
        except RetroprogError as exc:
            problems.append(Problem(where, str(exc)))
            continue
        day = outcome.day_number
        if day is not None:
            kinds.add("date" if outcome.date is not None else "day")
            if len(kinds) > 1:
                problems.append(Problem(where, "mixes day numbers and dates; use one of them"))
            elif last_day is not None and day < last_day:
                problems.append(
                    Problem(where, "goes back in time (day or date before the previous)")
                )
            last_day = day
        outcomes.append(outcome)
    if problems:
        raise SessionLogError(source, problems)
    return outcomes


def read_log(path: str | os.PathLike[str]) -> list[SessionOutcome]:
    """Read a JSON Lines session log.

    :raises ~retroprog.exceptions.SessionLogError: the file is unreadable, or
        has bad lines (all reported, each with its line number).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise SessionLogError(
            os.fspath(path), [Problem("file", f"cannot read: {reason}")]
        ) from None
    return loads_log(text, source=os.fspath(path))


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
