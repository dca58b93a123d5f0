"""Where a client stands: a cache that :func:`~retroprog.replay` can always rebuild."""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from typing import Any

import attrs

from . import _validators as v
from .exceptions import InvalidValueError

__all__ = ["ClientState", "Status"]


class Status(str, enum.Enum):
    """Whether a client goes on: ``active``, ``stopped`` (avoid and refer) or ``completed``."""

    ACTIVE = "active"
    STOPPED = "stopped"
    COMPLETED = "completed"

    def __str__(self) -> str:
        return self.value


def _status(value: Any) -> Status:
    if type(value) is Status:
        return value
    try:
        return Status(value)
    except ValueError:
        known = ", ".join(s.value for s in Status)
        raise InvalidValueError("status", value, f"must be one of {known}") from None


#: How deeply memory values may nest (``[[1, 30]]`` is 2 deep), so that every state
#: and decision stays within the nesting that :func:`~retroprog.from_json` reads.
MAX_MEMORY_DEPTH = 16


def _json_value(value: Any, where: str, depth: int) -> Any:
    """``value`` with tuples turned into lists, or an error if JSON cannot hold it."""
    if value is None or type(value) in (str, bool, int):
        return value
    if type(value) is float:
        if not math.isfinite(value):
            raise InvalidValueError(where, value, "memory values must be finite")
        return value
    if isinstance(value, (list, tuple, Mapping)) and depth >= MAX_MEMORY_DEPTH:
        raise InvalidValueError(
            where, value, f"memory values may nest at most {MAX_MEMORY_DEPTH} levels deep"
        )
    if isinstance(value, (list, tuple)):
        return [_json_value(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    if isinstance(value, Mapping):
        return _json_object(value, where, depth + 1)
    raise InvalidValueError(where, value, "memory values must be JSON values")


def _json_object(value: Mapping[Any, Any], where: str, depth: int) -> dict[str, Any]:
    out = {}
    for key, item in value.items():
        if type(key) is not str:
            raise InvalidValueError(where, key, "memory keys must be strings")
        out[key] = _json_value(item, f"{where}.{key}", depth)
    return out


def _memory(value: Any) -> dict[str, Any]:
    if value is None or (type(value) is dict and not value):
        return {}
    if not isinstance(value, Mapping):  # a list, even an empty one, is not a memory
        raise InvalidValueError("memory", value, "must be a mapping of names to JSON values")
    return _json_object(value, "memory", 0)


@attrs.frozen
class ClientState:
    """Where a client stands in a protocol.

    The state is a cache of the session log: :func:`~retroprog.replay` rebuilds it,
    so an app may store it for speed but never needs to trust it.

    :param stage: the current stage's name.
    :param level: where the client stands on the stage's ladder: the bout length in
        seconds on a stage that generates its levels (the article's), the level's
        number (from 1) on a stage that lists them.
    :param status: active, stopped (avoid the exercise and refer) or completed.
    :param sessions: sessions recorded in all.
    :param sessions_at_level: sessions done at the current level.
    :param base_sessions: sessions done at base in the current stage.
    :param successes: successful sessions in a row since the level last changed.
    :param failures: unsuccessful sessions in a row.
    :param adverse: adverse sessions in a row (pain over threshold, a balance loss,
        form breakdown).
    :param last_day: the day number of the last session with a known day (a
        date counts as its ordinal, ``date.toordinal()``); a session dated
        before it is refused, so keep either day numbers or dates, not both.
    :param memory: what a policy or guard keeps between sessions, as JSON values
        under names it owns (a staircase keeps its step and reversals here),
        nested at most 16 levels deep.
    """

    stage: str
    level: int
    status: Status = attrs.field(default=Status.ACTIVE, converter=_status)
    sessions: int = 0
    sessions_at_level: int = 0
    base_sessions: int = 0
    successes: int = 0
    failures: int = 0
    adverse: int = 0
    last_day: int | None = None
    memory: dict[str, Any] = attrs.field(factory=dict, converter=_memory, hash=False)

    def __attrs_post_init__(self) -> None:
        # one fast expression; the per-field checks run only to name the culprit
        stage, last_day = self.stage, self.last_day
        if not (
            type(stage) is str
            and stage
            and stage.strip() == stage
            and type(self.level) is int
            and self.level >= 1
            and type(self.sessions) is int
            and self.sessions >= 0
            and type(self.sessions_at_level) is int
            and self.sessions_at_level >= 0
            and type(self.base_sessions) is int
            and self.base_sessions >= 0
            and type(self.successes) is int
            and self.successes >= 0
            and type(self.failures) is int
            and self.failures >= 0
            and type(self.adverse) is int
            and self.adverse >= 0
            and (last_day is None or (type(last_day) is int and last_day >= 0))
        ):
            v.raise_first(self, _CHECKS)

    @property
    def bout_seconds(self) -> int:
        """The bout length, in seconds, on a stage that generates its levels: :attr:`level`.

        On a stage that lists its levels this is the level's number, not seconds;
        read :attr:`level` (or the prescription) there.
        """
        return self.level

    @property
    def active(self) -> bool:
        """Whether the client goes on with the protocol."""
        return self.status is Status.ACTIVE


_CHECKS: dict[str, v.Validator] = v.hot_checks(
    ClientState,
    {
        "stage": v.name,
        "level": v.integer(1),
        "sessions": v.integer(0),
        "sessions_at_level": v.integer(0),
        "base_sessions": v.integer(0),
        "successes": v.integer(0),
        "failures": v.integer(0),
        "adverse": v.integer(0),
        "last_day": v.optional(v.integer(0)),
    },
)
