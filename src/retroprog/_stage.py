"""A stage is one ladder of levels; a level is one session plan; a prescription is one session."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from . import _validators as v
from ._plan import MAX_PLAN_SEGMENTS, MAX_SEGMENT_SECONDS, REST, Segment, plan_text, segments
from .exceptions import InvalidValueError

__all__ = ["Level", "Prescription", "Stage"]

#: The most levels a stage may list.
MAX_LEVELS = 1000


def _plan(value: Any) -> tuple[Segment, ...]:
    return segments(value)


@attrs.frozen
class Prescription:
    """What the client does next: a session plan at a stage.

    The plan is a sequence of :class:`~retroprog.Segment` values.  A simple plan,
    the same bout repeated with equal rests between (the article's backwards
    walking: one bout of 15 s), is built with :meth:`simple` and keeps its
    :attr:`bout_seconds`, :attr:`bouts` and :attr:`rest_seconds`:

    >>> str(Prescription.simple("retro-walk", 30, 2, rest_seconds=60))
    'retro-walk: 2 × 30 s, 60 s rest'
    >>> plan = "walk 5 min, 2 × (run 90 s, walk 90 s, run 3 min, walk 3 min)"
    >>> week = Prescription("week 3", plan)
    >>> str(week)
    'week 3: walk 5 min, 2 × (run 90 s, walk 90 s, run 3 min, walk 3 min)'
    >>> week.bout_seconds is None, week.work_seconds, week.longest_work_seconds
    (True, 1380, 300)

    :param stage: the stage's name.
    :param segments: the plan: segments, or plan text (see :func:`~retroprog.parse_plan`).
    :param level: the level's number (from 1) on a stage that lists its levels;
        ``None`` on a stage that generates them.
    :param warmup_segments: how many of the first segments are the stage's warm-up.
    :param cooldown_segments: how many of the last segments are the stage's cool-down.
    """

    stage: str = attrs.field(validator=v.name)
    segments: tuple[Segment, ...] = attrs.field(converter=_plan)
    level: int | None = attrs.field(default=None, validator=v.optional(v.integer(1)))
    warmup_segments: int = attrs.field(default=0, validator=v.integer(0), kw_only=True)
    cooldown_segments: int = attrs.field(default=0, validator=v.integer(0), kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.warmup_segments + self.cooldown_segments >= len(self.segments):
            raise InvalidValueError(
                "cooldown_segments" if self.cooldown_segments else "warmup_segments",
                self.cooldown_segments or self.warmup_segments,
                f"the warm-up and cool-down leave no segment of the {len(self.segments)} "
                "for the session itself",
            )

    # derived on first use, then kept (a protocol builds each prescription once)
    @functools.cached_property
    def _shape(self) -> tuple[int, int, int | None] | None:
        return _simple_shape(self.segments)

    @functools.cached_property
    def _work(self) -> tuple[int, int, int]:
        work = [s.seconds for s in self.segments if not s.is_rest]
        return sum(work), max(work), len(work)

    @classmethod
    def simple(
        cls,
        stage: str,
        bout_seconds: int,
        bouts: int = 1,
        rest_seconds: int | None = None,
        *,
        activity: str | None = None,
    ) -> Prescription:
        """``bouts`` bouts of ``bout_seconds`` with ``rest_seconds`` of rest between them.

        The activity is the stage's name unless given.  Without rest (``None`` or 0)
        the bouts follow each other.

        >>> Prescription.simple("retro-walk", 15).segments
        (Segment(activity='retro-walk', seconds=15, effort=None),)
        """
        v.check("stage", v.name, stage)
        v.check("bout_seconds", v.integer(1, MAX_SEGMENT_SECONDS), bout_seconds)
        v.check("bouts", v.integer(1), bouts)
        v.check("rest_seconds", v.optional(v.integer(0, MAX_SEGMENT_SECONDS)), rest_seconds)
        bout = Segment(stage if activity is None else activity, bout_seconds)
        plan = [bout]
        for _ in range(bouts - 1):
            if rest_seconds:
                plan.append(Segment("rest", rest_seconds))
            plan.append(bout)
        return cls(stage, tuple(plan))

    @property
    def bout_seconds(self) -> int | None:
        """The bout's length in a simple plan (one bout repeated); ``None`` otherwise."""
        return None if self._shape is None else self._shape[0]

    @property
    def bouts(self) -> int | None:
        """How many bouts a simple plan has; ``None`` otherwise."""
        return None if self._shape is None else self._shape[1]

    @property
    def rest_seconds(self) -> int | None:
        """The rest between a simple plan's bouts; ``None`` without rest or for other plans."""
        return None if self._shape is None else self._shape[2]

    @property
    def work_seconds(self) -> int:
        """Seconds of every segment but rest."""
        return self._work[0]

    @property
    def longest_work_seconds(self) -> int:
        """The longest segment that is not rest, in seconds."""
        return self._work[1]

    @property
    def work_segments(self) -> int:
        """How many segments are not rest (a simple plan's bouts)."""
        return self._work[2]

    @property
    def total_seconds(self) -> int:
        """Seconds of the whole plan, rest included."""
        return sum(s.seconds for s in self.segments)

    @property
    def plan(self) -> str:
        """The plan in the plan language, e.g. ``walk 5 min, 8 × (run 60 s, walk 90 s)``.

        The warm-up, the session itself and the cool-down are written each on its
        own (a repeat never joins the warm-up to the session).
        """
        plan, first, last = self.segments, self.warmup_segments, self.cooldown_segments
        if not (first or last):
            return plan_text(plan)
        parts = (plan[:first], plan[first : len(plan) - last], plan[len(plan) - last :])
        return ", ".join(plan_text(part) for part in parts if part)

    @property
    def main_segments(self) -> tuple[Segment, ...]:
        """The session itself: the segments without the warm-up and the cool-down."""
        return self.segments[self.warmup_segments : len(self.segments) - self.cooldown_segments]

    def __str__(self) -> str:
        shape = self._shape
        if shape is not None:
            bout = self.segments[0]
            if bout.activity == self.stage and bout.effort is None:
                rest = f", {shape[2]} s rest" if shape[2] is not None else ""
                return f"{self.stage}: {shape[1]} × {shape[0]} s{rest}"
        return f"{self.stage}: {self.plan}"


def _simple_shape(plan: tuple[Segment, ...]) -> tuple[int, int, int | None] | None:
    """(bout, bouts, rest) when ``plan`` is one bout repeated with equal rests between."""
    bout = plan[0]
    if bout.is_rest:
        return None
    if len(plan) == 1:
        return bout.seconds, 1, None
    second = plan[1]
    if second.is_rest:
        if len(plan) % 2 == 0 or plan[0::2].count(bout) * 2 != len(plan) + 1:
            return None
        if plan[1::2].count(second) * 2 != len(plan) - 1 or second.effort is not None:
            return None
        return bout.seconds, (len(plan) + 1) // 2, second.seconds
    if plan.count(bout) != len(plan):
        return None
    return bout.seconds, len(plan), None


@attrs.frozen
class Level:
    """One level of a stage that lists its levels: a session plan.

    >>> week_5 = Level("walk 5 min, 3 × (run 5 min, walk 3 min)", sessions=1)
    >>> len(week_5.segments), week_5.sessions
    (7, 1)

    :param segments: the session plan: segments, or plan text (see
        :func:`~retroprog.parse_plan`).
    :param sessions: successful sessions needed at this level before moving on;
        ``None``: the stage's :attr:`~Stage.sessions`, else the policy's default.
    """

    segments: tuple[Segment, ...] = attrs.field(converter=_plan)
    sessions: int | None = attrs.field(default=None, validator=v.optional(v.integer(1)))


def _levels(value: Any) -> tuple[Level, ...]:
    if type(value) is tuple and all(type(level) is Level for level in value):
        return value
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidValueError("levels", value, "must be a sequence of Level")
    found = tuple(value)
    for level in found:
        if type(level) is not Level:
            raise InvalidValueError("levels", level, "must be a Level")
    return found


def _part(value: Any) -> tuple[Segment, ...]:
    if value == () or value == "":
        return ()
    return segments(value, work=False)


def _default_min_base_sessions(stage: Stage) -> int:
    return 0 if stage.levels else 6


#: The fields of a stage that generates its levels (from a base range, a step and a target).
GENERATED = (
    "base_min_seconds",
    "base_max_seconds",
    "step_seconds",
    "target_seconds",
    "bouts",
    "rest_seconds",
    "activity",
)


@attrs.frozen(repr=False)
class Stage:
    """One ladder of levels, e.g. the article's ``retro-walk`` or Couch to 5K's ``week 5``.

    A stage *generates* its levels from bout lengths (the article): a client
    starts at :attr:`base_min_seconds` and may build up to :attr:`base_max_seconds`
    at once, but goes beyond the base range only after :attr:`min_base_sessions`
    sessions at base.  From there each step adds at most :attr:`step_seconds`, up
    to :attr:`target_seconds`; success at the target ends the stage.  The
    defaults are the article's retro-walk.  A level is a bout length, in seconds.

    Or a stage *lists* its :attr:`levels`, each a session plan, climbed one at a
    time from the first; base is the first level, and :attr:`min_base_sessions`
    defaults to 0.  A level is its number, from 1.

    Either way, a stage's minimum sessions at base come before any level beyond
    base and before the stage is left (advance) or the protocol completed; a
    level (or the stage) may say how many successful sessions it needs
    (:meth:`sessions_needed`).

    >>> walk = Stage("retro-walk")
    >>> walk.base_min_seconds, walk.base_max_seconds, walk.step_seconds, walk.target_seconds
    (15, 30, 15, 120)
    >>> Stage("retro-walk", target_seconds=20)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    retroprog.exceptions.InvalidValueError: target_seconds: must be at least base_max_seconds ...
    >>> runs = [Level("run 5 min, walk 3 min, run 5 min"), Level("run 8 min, walk 5 min")]
    >>> week_5 = Stage("week 5", levels=runs, warmup="walk 5 min")
    >>> week_5.first_level, week_5.last_level, week_5.min_base_sessions
    (1, 2, 0)
    >>> print(week_5.prescription(2))
    week 5: walk 5 min, run 8 min, walk 5 min

    :param name: the exercise or stage, e.g. ``retro-walk``, ``week 3``.
    :param base_min_seconds: the shortest bout and the starting bout.
    :param base_max_seconds: the longest bout of the base range.
    :param levels: the stage's levels, listed (then no bout fields may be given).
    :param min_base_sessions: sessions at base before any level beyond it, and
        before the stage ends (6 for a generated stage, 0 for a listed one).
    :param step_seconds: the largest increase (and decrease) of one step.
    :param target_seconds: the bout that completes the stage.
    :param bouts: bouts per session.
    :param rest_seconds: rest between bouts, if the protocol sets one.
    :param sessions: successful sessions needed at each level before moving on
        (unless the level says otherwise); ``None``: the policy's default.
    :param activity: the activity of a generated stage's bouts (default: the
        stage's name).
    :param warmup: segments before every session's plan, e.g. ``"walk 5 min"``.
    :param cooldown: segments after every session's plan.
    """

    name: str = attrs.field(validator=v.name)
    base_min_seconds: int = attrs.field(default=15, validator=v.integer(1))
    base_max_seconds: int = attrs.field(default=30, validator=v.integer(1))
    levels: tuple[Level, ...] = attrs.field(default=(), converter=_levels, kw_only=True)
    min_base_sessions: int = attrs.field(
        default=attrs.Factory(_default_min_base_sessions, takes_self=True),
        validator=v.integer(0),
    )
    step_seconds: int = attrs.field(default=15, validator=v.integer(1))
    target_seconds: int = attrs.field(default=120, validator=v.integer(1, MAX_SEGMENT_SECONDS))
    bouts: int = attrs.field(default=1, validator=v.integer(1, MAX_PLAN_SEGMENTS // 2))
    rest_seconds: int | None = attrs.field(
        default=None, validator=v.optional(v.integer(0, MAX_SEGMENT_SECONDS))
    )
    sessions: int | None = attrs.field(
        default=None, validator=v.optional(v.integer(1)), kw_only=True
    )
    activity: str | None = attrs.field(default=None, validator=v.optional(v.name), kw_only=True)
    warmup: tuple[Segment, ...] = attrs.field(default=(), converter=_part, kw_only=True)
    cooldown: tuple[Segment, ...] = attrs.field(default=(), converter=_part, kw_only=True)

    def __attrs_post_init__(self) -> None:
        for problem in stage_consistency(attrs.asdict(self, recurse=False)):
            raise problem
        # every level's plan is built now, so a plan too long shows at once, not mid-decision
        if self.levels:
            self._plans  # noqa: B018
        elif self.warmup or self.cooldown:
            self.prescription(self.first_level)

    @functools.cached_property
    def _ladder(self) -> tuple[int, int, int, int]:
        """(first level, last level, top of base, step), derived once."""
        if self.levels:
            return 1, len(self.levels), 1, 1
        return self.base_min_seconds, self.target_seconds, self.base_max_seconds, self.step_seconds

    @functools.cached_property
    def _plans(self) -> tuple[Prescription, ...]:
        """A listed stage's prescriptions, level by level."""
        return tuple(
            self._framed(level.segments, i) for i, level in enumerate(self.levels, start=1)
        )

    def _framed(self, plan: tuple[Segment, ...], level: int | None) -> Prescription:
        """``plan`` between the stage's warm-up and cool-down."""
        return Prescription(
            self.name,
            (*self.warmup, *plan, *self.cooldown),
            level,
            warmup_segments=len(self.warmup),
            cooldown_segments=len(self.cooldown),
        )

    def __repr__(self) -> str:
        shown = []
        for field in attrs.fields(Stage):
            value = getattr(self, field.name)
            if field.kw_only and field.name != "levels" and value == field.default:
                continue  # the newer fields, shown only when set
            if self.levels and field.name in GENERATED:
                continue
            if not self.levels and field.name == "levels":
                continue
            shown.append(f"{field.name}={value!r}")
        return f"Stage({', '.join(shown)})"

    # --- the ladder -------------------------------------------------------------------------

    @property
    def listed(self) -> bool:
        """Whether the stage lists its levels (rather than generating bout lengths)."""
        return bool(self.levels)

    @property
    def first_level(self) -> int:
        """The starting level: the shortest bout, or level 1."""
        return self._ladder[0]

    @property
    def last_level(self) -> int:
        """The level that ends the stage: the target bout, or the last listed level."""
        return self._ladder[1]

    @property
    def base_max_level(self) -> int:
        """The highest level of the base range: ``base_max_seconds``, or level 1."""
        return self._ladder[2]

    @property
    def step(self) -> int:
        """One step up or down: ``step_seconds``, or one level."""
        return self._ladder[3]

    def in_base(self, level: int) -> bool:
        """Whether a level lies in the base range."""
        return level <= self._ladder[2]

    def contains(self, level: int) -> bool:
        """Whether ``level`` is one of the stage's levels."""
        return self._ladder[0] <= level <= self._ladder[1]

    def sessions_needed(self, level: int) -> int | None:
        """Successful sessions needed at ``level`` before moving on, if the protocol says.

        The level's own ``sessions``, else the stage's, else ``None`` (the policy decides).
        """
        if self.levels and 1 <= level <= len(self.levels):
            needed = self.levels[level - 1].sessions
            if needed is not None:
                return needed
        return self.sessions

    def bouts_in(self, level: int) -> int:
        """The bouts of a session at ``level``: :attr:`bouts`, or a listed plan's work segments."""
        if self.levels:
            return self._plan(level).work_segments
        return self.bouts

    def prescription(self, level: int) -> Prescription:
        """The prescription of this stage at a level (a bout length, or a listed level)."""
        if self.levels:
            return self._plan(level)
        bout = Prescription.simple(
            self.name, level, self.bouts, self.rest_seconds, activity=self.activity
        )
        if self.warmup or self.cooldown:
            return self._framed(bout.segments, None)
        return bout

    def _plan(self, level: int) -> Prescription:
        if not 1 <= level <= len(self._plans):
            raise InvalidValueError(
                "level", level, f"must be between 1 and {len(self._plans)} for stage {self.name!r}"
            )
        return self._plans[level - 1]

    def level_name(self, level: int) -> str:
        """A level as explanations name it: ``45 s``; ``week 3`` (one level); ``week 5 level 2``."""
        if not self.levels:
            return f"{level} s"
        if len(self.levels) == 1:
            return self.name
        return f"{self.name} level {level}"

    def describe(self, level: int) -> str:
        """A level and its plan: ``45 s``, or ``week 5 level 2: walk 5 min, …``."""
        if not self.levels:
            return f"{level} s"
        return f"{self.level_name(level)}: {self._plan(level).plan}"


class _ShownDefault:
    """A default as a signature shows it, when attrs computes the value."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _signature_of_stage() -> inspect.Signature:
    """Stage's signature, with ``min_base_sessions``'s default in words (not ``NOTHING``)."""
    signature = inspect.signature(Stage)
    shown = _ShownDefault("6 (0 when levels are listed)")
    return signature.replace(
        parameters=[
            p.replace(default=shown) if p.name == "min_base_sessions" else p
            for p in signature.parameters.values()
        ]
    )


setattr(Stage, "__signature__", _signature_of_stage())  # noqa: B010 (a class attribute)


def stage_consistency(values: dict[str, Any]) -> list[InvalidValueError]:
    """The cross-field problems of a stage's (already type-checked) values."""
    problems = []
    levels = values.get("levels")
    activity = values.get("activity") or values.get("name")
    if not levels and isinstance(activity, str) and activity.casefold() == REST:
        field = "activity" if values.get("activity") else "name"
        problems.append(
            InvalidValueError(field, activity, "a stage's bouts cannot be rest: name the activity")
        )
    if levels:
        given = [
            key
            for key in GENERATED
            if key in values and values[key] != attrs.fields_dict(Stage)[key].default
        ]
        if given:
            problems.append(
                InvalidValueError(
                    "levels",
                    f"{len(levels)} level(s)",
                    "a stage lists its levels or generates them from bout lengths, not both "
                    f"(remove {', '.join(given)})",
                )
            )
        if len(levels) > MAX_LEVELS:
            problems.append(
                InvalidValueError("levels", len(levels), f"a stage may list at most {MAX_LEVELS}")
            )
        return problems
    lo, hi, target = (
        values.get(k) for k in ("base_min_seconds", "base_max_seconds", "target_seconds")
    )
    if isinstance(lo, int) and isinstance(hi, int) and hi < lo:
        problems.append(
            InvalidValueError("base_max_seconds", hi, f"must be at least base_min_seconds ({lo})")
        )
    if isinstance(hi, int) and isinstance(target, int) and target < hi:
        problems.append(
            InvalidValueError("target_seconds", target, f"must be at least base_max_seconds ({hi})")
        )
    return problems
