"""Fit a population to session log files: :func:`fit_population`.

Reads and replays the logs, fits them (:func:`~.estimate.fit_clinic`) and,
when asked, replaces the intervals by a parametric bootstrap's
(:func:`~.bootstrap.bootstrap_intervals`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import Executor

import attrs

import retroprog
from retroprog import ProgressionProtocol, RegressionPolicy

from ..engine.spec import schedule
from ..model.population import PresetPopulation, load_population
from ..settings import RunSettings
from .bootstrap import bootstrap_intervals
from .data import LogsError, read_logs
from .estimate import FitResult, fit_clinic
from .parameters import population_of

__all__ = ["fit_population"]


def _resolve_prior(prior: str | PresetPopulation) -> PresetPopulation:
    found = load_population(prior) if isinstance(prior, str) else prior
    if not isinstance(found, PresetPopulation):
        raise LogsError([(str(prior), "the prior must be a population of stated distributions")])
    return found


def fit_population(
    logs: Iterable[str | os.PathLike[str]],
    *,
    protocol: str | ProgressionProtocol,
    policy: str | RegressionPolicy,
    prior: str | PresetPopulation = "general",
    weeks: int | None = None,
    sessions_per_week: int | None = None,
    name: str = "fitted",
    weight: float = 10.0,
    draws: int = 256,
    rounds: int = 4,
    seed: int = 0,
    executor: Executor | None = None,
    skip_bad: bool = False,
    bootstrap: int = 0,
) -> FitResult:
    """Fit a population to session logs: the distribution of each client parameter.

    The logs (files, or folders of ``*.jsonl``) are replayed under
    ``protocol`` and ``policy``; the clients were scheduled ``sessions_per_week``
    times a week for ``weeks`` weeks from day 0 (attendance and dropout are
    read against that schedule; by default, as ``retroprog simulate``'s).
    The free parameters of ``prior`` (those not ``fixed``) are fitted by
    maximum marginal likelihood, shrunk towards ``prior`` as much as
    ``weight`` more clients like the logs' would; correlations and fixed
    parameters stay the prior's.

    :param draws: importance-sampling draws per client (a power of two).
    :param rounds: importance-sampling rounds (the last is used).
    :param bootstrap: with N > 0, the intervals are a parametric bootstrap's:
        N clinics of as many clients are simulated from the fitted population
        under the same protocol, policy and schedule and fitted again (each
        a task on ``executor``); the intervals are the basic bootstrap's.
    :raises ~retroprog_sim.LogsError: logs that cannot be read or replayed
        (unless ``skip_bad``), or that the model gives probability 0.
    """
    protocol = retroprog.load_protocol(protocol) if isinstance(protocol, str) else protocol
    policy = retroprog.load_policy(policy) if isinstance(policy, str) else policy
    base = _resolve_prior(prior)
    defaults = RunSettings()
    weeks = defaults.weeks if weeks is None else weeks
    sessions_per_week = (
        defaults.sessions_per_week if sessions_per_week is None else sessions_per_week
    )
    days = schedule(weeks, sessions_per_week)
    clinic, skipped = read_logs(
        logs, protocol=protocol, policy=policy, scheduled_days=days, skip_bad=skip_bad
    )
    result = fit_clinic(
        clinic,
        protocol=protocol,
        policy=policy,
        prior=base,
        weeks=weeks,
        sessions_per_week=sessions_per_week,
        name=name,
        weight=weight,
        draws=draws,
        rounds=rounds,
        seed=seed,
        executor=executor,
        skip_bad=skip_bad,
        skipped=skipped,
    )
    if bootstrap <= 0:
        return result
    parameters = bootstrap_intervals(
        result, bootstrap, draws=draws, rounds=rounds, seed=seed, executor=executor
    )
    return attrs.evolve(
        result,
        parameters=tuple(parameters),
        population=population_of(base, name, parameters, result.logs, protocol, policy, weight),
        interval=f"parametric bootstrap (basic) of {bootstrap} simulated clinics",
    )
