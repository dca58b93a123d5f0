"""Fair comparisons: every policy on the same clients, paired differences with bootstrap CIs."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
from numpy.typing import NDArray

from retroprog import ProgressionProtocol, RegressionPolicy

from .engine.spec import RunSpec
from .engine.tally import ClientResult
from .execute import Progress, SimulationResult, run_specs

if TYPE_CHECKING:
    import pandas

from .stats import bootstrap_ci, goal_durations, kaplan_meier, stratified_bootstrap_ci

__all__ = [
    "FIGURES",
    "Comparison",
    "Difference",
    "compare",
    "differences_from",
    "figure_cis",
    "figure_names",
    "figures",
    "paired_differences",
    "pooled_differences",
    "shared_stages",
    "stages_before_goal",
]


#: The figures of a group of clients that runs are compared on (besides each stage's
#: ``STAGE_target_rate``, see :func:`figure_names`).
FIGURES = (
    "goal_rate",
    "median_days_to_goal",
    "adverse_events_per_100_sessions",
    "stop_rate",
    "dropout_rate",
)


@attrs.frozen
class Difference:
    """One metric of policy B minus policy A on the same clients.

    :param metric: the metric's name.
    :param baseline: its value under the baseline policy (A).
    :param other: its value under the other policy (B).
    :param difference: ``other − baseline``.
    :param ci_low: lower bound of the paired bootstrap 95 % CI of the difference.
    :param ci_high: upper bound.
    """

    metric: str
    baseline: float
    other: float
    difference: float
    ci_low: float
    ci_high: float


@attrs.frozen
class Comparison:
    """Every policy's run on the same clients, with paired differences against the first.

    :param runs: one run per policy, the baseline first.
    :param differences: per other policy, its differences from the baseline.
    """

    runs: list[SimulationResult]
    differences: dict[str, list[Difference]]

    def to_pandas(self) -> pandas.DataFrame:
        """The paired differences: one row per policy and metric, with the reading in words.

        pandas is optional (``pip install 'retroprog[pandas]'``).
        """
        from .present.notebook import comparison_frame

        return comparison_frame(self)

    def _repr_html_(self) -> str:
        """The runs side by side and each policy's differences, as the report's tables."""
        from .present.notebook import comparison_html

        return comparison_html(self)


def _arrays(
    results: Sequence[ClientResult], horizon: int, stages: Sequence[str]
) -> dict[str, NDArray[Any]]:
    durations, reached = goal_durations(results, None, horizon)
    targets = {
        f"{stage}_target_rate": np.array([r.goal_days[i] is not None for r in results])
        for i, stage in enumerate(stages)
    }
    return {
        "goal": np.array(reached),
        **targets,
        "duration": np.array(durations, dtype=float),
        "sessions": np.array([r.sessions for r in results], dtype=float),
        "adverse": np.array([r.adverse_events for r in results], dtype=float),
        "stopped": np.array([r.stopped for r in results]),
        "dropout": np.array([r.dropout_day is not None for r in results]),
    }


def _metrics(a: Mapping[str, NDArray[Any]], idx: NDArray[np.intp] | slice) -> dict[str, float]:
    sessions = a["sessions"][idx].sum()
    median = kaplan_meier(a["duration"][idx], a["goal"][idx]).median
    targets = {name: float(a[name][idx].mean()) for name in a if name.endswith("_target_rate")}
    return {
        "goal_rate": float(a["goal"][idx].mean()),
        **targets,
        "median_days_to_goal": math.nan if median is None else median,
        "adverse_events_per_100_sessions": float(100 * a["adverse"][idx].sum() / sessions)
        if sessions
        else 0.0,
        "stop_rate": float(a["stopped"][idx].mean()),
        "dropout_rate": float(a["dropout"][idx].mean()),
    }


def figure_names(stages: Sequence[str] = ()) -> list[str]:
    """Every figure :func:`figures` gives, with ``stages``' target rates.

    >>> figure_names(["retro-walk"])[:2]
    ['goal_rate', 'retro-walk_target_rate']
    """
    return [FIGURES[0], *(f"{stage}_target_rate" for stage in stages), *FIGURES[1:]]


def figures(
    results: Sequence[ClientResult], *, horizon: int, stages: Sequence[str] = ()
) -> dict[str, float]:
    """The figures of a group of clients (:func:`figure_names`), as a comparison computes them.

    ``median_days_to_goal`` is NaN when fewer than half reached the goal.
    """
    return _metrics(_arrays(results, horizon, stages), slice(None))


def figure_cis(
    results: Sequence[ClientResult],
    *,
    horizon: int,
    stages: Sequence[str] = (),
    resamples: int = 1000,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """Bootstrap 95 % CIs of :func:`figures` (clients resampled, as in a paired comparison)."""
    a = _arrays(results, horizon, stages)
    return bootstrap_ci(lambda idx: _metrics(a, idx), len(results), resamples=resamples, seed=seed)


def stages_before_goal(specs: Iterable[RunSpec]) -> list[str]:
    """The stages whose targets come before the goal, over these runs, in order.

    The last stage's target is the goal, so it is left out.
    """
    runs = list(specs)
    last = {spec.protocol.stages[-1].name for spec in runs}
    names = (s.name for spec in runs for s in spec.protocol.stages)
    return [name for name in dict.fromkeys(names) if name not in last]


def shared_stages(first: ProgressionProtocol, second: ProgressionProtocol) -> list[str]:
    """The stages before the last whose targets two runs can be compared on.

    Both protocols must have the same stages, by name and order (protocols that
    differ in their stages are compared on the goal only).
    """
    names = [s.name for s in first.stages]
    return names[:-1] if names == [s.name for s in second.stages] else []


def paired_differences(
    baseline: Sequence[ClientResult],
    other: Sequence[ClientResult],
    *,
    horizon: int,
    resamples: int = 1000,
    seed: int = 0,
    stages: Sequence[str] = (),
) -> list[Difference]:
    """Metric differences (other − baseline) with paired bootstrap 95 % CIs.

    Both lists must hold the same clients in the same order; each bootstrap
    resample draws clients, and takes both policies' results of those clients.
    ``stages`` names the stages, in order, whose targets are compared too
    (``STAGE_target_rate``: the share who passed it), when both runs follow
    protocols with these stages first (the last stage's target is the goal).
    """
    if [r.client_id for r in baseline] != [r.client_id for r in other]:
        raise ValueError("a paired comparison needs the same clients in the same order")
    a, b = _arrays(baseline, horizon, stages), _arrays(other, horizon, stages)

    def differences(idx: NDArray[np.intp] | slice) -> dict[str, float]:
        ma, mb = _metrics(a, idx), _metrics(b, idx)
        return {name: mb[name] - ma[name] for name in ma}

    base, new = _metrics(a, slice(None)), _metrics(b, slice(None))
    cis = bootstrap_ci(differences, len(baseline), resamples=resamples, seed=seed)
    return [
        Difference(name, base[name], new[name], new[name] - base[name], *cis[name]) for name in base
    ]


def pooled_differences(
    pairs: Sequence[tuple[Sequence[ClientResult], Sequence[ClientResult]]],
    *,
    horizon: int,
    resamples: int = 1000,
    seed: int = 0,
    stages: Sequence[str] = (),
) -> list[Difference]:
    """Paired differences pooled over several groups of clients, e.g. the seeds of a comparison.

    Each pair holds the baseline's and the other run's results of one group
    (the same clients in the same order, as for :func:`paired_differences`).
    Each figure is the mean over the groups of the group's figure, and each
    difference the mean of the groups' paired differences (every group counts
    the same, as the seeds of an experiment have the same number of clients).
    The 95 % CI is a percentile bootstrap that resamples clients within each
    group (stratified) and takes both runs' results of the clients drawn, so it
    keeps the pairing and the groups apart.  A figure undefined in any group
    (e.g. a median not reached) is undefined pooled.
    """
    if not pairs:
        raise ValueError("pooled differences need at least one pair of runs")
    arrays = []
    for baseline, other in pairs:
        if [r.client_id for r in baseline] != [r.client_id for r in other]:
            raise ValueError("a paired comparison needs the same clients in the same order")
        arrays.append((_arrays(baseline, horizon, stages), _arrays(other, horizon, stages)))

    def mean(values: Sequence[Mapping[str, float]]) -> dict[str, float]:
        return {name: float(np.mean([v[name] for v in values])) for name in values[0]}

    def differences(indices: Sequence[NDArray[np.intp] | slice]) -> dict[str, float]:
        each = []
        for (a, b), idx in zip(arrays, indices, strict=True):
            ma, mb = _metrics(a, idx), _metrics(b, idx)
            each.append({name: mb[name] - ma[name] for name in ma})
        return mean(each)

    everyone = [slice(None)] * len(arrays)
    base = mean([_metrics(a, idx) for (a, _), idx in zip(arrays, everyone, strict=True)])
    new = mean([_metrics(b, idx) for (_, b), idx in zip(arrays, everyone, strict=True)])
    found = differences(everyone)
    sizes = [len(baseline) for baseline, _ in pairs]
    cis = stratified_bootstrap_ci(differences, sizes, resamples=resamples, seed=seed)
    return [Difference(name, base[name], new[name], found[name], *cis[name]) for name in base]


def differences_from(
    baseline: SimulationResult,
    others: Iterable[tuple[str, SimulationResult]],
    *,
    resamples: int,
    seed: int,
) -> dict[str, list[Difference]]:
    """Each labelled run's :func:`paired_differences` from ``baseline`` (the same clients).

    The one comparison of runs: :func:`compare` and a comparison's experiment
    (:func:`~retroprog_sim.run_experiment`) both use it.  The bootstrap is
    seeded with ``seed`` (the runs' seed); stages' targets are compared when
    both protocols have the same stages.
    """
    return {
        label: paired_differences(
            baseline.clients,
            run.clients,
            horizon=run.spec.days,
            resamples=resamples,
            seed=seed,
            stages=shared_stages(baseline.spec.protocol, run.spec.protocol),
        )
        for label, run in others
    }


def compare(
    spec: RunSpec,
    policies: Sequence[RegressionPolicy],
    *,
    executor: Executor | None = None,
    progress: Progress | None = None,
    resamples: int = 1000,
) -> Comparison:
    """Run every policy on the same clients and compare each with the first.

    Each client's randomness derives from (seed, client id), with separate streams
    for physiology, attendance, sessions and dropout (and coach arrival), so the
    policies meet the same clients with the same luck: differences come from the
    policies, not from chance.  On an executor, every policy's blocks are
    submitted at once.
    """
    if len(policies) < 2:
        raise ValueError("compare needs at least two policies")
    specs = [attrs.evolve(spec, policy=policy) for policy in policies]
    runs = run_specs(specs, executor=executor, progress=progress)
    differences = differences_from(
        runs[0],
        [(run.spec.policy.name, run) for run in runs[1:]],
        resamples=resamples,
        seed=spec.settings.seed,
    )
    return Comparison(runs, differences)
