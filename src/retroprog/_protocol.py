"""Progression protocols: the ladder of stages a client climbs."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs

from . import _validators as v
from ._files import MAX_TOML_BYTES, loads_toml, read_text
from ._plan import parse_plan
from ._registry import PROTOCOLS
from ._resolve import resolve
from ._stage import GENERATED, Level, Prescription, Stage, stage_consistency
from ._state import ClientState, Status
from .exceptions import (
    InvalidArgumentError,
    InvalidValueError,
    Problem,
    ProtocolFileError,
    UnknownParameterError,
    UnknownStageError,
)

__all__ = ["ProgressionProtocol", "StagedProtocol", "builtin_protocols", "load_protocol"]

#: The newest protocol file schema this version reads.
PROTOCOL_SCHEMA = 2


@runtime_checkable
class ProgressionProtocol(Protocol):
    """The plug-in point for a ladder of stages.

    A protocol knows where a client starts, one step up and one step down from a
    state, the stage after a stage, and the prescription for a state.  It does
    not judge sessions: that is the :class:`~retroprog.RegressionPolicy`'s job.

    A level is a bout length in seconds on a stage that generates its levels, or
    a level's number on a stage that lists them (see :class:`~retroprog.Stage`).

    A protocol may also have a ``regress_across_stages`` attribute (``True``: a
    regression at a stage's first level goes to the previous stage's last level)
    and a ``previous_stage(name)`` method; without them, regressions stay within
    a stage.
    """

    @property
    def name(self) -> str:
        """The protocol's name, e.g. ``retro-walk-run``."""

    @property
    def stages(self) -> tuple[Stage, ...]:
        """The stages in order."""

    def stage(self, name: str) -> Stage:
        """The stage called ``name``; :exc:`~retroprog.exceptions.UnknownStageError` if none."""

    def start(self) -> ClientState:
        """The state of a client who has not started: the first stage, at its first level."""

    def step_up(self, state: ClientState, *, by: int | None = None) -> int:
        """The level one step (at most ``by``) above ``state``'s, within bounds."""

    def step_down(self, state: ClientState, *, by: int | None = None) -> int:
        """The level one step (at most ``by``) below ``state``'s, within bounds."""

    def next_stage(self, name: str) -> Stage | None:
        """The stage after ``name``, or ``None`` when ``name`` is the last."""

    def prescribe(self, state: ClientState) -> Prescription | None:
        """What a client in ``state`` does next; ``None`` unless active."""


def _stages(value: Iterable[Stage]) -> tuple[Stage, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidValueError("stages", value, "must be a sequence of Stage")
    return tuple(value)


@attrs.frozen
class StagedProtocol:
    """A protocol made of stages climbed in order.

    Within a stage the level goes up by at most one step (:attr:`Stage.step`) at a
    time, never past base before :attr:`Stage.min_base_sessions` sessions at base,
    and never past the stage's last level.  Success at the last stage's last level
    completes the protocol.

    >>> p = StagedProtocol("walk-only", [Stage("retro-walk")])
    >>> print(p.prescribe(p.start()))
    retro-walk: 1 × 15 s

    :param name: the protocol's name.
    :param stages: the stages, in the order they are climbed.
    :param description: one sentence for listings.
    :param source: where the protocol comes from (a citation).
    :param regress_across_stages: whether a regression at a stage's first level
        goes back to the previous stage's last level ("repeat the previous week");
        otherwise it holds there.
    """

    name: str
    stages: tuple[Stage, ...] = attrs.field(converter=_stages)
    description: str = attrs.field(default="", validator=v.text)
    source: str = attrs.field(default="", validator=v.text)
    regress_across_stages: bool = attrs.field(default=False, validator=v.flag)
    _index: dict[str, int] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _prescriptions: dict[tuple[str, int], Prescription] = attrs.field(
        init=False, repr=False, eq=False, hash=False, factory=dict
    )

    def __attrs_post_init__(self) -> None:
        for stage in self.stages:
            if not isinstance(stage, Stage):
                raise InvalidValueError("stages", stage, "must be a Stage")
        problems = _protocol_problems(self.name, [s.name for s in self.stages])
        if problems:
            raise problems[0]
        object.__setattr__(self, "_index", {s.name: i for i, s in enumerate(self.stages)})

    def stage(self, name: str) -> Stage:
        """The stage called ``name``."""
        try:
            return self.stages[self._index[name]]
        except KeyError:
            raise UnknownStageError(name, list(self._index)) from None

    def start(self) -> ClientState:
        """A new client: the first stage at its first level (the shortest bout)."""
        first = self.stages[0]
        return ClientState(first.name, first.first_level)

    def step_up(self, state: ClientState, *, by: int | None = None) -> int:
        """One step up from ``state``: at most ``by`` (default the stage's step) more.

        Never beyond the stage's last level, nor beyond base before the stage's
        minimum sessions at base.
        """
        stage = self.stage(state.stage)
        first, last, base_max, step = stage._ladder
        level = state.level
        ceiling = last
        if state.base_sessions < stage.min_base_sessions:
            ceiling = max(min(ceiling, base_max), min(level, ceiling))
        return max(min(level + (step if by is None else by), ceiling), first)

    def step_down(self, state: ClientState, *, by: int | None = None) -> int:
        """One step down from ``state``: at most ``by`` (default the stage's step) less."""
        stage = self.stage(state.stage)
        first, last, _, step = stage._ladder
        return max(min(state.level, last) - (step if by is None else by), first)

    def next_stage(self, name: str) -> Stage | None:
        """The stage after ``name``, or ``None`` after the last."""
        index = self._index.get(name)
        if index is None:
            raise UnknownStageError(name, list(self._index))
        return self.stages[index + 1] if index + 1 < len(self.stages) else None

    def previous_stage(self, name: str) -> Stage | None:
        """The stage before ``name``, or ``None`` before the first."""
        index = self._index.get(name)
        if index is None:
            raise UnknownStageError(name, list(self._index))
        return self.stages[index - 1] if index else None

    def prescribe(self, state: ClientState) -> Prescription | None:
        """The next session for ``state``, or ``None`` when stopped or complete."""
        if state.status is not Status.ACTIVE:
            return None
        key = (state.stage, state.level)
        prescription = self._prescriptions.get(key)
        if prescription is None:  # prescriptions are values: build each one once
            prescription = self.stage(state.stage).prescription(state.level)
            self._prescriptions[key] = prescription
        return prescription


def _protocol_problems(name: object, stage_names: Sequence[object]) -> list[InvalidValueError]:
    problems = []
    if type(name) is not str or not name:
        problems.append(InvalidValueError("name", name, "must be a non-empty name"))
    if not stage_names:
        problems.append(InvalidValueError("stages", [], "a protocol needs at least one stage"))
    seen: set[object] = set()
    for stage_name in stage_names:
        if stage_name in seen:
            problems.append(InvalidValueError("stages", stage_name, "stage names must be unique"))
        seen.add(stage_name)
    return problems


# --- files -------------------------------------------------------------------------------

_STAGE_FIELDS = {f.name: f for f in attrs.fields(Stage) if f.init}
#: Stage keys a file gives as plan text.
_PLAN_KEYS = ("warmup", "cooldown")
#: Stage keys that ``[defaults]`` and overrides may set (on the stages they suit).
_SHARED_KEYS = [k for k in _STAGE_FIELDS if k not in ("name", "levels")]
_TOP_KEYS = {
    "schema",
    "name",
    "description",
    "source",
    "regress_across_stages",
    "defaults",
    "stages",
}
_LEVEL_KEYS = ("plan", "sessions")


@attrs.frozen
class ProtocolFileKeys:
    """The keys a protocol file may have, as its reader allows them (for its JSON Schema).

    :param top: the keys of the file itself.
    :param shared: the stage keys ``[defaults]`` and overrides may set.
    :param plans: the stage keys given as plan text.
    :param level: the keys of a ``[[stages.levels]]`` table.
    :param schema: the newest protocol file schema this version reads.
    """

    top: tuple[str, ...] = tuple(sorted(_TOP_KEYS))
    shared: tuple[str, ...] = tuple(_SHARED_KEYS)
    plans: tuple[str, ...] = _PLAN_KEYS
    level: tuple[str, ...] = _LEVEL_KEYS
    schema: int = PROTOCOL_SCHEMA


def builtin_protocols() -> dict[str, Path]:
    """The protocols shipped with retroprog, by name, with their TOML files."""
    folder = resources.files("retroprog") / "protocols"
    return {
        entry.name.removesuffix(".toml"): Path(str(entry))
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }


def load_protocol(source: str | os.PathLike[str], **overrides: Any) -> ProgressionProtocol:
    """Load a protocol by name (built-in or plug-in), from a TOML file, or ``MODULE:ATTR``.

    ``source`` is resolved as :func:`retroprog.plugins.resolve` says;
    ``overrides`` set a stage field on every stage it suits, e.g.
    ``step_seconds=10`` on the stages that generate their levels.

    >>> p = load_protocol("retro-walk-run")
    >>> [s.name for s in p.stages]
    ['retro-walk', 'retro-run']
    >>> load_protocol("retro-walk-run", step_seconds=10).stage("retro-run").step_seconds
    10

    Every problem of a file is reported at once, each naming the file and key:

    A file must be a regular file of at most 512 KiB, nested at most 32 levels
    deep; anything else is refused before it is parsed.

    :raises ~retroprog.exceptions.ProtocolFileError: the file is unreadable or invalid.
    :raises ~retroprog.exceptions.UnknownPluginError: no such name, and no such file.
    :raises ~retroprog.exceptions.InvalidArgumentError: ``source`` is neither a
        name nor a path.
    """
    if not isinstance(source, (str, os.PathLike)):
        raise InvalidArgumentError(
            "source", source, "must be a protocol's name or the path of a TOML file"
        )
    for key in overrides:
        if key not in _SHARED_KEYS:
            raise UnknownParameterError("a protocol", key, _SHARED_KEYS)
    protocol: ProgressionProtocol = resolve(
        PROTOCOLS, source, overrides, expect=ProgressionProtocol, probe=("name", "stages")
    )
    return protocol


def builtin_factory(name: str, **overrides: Any) -> StagedProtocol:
    """The built-in protocol ``name``, read from its file with ``overrides``."""
    return read_protocol_file(builtin_protocols()[name], overrides, label=name)


def read_protocol_file(path: Path, overrides: Mapping[str, Any], *, label: str) -> StagedProtocol:
    """Read a protocol file (TOML) with stage ``overrides``, reporting every problem at once."""
    text = read_text(path, label=label, error=ProtocolFileError, max_bytes=MAX_TOML_BYTES)
    data = loads_toml(text, label=label, error=ProtocolFileError)
    return protocol_from_dict(data, overrides, label=label)


def _field_problem(key: str, value: Any, *, allow_name: bool = False) -> str | None:
    """What is wrong with one stage value, or ``None``."""
    field = _STAGE_FIELDS.get(key)
    if field is None or key == "levels" or (key == "name" and not allow_name):
        return "unknown stage key"
    if key in _PLAN_KEYS:
        return _plan_problem(value)
    return v.problem(field, value)


def _plan_problem(value: Any) -> str | None:
    """What is wrong with plan text, or ``None``."""
    if type(value) is not str:
        return f'must be plan text such as "walk 5 min", got {value!r}'
    try:
        parse_plan(value)
    except InvalidValueError as exc:
        return exc.reason
    return None


def _levels_of(raw: Any, where: str, problems: list[Problem]) -> list[Level] | None:
    """A stage's ``levels`` from a file: plan text, or tables with ``plan`` and ``sessions``."""
    if not isinstance(raw, list) or not raw:
        problems.append(
            Problem(
                where,
                'must be a non-empty array of plans ("walk 5 min, run 20 min") or of '
                "[[stages.levels]] tables",
            )
        )
        return None
    levels: list[Level] = []
    count = len(problems)
    for i, item in enumerate(raw):
        at = f"{where}[{i}]"
        table = {"plan": item} if type(item) is str else item
        if not isinstance(table, Mapping):
            problems.append(Problem(at, f"must be plan text or a table, got {item!r}"))
            continue
        for key in table:
            if key not in _LEVEL_KEYS:
                problems.append(
                    Problem(f"{at}.{key}", f"unknown level key (allowed: {', '.join(_LEVEL_KEYS)})")
                )
        if "plan" not in table:
            problems.append(Problem(f"{at}.plan", "missing"))
            continue
        plan_problem = _plan_problem(table["plan"])
        if plan_problem is not None:
            problems.append(Problem(f"{at}.plan", plan_problem))
        sessions: Any = table.get("sessions")
        sessions_problem = v.problem(_STAGE_FIELDS["sessions"], sessions)
        if sessions_problem is not None:
            problems.append(Problem(f"{at}.sessions", sessions_problem))
        if len(problems) == count:
            levels.append(Level(table["plan"], sessions))
    return levels if len(problems) == count else None


def protocol_from_dict(
    data: Mapping[str, Any], overrides: Mapping[str, Any] = {}, *, label: str = "<protocol>"
) -> StagedProtocol:
    """Build a protocol from a parsed TOML document, reporting every problem at once."""
    problems: list[Problem] = []
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(Problem(key, f"unknown key (allowed: {', '.join(sorted(_TOP_KEYS))})"))
    schema = data.get("schema", PROTOCOL_SCHEMA)
    if type(schema) is not int or not 1 <= schema <= PROTOCOL_SCHEMA:
        problems.append(
            Problem(
                "schema",
                f"unsupported schema {schema!r} (this retroprog reads 1 to {PROTOCOL_SCHEMA})",
            )
        )
    name = data.get("name")
    if type(name) is not str or not name:
        problems.append(Problem("name", f"must be a non-empty string, got {name!r}"))
    texts = {}
    for key in ("description", "source"):
        texts[key] = data.get(key, "")
        if type(texts[key]) is not str:
            problems.append(Problem(key, f"must be a string, got {texts[key]!r}"))
    across = data.get("regress_across_stages", False)
    if type(across) is not bool:
        problems.append(Problem("regress_across_stages", f"must be true or false, got {across!r}"))
    defaults = data.get("defaults", {})
    if not isinstance(defaults, Mapping):
        problems.append(Problem("defaults", "must be a table"))
        defaults = {}
    bad: set[str] = set()  # keys whose default or override is wrong: reported once, not per stage
    for where, table in (("defaults", defaults), ("override", overrides)):
        for key, value in table.items():
            problem = _field_problem(key, value)
            if problem:
                problems.append(Problem(f"{where}.{key}", problem))
                bad.add(key)
    raw_stages = data.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        problems.append(Problem("stages", "must be a non-empty array of tables ([[stages]])"))
        raw_stages = []
    stages: list[Stage] = []
    names: list[object] = []
    for i, raw in enumerate(raw_stages):
        where = f"stages[{i}]"
        if not isinstance(raw, Mapping):
            problems.append(Problem(where, "must be a table"))
            continue
        stage = _stage_from_dict(raw, defaults, overrides, bad, where, problems)
        names.append(raw.get("name"))
        if stage is not None:
            stages.append(stage)
    seen: set[object] = set()
    for i, stage_name in enumerate(names):
        if stage_name in seen:
            problems.append(Problem(f"stages[{i}].name", f"duplicate stage name {stage_name!r}"))
        seen.add(stage_name)
    if problems:
        raise ProtocolFileError(label, problems)
    assert isinstance(name, str)
    return StagedProtocol(
        name,
        stages,
        texts["description"],
        source=texts["source"],
        regress_across_stages=across,
    )


def _stage_from_dict(
    raw: Mapping[str, Any],
    defaults: Mapping[str, Any],
    overrides: Mapping[str, Any],
    bad: set[str],
    where: str,
    problems: list[Problem],
) -> Stage | None:
    """One stage of a file (``None`` when it has problems, all added to ``problems``)."""
    stage_problems: list[Problem] = []
    for key, value in raw.items():
        if key == "levels":
            continue
        problem = _field_problem(key, value, allow_name=True)
        if problem:
            stage_problems.append(Problem(f"{where}.{key}", problem))
    listed = "levels" in raw
    levels = _levels_of(raw["levels"], f"{where}.levels", stage_problems) if listed else None
    # defaults and overrides set the bout fields only on stages that generate their levels
    inherited = {
        k: val
        for table in (defaults, overrides)
        for k, val in table.items()
        if not (listed and k in GENERATED)
    }
    values = {**{k: val for k, val in defaults.items() if k in inherited}, **raw}
    values.update({k: val for k, val in overrides.items() if k in inherited})
    if listed:
        given = [key for key in GENERATED if key in raw]
        if given:
            stage_problems.append(
                Problem(
                    f"{where}.levels",
                    "a stage lists its levels or generates them from bout lengths, not both "
                    f"(remove {', '.join(given)})",
                )
            )
    if "name" not in values:
        stage_problems.append(Problem(f"{where}.name", "missing"))
    good = {
        k: val
        for k, val in values.items()
        if k not in bad
        and k != "levels"
        and not any(p.key == f"{where}.{k}" for p in stage_problems)
    }
    if not listed:
        for exc in stage_consistency({**_STAGE_DEFAULTS, **good}):
            stage_problems.append(
                Problem(f"{where}.{exc.field}", f"{exc.reason}, got {exc.value!r}")
            )
    problems.extend(stage_problems)
    if stage_problems or len(good) != len(values) - listed:
        return None
    try:
        return Stage(**good, levels=levels or ())
    except InvalidValueError as exc:  # e.g. a warm-up that makes the plans too long
        problems.append(Problem(where, f"{exc.field}: {exc.reason}"))
        return None


_STAGE_DEFAULTS = {
    k: f.default
    for k, f in _STAGE_FIELDS.items()
    if f.default is not attrs.NOTHING and not isinstance(f.default, attrs.Factory)  # type: ignore[arg-type]
}
