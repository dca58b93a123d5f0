"""Checking an experiment: every problem at once, each at the key to change.

Each part is checked by loading it (a policy with its parameters, each grid
cell, a protocol, a population): a loader stops at its first problem, so the
part is loaded again without the parameter at fault, until every problem of
the part is found.  The experiment's types are only read here, never made, so
that this module and :mod:`.model` do not import each other.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

import retroprog
from retroprog import support as v
from retroprog.exceptions import Problem, RetroprogError, UnknownPluginError

from ..model.population import load_population
from ..settings import SETTINGS, RunSettings, spaced

if TYPE_CHECKING:
    from .model import Experiment, PolicyEntry, ProtocolChoice

__all__ = ["MAX_RUNS", "combinations", "problems", "too_many_runs"]

#: What an experiment is run as: a paired comparison, a sweep over a grid, or a tuning.
Kind = Literal["compare", "sweep", "tune"]

#: The most runs an experiment may have (a sweep's cells; a comparison's policies
#: × populations × seeds): every run's results are kept in memory and written out.
MAX_RUNS = 10_000

#: The settings' fields, for checking a value given for one.
_FIELDS = attrs.fields_dict(RunSettings)


def combinations(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of ``grid``'s values, in grid order (one empty one for no grid)."""
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values())]


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


def _check_part(
    load: Callable[..., object],
    params: Mapping[str, Any],
    grid: Mapping[str, Sequence[Any]],
    *,
    key: str,
    name_key: str,
    kind: Kind | None,
    each_cell: bool,
    grid_in_compare: str,
) -> list[Problem]:
    """Every problem of a protocol or policy entry: its grid, its parameters, each grid cell.

    ``load`` loads the part by its name with parameters; ``key`` is where the
    entry is (``policies[1]``, the first), ``name_key`` where its name is.
    """
    problems: list[Problem] = []
    if grid and kind in ("compare", "tune"):
        problems.append(Problem(f"{key}.grid", grid_in_compare))
    for name in grid:
        if name in params:
            problems.append(Problem(f"{key}.grid.{name}", "is also set in params"))
    found = _loading_problems(load, params, name_key, f"{key}.params")
    if found:
        return problems + found
    if kind != "compare" and each_cell:
        for cell in combinations(grid) if grid else []:
            try:
                load(**params, **cell)
            except RetroprogError as exc:
                problem = _load_problem(name_key, exc, f"{key}.grid")
                if problem not in problems:
                    problems.append(problem)
    return problems


def _check_protocol(
    choice: ProtocolChoice, key: str, kind: Kind | None, *, each_cell: bool = True
) -> list[Problem]:
    return _check_part(
        functools.partial(retroprog.load_protocol, choice.source),
        choice.params,
        choice.grid,
        key=key,
        name_key=key,
        kind=kind,
        each_cell=each_cell,
        grid_in_compare="a grid is for sweeps (retroprog sweep)",
    )


def _check_policy(
    entry: PolicyEntry, key: str, kind: Kind | None, *, each_cell: bool = True
) -> list[Problem]:
    return _check_part(
        functools.partial(retroprog.load_policy, entry.name),
        entry.params,
        entry.grid,
        key=key,
        name_key=f"{key}.name",
        kind=kind,
        each_cell=each_cell,
        grid_in_compare="a grid is for sweeps (retroprog sweep); compare takes params",
    )


def too_many_runs(experiment: Experiment) -> Problem | None:
    """The problem of an experiment with more than :data:`MAX_RUNS` runs, or ``None``."""
    count = experiment.run_count()
    if count <= MAX_RUNS:
        return None
    groups = len(experiment.populations) * len(experiment.seeds)
    return Problem(
        "runs",
        f"an experiment has at most {spaced(MAX_RUNS)} runs, got {spaced(count)} "
        f"({spaced(count // groups)} for each of {len(experiment.populations)} "
        f"population(s) × {len(experiment.seeds)} seed(s)); make the grid smaller",
    )


def problems(experiment: Experiment, kind: Kind | None) -> list[Problem]:
    """Everything wrong with ``experiment`` (for ``kind``, if given), each at its key."""
    too_many = too_many_runs(experiment)
    found: list[Problem] = [] if too_many is None else [too_many]
    each_cell = too_many is None  # else building every cell would be the work refused
    for name, value in experiment.invalid_settings.items():
        found.append(Problem(SETTINGS[name].key, v.problem(_FIELDS[name], value) or ""))
    if not experiment.seeds:
        found.append(Problem("seeds", "must list at least one seed"))
    for i, seed in enumerate(experiment.seeds, start=1):  # numbered as a person counts
        message = v.problem(_FIELDS["seed"], seed)
        if message:
            found.append(Problem(f"seeds[{i}]", message))
    if len(set(experiment.seeds)) < len(experiment.seeds):
        found.append(Problem("seeds", "a seed is listed twice"))
    found += _check_protocol(experiment.protocol, "protocol", kind, each_cell=each_cell)
    if not experiment.policies:
        found.append(Problem("policies", "must list at least one policy"))
    elif kind == "compare" and len(experiment.policies) < 2:
        found.append(Problem("policies", "compare needs at least two policies"))
    elif kind == "tune" and len(experiment.policies) > 1:
        found.append(
            Problem("policies", "tune compares the tuned policy with one baseline: give one")
        )
    for i, entry in enumerate(experiment.policies, start=1):
        found += _check_policy(entry, f"policies[{i}]", kind, each_cell=each_cell)
        if entry.protocol is not None:
            found += _check_protocol(
                entry.protocol, f"policies[{i}].protocol", kind, each_cell=each_cell
            )
    found += _duplicates([p.label for p in experiment.policies], "policies")
    if not experiment.populations:
        found.append(Problem("populations", "must list at least one population"))
    for i, population in enumerate(experiment.populations, start=1):
        found += _loading_problems(
            functools.partial(load_population, population.name),
            population.params,
            f"populations[{i}].name",
            f"populations[{i}].params",
        )
    found += _duplicates([p.label for p in experiment.populations], "populations")
    return found


def _duplicates(labels: Sequence[str], key: str) -> list[Problem]:
    problems = []
    for i, label in enumerate(labels, start=1):
        if label in labels[: i - 1]:
            problems.append(
                Problem(
                    f"{key}[{i}].label",
                    f"{label!r} is used twice; give each entry its own label",
                )
            )
    return problems
