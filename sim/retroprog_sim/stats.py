"""Population metrics: goal rates, Kaplan–Meier time to goal, adverse events, bootstrap CIs."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    import pandas

from .engine.tally import ClientResult

__all__ = [
    "KaplanMeier",
    "Summary",
    "bootstrap_ci",
    "goal_durations",
    "kaplan_meier",
    "rate_ci",
    "stratified_bootstrap_ci",
    "summarize",
    "time_to_goal",
]

_Z95 = 1.959963984540054


@attrs.frozen
class KaplanMeier:
    """A Kaplan–Meier estimate of the time to an event, with censoring.

    :param times: the distinct event times, ascending.
    :param survival: the probability of no event yet just after each time.
    :param lower: lower 95 % confidence bound of ``survival`` (log–log, Greenwood).
    :param upper: upper 95 % confidence bound of ``survival``.
    :param at_risk: clients at risk just before each time.
    """

    times: tuple[float, ...]
    survival: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    at_risk: tuple[int, ...]

    def _first_below(self, curve: Sequence[float], p: float = 0.5) -> float | None:
        for time, value in zip(self.times, curve, strict=True):
            if value <= p:
                return time
        return None

    @property
    def median(self) -> float | None:
        """The median time to the event; ``None`` when fewer than half have it."""
        return self._first_below(self.survival)

    @property
    def median_ci(self) -> tuple[float | None, float | None]:
        """The 95 % CI of the median (Brookmeyer–Crowley, from the bounds' crossings)."""
        return self._first_below(self.lower), self._first_below(self.upper)

    def event_rate_by(self, time: float) -> float:
        """The estimated share with the event by ``time``: 1 − S(time)."""
        survival = 1.0
        for t, s in zip(self.times, self.survival, strict=True):
            if t > time:
                break
            survival = s
        return 1.0 - survival


def kaplan_meier(durations: ArrayLike, events: ArrayLike) -> KaplanMeier:
    """Kaplan–Meier estimate of the time to an event, with log–log 95 % bounds.

    ``durations[i]`` is when client ``i`` had the event (``events[i]`` true) or was
    last observed without it (censored).

    >>> km = kaplan_meier([1, 2, 2, 3, 4], [True, True, False, True, False])
    >>> km.times, km.survival
    ((1.0, 2.0, 3.0), (0.8, 0.6, 0.3))
    >>> km.median
    3.0
    """
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    if d.shape != e.shape:
        raise ValueError("durations and events differ in length")
    times = np.unique(d[e])
    if times.size == 0:
        return KaplanMeier((), (), (), (), ())
    sorted_d = np.sort(d)
    at_risk = d.size - np.searchsorted(sorted_d, times, side="left")
    deaths = np.searchsorted(np.sort(d[e]), times, side="right") - np.searchsorted(
        np.sort(d[e]), times, side="left"
    )
    factors = 1.0 - deaths / at_risk
    survival = np.cumprod(factors)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(deaths / (at_risk * (at_risk - deaths)))
        log_s = np.log(survival)
        se = np.sqrt(greenwood) / np.abs(log_s)
        lower = survival ** np.exp(_Z95 * se)
        upper = survival ** np.exp(-_Z95 * se)
    lower = np.where(survival > 0, np.nan_to_num(lower, nan=0.0), 0.0)
    upper = np.where(survival > 0, np.nan_to_num(upper, nan=1.0), 0.0)
    upper = np.where(survival >= 1.0, 1.0, upper)
    return KaplanMeier(
        tuple(float(t) for t in times),
        tuple(round(float(s), 12) for s in survival),
        tuple(float(x) for x in lower),
        tuple(float(x) for x in upper),
        tuple(int(n) for n in at_risk),
    )


def bootstrap_ci(
    statistics: Callable[[NDArray[np.intp]], Mapping[str, float]],
    n: int,
    *,
    resamples: int = 1000,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """Percentile 95 % CIs of named statistics over ``resamples`` resamples of ``n`` clients.

    ``statistics`` gets the resampled client indices and returns every figure at
    once; a paired comparison uses the same indices for both policies.  NaN
    values (e.g. an undefined median) are left out of a figure's interval.
    """
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {}
    for _ in range(resamples):
        for name, value in statistics(rng.integers(0, n, size=n)).items():
            draws.setdefault(name, []).append(value)
    return _percentiles(draws)


def stratified_bootstrap_ci(
    statistics: Callable[[Sequence[NDArray[np.intp]]], Mapping[str, float]],
    sizes: Sequence[int],
    *,
    resamples: int = 1000,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """:func:`bootstrap_ci` over several groups of clients, each resampled within itself.

    ``statistics`` gets one array of resampled indices per group (group ``g``
    draws ``sizes[g]`` of its own clients), e.g. the seeds of a comparison, so that
    a figure pooled over the groups keeps each group's clients apart.

    >>> cis = stratified_bootstrap_ci(lambda idx: {"n": float(len(idx))}, [3, 4], resamples=5)
    >>> cis["n"]
    (2.0, 2.0)
    """
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {}
    for _ in range(resamples):
        indices = [rng.integers(0, n, size=n) for n in sizes]
        for name, value in statistics(indices).items():
            draws.setdefault(name, []).append(value)
    return _percentiles(draws)


def _percentiles(draws: Mapping[str, Sequence[float]]) -> dict[str, tuple[float, float]]:
    """The 2.5 and 97.5 percentiles of each figure's draws, NaN draws left out."""
    intervals = {}
    for name, values in draws.items():
        kept = np.array(values, dtype=float)
        kept = kept[~np.isnan(kept)]
        if kept.size == 0:
            intervals[name] = (math.nan, math.nan)
        else:
            low, high = np.percentile(kept, [2.5, 97.5])
            intervals[name] = (float(low), float(high))
    return intervals


def time_to_goal(
    results: Sequence[ClientResult], *, horizon: int, stage: int | None = None
) -> KaplanMeier:
    """Kaplan–Meier time to the goal (or to stage ``stage``'s target), as in the summary.

    A client who did not reach it is censored at dropout, else at the horizon.
    """
    return kaplan_meier(*goal_durations(results, stage, horizon))


def goal_durations(
    results: Sequence[ClientResult], stage: int | None, horizon: int
) -> tuple[list[float], list[bool]]:
    """Each client's time to a goal, and whether it was reached, for :func:`kaplan_meier`.

    ``stage`` is the index of the stage whose target counts (``None``: the whole
    protocol).  A client who never reached it is censored at dropout, or else
    at the ``horizon`` (the last day followed).
    """
    durations: list[float] = []
    events: list[bool] = []
    for r in results:
        day = r.goal_days[-1 if stage is None else stage]
        if day is not None:
            durations.append(float(day))
            events.append(True)
        else:  # censored when lost (dropout), else observed to the horizon
            durations.append(float(r.dropout_day if r.dropout_day is not None else horizon))
            events.append(False)
    return durations, events


@attrs.frozen
class Summary:
    """A population's figures for one run.

    Times are days since the first scheduled session.  Rates are shares of clients
    (0–1); ``goal`` means completing the whole protocol, ``stage_goal_rates`` the
    share that passed each stage's target.
    """

    protocol: str
    policy: str
    population: str
    seed: int
    weeks: int
    clients: int
    sessions: int
    missed_sessions: int
    goal_rate: float
    median_days_to_goal: float | None
    median_days_to_goal_ci: tuple[float | None, float | None]
    stage_goal_rates: dict[str, float]
    stage_median_days: dict[str, float | None]
    goal_rate_by_week: tuple[float, ...]
    adverse_events: int
    adverse_events_per_100_sessions: float
    adverse_events_per_100_sessions_ci: tuple[float, float]
    regressions_per_100_sessions: float
    stop_rate: float
    dropout_rate: float

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return attrs.asdict(self)

    def to_pandas(self) -> pandas.DataFrame:
        """The figures as a one-row pandas DataFrame (the columns of ``runs.csv``).

        pandas is optional (``pip install 'retroprog[pandas]'``); without it this
        raises an ``ImportError`` (a :exc:`~retroprog.exceptions.RetroprogError`) that
        says what to install.
        """
        from .present.notebook import summary_frame

        return summary_frame(self)

    def _repr_html_(self) -> str:
        """The figures as the report's table, for notebooks."""
        from .present.notebook import summary_html

        return summary_html(self)


def _per_100(count: int, sessions: int) -> float:
    return 100.0 * count / sessions if sessions else 0.0


def rate_ci(counts: Sequence[int], sessions: Sequence[int]) -> tuple[float, float]:
    """95 % CI of ``100 × Σcounts / Σsessions``, clients as clusters (delta method).

    Sessions of one client are not independent, so the interval treats each
    client's (count, sessions) pair as one draw of a ratio estimator: its
    variance is ``n / (n − 1) × Σ(countᵢ − R × sessionsᵢ)² / (Σsessions)²``
    (the linearisation, or sandwich, variance).  NaN when undefined (fewer than
    two clients, or no sessions); the lower bound is never below 0.

    >>> low, high = rate_ci([0, 2, 1, 0], [10, 10, 10, 10])
    >>> round(low, 2), round(high, 2)
    (0.0, 16.88)
    """
    a = np.asarray(counts, dtype=float)
    s = np.asarray(sessions, dtype=float)
    n, total = a.size, s.sum()
    if n < 2 or total <= 0:
        return math.nan, math.nan
    ratio = a.sum() / total
    variance = n / (n - 1) * float(np.sum((a - ratio * s) ** 2)) / total**2
    half = _Z95 * math.sqrt(variance)
    return 100.0 * max(float(ratio) - half, 0.0), 100.0 * (float(ratio) + half)


def summarize(
    results: Sequence[ClientResult],
    *,
    protocol: str,
    policy: str,
    population: str,
    stage_names: Sequence[str],
    seed: int,
    weeks: int,
) -> Summary:
    """The population's figures from every client's result."""
    n = len(results)
    horizon = 7 * weeks
    sessions = sum(r.sessions for r in results)
    adverse = sum(r.adverse_events for r in results)
    km = kaplan_meier(*goal_durations(results, None, horizon))
    stage_rates = {}
    stage_medians = {}
    for i, name in enumerate(stage_names):
        stage_rates[name] = sum(r.goal_days[i] is not None for r in results) / n
        stage_medians[name] = kaplan_meier(*goal_durations(results, i, horizon)).median
    reached = sorted(r.goal_days[-1] for r in results if r.goal_days[-1] is not None)
    by_week = tuple(bisect_left(reached, 7 * (w + 1)) / n for w in range(weeks))
    return Summary(
        protocol=protocol,
        policy=policy,
        population=population,
        seed=seed,
        weeks=weeks,
        clients=n,
        sessions=sessions,
        missed_sessions=sum(r.missed for r in results),
        goal_rate=len(reached) / n,
        median_days_to_goal=km.median,
        median_days_to_goal_ci=km.median_ci,
        stage_goal_rates=stage_rates,
        stage_median_days=stage_medians,
        goal_rate_by_week=by_week,
        adverse_events=adverse,
        adverse_events_per_100_sessions=_per_100(adverse, sessions),
        adverse_events_per_100_sessions_ci=rate_ci(
            [r.adverse_events for r in results], [r.sessions for r in results]
        ),
        regressions_per_100_sessions=_per_100(sum(r.regressions for r in results), sessions),
        stop_rate=sum(r.stopped for r in results) / n,
        dropout_rate=sum(r.dropout_day is not None for r in results) / n,
    )
