"""Fit a population to a clinic's replayed session logs: :func:`fit_clinic`.

Rounds of importance sampling (see :mod:`.objective`): round 1 draws every
client's parameters from the prior population, widened; later rounds draw each
client's from a mixture of its own posterior (as the previous round weighted
it) and the fitted population, widened, so that each client's draws land where
its log says it is.  Each round computes the sessions' log-likelihoods once,
split in blocks of clients on the executor; φ is then fitted by EM on those
draws, accelerated by SQUAREM.  Parameters the logs do not clearly say more
about than one client known exactly would (their observed information, less
its Monte Carlo part, by :data:`IDENTIFIED_Z` of its standard errors) are kept
at the prior's values; every other gets a 95 % interval (Wald from the logs
alone, with the importance sample's Monte Carlo variance, for the sessions'
parameters; profile likelihood for attendance and dropout; or, with
``bootstrap``, a parametric bootstrap's).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from types import SimpleNamespace
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from retroprog import ProgressionProtocol, RegressionPolicy

from ..model.population import PRESETS, Distribution, PresetPopulation
from .block import sessions_block
from .data import ClinicLogs, LogsError
from .latent import correlation, from_latent, to_latent
from .objective import AttendanceObjective, SessionsObjective, unit_information
from .optimise import curvature, minimize_over, profile_interval
from .parameters import (
    FITTED,
    NOT_IDENTIFIED,
    WALD,
    WEAK,
    WEAK_SHARE,
    FittedParameter,
    all_parameters,
    natural,
    population_of,
)
from .proposals import WIDEN, client_normals, local_proposals, mixture, mvn_logpdf

__all__ = ["FitResult", "FittedParameter", "fit_clinic"]

Array = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

#: The parameters fitted by quadrature (they shape attendance and dropout only).
QUADRATURE = ("attendance", "dropout_hazard")
#: Accelerated EM cycles at most on one round's draws (the next round draws again).
EM_STEPS = 30
#: A parameter is identified when the logs' information about it exceeds one
#: known client's by this many of its standard errors (a one-sided 95 % test;
#: the estimate's noise is the spread of the clients' shares of it).
IDENTIFIED_Z = 1.645
#: Clients per block of the per-client likelihoods on the executor.
BLOCK_CLIENTS = 100


@attrs.frozen
class FitResult:
    """What :func:`~retroprog_sim.fit_population` found.

    :param population: the fitted population (an ordinary population: write it
        with ``retroprog population export``'s ``population_toml``).
    :param parameters: every population parameter, fitted or not, with its interval.
    :param logs: the logs fitted (replayed).
    :param skipped: ``(file, problem)`` of each log skipped (``skip_bad``).
    :param log_likelihood: the logs' log marginal likelihood under the fitted
        population (importance-sampled).
    :param preset_log_likelihoods: the same under each preset, with the fit's draws.
    :param ess: each client's effective sample size in the last round.
    :param rounds: importance-sampling rounds run.
    :param protocol: the protocol the logs were replayed under; :param policy: the policy.
    :param prior: the prior population.
    :param weight: the prior's weight, in clients.
    :param weeks: the schedule's weeks; :param sessions_per_week: its sessions a week.
    :param interval: how the intervals were found.
    """

    population: PresetPopulation
    parameters: tuple[FittedParameter, ...]
    logs: ClinicLogs
    skipped: tuple[tuple[str, str], ...]
    log_likelihood: float
    preset_log_likelihoods: Mapping[str, float]
    ess: Array = attrs.field(eq=False)
    rounds: int
    protocol: ProgressionProtocol
    policy: RegressionPolicy
    prior: PresetPopulation
    weight: float
    weeks: int
    sessions_per_week: int
    interval: str = WALD


@attrs.frozen
class _Space:
    """The client parameters drawn by importance sampling, and everyone else's values."""

    names: tuple[str, ...]
    dists: tuple[Distribution, ...]
    fixed: Mapping[str, float]

    def params(self, x: Array) -> SimpleNamespace:
        """Client parameters (clients × draws arrays) from normal-scale draws ``x``."""
        shape = x.shape[:2]
        values = {n: np.broadcast_to(v, shape) for n, v in self.fixed.items()}
        for j, (name, dist) in enumerate(zip(self.names, self.dists, strict=True)):
            values[name] = from_latent(dist, x[..., j])
        for tolerance, ceiling in (
            ("walk_tolerance", "walk_ceiling"),
            ("run_tolerance", "run_ceiling"),
        ):
            values[ceiling] = np.maximum(values[ceiling], values[tolerance] * 1.01)  # as drawn
        return SimpleNamespace(**values)


def _chunk_ll(space: _Space, steps: Sequence[Any], x: Array) -> Array:
    """One block of clients' sessions' log-likelihoods (module level: pickled to workers)."""
    return sessions_block(space.params(x), steps)


def _all_ll(space: _Space, logs: ClinicLogs, x: Array, executor: Executor | None) -> Array:
    blocks = [
        range(i, min(i + BLOCK_CLIENTS, logs.clients))
        for i in range(0, logs.clients, BLOCK_CLIENTS)
    ]
    if executor is None:
        parts = [
            _chunk_ll(space, logs.steps[b.start : b.stop], x[b.start : b.stop]) for b in blocks
        ]
    else:
        futures = [
            executor.submit(_chunk_ll, space, logs.steps[b.start : b.stop], x[b.start : b.stop])
            for b in blocks
        ]
        try:
            parts = [f.result() for f in futures]
        finally:
            for f in futures:
                f.cancel()
    return np.concatenate(parts)


def _em(objective: SessionsObjective, phi: Array, kept: Mask, *, min_ess: float) -> Array:
    """EM steps on the round's draws until φ settles, or the draws no longer suit it.

    The draws stay fixed (re-weighting them is cheap); once the median
    client's effective sample size falls below ``min_ess`` φ has moved too far
    from where they were drawn, and the next round draws again.
    """
    for step in range(EM_STEPS):
        once, ess = objective.em_step(phi, kept)
        if step and np.median(ess) < min_ess:
            return phi
        twice, _ = objective.em_step(once, kept)
        # SQUAREM (Varadhan & Roland 2008): extrapolate along the EM steps, then one
        # more EM step from there; EM alone crawls where the logs say little
        r, v = once - phi, twice - 2 * once + phi
        length = float(np.linalg.norm(v))
        new = twice
        if length > 0:
            alpha = min(-float(np.linalg.norm(r)) / length, -1.0)
            jumped, jumped_ess = objective.em_step(phi - 2 * alpha * r + alpha**2 * v, kept)
            if np.all(np.isfinite(jumped)) and np.median(jumped_ess) >= min_ess:
                new = jumped
        change = float(np.max(np.abs(new - phi)))
        phi = new
        if change < 1e-3:
            break
    return phi


def _at_least_one_client(information: Array, unit: Array) -> Array:
    """The information, made to hold in every direction at least one known client's.

    ``unit``: the root of one known client's information about each entry.
    The observed information less its Monte Carlo part can fall below that,
    or below zero, in a direction the logs hardly inform; there it is raised
    to the threshold below which a single parameter is not identified.
    """
    values, vectors = np.linalg.eigh(information / np.outer(unit, unit))
    result: Array = (vectors * np.maximum(values, 1.0)) @ vectors.T * np.outer(unit, unit)
    return result


def _intervals(
    objective: SessionsObjective,
    phi: Array,
    kept: Array,
    names: Sequence[str],
    base: PresetPopulation,
) -> list[FittedParameter]:
    """Each population parameter with its 95 % interval (Wald, on the normal scale).

    The interval is the logs' own, not the prior's: centred on the estimate
    without the shrinkage (φ moved by the shrinkage's pull over the logs'
    information), its variance I⁻¹ + H⁻¹ V H⁻¹: I the logs' observed
    information (:meth:`~.objective.SessionsObjective.information`), V the
    importance sample's Monte Carlo variance of the summed scores and H the
    curvature of what the EM maximised (the penalised likelihood on these
    draws, I + V + the prior's information), through which that noise moves
    the estimate; both I and H hold at least one known client's information
    in every direction (:func:`_at_least_one_client`).  The interval is
    widened to hold the estimate when the shrinkage moved that further.  A
    parameter the logs tell less than :data:`WEAK_SHARE` of what the
    clients' parameters known exactly would is weakly identified.  The
    interval is symmetric for the normal draw's mean and log spread, so
    asymmetric for a median or a chance.
    """
    d = len(names)
    fitted = np.flatnonzero(np.logical_not(kept))
    observed = objective.information(phi)
    se, centre = np.full(2 * d, np.nan), phi.copy()
    share = np.diag(observed) / (len(objective.x) * unit_information(objective.scale))
    if len(fitted):
        unit = np.sqrt(unit_information(objective.scale))
        block = np.ix_(fitted, fitted)
        # over every parameter, those kept at the prior's value too: they are not
        # known either, and what the logs leave open about them widens the others
        inverse = np.linalg.inv(_at_least_one_client(observed, unit))
        noise = objective.monte_carlo_variance(phi)
        # the estimate's Monte Carlo error: the scores' noise through the curvature
        # of what the EM maximised, the penalised likelihood on these very draws
        curved = observed + noise + np.diag(objective.prior_information())
        moved = np.linalg.inv(_at_least_one_client(curved[block], unit[fitted]))
        pull = objective.prior_information() * (phi - objective.prior)
        centre[fitted] = (phi + inverse @ pull)[fitted]
        variance = inverse[block] + moved @ noise[block] @ moved
        se[fitted] = np.sqrt(np.diag(variance))
    out = []
    for i in range(2 * d):
        name = names[i % d]
        dist = base.parameters[name]
        part = "median" if i < d else "sigma"
        prior_value = dist.median if i < d else dist.sigma * base.heterogeneity
        if kept[i]:
            status = NOT_IDENTIFIED
            out.append(FittedParameter(name, part, prior_value, None, None, prior_value, status))
            continue
        low = min(centre[i] - 1.96 * se[i], phi[i])
        high = max(centre[i] + 1.96 * se[i], phi[i])
        status = WEAK if share[i] < WEAK_SHARE else FITTED
        value, low, high = (natural(dist, part, v) for v in (phi[i], low, high))
        out.append(FittedParameter(name, part, value, low, high, prior_value, status))
    return out


def fit_clinic(
    clinic: ClinicLogs,
    *,
    protocol: ProgressionProtocol,
    policy: RegressionPolicy,
    prior: PresetPopulation,
    weeks: int,
    sessions_per_week: int,
    name: str = "fitted",
    weight: float = 10.0,
    draws: int = 256,
    rounds: int = 4,
    seed: int = 0,
    executor: Executor | None = None,
    skip_bad: bool = False,
    skipped: Sequence[tuple[str, str]] = (),
) -> FitResult:
    """:func:`~retroprog_sim.fit_population` of logs already read and replayed.

    ``skipped``: the logs left out, with why.

    Intervals are Wald's (the sessions' parameters) and profile likelihood
    (attendance and dropout).
    """
    base = prior
    h = base.heterogeneity
    free = [n for n, d in base.parameters.items() if d.kind != "fixed" and n not in QUADRATURE]
    space = _Space(
        tuple(free),
        tuple(base.parameters[n] for n in free),
        {n: d.median for n, d in base.parameters.items() if n not in free},
    )
    d = len(free)
    m0 = np.array([to_latent(base.parameters[n].kind, base.parameters[n].median) for n in free])
    s0 = np.array([max(base.parameters[n].sigma * h, 0.05) for n in free])
    prior_phi = np.concatenate([m0, np.log(s0)])
    corr = correlation(base, free)
    chol = np.linalg.cholesky(corr)
    inverse = np.asarray(np.linalg.inv(corr), dtype=np.float64)
    logdet = float(np.linalg.slogdet(corr)[1])
    n = clinic.clients
    normals = client_normals(n, draws, d, seed)
    phi = prior_phi.copy()
    kept = np.zeros(2 * d, dtype=bool)
    shrink = np.full(2 * d, weight)  # as known clients, until the logs' information is known
    local: tuple[Array, Array] | None = None  # each client's proposal: mean, covariance
    objective: SessionsObjective | None = None
    done_rounds = 0
    for round_index in range(max(rounds, 1)):
        m, s = phi[:d], np.exp(phi[d:])
        population_x = m + WIDEN * s * (normals @ chol.T)
        if local is None:
            x = population_x
            log_q = mvn_logpdf(x, m, WIDEN * s, inverse, logdet)
        else:
            x, log_q = mixture(local, population_x, normals, m, WIDEN * s, corr)
        ll = _all_ll(space, clinic, x, executor)
        if round_index == 0:
            impossible = [i for i in range(n) if not np.any(np.isfinite(ll[i]))]
            if impossible:
                problems = [
                    (str(clinic.files[i]), "the client model gives this log probability 0")
                    for i in impossible
                ]
                if not skip_bad:
                    raise LogsError(problems)
                keep = [i for i in range(n) if i not in impossible]
                clinic, skipped = clinic.subset(keep), [*skipped, *problems]
                x, log_q, ll, n = x[keep], log_q[keep], ll[keep], len(keep)
                normals = normals[keep]
        objective = SessionsObjective(x, log_q, ll, corr, prior_phi, s0, shrink)
        start = phi
        phi = _em(objective, phi, kept, min_ess=draws / 10)
        done_rounds = round_index + 1
        if round_index == 1:  # the draws now follow each client: what do the logs identify?
            by_client = np.diagonal(objective.informations(phi), axis1=1, axis2=2)
            information = by_client.sum(axis=0)
            noise = math.sqrt(len(by_client)) * by_client.std(axis=0)
            kept = ~(information - IDENTIFIED_Z * noise >= unit_information(s0))
            shrink = _like_the_clinics(weight, information, n, s0)
            objective = attrs.evolve(objective, weight=shrink)
            phi = _em(objective, np.where(kept, prior_phi, phi), kept, min_ess=draws / 10)
        converged = float(np.max(np.abs(phi - start))) < 0.01
        ess = objective.ess(phi)
        if round_index > 1 and converged and np.median(ess) >= draws / 8:
            break
        local = local_proposals(objective, phi, np.exp(phi[d:]))
    assert objective is not None
    parameters = _intervals(objective, phi, kept, free, base)
    quad = _attendance_objective(clinic, base, weight)
    quad_phi = quad.prior.copy()
    quad_parameters: list[FittedParameter] = []
    if len(quad_phi):
        quad_phi, _ = minimize_over(quad, quad_phi, jac=False, fixed={})
        names = [n for n in QUADRATURE if base.parameters[n].kind != "fixed"]
        quad_parameters, quad_phi = _settle(quad, quad_phi, quad.prior, names, base, jac=False)
    everyone = all_parameters(base, [*parameters, *quad_parameters])
    population = population_of(base, name, everyone, clinic, protocol, policy, weight)
    log_l = float(-objective.data(phi)[0] - quad.data(quad_phi))
    presets = {
        preset: _preset_log_likelihood(objective, quad, PRESETS[preset], free) for preset in PRESETS
    }
    return FitResult(
        population=population,
        parameters=tuple(everyone),
        logs=clinic,
        skipped=tuple(skipped),
        log_likelihood=log_l,
        preset_log_likelihoods=presets,
        ess=objective.ess(phi),
        rounds=done_rounds,
        protocol=protocol,
        policy=policy,
        prior=base,
        weight=weight,
        weeks=weeks,
        sessions_per_week=sessions_per_week,
    )


def _settle(
    objective: Callable[[Array], Any],
    phi: Array,
    prior_phi: Array,
    names: Sequence[str],
    base: PresetPopulation,
    *,
    jac: bool,
) -> tuple[list[FittedParameter], Array]:
    """Keep at the prior what the logs do not identify, refit the rest, and give intervals.

    A population parameter is identified when the logs' information about it
    (the data part's curvature) is at least that of one client whose
    parameters were known exactly (:func:`~.objective.unit_information`).
    """
    data: Callable[[Array], Any] = objective.data  # type: ignore[attr-defined]
    scale: Array = objective.scale  # type: ignore[attr-defined]
    d = len(names)
    information = curvature(data, phi, jac=jac)
    unit = unit_information(scale)
    kept = {i: float(prior_phi[i]) for i in range(2 * d) if not information[i] >= unit[i]}
    if kept:
        phi, best = minimize_over(objective, phi, jac=jac, fixed=kept)
    else:
        best = float(objective(phi)[0] if jac else objective(phi))
    total_information = curvature(objective, phi, jac=jac)
    out = []
    for i in range(2 * d):
        name = names[i % d]
        dist = base.parameters[name]
        part = "median" if i < d else "sigma"
        prior_value = dist.median if i < d else dist.sigma * base.heterogeneity
        if i in kept:
            out.append(
                FittedParameter(name, part, prior_value, None, None, prior_value, NOT_IDENTIFIED)
            )
            continue
        low, high = profile_interval(
            objective, phi, best, i, jac=jac, curvature=float(total_information[i]), fixed=kept
        )
        value, low, high = (natural(dist, part, v) for v in (phi[i], low, high))
        out.append(FittedParameter(name, part, value, low, high, prior_value, FITTED))
    return out, phi


def _like_the_clinics(weight: float, information: Array, clients: int, scale: Array) -> Array:
    """The prior's weight as known clients, for ``weight`` clients like the clinic's.

    A client of the clinic tells about each population parameter the logs'
    information over the clients; a known client, :func:`~.objective.unit_information`.
    """
    share = np.clip(information / (max(clients, 1) * unit_information(scale)), 0.0, 1.0)
    result: Array = weight * share
    return result


def _attendance_objective(
    clinic: ClinicLogs, base: PresetPopulation, weight: float
) -> AttendanceObjective:
    counts = np.stack([*clinic.attendance_counts(), *clinic.dropout_counts()], axis=1)
    rows, count = np.unique(counts, axis=0, return_counts=True)
    dists = [base.parameters[n] for n in QUADRATURE]
    free = [d if d.kind != "fixed" else None for d in dists]
    h = base.heterogeneity
    prior = [to_latent(d.kind, d.median) for d in dists if d.kind != "fixed"]
    scale = np.array([max(d.sigma * h, 0.05) for d in dists if d.kind != "fixed"])
    attended, missed, after, ordinary, bad, last_bad, active = rows.T
    objective = AttendanceObjective(
        attended,
        missed,
        after,
        ordinary,
        bad,
        last_bad,
        active,
        count=count.astype(float),
        attendance=free[0],
        dropout=free[1],
        fixed_attendance=dists[0].median,
        fixed_hazard=dists[1].median,
        after_bad=base.parameters["dropout_after_bad"].median,
        prior=np.concatenate([np.array(prior), np.log(scale)]) if prior else np.empty(0),
        scale=scale,
        weight=np.full(2 * len(scale), weight),
    )
    if not len(objective.prior):
        return objective
    information = curvature(objective.data, objective.prior, jac=False)
    shrink = _like_the_clinics(weight, information, clinic.clients, scale)
    return attrs.evolve(objective, weight=shrink)


def _preset_log_likelihood(
    objective: SessionsObjective,
    quad: AttendanceObjective,
    preset: PresetPopulation,
    free: Sequence[str],
) -> float:
    """A preset's log marginal likelihood of the logs, with the fit's draws.

    Only the free parameters' distributions are the preset's; the fixed ones
    are the prior's (the draws were made with them).
    """
    h = preset.heterogeneity

    def phi(names: Sequence[str]) -> Array:
        dists = [preset.parameters[n] for n in names]
        return np.array(
            [to_latent(d.kind, d.median) for d in dists]
            + [math.log(max(d.sigma * h, 1e-3)) for d in dists]
        )

    quad_names = [
        n
        for n, dist in zip(QUADRATURE, (quad.attendance, quad.dropout), strict=True)
        if dist is not None
    ]
    return float(-objective.data(phi(free))[0] - quad.data(phi(quad_names)))
