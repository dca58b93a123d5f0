"""Parametric bootstrap intervals for a fitted population (``retroprog fit --bootstrap N``).

N clinics, each of as many clients as the logs, are simulated from the fitted
population under the same protocol, policy and schedule, and each is fitted
again as the logs were (same prior, weight, draws and rounds).  Each
parameter's interval is the basic bootstrap's on the normal scale (Davison AC,
Hinkley DV. *Bootstrap Methods and Their Application*. Cambridge University
Press 1997, §5.2): 2φ̂ − the refits' 97.5 % and 2.5 % quantiles, which
corrects the estimator's own bias (the shrinkage's, the importance sample's)
as far as it is the same at the fitted population as at the truth.  The
refits run on the executor, one task each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path

import attrs
import numpy as np

from retroprog import ProgressionProtocol, RegressionPolicy, SessionOutcome

from ..model.likelihood import replayed
from ..model.population import PresetPopulation
from .check import simulated_logs
from .data import ClinicLogs
from .estimate import FitResult, FittedParameter, fit_clinic
from .latent import to_latent
from .parameters import natural

__all__ = ["bootstrap_intervals"]


def _latent(p: FittedParameter, kind: str, value: float) -> float:
    return float(to_latent(kind, value)) if p.part == "median" else math.log(value)


@attrs.frozen
class _Refit:
    """One simulated clinic's fit (module level: pickled to workers)."""

    protocol: ProgressionProtocol
    policy: RegressionPolicy
    prior: PresetPopulation
    weeks: int
    sessions_per_week: int
    scheduled_days: tuple[int, ...]
    weight: float
    draws: int
    rounds: int

    def __call__(self, logs: Sequence[Sequence[SessionOutcome]], seed: int) -> FitResult:
        steps = tuple(tuple(replayed(self.protocol, self.policy, log)) for log in logs)
        clinic = ClinicLogs(
            tuple(Path(f"simulated-{i}") for i in range(len(steps))), steps, self.scheduled_days
        )
        return fit_clinic(
            clinic,
            protocol=self.protocol,
            policy=self.policy,
            prior=self.prior,
            weeks=self.weeks,
            sessions_per_week=self.sessions_per_week,
            weight=self.weight,
            draws=self.draws,
            rounds=self.rounds,
            seed=seed,
            skip_bad=True,
        )


def bootstrap_intervals(
    result: FitResult,
    replicates: int,
    *,
    draws: int = 256,
    rounds: int = 4,
    seed: int = 0,
    executor: Executor | None = None,
) -> list[FittedParameter]:
    """``result``'s parameters with basic parametric-bootstrap 95 % intervals.

    Parameters without an interval (kept at or fixed in the prior) stay as they are.
    """
    n = result.logs.clients
    logs = simulated_logs(result, n * replicates, seed + 7919, executor)
    groups = [logs[r::replicates] for r in range(replicates)]
    refit = _Refit(
        result.protocol,
        result.policy,
        result.prior,
        result.weeks,
        result.sessions_per_week,
        result.logs.scheduled_days,
        result.weight,
        draws,
        rounds,
    )
    if executor is None:
        fits = [refit(group, seed + 1 + r) for r, group in enumerate(groups)]
    else:
        futures = [executor.submit(refit, group, seed + 1 + r) for r, group in enumerate(groups)]
        try:
            fits = [f.result() for f in futures]
        finally:
            for f in futures:
                f.cancel()
    out = []
    for i, p in enumerate(result.parameters):
        if p.low is None:
            out.append(p)
            continue
        dist = result.prior.parameters[p.name]
        again = np.array([_latent(p, dist.kind, fit.parameters[i].estimate) for fit in fits])
        centre = _latent(p, dist.kind, p.estimate)
        low, high = 2 * centre - np.quantile(again, [0.975, 0.025])
        out.append(
            attrs.evolve(
                p, low=natural(dist, p.part, float(low)), high=natural(dist, p.part, float(high))
            )
        )
    return out
