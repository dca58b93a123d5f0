"""Populations: where each simulated client's physiology is drawn from, as data.

A population is a TOML file: for each :class:`~retroprog_sim.ClientParams` field
its distribution across clients (``lognormal``, ``logitnormal``, ``normal`` or
``fixed``) with its source or the word assumption, and correlations between
parameters (a Gaussian copula).  The presets ship as such files
(``retroprog population export NAME`` prints one); ``--population`` takes a
preset's name, a file, a plug-in or ``MODULE:ATTR``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from random import Random
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from retroprog import support as v
from retroprog.exceptions import (
    FileProblemsError,
    InvalidValueError,
    Problem,
    UnknownParameterError,
)
from retroprog.plugins import POPULATIONS, resolve

from .params import ClientParams, each_client

if TYPE_CHECKING:
    from .block import ClientArrays
    from .client import Client, ClientModel

__all__ = [
    "DISTRIBUTIONS",
    "PRESETS",
    "Distribution",
    "Population",
    "PopulationFileError",
    "PresetPopulation",
    "load_population",
    "population_from_dict",
    "population_toml",
    "read_population_file",
]

#: The distributions a parameter may have across clients.
DISTRIBUTIONS = ("lognormal", "logitnormal", "normal", "fixed")
_PARAMETERS = tuple(f.name for f in attrs.fields(ClientParams))


class PopulationFileError(FileProblemsError):
    """A population file (TOML) has problems; all of them are listed.

    :ivar path: the file, as given.
    :ivar problems: every :class:`~retroprog.exceptions.Problem` found, in file order.
    """

    what = "population"


@runtime_checkable
class Population(Protocol):
    """The plug-in point for a population of simulated clients."""

    @property
    def name(self) -> str:
        """The population's name, e.g. ``general``."""

    def client(self, seed: int, client_id: int) -> ClientModel:
        """Client ``client_id`` of a run with ``seed``: always the same client for both."""


def _finite(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise InvalidValueError(attribute.name, value, "must be a finite number")


@attrs.frozen
class Distribution:
    """One parameter's distribution across clients.

    ``lognormal``: ``median × exp(σ z)``; ``logitnormal``: the median's logit
    shifted by ``σ z`` (a chance stays between 0 and 1); ``normal``: ``median +
    σ z``; ``fixed``: the median for everyone.  *z* is the client's standard
    normal draw for the parameter; a value outside ``low``–``high`` is clipped.

    :param kind: ``lognormal``, ``logitnormal``, ``normal`` or ``fixed``.
    :param median: the typical (median) client's value.
    :param sigma: the spread (0 for ``fixed``).
    :param low: the lowest value drawn, if any.
    :param high: the highest value drawn, if any.
    :param source: where the value comes from (give this or ``assumption``).
    :param assumption: why the value was chosen, when no source gives it.
    """

    kind: str = attrs.field(validator=attrs.validators.in_(DISTRIBUTIONS))
    median: float = attrs.field(validator=_finite)
    sigma: float = attrs.field(default=0.0, validator=v.number(0))
    low: float | None = attrs.field(default=None, validator=v.optional(_finite))
    high: float | None = attrs.field(default=None, validator=v.optional(_finite))
    source: str | None = attrs.field(default=None, validator=v.optional(v.text))
    assumption: str | None = attrs.field(default=None, validator=v.optional(v.text))

    def value(self, z: float, heterogeneity: float = 1.0) -> float:
        """The value for a client whose standard normal draw is ``z``."""
        import numpy as np

        return float(self.values(np.array([z]), heterogeneity)[0])

    def values(self, z: Any, heterogeneity: float = 1.0) -> Any:
        """The values for clients whose standard normal draws are ``z`` (a NumPy array)."""
        import numpy as np

        scale, median = self.sigma * heterogeneity, self.median
        if (
            self.kind == "fixed"
            or not scale
            or (self.kind == "logitnormal" and median in (0.0, 1.0))  # a certainty stays one
        ):
            value = np.full(z.shape, float(median))
        elif self.kind == "lognormal":
            value = median * np.exp(scale * z)
        elif self.kind == "logitnormal":
            logit = math.log(median / (1.0 - median)) + scale * z
            odds = np.exp(-np.abs(logit))  # the logistic without overflow either way
            value = np.where(logit < 0, odds / (1.0 + odds), 1.0 / (1.0 + odds))
            value = np.where(z == 0, median, value)  # (the median itself at z = 0)
        else:
            value = median + scale * z
        if self.low is not None:
            value = np.maximum(value, self.low)
        if self.high is not None:
            value = np.minimum(value, self.high)
        return value


def _cholesky(
    parameters: Sequence[str], correlations: Mapping[tuple[str, str], float]
) -> list[list[float]] | None:
    """The correlation matrix's lower Cholesky factor (``None``: not positive definite).

    Written out (a few lines) rather than NumPy's, so that reading a population
    (``retroprog plugins`` lists them) needs no NumPy.
    """
    index = {name: i for i, name in enumerate(parameters)}
    n = len(parameters)
    matrix = [[float(i == j) for j in range(n)] for i in range(n)]
    for (a, b), rho in correlations.items():
        matrix[index[a]][index[b]] = matrix[index[b]][index[a]] = rho
    factor = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            total = matrix[i][j] - math.fsum(factor[i][k] * factor[j][k] for k in range(j))
            if i == j:
                if total <= 0:
                    return None
                factor[i][i] = math.sqrt(total)
            else:
                factor[i][j] = total / factor[j][j]
    return factor


def _dict(value: Mapping[Any, Any]) -> dict[Any, Any]:
    return dict(value)


@attrs.frozen
class PresetPopulation:
    """Clients whose parameters are drawn from stated distributions (a preset or a file).

    :param name: the population's name.
    :param parameters: each :class:`~retroprog_sim.ClientParams` field's
        :class:`Distribution`, in the record's order.
    :param heterogeneity: scales every spread (0: every client is the typical one).
    :param correlations: ``(a, b) → ρ`` between the normal draws of two parameters.
    :param description: one sentence on who these clients are.
    :param source: what the population as a whole is calibrated to.
    """

    name: str = attrs.field(validator=v.name)
    parameters: Mapping[str, Distribution] = attrs.field(converter=_dict)
    heterogeneity: float = attrs.field(default=1.0, validator=v.number(0))
    correlations: Mapping[tuple[str, str], float] = attrs.field(factory=dict, converter=_dict)
    description: str = ""
    source: str = ""
    _factor: Any = attrs.field(default=None, init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if set(self.parameters) == set(_PARAMETERS):  # the medians in range, named by field
            ClientParams(**{k: d.median for k, d in self.parameters.items()})
        problems = _problems(self.parameters, self.correlations)
        if problems:
            raise PopulationFileError(f"population {self.name!r}", problems)
        if self.correlations:
            factor = _cholesky(_PARAMETERS, self.correlations)
            if factor is None:
                raise PopulationFileError(
                    f"population {self.name!r}",
                    [Problem("correlations", "the correlations are not positive definite")],
                )
            object.__setattr__(self, "_factor", factor)

    @property
    def typical(self) -> ClientParams:
        """The median client."""
        return ClientParams(**{k: d.median for k, d in self.parameters.items()})

    def params(self, rng: Random) -> ClientParams:
        """Draw one client's parameters from ``rng`` (one normal draw per parameter, in order)."""
        import numpy as np

        z = np.array([[rng.gauss(0.0, 1.0) for _ in _PARAMETERS]])
        return each_client(self._columns(z))[0]

    def drawn(self, seed: int, ids: Sequence[int]) -> dict[str, Any]:
        """The parameters of clients ``ids`` of a run with ``seed``: one array per field.

        Each client's normal draws are the inverse normal CDF of its own
        ``params`` stream (:mod:`retroprog_sim.model.streams`), one per
        parameter in order; a client's values do not depend on the others'.
        """
        import numpy as np
        from scipy.special import ndtri

        from .streams import stream_keys, uniforms

        keys = stream_keys(seed, np.asarray(ids, dtype=np.uint64), "params")
        counters = np.arange(len(_PARAMETERS), dtype=np.uint64)
        return self._columns(ndtri(uniforms(keys[:, None], counters[None, :])))

    def _columns(self, z: Any) -> dict[str, Any]:
        """Parameters from standard normal draws ``z`` (clients × parameters): arrays by field.

        The draws are correlated (the Cholesky factor of :attr:`correlations`,
        summed in order), then each parameter's :class:`Distribution` gives the
        values; a ceiling drawn at or below its starting tolerance is raised
        just above it.
        """
        import numpy as np

        normals = [z[:, i] for i in range(len(_PARAMETERS))]
        if self._factor is not None:
            correlated = []
            for row in self._factor:  # (a row of the lower triangle: zeros are left out)
                terms = [w * column for w, column in zip(row, normals, strict=True) if w]
                total = terms[0]
                for term in terms[1:]:
                    total = total + term
                correlated.append(total)
            normals = correlated
        h = self.heterogeneity
        values = {
            name: self.parameters[name].values(column, h)
            for name, column in zip(_PARAMETERS, normals, strict=True)
        }
        for tolerance, ceiling in (
            ("walk_tolerance", "walk_ceiling"),
            ("run_tolerance", "run_ceiling"),
        ):
            values[ceiling] = np.maximum(values[ceiling], values[tolerance] * 1.01)
        return values

    def client(self, seed: int, client_id: int) -> Client:
        """Client ``client_id``: drawn from (seed, client id) only."""
        from .client import Client

        return Client(each_client(self.drawn(seed, [client_id]))[0], seed, client_id)

    def block(self, seed: int, ids: Sequence[int]) -> ClientArrays:
        """Clients ``ids`` as one block (the engine's ``ClientBlock``), evaluated as arrays.

        Each member is :meth:`client` ``(seed, id)``: the same parameters and
        streams, asked many at a time.  The parameters are checked as
        :class:`~retroprog_sim.ClientParams` checks them, the lowest and
        highest of each at once.
        """
        from .block import ClientArrays

        drawn = self.drawn(seed, ids)
        _check(drawn)
        return ClientArrays(drawn, seed, ids)

    def evolve(self, **params: Any) -> PresetPopulation:
        """A copy with ``heterogeneity`` or typical-client values (medians) changed."""
        known = ["heterogeneity", *_PARAMETERS]
        parameters = dict(self.parameters)
        top: dict[str, Any] = {}
        for key, value in params.items():
            if key == "heterogeneity":
                top[key] = value
            elif key in parameters:
                problem = v.problem(attrs.fields(Distribution).median, value)
                if problem is not None:
                    raise InvalidValueError(key, value, "must be a finite number")
                parameters[key] = attrs.evolve(parameters[key], median=float(value))
            else:
                raise UnknownParameterError(f"population {self.name!r}", key, known)
        return attrs.evolve(self, parameters=parameters, **top)


def _check(columns: Mapping[str, Any]) -> None:
    """Raise as :class:`ClientParams` would for the first value out of its field's range.

    Every field's range is an interval (the ceilings are raised above the
    tolerances as they are drawn), so its lowest and highest values tell.
    """
    for field in attrs.fields(ClientParams):
        column = columns[field.name]
        if len(column) and field.validator is not None:
            for value in (float(column.min()), float(column.max())):
                field.validator(None, field, value)


def _problems(
    parameters: Mapping[str, Distribution],
    correlations: Mapping[tuple[str, str], float],
    *,
    given: Sequence[str] | None = None,
) -> list[Problem]:
    """What is wrong with a population's parameters (``given``: every name the file has)."""
    names = list(parameters) if given is None else list(given)
    missing = [name for name in _PARAMETERS if name not in names]
    problems = [Problem("parameters", f"missing: {', '.join(missing)}")] if missing else []
    problems += [
        Problem(f"parameters.{name}", f"unknown parameter (known: {', '.join(_PARAMETERS)})")
        for name in names
        if name not in _PARAMETERS
    ]
    fields = attrs.fields_dict(ClientParams)
    for name, d in parameters.items():
        if d.source is None and d.assumption is None:
            problems.append(Problem(f"parameters.{name}", "needs a source or an assumption"))
        where = f"parameters.{name}.{'value' if d.kind == 'fixed' else 'median'}"
        if name in fields:
            problem = v.problem(fields[name], d.median)
            if problem is not None:
                problems.append(Problem(where, problem))
        if d.kind == "logitnormal" and not 0 <= d.median <= 1:
            problems.append(Problem(where, f"a chance (0 to 1), got {d.median!r}"))
        if d.kind == "lognormal" and d.median <= 0:
            problems.append(Problem(where, f"a lognormal median must be > 0, got {d.median!r}"))
    for (a, b), rho in correlations.items():
        if a not in _PARAMETERS or b not in _PARAMETERS or a == b:
            problems.append(Problem("correlations", f"{a} and {b}: two different parameters"))
        elif not -1 < rho < 1:
            problems.append(
                Problem("correlations", f"{a} and {b}: ρ must be in (−1, 1), got {rho}")
            )
    return problems


# --- files ------------------------------------------------------------------------------------

_TOP_KEYS = ("name", "description", "source", "heterogeneity", "parameters", "correlations")
_DISTRIBUTION_KEYS = (
    "distribution",
    "median",
    "value",
    "sigma",
    "low",
    "high",
    "source",
    "assumption",
)


def population_from_dict(data: Mapping[str, Any], *, label: str) -> PresetPopulation:
    """A population from a TOML document's data, reporting every problem at once.

    :raises PopulationFileError: naming the file, each key and value at fault.
    """
    problems: list[Problem] = []
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(Problem(key, f"unknown key (allowed: {', '.join(_TOP_KEYS)})"))
    name = data.get("name")
    if type(name) is not str or v.problem(attrs.fields(PresetPopulation).name, name):
        problems.append(Problem("name", f"must be a name, got {name!r}"))
    for key in ("description", "source"):
        if type(data.get(key, "")) is not str:
            problems.append(Problem(key, f"must be text, got {data[key]!r}"))
    heterogeneity = data.get("heterogeneity", 1.0)
    if v.problem(attrs.fields(PresetPopulation).heterogeneity, heterogeneity):
        problems.append(Problem("heterogeneity", f"must be a number ≥ 0, got {heterogeneity!r}"))
    raw = data.get("parameters")
    parameters: dict[str, Distribution] = {}
    if not isinstance(raw, Mapping):
        problems.append(Problem("parameters", "must be a table of [parameters.NAME] tables"))
        raw = {}
    for pname, table in raw.items():
        found = _distribution(f"parameters.{pname}", table, problems)
        if found is not None:
            parameters[pname] = found
    correlations = _correlations(data.get("correlations", []), problems)
    problems += _problems(parameters, correlations, given=list(raw))
    if not problems:
        try:
            ClientParams(**{k: d.median for k, d in parameters.items()})
        except ValueError as exc:
            field = getattr(exc, "field", "?")
            problems.append(Problem(f"parameters.{field}.median", str(getattr(exc, "reason", exc))))
    if problems:
        raise PopulationFileError(label, problems)
    return PresetPopulation(
        str(name),
        parameters,
        heterogeneity=float(heterogeneity),
        correlations=correlations,
        description=data.get("description", ""),
        source=data.get("source", ""),
    )


def _distribution(where: str, table: Any, problems: list[Problem]) -> Distribution | None:
    if not isinstance(table, Mapping):
        problems.append(Problem(where, f"must be a table, got {table!r}"))
        return None
    count = len(problems)
    for key in table:
        if key not in _DISTRIBUTION_KEYS:
            problems.append(
                Problem(f"{where}.{key}", f"unknown key (allowed: {', '.join(_DISTRIBUTION_KEYS)})")
            )
    kind = table.get("distribution")
    if kind not in DISTRIBUTIONS:
        problems.append(
            Problem(
                f"{where}.distribution", f"must be one of {', '.join(DISTRIBUTIONS)}, got {kind!r}"
            )
        )
    centre = "value" if kind == "fixed" else "median"
    values: dict[str, Any] = {"median": table.get(centre)}
    if values["median"] is None:
        problems.append(Problem(f"{where}.{centre}", "missing"))
    for key in ("sigma", "low", "high"):
        if key in table:
            values[key] = table[key]
    for key in ("source", "assumption"):
        if key in table:
            values[key] = table[key]
    fields = attrs.fields_dict(Distribution)
    for key, value in values.items():
        if value is None:
            continue
        problem = v.problem(fields[key], value)
        if problem is not None:
            problems.append(
                Problem(
                    f"{where}.{'value' if key == 'median' and kind == 'fixed' else key}", problem
                )
            )
    if kind == "fixed" and "sigma" in table:
        problems.append(Problem(f"{where}.sigma", "a fixed parameter has no spread"))
    if kind in DISTRIBUTIONS and kind != "fixed" and "sigma" not in table:
        problems.append(Problem(f"{where}.sigma", "missing"))
    if "source" not in table and "assumption" not in table:
        problems.append(Problem(where, "needs a source or an assumption"))
    if len(problems) > count:
        return None
    numbers = ("median", "sigma", "low", "high")
    given: dict[str, Any] = {k: float(x) if k in numbers else x for k, x in values.items()}
    return Distribution(
        str(kind),
        **given,
    )


def _correlations(raw: Any, problems: list[Problem]) -> dict[tuple[str, str], float]:
    found: dict[tuple[str, str], float] = {}
    if not isinstance(raw, list):
        problems.append(Problem("correlations", "must be an array of {between, rho} tables"))
        return found
    for i, item in enumerate(raw, start=1):  # numbered as a person counts
        where = f"correlations[{i}]"
        if not isinstance(item, Mapping) or set(item) - {"between", "rho", "source", "assumption"}:
            problems.append(
                Problem(where, "must be a table with between, rho and a source or assumption")
            )
            continue
        between, rho = item.get("between"), item.get("rho")
        if not (
            isinstance(between, list) and len(between) == 2 and all(type(b) is str for b in between)
        ):
            problems.append(
                Problem(f"{where}.between", f"must be two parameter names, got {between!r}")
            )
            continue
        if isinstance(rho, bool) or not isinstance(rho, (int, float)):
            problems.append(Problem(f"{where}.rho", f"must be a number, got {rho!r}"))
            continue
        found[(between[0], between[1])] = float(rho)
    return found


def read_population_file(path: Path, params: Mapping[str, Any], *, label: str) -> PresetPopulation:
    """Read a population file (TOML), then apply ``params`` as :meth:`PresetPopulation.evolve`."""
    text = v.read_text(path, label=label, error=PopulationFileError, max_bytes=v.MAX_TOML_BYTES)
    population = population_from_dict(
        v.loads_toml(text, label=label, error=PopulationFileError), label=label
    )
    return population.evolve(**params) if params else population


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(float(value))


def population_toml(population: PresetPopulation) -> str:
    """The population as a file (``retroprog population export``); reading it gives it back."""
    lines = [
        f"name = {_toml_value(population.name)}",
        f"description = {_toml_value(population.description)}",
        f"source = {_toml_value(population.source)}",
        f"heterogeneity = {_toml_value(population.heterogeneity)}",
    ]
    for name, d in population.parameters.items():
        lines += ["", f"[parameters.{name}]", f"distribution = {_toml_value(d.kind)}"]
        lines.append(f"{'value' if d.kind == 'fixed' else 'median'} = {_toml_value(d.median)}")
        if d.kind != "fixed":
            lines.append(f"sigma = {_toml_value(d.sigma)}")
        for key in ("low", "high", "source", "assumption"):
            value = getattr(d, key)
            if value is not None:
                lines.append(f"{key} = {_toml_value(value)}")
    for (a, b), rho in population.correlations.items():
        lines += ["", "[[correlations]]", f"between = [{_toml_value(a)}, {_toml_value(b)}]"]
        lines.append(f"rho = {_toml_value(rho)}")
    return "\n".join(lines) + "\n"


# --- the presets ------------------------------------------------------------------------------

#: The presets' names, in order; each ships as ``populations/NAME.toml`` in this package.
_PRESET_NAMES = ("general", "deconditioned", "post-injury", "athlete", "novice-runner")


def _read_preset(name: str) -> PresetPopulation:
    where = resources.files(__package__).joinpath("populations", f"{name}.toml")
    with resources.as_file(where) as path:
        return read_population_file(path, {}, label=f"population {name!r}")


#: The built-in populations, read from the files that ship with the package.
PRESETS: Mapping[str, PresetPopulation] = {name: _read_preset(name) for name in _PRESET_NAMES}
GENERAL = PRESETS["general"]
DECONDITIONED = PRESETS["deconditioned"]
POST_INJURY = PRESETS["post-injury"]
ATHLETE = PRESETS["athlete"]
NOVICE_RUNNER = PRESETS["novice-runner"]


def _preset(population: PresetPopulation) -> Callable[..., PresetPopulation]:
    def make(**params: Any) -> PresetPopulation:
        return population.evolve(**params) if params else population

    return make


#: The built-ins as the resolver takes them: name → factory taking the parameters.
_BUILTINS = {name: _preset(population) for name, population in PRESETS.items()}


def load_population(name: str, **params: Any) -> Population:
    """A population by name (built-in or plug-in), a file, or ``MODULE:ATTR``, with parameters.

    ``name`` is resolved as :func:`retroprog.plugins.resolve` says: a built-in
    (:data:`PRESETS`), a ``retroprog.populations`` plug-in, a population file
    (TOML), or ``MODULE:ATTR`` naming a
    population or a factory that takes ``params``.
    """
    population: Population = resolve(
        POPULATIONS,
        name,
        params,
        expect=Population,
        builtins=_BUILTINS,
        read_file=read_population_file,
    )
    return population
