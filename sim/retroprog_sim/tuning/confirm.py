"""Confirmation: the best candidates, on fresh clients, against the baseline.

The baseline (the experiment's first policy) and a candidate run on every
population and confirmation seed; each (population, seed) is a paired
comparison on the same clients (:func:`~retroprog_sim.comparison.differences_from`),
and all of them together give the verdict: every constraint must hold with the
upper bound of its 95 % CI (a bootstrap over the clients) at or below its
limit, and the objective must not be clearly worse than the baseline's.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING

import attrs

import retroprog

from ..comparison import (
    Difference,
    differences_from,
    figure_cis,
    figures,
    paired_differences,
    shared_stages,
)
from ..engine.spec import RunSpec
from ..execute import SimulationResult, run_specs
from .study import Trial

if TYPE_CHECKING:
    from ..experiment.model import Experiment
    from ..experiment.tuning import TuneSpec

__all__ = ["Confirmation", "LimitCheck", "confirm"]


@attrs.frozen
class LimitCheck:
    """One constraint on the confirmation's clients.

    :param figure: the constrained figure.
    :param limit: its upper limit.
    :param value: its value under the candidate.
    :param ci_high: the upper bound of its 95 % CI.
    :param holds: ``ci_high`` is at or below ``limit``.
    """

    figure: str
    limit: float
    value: float
    ci_high: float
    holds: bool


@attrs.frozen
class Confirmation:
    """One candidate confirmed (or not) on fresh clients.

    :param trial: the candidate's trial.
    :param checks: each constraint, with its CI's upper bound.
    :param objective: the objective, candidate minus baseline, with its paired CI.
    :param clear: the objective's improvement is clear (its CI excludes 0 on the better side).
    :param worse: the objective is clearly worse than the baseline's.
    :param passed: every constraint holds and the objective is not clearly worse.
    :param differences: every figure's paired difference, all clients together.
    :param groups: per (population, seed): the baseline's run, the candidate's,
        and their paired differences.
    """

    trial: Trial
    checks: tuple[LimitCheck, ...]
    objective: Difference
    clear: bool
    worse: bool
    passed: bool
    differences: tuple[Difference, ...]
    groups: tuple[tuple[str, int, SimulationResult, SimulationResult, list[Difference]], ...]


def _specs(
    experiment: Experiment, policy: retroprog.RegressionPolicy, own: bool, seeds: Sequence[int]
) -> list[RunSpec]:
    """``policy``'s runs on every population and confirmation seed.

    ``own``: on the baseline entry's protocol (if it names one).
    """
    entry = experiment.policies[0]
    choice = (entry.protocol or experiment.protocol) if own else experiment.protocol
    run = experiment.run_settings
    settings = attrs.evolve(run, trace_clients=min(run.trace_clients, run.clients))
    protocol = choice.load()
    return [
        RunSpec(protocol, policy, population.load(), settings, seed=seed)
        for population in experiment.populations
        for seed in seeds
    ]


def confirm(
    experiment: Experiment,
    spec: TuneSpec,
    candidates: Sequence[Trial],
    *,
    executor: Executor | None = None,
    resamples: int = 1000,
) -> list[Confirmation]:
    """Confirm ``candidates``, best first, until one passes (at most ``spec.confirm_tries``).

    :returns: every candidate tried, in order; the last passed, if any did.
    """
    seeds = spec.confirm_seeds
    labels = [(p.label, s) for p in experiment.populations for s in seeds]
    baseline = run_specs(
        _specs(experiment, experiment.policies[0].load(), True, seeds), executor=executor
    )
    tried: list[Confirmation] = []
    for trial in candidates[: spec.confirm_tries]:
        policy = retroprog.load_policy(spec.policy, **spec.params, **trial.params)
        runs = run_specs(_specs(experiment, policy, False, seeds), executor=executor)
        tried.append(
            _verdict(trial, spec, labels, baseline, runs, resamples=resamples, seed=seeds[0])
        )
        if tried[-1].passed:
            break
    return tried


def _verdict(
    trial: Trial,
    spec: TuneSpec,
    labels: Sequence[tuple[str, int]],
    baseline: Sequence[SimulationResult],
    runs: Sequence[SimulationResult],
    *,
    resamples: int,
    seed: int,
) -> Confirmation:
    stages = shared_stages(baseline[0].spec.protocol, runs[0].spec.protocol)
    horizon = runs[0].spec.days
    base_clients = [c for run in baseline for c in run.clients]
    clients = [c for run in runs for c in run.clients]
    differences = paired_differences(
        base_clients, clients, horizon=horizon, resamples=resamples, seed=seed, stages=stages
    )
    own_stages = shared_stages(runs[0].spec.protocol, runs[0].spec.protocol)
    values = figures(clients, horizon=horizon, stages=own_stages)
    cis = figure_cis(clients, horizon=horizon, stages=own_stages, resamples=resamples, seed=seed)
    checks = [
        LimitCheck(name, limit, values[name], cis[name][1], bool(cis[name][1] <= limit))
        for name, limit in spec.constraints.items()
    ]
    objective = next(d for d in differences if d.metric == spec.objective)
    better, worse_side = (
        (objective.ci_low > 0, objective.ci_high < 0)
        if spec.direction == "maximize"
        else (objective.ci_high < 0, objective.ci_low > 0)
    )
    groups = tuple(
        (
            population,
            seed_,
            base,
            run,
            differences_from(base, [("tuned", run)], resamples=resamples, seed=seed_)["tuned"],
        )
        for (population, seed_), base, run in zip(labels, baseline, runs, strict=True)
    )
    return Confirmation(
        trial,
        tuple(checks),
        objective,
        bool(better),
        bool(worse_side),
        all(c.holds for c in checks) and not worse_side,
        tuple(differences),
        groups,
    )
