"""Session plans: segments, and the plan language coaches write them in.

A plan is a sequence of :class:`Segment` values, each an activity for a number
of seconds, e.g. Couch to 5K's first week::

    walk 5 min, 8 × (run 60 s, walk 90 s)

:func:`parse_plan` reads that text and :func:`plan_text` writes it, finding the
repeats again, so ``parse_plan(plan_text(plan)) == plan`` for every plan.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

import attrs

from .exceptions import InvalidValueError, PlanSyntaxError

__all__ = [
    "MAX_PLAN_SEGMENTS",
    "REST",
    "Segment",
    "duration_text",
    "parse_plan",
    "plan_text",
    "segments",
]

#: The activity of standing rest: no load.
REST = "rest"

#: The most segments one plan may hold once its repeats are written out.
MAX_PLAN_SEGMENTS = 1000

#: The longest segment, in seconds (a day).
MAX_SEGMENT_SECONDS = 86_400

_WORD = r"[^\W\d_][\w'-]*"
_EFFORT_FORBIDDEN = set(",()@×\n\r\t")


def _activity(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not str or not value or value.strip() != value:
        raise InvalidValueError(attribute.name, value, "must be a non-empty name")


def _seconds(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not int or not 1 <= value <= MAX_SEGMENT_SECONDS:
        raise InvalidValueError(
            attribute.name, value, f"must be a whole number between 1 and {MAX_SEGMENT_SECONDS}"
        )


def _effort(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if (
        type(value) is not str
        or not value
        or value.strip() != value
        or _EFFORT_FORBIDDEN & set(value)
        or len(value) > 60
    ):
        raise InvalidValueError(
            attribute.name,
            value,
            "must be up to 60 characters of text without surrounding spaces, "
            "commas, parentheses, '@', '×' or line breaks (e.g. '6 mph', 'RPE 3/10')",
        )


@attrs.frozen
class Segment:
    """One part of a session: an activity for a number of seconds.

    >>> str(Segment("run", 120, effort="6 mph"))
    'run 2 min @ 6 mph'
    >>> Segment("rest", 90).is_rest
    True

    :param activity: what the client does, e.g. ``run``, ``walk``, ``retro-walk``;
        ``rest`` is standing rest (no load).  Any name will do (a stage's name is
        its bouts' activity), but plan text can name only activities made of
        words that start with a letter (``brisk walk``, ``retro-run``).
    :param seconds: how long, in whole seconds (1 to 86 400).
    :param effort: how hard, as the source says it, e.g. ``"6 mph"``,
        ``"intensity 1-2"``, ``"RPE 3/10"`` (free text, shown as written).
    """

    activity: str = attrs.field(validator=_activity)
    seconds: int = attrs.field(validator=_seconds)
    effort: str | None = attrs.field(default=None, validator=_effort)

    @property
    def is_rest(self) -> bool:
        """Whether this is standing rest (the activity ``rest``, in any case)."""
        return self.activity.casefold() == REST

    def __str__(self) -> str:
        effort = "" if self.effort is None else f" @ {self.effort}"
        return f"{self.activity} {duration_text(self.seconds)}{effort}"


def segments(value: Any, *, field: str = "segments", work: bool = True) -> tuple[Segment, ...]:
    """``value`` as a tuple of segments: plan text (see :func:`parse_plan`) or segments.

    :param work: whether the plan needs a segment that is not rest (a warm-up or
        cool-down may be rest only).
    :raises ~retroprog.exceptions.InvalidValueError: not a plan, or one without work
        (only rest) or longer than :data:`MAX_PLAN_SEGMENTS`.
    """
    if type(value) is str:
        return _parse(value, work=work)
    if type(value) is not tuple:
        if isinstance(value, (bytes, dict)) or not isinstance(value, Iterable):
            raise InvalidValueError(field, value, "must be plan text or a sequence of Segment")
        value = tuple(value)
    plan: tuple[Segment, ...] = value
    for item in plan:
        if type(item) is not Segment:
            raise InvalidValueError(field, item, "must be a Segment")
    problem = plan_problem(plan, work=work)
    if problem is not None:
        raise InvalidValueError(field, plan_text(plan) if plan else plan, problem)
    return plan


def plan_problem(plan: Sequence[Segment], *, work: bool = True) -> str | None:
    """What is wrong with a sequence of valid segments as a plan, or ``None``."""
    if not plan:
        return "a plan needs at least one segment"
    if len(plan) > MAX_PLAN_SEGMENTS:
        return f"a plan may hold at most {MAX_PLAN_SEGMENTS} segments, repeats written out"
    if work and all(s.is_rest for s in plan):
        return "a plan needs at least one segment that is not rest"
    return None


# --- writing ------------------------------------------------------------------------------


def duration_text(seconds: int) -> str:
    """A duration as a coach says it: ``45 s``, ``90 s``, ``3 min``, ``2 min 30 s``.

    Under two minutes in seconds, then whole minutes in minutes, else both.

    >>> [duration_text(s) for s in (45, 60, 90, 120, 150)]
    ['45 s', '60 s', '90 s', '2 min', '2 min 30 s']
    """
    if seconds < 120:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def plan_text(plan: Sequence[Segment]) -> str:
    """A plan in the plan language, its repeats found again.

    From left to right, the longest stretch that repeats a unit (two times or more)
    is written ``N × (unit)``, the shortest unit when two cover the same stretch;
    the units are written the same way.

    >>> plan_text(parse_plan("walk 5 min, run 60 s, walk 90 s, run 60 s, walk 90 s"))
    'walk 5 min, 2 × (run 60 s, walk 90 s)'
    """
    return _text(tuple(plan))


@functools.lru_cache(maxsize=1024)
def _text(plan: tuple[Segment, ...]) -> str:
    parts = []
    i, n = 0, len(plan)
    while i < n:
        best_length, best_count = 1, 1
        for length in range(1, (n - i) // 2 + 1):
            unit = plan[i : i + length]
            count = 1
            while plan[i + count * length : i + (count + 1) * length] == unit:
                count += 1
            if count > 1 and count * length > best_count * best_length:
                best_length, best_count = length, count
        if best_count > 1:
            inner = _text(plan[i : i + best_length])
            parts.append(f"{best_count} × ({inner})")
        else:
            parts.append(str(plan[i]))
        i += best_length * best_count
    return ", ".join(parts)


# --- reading ------------------------------------------------------------------------------

_SPACE = re.compile(r"\s*")
_COUNT = re.compile(r"(\d+)\s*[×xX*]\s*")
_NAME = re.compile(rf"{_WORD}(?:[ \t]+{_WORD})*")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*([^\W\d_]+)")
_UNITS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
}
_MAX_DEPTH = 8


class _Reader:
    """A recursive-descent reader of the plan language."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def fail(self, reason: str, at: int | None = None) -> PlanSyntaxError:
        return PlanSyntaxError(self.text, self.at if at is None else at, reason)

    def skip(self) -> None:
        match = _SPACE.match(self.text, self.at)
        assert match is not None  # \s* always matches
        self.at = match.end()

    def peek(self) -> str:
        self.skip()
        return self.text[self.at : self.at + 1]

    def items(self, depth: int) -> list[Segment]:
        found: list[Segment] = []
        while True:
            found += self.item(depth)
            if len(found) > MAX_PLAN_SEGMENTS:
                raise self.fail(f"more than {MAX_PLAN_SEGMENTS} segments, repeats written out")
            if self.peek() != ",":
                return found
            self.at += 1

    def item(self, depth: int) -> list[Segment]:
        self.skip()
        count = _COUNT.match(self.text, self.at)
        if count is not None:
            return self.repeat(count, depth)
        return [self.segment()]

    def repeat(self, count: re.Match[str], depth: int) -> list[Segment]:
        start = self.at
        times = int(count.group(1))
        if times < 1:
            raise self.fail("a repeat count must be at least 1", start)
        if depth >= _MAX_DEPTH:
            raise self.fail(f"repeats may nest at most {_MAX_DEPTH} deep", start)
        self.at = count.end()
        if self.peek() == "(":
            self.at += 1
            inner = self.items(depth + 1)
            if self.peek() != ")":
                raise self.fail(
                    f"expected ',' or ')' to close the repeat opened at character {start + 1}"
                )
            self.at += 1
        else:
            inner = [self.segment()]
        if len(inner) * times > MAX_PLAN_SEGMENTS:
            raise self.fail(f"more than {MAX_PLAN_SEGMENTS} segments, repeats written out", start)
        return inner * times

    def segment(self) -> Segment:
        self.skip()
        start = self.at
        name = _NAME.match(self.text, self.at)
        if name is None:
            raise self.fail("expected an activity (e.g. 'run 60 s') or a repeat ('8 × (…)')")
        self.at = name.end()
        activity = " ".join(name.group().split())
        seconds = self.duration(activity)
        effort = None
        if self.peek() == "@":
            self.at += 1
            self.skip()
            begin = self.at
            while self.at < len(self.text) and self.text[self.at] not in ",()":
                self.at += 1
            effort = self.text[begin : self.at].strip()
            if not effort:
                raise self.fail("expected an effort after '@' (e.g. '@ 6 mph')", begin)
        try:
            return Segment(activity, seconds, effort)
        except InvalidValueError as exc:
            raise self.fail(f"{exc.field} {exc.reason}", start) from None

    def duration(self, activity: str) -> int:
        self.skip()
        start = self.at
        total = Fraction(0)
        units: list[int] = []
        while True:
            amount = _AMOUNT.match(self.text, self.at)
            if amount is None or amount.group(2).lower() not in _UNITS:
                break
            unit = _UNITS[amount.group(2).lower()]
            if units and unit >= units[-1]:
                raise self.fail("give a duration's larger units first ('2 min 30 s')", self.at)
            units.append(unit)
            total += Fraction(amount.group(1)) * unit
            self.at = amount.end()
            self.skip()
        if not units:
            raise self.fail(
                f"expected a duration after {activity!r}, e.g. '90 s', '3 min' or '2 min 30 s'",
                start,
            )
        if total.denominator != 1:
            raise self.fail(f"the duration is not a whole number of seconds ({total} s)", start)
        return int(total)


def parse_plan(text: str) -> tuple[Segment, ...]:
    """Read a plan written in the plan language.

    A plan is items separated by commas.  An item is an activity and a duration,
    optionally with an effort after ``@`` (``run 2 min @ 6 mph``), or a repeat:
    a count, ``×`` (or ``x``), and items in parentheses (``8 × (run 60 s, walk 90 s)``).
    Durations are ``90 s``, ``90s``, ``3 min``, ``2 min 30 s`` or ``1.5 min`` (a
    whole number of seconds), in seconds, minutes or hours.  ``rest`` is standing rest.

    >>> [str(s) for s in parse_plan("walk 5 min, 2 × (run 90s, walk 1.5 min)")]
    ['walk 5 min', 'run 90 s', 'walk 90 s', 'run 90 s', 'walk 90 s']
    >>> parse_plan("walk 5 min, 8 × (run 60 s, walk)")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    retroprog.exceptions.PlanSyntaxError: plan: at character 32: expected a duration ...

    :raises ~retroprog.exceptions.PlanSyntaxError: the text is not a plan; the error
        gives the position (from 1) and what was expected there.
    """
    return _parse(text, work=True)


def _parse(text: str, *, work: bool) -> tuple[Segment, ...]:
    if type(text) is not str:
        raise InvalidValueError("plan", text, "must be plan text, e.g. 'walk 5 min, run 20 min'")
    reader = _Reader(text)
    if not text.strip():
        raise reader.fail("the plan is empty")
    plan = reader.items(0)
    reader.skip()
    if reader.at < len(text):
        raise reader.fail(f"unexpected {text[reader.at]!r}; items are separated by commas")
    problem = plan_problem(plan, work=work)
    if problem is not None:
        raise reader.fail(problem, 0)
    return tuple(plan)
