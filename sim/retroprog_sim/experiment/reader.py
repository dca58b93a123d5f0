"""Reading an experiment file (TOML): every problem of the file at once, with its key.

The keys of the run settings come from the record
(:data:`~retroprog_sim.SETTINGS`), so a new setting is a new key here too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from retroprog.exceptions import Problem
from retroprog.support import MAX_TOML_BYTES, did_you_mean, loads_toml, read_text

from ..settings import SETTINGS
from .lines import with_lines
from .model import (
    Experiment,
    ExperimentFileError,
    Kind,
    PolicyEntry,
    PopulationEntry,
    ProtocolChoice,
)
from .tuning import Dimension, TuneSpec

__all__ = ["experiment_from_dict", "load_experiment"]

_SETTING_KEYS = {name: tuple(setting.key.split(".")) for name, setting in SETTINGS.items()}
_TOP_KEYS = {
    "name",
    "description",
    "protocol",
    "seeds",
    "populations",
    "policies",
    "output",
    "tune",
    *(path[0] for path in _SETTING_KEYS.values() if len(path) == 1),
}
_POLICY_KEYS = {"name", "label", "params", "grid", "protocol"}
_POPULATION_KEYS = {"name", "label", "params"}
_PROTOCOL_KEYS = {"name", "params", "grid"}
_TUNE_KEYS = {field.name for field in attrs.fields(TuneSpec)}
_OUTPUT_KEYS = {"dir", *(path[1] for path in _SETTING_KEYS.values() if path[0] == "output")}


class _Reader:
    """Reads the plain values of a parsed TOML document, noting every problem."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(key, message))

    def keys(self, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                self.problem(
                    f"{where}{key}",
                    f"unknown key{did_you_mean(key, allowed)} "
                    f"(allowed: {', '.join(sorted(allowed))})",
                )

    def string(self, value: Any, key: str) -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        self.problem(key, f"must be a non-empty string, got {value!r}")
        return None

    def integer(self, value: Any, key: str) -> int | None:
        if type(value) is int:
            return value
        self.problem(key, f"must be a whole number, got {value!r}")
        return None

    def table(self, value: Any, key: str) -> Mapping[str, Any]:
        if isinstance(value, Mapping):
            return value
        self.problem(key, f"must be a table, got {value!r}")
        return {}

    def grid(self, value: Any, key: str) -> dict[str, tuple[Any, ...]]:
        grid: dict[str, tuple[Any, ...]] = {}
        for name, values in self.table(value, key).items():
            if isinstance(values, list) and values:
                if len({json.dumps(v, sort_keys=True) for v in values}) < len(values):
                    self.problem(f"{key}.{name}", "a value is listed twice")
                grid[name] = tuple(values)
            else:
                self.problem(f"{key}.{name}", f"must be a non-empty list of values, got {values!r}")
        return grid


def _resolve(source: str, base: Path) -> str:
    """A protocol's or population's file relative to the experiment file; a name stays a name."""
    if source.endswith(".toml") or "/" in source or os.sep in source:
        path = Path(source).expanduser()
        return str(path if path.is_absolute() else base / path)
    return source


def _protocol(reader: _Reader, value: Any, key: str, base: Path) -> ProtocolChoice | None:
    if isinstance(value, str):
        source = reader.string(value, key)
        return None if source is None else ProtocolChoice(_resolve(source, base))
    if not isinstance(value, Mapping):
        reader.problem(key, f"must be a protocol's name or file, or a table, got {value!r}")
        return None
    reader.keys(value, _PROTOCOL_KEYS, f"{key}.")
    source = reader.string(value.get("name"), f"{key}.name")
    params = reader.table(value.get("params", {}), f"{key}.params")
    grid = reader.grid(value.get("grid", {}), f"{key}.grid")
    for name in grid:
        if name in params:
            reader.problem(f"{key}.grid.{name}", "is also set in params")
    if source is None:
        return None
    return ProtocolChoice(_resolve(source, base), params, grid)


def _entries(reader: _Reader, value: Any, key: str) -> list[tuple[str, Mapping[str, Any]]]:
    """An array of tables (or of names), each with its key."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        reader.problem(key, f"must be a list, got {value!r}")
        return []
    out: list[tuple[str, Mapping[str, Any]]] = []
    for i, item in enumerate(value, start=1):  # [[policies]] tables numbered from 1
        where = f"{key}[{i}]"
        if isinstance(item, str):
            out.append((where, {"name": item}))
        elif isinstance(item, Mapping):
            out.append((where, item))
        else:
            reader.problem(where, f"must be a name or a table, got {item!r}")
    return out


def _labelled(reader: _Reader, table: Mapping[str, Any], where: str) -> tuple[str, str] | None:
    name = reader.string(table.get("name"), f"{where}.name")
    label = table.get("label", name)
    if "label" in table:
        label = reader.string(table["label"], f"{where}.label")
    if name is None or label is None:
        return None
    return name, label


def _tune(reader: _Reader, value: Any) -> tuple[TuneSpec | None, dict[str, Any] | None]:
    """The ``[tune]`` table, and the baseline it implies when the file lists no policies."""
    table = reader.table(value, "tune")
    reader.keys(table, _TUNE_KEYS, "tune.")
    given: dict[str, Any] = {}
    for name in ("policy", "objective", "direction"):
        if name in table:
            text = reader.string(table[name], f"tune.{name}")
            if text is not None:
                given[name] = text
    for name in ("trials", "seed", "check_examples", "confirm_tries", "batch"):
        if name in table:
            given[name] = table[name]  # checked by TuneSpec.problems, with its range
    for name in ("params", "constraints"):
        if name in table:
            given[name] = reader.table(table[name], f"tune.{name}")
    if "space" in table:
        given["space"] = {
            name: Dimension.read(value)
            for name, value in reader.table(table["space"], "tune.space").items()
        }
    if "confirm_seeds" in table:
        seeds = table["confirm_seeds"]
        if isinstance(seeds, list):
            given["confirm_seeds"] = tuple(seeds)
        else:
            reader.problem("tune.confirm_seeds", f"must be a list of whole numbers, got {seeds!r}")
    spec = TuneSpec(**given)
    return spec, {"name": spec.policy, "params": spec.params}


def experiment_from_dict(
    data: Mapping[str, Any],
    *,
    base: str | os.PathLike[str] = ".",
    label: str = "<experiment>",
    kind: Kind | None = None,
) -> Experiment:
    """Build an experiment from a parsed TOML document, reporting every problem at once.

    ``base`` is the folder that relative paths (protocol files, the output
    folder) are relative to; ``kind``, if given, adds the problems that stop
    the experiment from running as a comparison or a sweep.

    >>> experiment = experiment_from_dict(
    ...     {"policies": [{"name": "reference"}, {"name": "staircase"}], "clients": 200}
    ... )
    >>> [cell.label for cell in experiment.cells("compare")]
    ['reference', 'staircase']
    >>> bad = {"policies": [{"name": "reference", "params": {"stop_after": 0}}], "weeks": 0}
    >>> try:
    ...     experiment_from_dict(bad)
    ... except ExperimentFileError as error:
    ...     for problem in error.problems:
    ...         print(problem)
    weeks: must be a whole number ≥ 1, got 0
    policies[1].params.stop_after: must be a whole number ≥ 1, got 0

    :raises ExperimentFileError: listing every problem.
    """
    folder = Path(base)
    reader = _Reader()
    reader.keys(data, _TOP_KEYS, "")
    settings: dict[str, Any] = {}
    for name in ("name", "description"):
        if name in data:
            value = data[name]
            if isinstance(value, str):
                settings[name] = value
            else:
                reader.problem(name, f"must be a string, got {value!r}")
    for name, parts in _SETTING_KEYS.items():
        table: Any = data
        for part in parts[:-1]:
            table = table.get(part, {}) if isinstance(table, Mapping) else {}
        if isinstance(table, Mapping) and parts[-1] in table:
            number = reader.integer(table[parts[-1]], ".".join(parts))
            if number is not None:
                settings[name] = number
    if "seed" in data and "seeds" in data:
        reader.problem("seed", "give seed or seeds, not both")
        settings.pop("seed", None)
    elif "seeds" in data:
        seeds = data["seeds"]
        if isinstance(seeds, list):
            found = [reader.integer(s, f"seeds[{i}]") for i, s in enumerate(seeds, start=1)]
            settings["seeds"] = tuple(s for s in found if s is not None)
        else:
            reader.problem("seeds", f"must be a list of whole numbers, got {seeds!r}")
    if "protocol" in data:
        protocol = _protocol(reader, data["protocol"], "protocol", folder)
        if protocol is not None:
            settings["protocol"] = protocol
    populations = []
    for where, table in _entries(reader, data.get("populations", ["general"]), "populations"):
        reader.keys(table, _POPULATION_KEYS, f"{where}.")
        names = _labelled(reader, table, where)
        params = reader.table(table.get("params", {}), f"{where}.params")
        if names is not None:
            populations.append(PopulationEntry(_resolve(names[0], folder), names[1], params))
    settings["populations"] = populations
    baseline = None
    if "tune" in data:
        settings["tune"], baseline = _tune(reader, data["tune"])
    policies = []
    if "policies" not in data and baseline is None:
        reader.problem("policies", "missing: list the policies as [[policies]] tables")
    listed = data.get("policies", [] if baseline is None else [baseline])
    for where, table in _entries(reader, listed, "policies"):
        reader.keys(table, _POLICY_KEYS, f"{where}.")
        names = _labelled(reader, table, where)
        params = reader.table(table.get("params", {}), f"{where}.params")
        grid = reader.grid(table.get("grid", {}), f"{where}.grid")
        own_protocol = None
        if "protocol" in table:
            own_protocol = _protocol(reader, table["protocol"], f"{where}.protocol", folder)
        if names is not None:
            policies.append(PolicyEntry(names[0], names[1], params, grid, own_protocol))
    output = reader.table(data.get("output", {}), "output")
    reader.keys(output, _OUTPUT_KEYS, "output.")
    if "dir" in output:
        out = reader.string(output["dir"], "output.dir")
        if out is not None:
            path = Path(out).expanduser()
            settings["out"] = path if path.is_absolute() else folder / path
    experiment = Experiment(policies, **settings)
    problems = experiment.problems(kind)
    if reader.problems:  # the values are not all read: check what was
        read = {q.key for q in reader.problems}
        problems = reader.problems + [p for p in problems if p.key not in read]
    if problems:
        if "seed" in data:  # the file's one seed, as it is written
            problems = [attrs.evolve(p, key="seed") if p.key == "seeds[1]" else p for p in problems]
        raise ExperimentFileError(label, problems)
    return experiment


def load_experiment(path: str | os.PathLike[str], *, kind: Kind | None = None) -> Experiment:
    """Read an experiment file (TOML), reporting every problem at once.

    Relative paths in the file are relative to the file's folder; the output
    folder defaults to ``<file stem>-results`` beside it, and the name to the
    file's stem.

    Like a protocol file, it must be a regular file of at most 512 KiB, nested at
    most 32 levels deep.  Every problem names its key, with ``[[policies]]``
    tables numbered from 1 (``policies[2]`` is the second), and the key's line in
    the file where it is written.

    :raises ExperimentFileError: the file is unreadable, not TOML, or has problems.
    """
    file = Path(path)
    text = read_text(file, label=str(path), error=ExperimentFileError, max_bytes=MAX_TOML_BYTES)
    data = loads_toml(text, label=str(path), error=ExperimentFileError)
    try:
        experiment = experiment_from_dict(data, base=file.parent, label=str(path), kind=kind)
    except ExperimentFileError as exc:  # say where each key is in the file
        raise ExperimentFileError(exc.path, with_lines(exc.problems, text)) from None
    defaults: dict[str, Any] = {"source": file}
    if "name" not in data:
        defaults["name"] = file.stem
    if experiment.out is None:
        defaults["out"] = file.parent / f"{file.stem}-results"
    return attrs.evolve(experiment, **defaults)
