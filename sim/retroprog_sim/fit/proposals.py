"""Importance-sampling proposals: where each client's parameter draws are made.

Round 1 draws every client's from the prior population with its spreads
widened; later rounds draw most of each client's from a normal fitted to its
own weighted draws (:func:`local_proposals`) and the rest from the fitted
population, widened (:func:`mixture`: a defensive mixture, each draw's
density the mixture's).  Each client's draws come from its own standard
normals (:func:`client_normals`), fixed for the whole fit (common random
numbers across rounds and steps, independent across clients).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri
from scipy.stats import qmc

from .objective import SessionsObjective

__all__ = [
    "LOCAL_SHARE",
    "LOCAL_WIDEN",
    "WIDEN",
    "client_normals",
    "local_proposals",
    "mixture",
    "mvn_logpdf",
]

Array = npt.NDArray[np.float64]

#: Proposals are the prior (round 1) or the fit (later) with spreads this much wider.
WIDEN = 1.5
#: Each client's own proposal is its posterior's normal with spreads this much wider.
LOCAL_WIDEN = 1.0
#: In later rounds, the share of each client's draws from its own posterior.
LOCAL_SHARE = 0.75


def client_normals(clients: int, draws: int, dimensions: int, seed: int) -> Array:
    """Each client's standard normal draws, (clients × draws × dimensions).

    One scrambled Sobol set, shifted at random for each client (a
    Cranley–Patterson rotation): each client's points are as even as Sobol's,
    and independent of every other client's, so that the importance sampling's
    errors average out over clients instead of adding up.
    """
    points = qmc.Sobol(dimensions, seed=seed).random(draws)
    shifts = np.random.default_rng([seed, 1]).random((clients, 1, dimensions))
    uniform = np.clip((points[None] + shifts) % 1.0, 1e-12, 1.0 - 1e-12)
    result: Array = ndtri(uniform)
    return result


def mvn_logpdf(x: Array, mean: Array, sd: Array, inverse: Array, logdet: float) -> Array:
    """The log density of a normal with spreads ``sd`` and correlations ``inverse``⁻¹."""
    u = (x - mean) / sd
    d = x.shape[-1]
    result: Array = (
        -0.5 * np.einsum("...j,...j->...", u @ inverse, u)
        - np.sum(np.log(sd), axis=-1)
        - 0.5 * logdet
        - 0.5 * d * math.log(2 * math.pi)
    )
    return result


def local_proposals(objective: SessionsObjective, phi: Array, s: Array) -> tuple[Array, Array]:
    """Each client's next proposal: a normal fitted to its weighted draws, widened.

    The weights are tempered (raised to a power ≤ 1, per client) until their
    effective sample size is at least an eighth of the draws, so that a client
    whose weight sits on one draw still gets a spread; the covariance gets a
    floor of a hundredth of the population's spread.
    """
    log_w = objective.log_weights(phi)
    k, d = log_w.shape[1], len(s)
    target = max(k / 8.0, d + 2.0)
    low, high = np.zeros(len(log_w)), np.ones(len(log_w))
    for _ in range(30):  # bisection on the power, every client at once
        beta = 0.5 * (low + high)
        w = np.exp(beta[:, None] * (log_w - log_w.max(axis=1, keepdims=True)))
        w /= w.sum(axis=1, keepdims=True)
        enough = 1.0 / np.sum(w**2, axis=1) >= target
        low, high = np.where(enough, beta, low), np.where(enough, high, beta)
    beta = np.where(1.0 / np.sum(_normalised(log_w) ** 2, axis=1) >= target, 1.0, low)
    w = _normalised(beta[:, None] * log_w)
    x = objective.x
    mean = np.einsum("ik,ikj->ij", w, x)
    centred = x - mean[:, None, :]
    covariance = np.einsum("ik,ikj,ikl->ijl", w, centred, centred)
    covariance = LOCAL_WIDEN**2 * covariance + np.diag((0.01 * s) ** 2)
    return mean, covariance


def _normalised(log_w: Array) -> Array:
    """Weights from log weights, each row summing to 1."""
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    result: Array = w / w.sum(axis=1, keepdims=True)
    return result


def mixture(
    local: tuple[Array, Array],
    population_x: Array,
    normals: Array,
    m: Array,
    sd: Array,
    corr: Array,
) -> tuple[Array, Array]:
    """Draws from each client's proposal: its own normal, and the population's (defensive).

    The first :data:`LOCAL_SHARE` of the draws come from the client's normal,
    the rest from the widened population, each client's from its own standard
    ``normals`` (clients × draws × parameters); each draw's density is the mixture's.
    """
    mean, covariance = local
    n, k, d = normals.shape
    factor = np.linalg.cholesky(covariance)
    split = int(LOCAL_SHARE * k)
    x = np.empty((n, k, d))
    x[:, :split] = mean[:, None, :] + np.einsum("ijl,ikl->ikj", factor, normals[:, :split])
    x[:, split:] = population_x[:, split:]
    inverse = np.linalg.inv(covariance)
    logdet = np.linalg.slogdet(covariance)[1]
    centred = x - mean[:, None, :]
    log_local = (
        -0.5 * np.einsum("ikj,ijl,ikl->ik", centred, inverse, centred)
        - 0.5 * logdet[:, None]
        - 0.5 * d * math.log(2 * math.pi)
    )
    corr_inverse = np.asarray(np.linalg.inv(corr), dtype=np.float64)
    corr_logdet = float(np.linalg.slogdet(corr)[1])
    log_population = mvn_logpdf(x, m, sd, corr_inverse, corr_logdet)
    log_q = np.logaddexp(
        math.log(LOCAL_SHARE) + log_local, math.log1p(-LOCAL_SHARE) + log_population
    )
    return x, log_q
