"""What an experiment is: policies, populations and run settings, and the runs they make.

An experiment names a protocol, the policies (with their parameters, and for a
sweep a grid of them), one or more populations, the run settings and seeds,
and where its results go.  :meth:`Experiment.cells` turns it into the runs
(:class:`Cell`) that :func:`~retroprog_sim.run_experiment` carries out, once
:meth:`Experiment.problems` finds nothing wrong.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

import retroprog
from retroprog import support as v
from retroprog.exceptions import FileProblemsError, Problem

from ..engine.spec import RunSpec
from ..model.population import Population, load_population
from ..settings import DEFAULT_TRACES, SETTINGS, RunSettings
from .check import MAX_RUNS, Kind, combinations, problems
from .tuning import TuneSpec, tune_problems

__all__ = [
    "KINDS",
    "MAX_RUNS",
    "Cell",
    "Experiment",
    "ExperimentFileError",
    "Kind",
    "PolicyEntry",
    "PopulationEntry",
    "ProtocolChoice",
]

#: How an experiment is run: as a comparison, a sweep, or a tuning.
KINDS: tuple[Kind, ...] = ("compare", "sweep", "tune")

#: The settings' fields, for checking a value given for one.
_FIELDS = attrs.fields_dict(RunSettings)
#: What an experiment's settings are when it does not say: traced clients for the report.
_DEFAULTS = RunSettings(trace_clients=DEFAULT_TRACES)


class ExperimentFileError(FileProblemsError):
    """An experiment file (TOML) has problems; all of them are listed.

    :ivar path: the file.
    :ivar problems: every :class:`~retroprog.exceptions.Problem` found, keyed by
        the dotted key that is wrong, e.g. ``policies[2].params`` (the second
        ``[[policies]]`` table: tables are numbered from 1), and its line in the
        file where it is known.
    """

    what = "experiment"


# -- the parts of an experiment ----------------------------------------------------


def _params(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


def _grid(value: Mapping[str, Sequence[Any]]) -> dict[str, tuple[Any, ...]]:
    return {key: tuple(values) for key, values in value.items()}


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

    :param name: a built-in or plug-in population's name, a population file
        (relative to the experiment file) or ``MODULE:ATTR``.
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
    :param tune: what a tuning searches (the ``[tune]`` table), if anything;
        the first policy is then the baseline the tuned one is confirmed against.
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
    tune: TuneSpec | None
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
        tune: TuneSpec | None = None,
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
            tune,
            invalid,
        )

    def __getattr__(self, name: str) -> Any:
        """A run setting, e.g. ``experiment.clients`` (``traces``: ``trace_clients``)."""
        name = "trace_clients" if name == "traces" else name
        if name in SETTINGS:
            invalid = self._invalid
            return invalid[name] if name in invalid else getattr(self.run_settings, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def invalid_settings(self) -> Mapping[str, Any]:
        """Settings given out of range, by name: kept aside, reported by :meth:`problems`."""
        return self._invalid

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
        found = problems(self, kind)
        if self.tune is not None:
            found += tune_problems(self.tune, self)
        elif kind == "tune":
            found.append(Problem("tune", "missing: say what to tune in a [tune] table"))
        return found

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
                for cell in combinations({**entry.grid, **protocol_grid}):
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
            **({} if self.tune is None else {"tune": self.tune.plain()}),
        }
