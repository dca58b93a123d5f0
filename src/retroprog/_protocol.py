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
from ._registry import PROTOCOLS
from ._resolve import resolve
from ._stage import Prescription, Stage, stage_consistency
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
PROTOCOL_SCHEMA = 1


@runtime_checkable
class ProgressionProtocol(Protocol):
    """The plug-in point for a ladder of stages.

    A protocol knows where a client starts, one step up and one step down from a
    state, the stage after a stage, and the prescription for a state.  It does
    not judge sessions: that is the :class:`~retroprog.RegressionPolicy`'s job.
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
        """The state of a client who has not started: the first stage, at base."""

    def step_up(self, state: ClientState, *, by: int | None = None) -> int:
        """The bout length one step (at most ``by`` seconds) above ``state``'s, within bounds."""

    def step_down(self, state: ClientState, *, by: int | None = None) -> int:
        """The bout length one step (at most ``by`` seconds) below ``state``'s, within bounds."""

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

    Within a stage the bout goes up by at most :attr:`Stage.step_seconds` a step,
    never past the base range before :attr:`Stage.min_base_sessions` sessions
    at base, and never past the target.  Success at the last stage's target
    completes the protocol.

    >>> p = StagedProtocol("walk-only", [Stage("retro-walk")])
    >>> p.prescribe(p.start())
    Prescription(stage='retro-walk', bout_seconds=15, bouts=1, rest_seconds=None)

    :param name: the protocol's name.
    :param stages: the stages, in the order they are climbed.
    :param description: one sentence for listings.
    """

    name: str
    stages: tuple[Stage, ...] = attrs.field(converter=_stages)
    description: str = attrs.field(default="", validator=v.text)
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
        """A new client: the first stage at its shortest bout."""
        first = self.stages[0]
        return ClientState(stage=first.name, bout_seconds=first.base_min_seconds)

    def step_up(self, state: ClientState, *, by: int | None = None) -> int:
        """One step up from ``state``: at most ``by`` (default the stage's step) seconds more.

        Never beyond the target, nor beyond the base range before the stage's
        minimum sessions at base.
        """
        stage = self.stage(state.stage)
        bout = state.bout_seconds
        ceiling = stage.target_seconds
        if state.base_sessions < stage.min_base_sessions:
            ceiling = max(min(ceiling, stage.base_max_seconds), min(bout, ceiling))
        return max(
            min(bout + (stage.step_seconds if by is None else by), ceiling), stage.base_min_seconds
        )

    def step_down(self, state: ClientState, *, by: int | None = None) -> int:
        """One step down from ``state``: at most ``by`` (default the stage's step) seconds less."""
        stage = self.stage(state.stage)
        bout = min(state.bout_seconds, stage.target_seconds)
        return max(bout - (stage.step_seconds if by is None else by), stage.base_min_seconds)

    def next_stage(self, name: str) -> Stage | None:
        """The stage after ``name``, or ``None`` after the last."""
        index = self._index.get(name)
        if index is None:
            raise UnknownStageError(name, list(self._index))
        return self.stages[index + 1] if index + 1 < len(self.stages) else None

    def prescribe(self, state: ClientState) -> Prescription | None:
        """The next session for ``state``, or ``None`` when stopped or complete."""
        if state.status is not Status.ACTIVE:
            return None
        key = (state.stage, state.bout_seconds)
        prescription = self._prescriptions.get(key)
        if prescription is None:  # prescriptions are values: build each one once
            prescription = self.stage(state.stage).prescription(state.bout_seconds)
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

_STAGE_FIELDS = {f.name: f for f in attrs.fields(Stage)}
_STAGE_DEFAULTS = {f.name: f.default for f in attrs.fields(Stage) if f.default is not attrs.NOTHING}
_TOP_KEYS = {"schema", "name", "description", "defaults", "stages"}


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
    ``overrides`` set a stage field on every stage, e.g. ``step_seconds=10``.

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
        if key not in _STAGE_FIELDS or key == "name":
            raise UnknownParameterError(
                "a protocol", key, [k for k in _STAGE_FIELDS if k != "name"]
            )
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
    if field is None or (key == "name" and not allow_name):
        return "unknown stage key"
    return v.problem(field, value)


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
            Problem("schema", f"unsupported schema {schema!r} (this retroprog reads 1)")
        )
    name = data.get("name")
    if type(name) is not str or not name:
        problems.append(Problem("name", f"must be a non-empty string, got {name!r}"))
    description = data.get("description", "")
    if type(description) is not str:
        problems.append(Problem("description", f"must be a string, got {description!r}"))
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
        stage_problems = []
        for key, value in raw.items():
            problem = _field_problem(key, value, allow_name=True)
            if problem:
                stage_problems.append(Problem(f"{where}.{key}", problem))
        values = {**defaults, **raw, **overrides}
        if "name" not in values:
            stage_problems.append(Problem(f"{where}.name", "missing"))
        good = {
            k: val
            for k, val in values.items()
            if k not in bad and not any(p.key == f"{where}.{k}" for p in stage_problems)
        }
        for exc in stage_consistency({**_STAGE_DEFAULTS, **good}):
            stage_problems.append(
                Problem(f"{where}.{exc.field}", f"{exc.reason}, got {exc.value!r}")
            )
        problems.extend(stage_problems)
        names.append(values.get("name"))
        if not stage_problems and len(good) == len(values):
            stages.append(Stage(**values))
    seen: set[object] = set()
    for i, stage_name in enumerate(names):
        if stage_name in seen:
            problems.append(Problem(f"stages[{i}].name", f"duplicate stage name {stage_name!r}"))
        seen.add(stage_name)
    if problems:
        raise ProtocolFileError(label, problems)
    assert isinstance(name, str)
    assert isinstance(description, str)
    return StagedProtocol(name, stages, description)
