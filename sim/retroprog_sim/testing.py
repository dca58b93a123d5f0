"""Property tests at the level of a population: Hypothesis strategies and assertion helpers.

Where :func:`retroprog.testing.check_policy` checks a policy's decisions one by
one, the helpers here check what a policy does to simulated clients: "on any
population within these bounds, adverse events per 100 sessions stay at most
X", "at least Y % reach the walk target by week W", "the new policy is not worse
than the old one on adverse events by more than M (paired, CI-based)".  Each
runs a small population for a few weeks (by default 200 clients for 8 weeks,
about 4 000 sessions: a fraction of a second), returns the figures it judged,
and raises :exc:`SimulationPropertyError` (an :exc:`AssertionError`) with the
figures in its message when the property fails.

Needs the ``testing`` extra (Hypothesis) besides ``sim``.

>>> from retroprog_sim.testing import assert_adverse_rate_at_most
>>> summary = assert_adverse_rate_at_most("reference", "athlete", 10)
>>> summary.adverse_events_per_100_sessions <= 10
True

With the strategies, the same helper states a property of every population
within the documented bounds::

    from hypothesis import given, settings
    from retroprog_sim.testing import assert_adverse_rate_at_most, populations

    @settings(max_examples=10, deadline=None)
    @given(populations())
    def test_reference_is_safe_on_any_population(population):
        assert_adverse_rate_at_most("reference", population, 25, clients=50, weeks=4)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

import attrs
from hypothesis import strategies as st

import retroprog
from retroprog import ProgressionProtocol, RegressionPolicy
from retroprog.exceptions import (
    InvalidValueError,
    RetroprogError,
    UnknownParameterError,
    UnknownStageError,
)

from .comparison import Difference, differences_from
from .engine.spec import RunSpec
from .execute import SimulationResult, simulate
from .model.params import ClientParams
from .model.population import PRESETS, Population, PresetPopulation, load_population
from .stats import Summary

__all__ = [
    "CLIENT_PARAM_BOUNDS",
    "HETEROGENEITY_BOUNDS",
    "HIGHER_IS_WORSE",
    "SimulationPropertyError",
    "assert_adverse_rate_at_most",
    "assert_goal_rate_at_least",
    "assert_not_worse",
    "client_params",
    "populations",
]

#: The range each :class:`~retroprog_sim.ClientParams` field is drawn from by
#: :func:`client_params`: wide enough to hold every built-in population's typical
#: client (``deconditioned`` to ``athlete``), narrow enough to stay physiological.
CLIENT_PARAM_BOUNDS: Mapping[str, tuple[float, float]] = MappingProxyType(
    {
        "walk_tolerance": (15.0, 150.0),
        "run_tolerance": (1.0, 35.0),
        "walk_ceiling": (160.0, 400.0),
        "run_ceiling": (40.0, 160.0),
        "gain": (0.1, 0.6),
        "fatigue_ratio": (1.0, 1.6),
        "tau_fitness": (30.0, 50.0),
        "tau_fatigue": (10.0, 25.0),
        "pain_at_tolerance": (0.02, 0.15),
        "pain_sensitivity": (2.5, 6.0),
        "load_spike_weight": (0.0, 1.0),
        "background_pain": (0.0, 0.15),
        "balance_risk": (0.05, 0.25),
        "dizziness_risk": (0.05, 0.25),
        "familiarity": (1.5, 6.0),
        "attendance": (0.65, 1.0),
        "dropout_hazard": (0.0, 0.02),
        "dropout_after_bad": (2.0, 6.0),
    }
)

#: The range of :attr:`~retroprog_sim.PresetPopulation.heterogeneity` that
#: :func:`populations` draws from (0: identical clients; 1: the documented spread).
HETEROGENEITY_BOUNDS: tuple[float, float] = (0.0, 1.5)

#: Metrics of :func:`~retroprog_sim.paired_differences` where a higher value is
#: worse; for the others (``goal_rate``) a lower value is worse.
HIGHER_IS_WORSE: frozenset[str] = frozenset(
    {"adverse_events_per_100_sessions", "median_days_to_goal", "stop_rate", "dropout_rate"}
)
_METRICS = (*sorted(HIGHER_IS_WORSE), "goal_rate")

_DEFAULT_PROTOCOL = "retro-walk-run"


class SimulationPropertyError(RetroprogError, AssertionError):
    """A simulation-level property does not hold; the message gives the figures.

    :ivar claim: the property, e.g. ``"adverse events per 100 sessions ≤ 2"``.
    :ivar observed: the figure judged (for :func:`assert_not_worse`, the CI bound).
    :ivar limit: the bound it broke.
    :ivar run: what was simulated: policy, population, protocol, clients, weeks, seed.
    """

    def __init__(self, claim: str, observed: float, limit: float, *, found: str, run: str) -> None:
        self.claim = claim
        self.observed = observed
        self.limit = limit
        self.run = run
        super().__init__(f"{claim} does not hold: {found} ({run})")


# -- strategies ------------------------------------------------------------------------------


def _bounded(name: str, bounds: float | tuple[float, float]) -> st.SearchStrategy[float]:
    if isinstance(bounds, (int, float)):
        return st.just(float(bounds))
    low, high = bounds
    if not low <= high:
        raise InvalidValueError(name, bounds, "must be a (low, high) pair with low ≤ high")
    return st.floats(float(low), float(high), allow_nan=False, allow_infinity=False)


def client_params(**bounds: float | tuple[float, float]) -> st.SearchStrategy[ClientParams]:
    """Clients' physiology, each field drawn within :data:`CLIENT_PARAM_BOUNDS`.

    A keyword narrows (or widens) one field's range, or fixes it to a number:
    ``client_params(attendance=1.0, walk_tolerance=(30, 45))``.

    :raises ~retroprog.exceptions.UnknownParameterError: not a ``ClientParams`` field.
    """
    known = [f.name for f in attrs.fields(ClientParams)]
    for key in bounds:
        if key not in known:
            raise UnknownParameterError("client_params()", key, known)
    fields = {
        name: _bounded(name, bounds.get(name, CLIENT_PARAM_BOUNDS[name]))
        for name in known
        if name in bounds or name in CLIENT_PARAM_BOUNDS
    }
    return st.builds(ClientParams, **fields)


def populations(
    typical: st.SearchStrategy[ClientParams] | None = None,
    *,
    heterogeneity: float | tuple[float, float] = HETEROGENEITY_BOUNDS,
    name: str = "drawn",
) -> st.SearchStrategy[PresetPopulation]:
    """Populations whose typical client comes from ``typical`` (default :func:`client_params`).

    Heterogeneity, how much the population's clients vary around the typical
    client, is drawn within :data:`HETEROGENEITY_BOUNDS` (or the range or number given);
    the spreads and correlations are the ``general`` population's.
    """
    base = attrs.evolve(PRESETS["general"], name=name)

    def build(typical: ClientParams, h: float) -> PresetPopulation:
        return base.evolve(heterogeneity=h, **attrs.asdict(typical))

    return st.builds(
        build,
        typical if typical is not None else client_params(),
        _bounded("heterogeneity", heterogeneity),
    )


# -- the helpers ------------------------------------------------------------------------------


def _protocol(protocol: ProgressionProtocol | str | None) -> ProgressionProtocol:
    if isinstance(protocol, ProgressionProtocol):
        return protocol
    return retroprog.load_protocol(_DEFAULT_PROTOCOL if protocol is None else protocol)


def _run(
    policy: RegressionPolicy | str,
    population: Population | str,
    protocol: ProgressionProtocol | str | None,
    *,
    clients: int,
    weeks: int,
    seed: int,
) -> SimulationResult:
    spec = RunSpec(
        _protocol(protocol),
        retroprog.load_policy(policy) if isinstance(policy, str) else policy,
        load_population(population) if isinstance(population, str) else population,
        clients=clients,
        weeks=weeks,
        seed=seed,
    )
    return simulate(spec)


def _describe(spec: RunSpec) -> str:
    return (
        f"population {spec.population.name!r}, {spec.protocol.name}, "
        f"{spec.clients} clients, {spec.weeks} weeks, seed {spec.seed}"
    )


def assert_adverse_rate_at_most(
    policy: RegressionPolicy | str,
    population: Population | str,
    limit_per_100: float,
    *,
    protocol: ProgressionProtocol | str | None = None,
    clients: int = 200,
    weeks: int = 8,
    seed: int = 0,
) -> Summary:
    """Adverse events per 100 sessions are at most ``limit_per_100``.

    An adverse event is the harness's (:attr:`~retroprog_sim.RunSettings.adverse_pain`):
    pain or next-day pain above 3/10, a balance loss, or form breakdown.

    :param policy: a policy, or a name for :func:`retroprog.load_policy`.
    :param population: a population, or a name for :func:`~retroprog_sim.load_population`.
    :param protocol: a protocol or a name or file for :func:`retroprog.load_protocol`
        (default: ``retro-walk-run``).
    :returns: the run's summary; the figure judged is its
        ``adverse_events_per_100_sessions``.
    :raises SimulationPropertyError: the rate is above the limit.
    """
    result = _run(policy, population, protocol, clients=clients, weeks=weeks, seed=seed)
    rate = result.summary.adverse_events_per_100_sessions
    if rate > limit_per_100:
        raise SimulationPropertyError(
            f"adverse events per 100 sessions ≤ {limit_per_100:g}",
            rate,
            limit_per_100,
            found=f"{rate:.2f} per 100 sessions ({result.summary.adverse_events} in "
            f"{result.summary.sessions} sessions)",
            run=f"policy {result.spec.policy.name!r}, {_describe(result.spec)}",
        )
    return result.summary


def assert_goal_rate_at_least(
    policy: RegressionPolicy | str,
    population: Population | str,
    rate: float,
    *,
    by_week: int,
    stage: str | None = None,
    protocol: ProgressionProtocol | str | None = None,
    clients: int = 200,
    weeks: int | None = None,
    seed: int = 0,
) -> float:
    """At least ``rate`` (0–1) of the clients reach the goal within ``by_week`` weeks.

    :param stage: ``None``: the goal is the whole protocol; a stage's name: that
        stage's target.
    :param weeks: weeks simulated (default ``by_week``; more changes nothing but
        dropout censoring, which this share ignores).
    :returns: the share of clients who reached the goal before day ``7 × by_week``.
    :raises SimulationPropertyError: the share is below ``rate``.
    :raises ~retroprog.exceptions.UnknownStageError: the protocol has no such stage.
    """
    if not 0 <= rate <= 1:
        raise InvalidValueError("rate", rate, "must be a share between 0 and 1")
    weeks = by_week if weeks is None else weeks
    if not 1 <= by_week <= weeks:
        raise InvalidValueError("by_week", by_week, f"must be between 1 and weeks ({weeks})")
    loaded = _protocol(protocol)
    names = [s.name for s in loaded.stages]
    if stage is not None and stage not in names:
        raise UnknownStageError(stage, names)
    index = -1 if stage is None else names.index(stage)
    result = _run(policy, population, loaded, clients=clients, weeks=weeks, seed=seed)
    reached = sum(
        day is not None and day < 7 * by_week
        for day in (r.goal_days[index] for r in result.clients)
    )
    observed = reached / len(result.clients)
    if observed < rate:
        goal = "the whole protocol" if stage is None else f"the {stage} target"
        raise SimulationPropertyError(
            f"goal rate by week {by_week} ≥ {100 * rate:g} %",
            observed,
            rate,
            found=f"{100 * observed:.1f} % ({reached} of {len(result.clients)}) reached {goal}",
            run=f"policy {result.spec.policy.name!r}, {_describe(result.spec)}",
        )
    return observed


def _signed(metric: str, value: float) -> str:
    if metric.endswith("_rate"):
        return f"{100 * value:+.1f} pp"
    if metric.startswith("median_days"):
        return f"{value:+.1f} days"
    return f"{value:+.2f}"


def assert_not_worse(
    baseline: RegressionPolicy | str,
    candidate: RegressionPolicy | str,
    population: Population | str,
    *,
    metric: str = "adverse_events_per_100_sessions",
    margin: float,
    protocol: ProgressionProtocol | str | None = None,
    candidate_protocol: ProgressionProtocol | str | None = None,
    clients: int = 200,
    weeks: int = 8,
    seed: int = 0,
    resamples: int = 500,
) -> Difference:
    """``candidate`` is not worse than ``baseline`` on ``metric`` by more than ``margin``.

    Both run on the same clients with the same luck (common random numbers), and
    the paired bootstrap 95 % CI of candidate − baseline
    (:func:`~retroprog_sim.paired_differences`) must stay within the margin: its
    upper bound at most ``margin`` for a metric in :data:`HIGHER_IS_WORSE`, its
    lower bound at least ``−margin`` for ``goal_rate``.  A non-inferiority test:
    the property fails unless the data rule out a difference worse than the margin.

    :param metric: ``adverse_events_per_100_sessions``, ``stop_rate``,
        ``dropout_rate``, ``median_days_to_goal`` or ``goal_rate``.
    :param margin: the worsening tolerated, in the metric's units (rates as shares).
    :param protocol: the baseline's protocol (default ``retro-walk-run``).
    :param candidate_protocol: the candidate's, when the change is to the protocol
        (default: the same as ``protocol``).
    :returns: the paired difference with its CI.
    :raises SimulationPropertyError: the CI reaches beyond the margin (or is
        undefined, e.g. a median that neither policy reaches).
    """
    if metric not in _METRICS:
        raise InvalidValueError("metric", metric, f"must be one of {', '.join(_METRICS)}")
    if not margin >= 0:
        raise InvalidValueError("margin", margin, "must be ≥ 0")
    first = _run(baseline, population, protocol, clients=clients, weeks=weeks, seed=seed)
    second = _run(
        candidate,
        first.spec.population,
        first.spec.protocol if candidate_protocol is None else candidate_protocol,
        clients=clients,
        weeks=weeks,
        seed=seed,
    )
    (differences,) = differences_from(
        first, [("candidate", second)], resamples=resamples, seed=seed
    ).values()
    (found,) = (d for d in differences if d.metric == metric)
    higher_is_worse = metric in HIGHER_IS_WORSE
    bound = found.ci_high if higher_is_worse else found.ci_low
    limit = margin if higher_is_worse else -margin
    if math.isnan(bound) or (bound > limit if higher_is_worse else bound < limit):
        names = f"{second.spec.policy.name} ({second.spec.protocol.name})"
        base = f"{first.spec.policy.name} ({first.spec.protocol.name})"
        side = "upper" if higher_is_worse else "lower"
        raise SimulationPropertyError(
            f"candidate {names} is not worse than baseline {base} on {metric.replace('_', ' ')} "
            f"by more than {margin:g}",
            bound,
            limit,
            found=f"difference {_signed(metric, found.difference)}, paired 95 % CI "
            f"{_signed(metric, found.ci_low)} to {_signed(metric, found.ci_high)}; its "
            f"{side} bound is beyond the margin {_signed(metric, limit)}",
            run=f"paired on the same clients: {_describe(first.spec)}, "
            f"{resamples} bootstrap resamples",
        )
    return found
