"""Experiments: a comparison or a sweep written down as a TOML file.

An experiment names a protocol, the policies (with their parameters, and for a
sweep a grid of them), one or more populations, the clients, weeks and seeds,
and where its results go.  :func:`load_experiment` reads one and reports every
problem of the file at once, each with its key; :meth:`Experiment.cells` turns
it into the runs (:class:`Cell`) that :func:`~retroprog_sim.run_experiment`
carries out.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

import retroprog
from retroprog import support as v
from retroprog.exceptions import (
    FileProblemsError,
    Problem,
    RetroprogError,
    UnknownPluginError,
)
from retroprog.support import MAX_TOML_BYTES, loads_toml, read_text

from . import _format as fmt
from .engine import RunSpec
from .model.population import Population, load_population
from .settings import DEFAULT_TRACES, SETTINGS, RunSettings

__all__ = [
    "MAX_RUNS",
    "Cell",
    "Experiment",
    "ExperimentFileError",
    "Kind",
    "PolicyEntry",
    "PopulationEntry",
    "ProtocolChoice",
    "experiment_from_dict",
    "load_experiment",
]

#: What an experiment is run as: a paired comparison, or a sweep over a grid.
Kind = Literal["compare", "sweep"]
KINDS: tuple[Kind, ...] = ("compare", "sweep")

#: The settings' fields, for checking a value given for one.
_FIELDS = attrs.fields_dict(RunSettings)
#: What an experiment's settings are when it does not say: traced clients for the report.
_DEFAULTS = RunSettings(trace_clients=DEFAULT_TRACES)

#: The most runs an experiment may have (a sweep's cells; a comparison's policies
#: × populations × seeds): every run's results are kept in memory and written out.
MAX_RUNS = 10_000


class ExperimentFileError(FileProblemsError):
    """An experiment file (TOML) has problems; all of them are listed.

    :ivar path: the file.
    :ivar problems: every :class:`~retroprog.exceptions.Problem` found, keyed by
        the dotted key that is wrong, e.g. ``policies[1].params``.
    """

    what = "experiment"


# -- the parts of an experiment ----------------------------------------------------


def _params(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


def _grid(value: Mapping[str, Sequence[Any]]) -> dict[str, tuple[Any, ...]]:
    return {key: tuple(values) for key, values in value.items()}


def _policies(value: Iterable[PolicyEntry]) -> tuple[PolicyEntry, ...]:
    return tuple(value)


def _populations(value: Iterable[PopulationEntry]) -> tuple[PopulationEntry, ...]:
    return tuple(value)


def _seeds(value: Iterable[int]) -> tuple[int, ...]:
    return tuple(value)


def _combinations(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of ``grid``'s values, in grid order (one empty one for no grid)."""
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values())]


@attrs.frozen
class ProtocolChoice:
    """A protocol by name or file, with stage overrides (and, for sweeps, a grid of them).

    :param source: a built-in or plug-in protocol's name, or a protocol file's path.
    :param params: stage fields set on every stage (see :func:`retroprog.load_protocol`).
    :param grid: stage fields and the values a sweep tries (every combination is a cell).
    """

    source: str = "retro-walk-run"
    params: dict[str, Any] = attrs.field(factory=dict, converter=_params)
    grid: dict[str, tuple[Any, ...]] = attrs.field(factory=dict, converter=_grid)

    def load(self, **cell: Any) -> retroprog.ProgressionProtocol:
        """Load the protocol with its parameters and one cell's grid values."""
        return retroprog.load_protocol(self.source, **self.params, **cell)


@attrs.frozen
class PolicyEntry:
    """A policy of an experiment: what to load, how to call it, and what to vary.

    :param name: a built-in or plug-in policy's name.
    :param label: what tables and files call it (unique in the experiment; default ``name``).
    :param params: the policy's parameters.
    :param grid: parameters and the values a sweep tries (every combination is a cell).
    :param protocol: the protocol for this policy alone (default: the experiment's);
        comparing one policy on two protocols is how protocols are compared.
    """

    name: str
    label: str = attrs.field(default=attrs.Factory(lambda self: self.name, takes_self=True))
    params: dict[str, Any] = attrs.field(factory=dict, converter=_params)
    grid: dict[str, tuple[Any, ...]] = attrs.field(factory=dict, converter=_grid)
    protocol: ProtocolChoice | None = None

    def load(self, **cell: Any) -> retroprog.RegressionPolicy:
        """Load the policy with its parameters and one cell's grid values."""
        return retroprog.load_policy(self.name, **self.params, **cell)


@attrs.frozen
class PopulationEntry:
    """A population of an experiment.

    :param name: a built-in or plug-in population's name.
    :param label: what tables and files call it (unique in the experiment; default ``name``).
    :param params: its parameters (``heterogeneity``, typical-client values).
    """

    name: str
    label: str = attrs.field(default=attrs.Factory(lambda self: self.name, takes_self=True))
    params: dict[str, Any] = attrs.field(factory=dict, converter=_params)

    def load(self) -> Population:
        """Load the population with its parameters."""
        return load_population(self.name, **self.params)


@attrs.frozen
class Cell:
    """One run of an experiment: a policy, with one grid cell's values, on a population.

    :param key: the run's identity, safe as a file name and unique in the experiment.
    :param policy: the policy entry's label.
    :param population: the population entry's label.
    :param seed: the seed (which clients).
    :param parameters: the grid values of this cell (protocol ones as ``protocol.KEY``).
    :param spec: what is run.
    """

    key: str
    policy: str
    population: str
    seed: int
    parameters: dict[str, Any]
    spec: RunSpec

    @property
    def label(self) -> str:
        """The policy's label and the cell's grid values, e.g. ``staircase step_shrink=0.5``."""
        values = " ".join(f"{k}={_text(v)}" for k, v in self.parameters.items())
        return f"{self.policy} {values}" if values else self.policy

    @property
    def group(self) -> tuple[str, int]:
        """(population, seed): the runs of one group meet the same clients."""
        return self.population, self.seed


def _text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) and not value.isidentifier() else str(value)


def _key(*parts: object) -> str:
    """A file-safe, readable and unique name for a cell."""
    identity = json.dumps([str(p) for p in parts], ensure_ascii=False)
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:8]
    readable = re.sub(r"[^A-Za-z0-9._=-]+", "_", "_".join(str(p) for p in parts)).strip("._")
    return f"{readable[:80]}-{digest}"


@attrs.frozen(init=False)
class Experiment:
    """Policies, populations and run settings: a comparison or a sweep, ready to run.

    The run settings are a :class:`~retroprog_sim.RunSettings` (by default with
    :data:`~retroprog_sim.DEFAULT_TRACES` traced clients), given as
    ``run_settings`` or field by field as keywords (``Experiment(policies,
    clients=200)``; ``traces`` is ``trace_clients``), and read as
    ``experiment.run_settings.clients`` or ``experiment.clients``.  A value out
    of range is kept aside and reported by :meth:`problems`, never run.

    :param policies: the policies; in a comparison the first is the baseline.
    :param name: the experiment's name (the report's title).
    :param description: a sentence or two for the report.
    :param protocol: the protocol every policy follows unless its entry names one.
    :param populations: the populations.
    :param run_settings: the settings of every run (their seed is each of ``seeds``).
    :param seeds: one set of clients per seed (default: the settings' seed).
    :param out: where results go (``None``: nowhere unless the caller says).
    :param source: the file it was read from, if any.
    :param from_command_line: the settings given on the command line, which
        overrode the file's.
    """

    policies: tuple[PolicyEntry, ...]
    name: str
    description: str
    protocol: ProtocolChoice
    populations: tuple[PopulationEntry, ...]
    run_settings: RunSettings
    seeds: tuple[int, ...]
    out: Path | None
    source: Path | None
    from_command_line: frozenset[str]
    _invalid: dict[str, Any] = attrs.field(alias="_invalid", repr=False)

    def __init__(
        self,
        policies: Iterable[PolicyEntry],
        name: str = "experiment",
        description: str = "",
        protocol: ProtocolChoice | None = None,
        populations: Iterable[PopulationEntry] = (PopulationEntry("general"),),
        run_settings: RunSettings = _DEFAULTS,
        seeds: Iterable[int] | None = None,
        out: Path | None = None,
        source: Path | None = None,
        from_command_line: Iterable[str] = frozenset(),
        *,
        _invalid: Mapping[str, Any] | None = None,
        **settings: Any,
    ) -> None:
        if "traces" in settings:
            settings["trace_clients"] = settings.pop("traces")
        if "seed" in settings and seeds is None:
            seeds = (settings.pop("seed"),)
        invalid = dict(_invalid or {})
        valid = {}
        for key, value in settings.items():
            if key not in _FIELDS:
                raise TypeError(f"Experiment() got an unexpected keyword argument {key!r}")
            invalid.pop(key, None)
            if v.problem(_FIELDS[key], value) is None:
                valid[key] = value
            else:
                invalid[key] = value
        self.__attrs_init__(
            tuple(policies),
            name,
            description,
            ProtocolChoice() if protocol is None else protocol,
            tuple(populations),
            attrs.evolve(run_settings, **valid) if valid else run_settings,
            (run_settings.seed,) if seeds is None else tuple(seeds),
            out,
            source,
            frozenset(from_command_line),
            invalid,
        )

    def __getattr__(self, name: str) -> Any:
        """A run setting, e.g. ``experiment.clients`` (``traces``: ``trace_clients``)."""
        name = "trace_clients" if name == "traces" else name
        if name in SETTINGS:
            invalid = self._invalid
            return invalid[name] if name in invalid else getattr(self.run_settings, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def overridden(self, settings: Mapping[str, Any]) -> Experiment:
        """The experiment with ``settings`` given on the command line instead of its own.

        A ``seed`` replaces the experiment's seeds.
        """
        changes = dict(settings)
        seeds = (changes.pop("seed"),) if "seed" in changes else self.seeds
        return attrs.evolve(
            self,
            seeds=seeds,
            from_command_line=self.from_command_line | set(settings),
            **changes,
        )

    def problems(self, kind: Kind | None = None) -> list[Problem]:
        """Everything wrong with the experiment (for ``kind``, if given), loading each part."""
        return _check(self, kind)

    def run_count(self) -> int:
        """How many runs :meth:`cells` makes, counted without making them.

        >>> grid = {"stop_after": [1, 2, 3], "successes_to_progress": [1, 2]}
        >>> Experiment([PolicyEntry("reference", grid=grid)], seeds=(0, 1)).run_count()
        12
        """
        per_group = sum(
            math.prod(map(len, (*p.grid.values(), *self._protocol(p).grid.values())))
            for p in self.policies
        )
        return len(self.populations) * len(self.seeds) * per_group

    def _protocol(self, entry: PolicyEntry) -> ProtocolChoice:
        return entry.protocol or self.protocol

    def cells(self, kind: Kind) -> list[Cell]:
        """The runs, in order: population, seed, policy, then grid cell.

        A comparison runs each policy once per population and seed; a sweep
        runs every combination of each policy's grid (and the protocol's).

        :raises ExperimentFileError: the experiment cannot be run as ``kind``.
        """
        problems = self.problems(kind)
        if problems:
            raise ExperimentFileError(str(self.source or self.name), problems)
        populations = [(entry.label, entry.load()) for entry in self.populations]
        run = self.run_settings
        settings = attrs.evolve(run, trace_clients=min(run.trace_clients, run.clients))
        cells: list[Cell] = []
        for (label, population), seed in itertools.product(populations, self.seeds):
            for entry in self.policies:
                choice = self._protocol(entry)
                protocol_grid = {f"protocol.{k}": v for k, v in choice.grid.items()}
                for cell in _combinations({**entry.grid, **protocol_grid}):
                    protocol_cell = {
                        k.removeprefix("protocol."): v
                        for k, v in cell.items()
                        if k.startswith("protocol.")
                    }
                    policy_cell = {k: v for k, v in cell.items() if not k.startswith("protocol.")}
                    spec = RunSpec(
                        choice.load(**protocol_cell),
                        entry.load(**policy_cell),
                        population,
                        settings,
                        seed=seed,
                    )
                    values = " ".join(f"{k}={v!r}" for k, v in cell.items())
                    key = _key(label, f"seed{seed}", entry.label, values)
                    cells.append(Cell(key, entry.label, label, seed, cell, spec))
        return cells

    def settings(self) -> dict[str, Any]:
        """The experiment as plain values (for ``experiment.json`` and the report)."""

        def protocol(choice: ProtocolChoice) -> dict[str, Any]:
            return attrs.asdict(choice)

        return {
            "name": self.name,
            "description": self.description,
            "source": None if self.source is None else str(self.source),
            "protocol": protocol(self.protocol),
            "policies": [
                {
                    "name": p.name,
                    "label": p.label,
                    "params": p.params,
                    "grid": p.grid,
                    "protocol": None if p.protocol is None else protocol(p.protocol),
                }
                for p in self.policies
            ],
            "populations": [attrs.asdict(p) for p in self.populations],
            **{k: v for k, v in attrs.asdict(self.run_settings).items() if k != "seed"},
            "seeds": list(self.seeds),
            "from_command_line": sorted(self.from_command_line),
        }


# -- checking ----------------------------------------------------------------------------


def _load_problem(key: str, exc: RetroprogError, params_key: str) -> Problem:
    """Turn a loading error into a problem at the key the user must change.

    An error about one parameter points at that parameter (``params_key.FIELD``);
    any other (an unknown name, a bad protocol file, ``MODULE:ATTR`` that cannot
    be imported) at ``key``.
    """
    field = None if isinstance(exc, UnknownPluginError) else getattr(exc, "field", None)
    if field and not _about_the_name(exc):
        return Problem(f"{params_key}.{field}", str(exc).removeprefix(f"{field}: "))
    return Problem(key, str(exc))


def _about_the_name(exc: RetroprogError) -> bool:
    """Whether ``exc`` is the resolver's error about what was named, not about a parameter."""
    field, value = getattr(exc, "field", None), getattr(exc, "value", None)
    return isinstance(value, str) and field in _NOUNS


#: The field of the resolver's errors about the name itself (see :func:`retroprog.plugins.resolve`).
_NOUNS = {"protocol", "policy", "population"}


def _loading_problems(
    load: Callable[..., object], params: Mapping[str, Any], key: str, params_key: str
) -> list[Problem]:
    """Every problem of ``load(**params)``: a parameter at fault is dropped and it is tried again.

    A loader stops at its first bad parameter; trying again without it finds the
    next, so that a file is fixed in one pass.
    """
    problems: list[Problem] = []
    remaining = dict(params)
    while True:
        try:
            load(**remaining)
        except RetroprogError as exc:
            problem = _load_problem(key, exc, params_key)
            if problem not in problems:
                problems.append(problem)
            field = getattr(exc, "field", None)
            if (
                isinstance(exc, UnknownPluginError)
                or _about_the_name(exc)
                or field not in remaining
            ):
                return problems
            del remaining[field]
        else:
            return problems


def _check_protocol(
    choice: ProtocolChoice, key: str, kind: Kind | None, *, each_cell: bool = True
) -> list[Problem]:
    problems: list[Problem] = []
    if choice.grid and kind == "compare":
        problems.append(Problem(f"{key}.grid", "a grid is for sweeps (retroprog sweep)"))
    for name in choice.grid:
        if name in choice.params:
            problems.append(Problem(f"{key}.grid.{name}", "is also set in params"))
    found = _loading_problems(
        functools.partial(retroprog.load_protocol, choice.source),
        choice.params,
        key,
        f"{key}.params",
    )
    if found:
        return problems + found
    if kind != "compare" and each_cell:
        for cell in _combinations(choice.grid) if choice.grid else []:
            try:
                choice.load(**cell)
            except RetroprogError as exc:
                problem = _load_problem(key, exc, f"{key}.grid")
                if problem not in problems:
                    problems.append(problem)
    return problems


def _check_policy(
    entry: PolicyEntry, key: str, kind: Kind | None, *, each_cell: bool = True
) -> list[Problem]:
    problems: list[Problem] = []
    if entry.grid and kind == "compare":
        problems.append(
            Problem(f"{key}.grid", "a grid is for sweeps (retroprog sweep); compare takes params")
        )
    for name in entry.grid:
        if name in entry.params:
            problems.append(Problem(f"{key}.grid.{name}", "is also set in params"))
    found = _loading_problems(
        functools.partial(retroprog.load_policy, entry.name),
        entry.params,
        f"{key}.name",
        f"{key}.params",
    )
    if found:
        return problems + found
    if kind != "compare" and each_cell:
        for cell in _combinations(entry.grid) if entry.grid else []:
            try:
                entry.load(**cell)
            except RetroprogError as exc:
                problem = _load_problem(f"{key}.name", exc, f"{key}.grid")
                if problem not in problems:
                    problems.append(problem)
    return problems


def too_many_runs(experiment: Experiment) -> Problem | None:
    """The problem of an experiment with more than :data:`MAX_RUNS` runs, or ``None``."""
    count = experiment.run_count()
    if count <= MAX_RUNS:
        return None
    groups = len(experiment.populations) * len(experiment.seeds)
    return Problem(
        "runs",
        f"an experiment has at most {fmt.spaced(MAX_RUNS)} runs, got {fmt.spaced(count)} "
        f"({fmt.spaced(count // groups)} for each of {len(experiment.populations)} "
        f"population(s) × {len(experiment.seeds)} seed(s)); make the grid smaller",
    )


def _check(experiment: Experiment, kind: Kind | None) -> list[Problem]:
    too_many = too_many_runs(experiment)
    problems: list[Problem] = [] if too_many is None else [too_many]
    each_cell = too_many is None  # else building every cell would be the work refused
    for name, value in experiment._invalid.items():
        problems.append(Problem(SETTINGS[name].key, v.problem(_FIELDS[name], value) or ""))
    if not experiment.seeds:
        problems.append(Problem("seeds", "must list at least one seed"))
    for i, seed in enumerate(experiment.seeds):
        message = v.problem(_FIELDS["seed"], seed)
        if message:
            problems.append(Problem(f"seeds[{i}]", message))
    if len(set(experiment.seeds)) < len(experiment.seeds):
        problems.append(Problem("seeds", "a seed is listed twice"))
    problems += _check_protocol(experiment.protocol, "protocol", kind, each_cell=each_cell)
    if not experiment.policies:
        problems.append(Problem("policies", "must list at least one policy"))
    elif kind == "compare" and len(experiment.policies) < 2:
        problems.append(Problem("policies", "compare needs at least two policies"))
    for i, entry in enumerate(experiment.policies):
        problems += _check_policy(entry, f"policies[{i}]", kind, each_cell=each_cell)
        if entry.protocol is not None:
            problems += _check_protocol(
                entry.protocol, f"policies[{i}].protocol", kind, each_cell=each_cell
            )
    problems += _duplicates([p.label for p in experiment.policies], "policies")
    if not experiment.populations:
        problems.append(Problem("populations", "must list at least one population"))
    for i, population in enumerate(experiment.populations):
        problems += _loading_problems(
            functools.partial(load_population, population.name),
            population.params,
            f"populations[{i}].name",
            f"populations[{i}].params",
        )
    problems += _duplicates([p.label for p in experiment.populations], "populations")
    return problems


def _duplicates(labels: Sequence[str], key: str) -> list[Problem]:
    problems = []
    for i, label in enumerate(labels):
        if label in labels[:i]:
            problems.append(
                Problem(
                    f"{key}[{i}].label",
                    f"{label!r} is used twice; give each entry its own label",
                )
            )
    return problems


# -- reading a file ------------------------------------------------------------------------

#: The keys of the settings, each at its place (``output.traces``: in ``[output]``).
_SETTING_KEYS = {name: tuple(setting.key.split(".")) for name, setting in SETTINGS.items()}
_TOP_KEYS = {
    "name",
    "description",
    "protocol",
    "seeds",
    "populations",
    "policies",
    "output",
    *(path[0] for path in _SETTING_KEYS.values() if len(path) == 1),
}
_POLICY_KEYS = {"name", "label", "params", "grid", "protocol"}
_POPULATION_KEYS = {"name", "label", "params"}
_PROTOCOL_KEYS = {"name", "params", "grid"}
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
                    f"{where}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})"
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
    """A protocol file's path relative to the experiment file; a name stays a name."""
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
    for i, item in enumerate(value):
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
    policies[0].params.stop_after: must be a whole number ≥ 1, got 0

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
            found = [reader.integer(s, f"seeds[{i}]") for i, s in enumerate(seeds)]
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
            populations.append(PopulationEntry(names[0], names[1], params))
    settings["populations"] = populations
    policies = []
    if "policies" not in data:
        reader.problem("policies", "missing: list the policies as [[policies]] tables")
    for where, table in _entries(reader, data.get("policies", []), "policies"):
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
    if reader.problems:  # the values are not all read: check what was
        problems = reader.problems + [
            p for p in experiment.problems(kind) if p.key not in {q.key for q in reader.problems}
        ]
        raise ExperimentFileError(label, problems)
    problems = experiment.problems(kind)
    if problems:
        raise ExperimentFileError(label, problems)
    return experiment


def load_experiment(path: str | os.PathLike[str], *, kind: Kind | None = None) -> Experiment:
    """Read an experiment file (TOML), reporting every problem at once.

    Relative paths in the file are relative to the file's folder; the output
    folder defaults to ``<file stem>-results`` beside it, and the name to the
    file's stem.

    Like a protocol file, it must be a regular file of at most 512 KiB, nested at
    most 32 levels deep.

    :raises ExperimentFileError: the file is unreadable, not TOML, or has problems.
    """
    file = Path(path)
    text = read_text(file, label=str(path), error=ExperimentFileError, max_bytes=MAX_TOML_BYTES)
    data = loads_toml(text, label=str(path), error=ExperimentFileError)
    experiment = experiment_from_dict(data, base=file.parent, label=str(path), kind=kind)
    defaults: dict[str, Any] = {"source": file}
    if "name" not in data:
        defaults["name"] = file.stem
    if experiment.out is None:
        defaults["out"] = file.parent / f"{file.stem}-results"
    return attrs.evolve(experiment, **defaults)
