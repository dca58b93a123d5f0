"""A stage is one rung ladder of a protocol, and a prescription is one rung."""

from __future__ import annotations

from typing import Any

import attrs

from . import _validators as v
from .exceptions import InvalidValueError

__all__ = ["Prescription", "Stage"]


@attrs.frozen
class Stage:
    """One exercise's ladder of bout lengths, e.g. ``retro-walk``.

    A client starts at :attr:`base_min_seconds` and may build up to
    :attr:`base_max_seconds` at once, but goes beyond the base range only after
    :attr:`min_base_sessions` sessions at base.  From there each step adds at
    most :attr:`step_seconds`, up to :attr:`target_seconds`; success at the
    target ends the stage.  The defaults are the article's retro-walk.

    >>> walk = Stage("retro-walk")
    >>> walk.base_min_seconds, walk.base_max_seconds, walk.step_seconds, walk.target_seconds
    (15, 30, 15, 120)
    >>> Stage("retro-walk", target_seconds=20)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    retroprog.exceptions.InvalidValueError: target_seconds: must be at least base_max_seconds ...

    :param name: the exercise, e.g. ``retro-walk``.
    :param base_min_seconds: the shortest bout and the starting bout.
    :param base_max_seconds: the longest bout of the base range.
    :param min_base_sessions: sessions at base before any bout beyond it.
    :param step_seconds: the largest increase (and decrease) of one step.
    :param target_seconds: the bout that completes the stage.
    :param bouts: bouts per session.
    :param rest_seconds: rest between bouts, if the protocol sets one.
    """

    name: str = attrs.field(validator=v.name)
    base_min_seconds: int = attrs.field(default=15, validator=v.integer(1))
    base_max_seconds: int = attrs.field(default=30, validator=v.integer(1))
    min_base_sessions: int = attrs.field(default=6, validator=v.integer(0))
    step_seconds: int = attrs.field(default=15, validator=v.integer(1))
    target_seconds: int = attrs.field(default=120, validator=v.integer(1))
    bouts: int = attrs.field(default=1, validator=v.integer(1))
    rest_seconds: int | None = attrs.field(default=None, validator=v.optional(v.integer(0)))

    def __attrs_post_init__(self) -> None:
        for problem in stage_consistency(attrs.asdict(self)):
            raise problem

    def in_base(self, bout_seconds: int) -> bool:
        """Whether a bout lies in the base range."""
        return bout_seconds <= self.base_max_seconds

    def prescription(self, bout_seconds: int) -> Prescription:
        """The prescription of this stage at a given bout length."""
        return Prescription(self.name, bout_seconds, self.bouts, self.rest_seconds)


def stage_consistency(values: dict[str, Any]) -> list[InvalidValueError]:
    """The cross-field problems of a stage's (already type-checked) values."""
    lo, hi, target = (
        values.get(k) for k in ("base_min_seconds", "base_max_seconds", "target_seconds")
    )
    problems = []
    if isinstance(lo, int) and isinstance(hi, int) and hi < lo:
        problems.append(
            InvalidValueError("base_max_seconds", hi, f"must be at least base_min_seconds ({lo})")
        )
    if isinstance(hi, int) and isinstance(target, int) and target < hi:
        problems.append(
            InvalidValueError("target_seconds", target, f"must be at least base_max_seconds ({hi})")
        )
    return problems


@attrs.frozen
class Prescription:
    """What the client does next: ``bouts`` bouts of ``bout_seconds`` at ``stage``.

    >>> str(Prescription("retro-walk", 30, 2, rest_seconds=60))
    'retro-walk: 2 × 30 s, 60 s rest'

    :param stage: the stage's name.
    :param bout_seconds: the length of each bout, in whole seconds.
    :param bouts: how many bouts.
    :param rest_seconds: the rest between bouts, if the protocol sets one.
    """

    stage: str = attrs.field(validator=v.name)
    bout_seconds: int = attrs.field(validator=v.integer(1))
    bouts: int = attrs.field(default=1, validator=v.integer(1))
    rest_seconds: int | None = attrs.field(default=None, validator=v.optional(v.integer(0)))

    def __str__(self) -> str:
        rest = f", {self.rest_seconds} s rest" if self.rest_seconds is not None else ""
        return f"{self.stage}: {self.bouts} × {self.bout_seconds} s{rest}"
