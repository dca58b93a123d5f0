"""The fit's objectives: minus the log marginal likelihood of the logs, plus the shrinkage.

A population's parameters φ (for each free client parameter, the mean *m* and
log standard deviation of its normal draw) are fitted with the clients'
parameters integrated out:

* the sessions' part, over the parameters that shape sessions (tolerances,
  pain, balance, dizziness), by importance sampling with draws fixed for the
  whole optimisation (common random numbers), so that the expensive per-client
  log-likelihoods are computed once per round and φ only re-weights them
  (:class:`SessionsObjective`, with its exact gradient);
* attendance and dropout, which depend on two parameters only and on counts,
  by Gauss–Hermite quadrature (:class:`AttendanceObjective`).

Both add the shrinkage: a normal penalty on φ centred on the prior
population's, as strong as ``weight`` clients whose parameters were known
exactly (precision ``weight/s0²`` on *m*, ``2·weight`` on log *s*), ``weight``
given for each entry of φ (the fit makes it the prior's weight in clients
times the share of a known client's information the logs hold per client, so
that the prior counts as that many clients *like the clinic's*).
"""

from __future__ import annotations

import math

import attrs
import numpy as np
import numpy.typing as npt
from scipy.special import logsumexp, xlogy

from ..model.population import Distribution
from .latent import from_latent

__all__ = [
    "AttendanceObjective",
    "SessionsObjective",
    "debiased",
    "penalty",
    "unit_information",
]

Array = npt.NDArray[np.float64]


def _column(values: Array) -> Array:
    """Clients down, nodes across."""
    return values[:, None]


def debiased(w: Array) -> Array:
    """Self-normalised importance weights with their ratio bias removed, to first order.

    A client's posterior average over its draws, Σ w_k h_k, is a ratio of two
    sample means and so biased by about −Σ w_k² (h_k − h̄) (the delta
    method); the weights w_k (1 + w_k − Σ w²) remove that.  They still sum to
    one and are never negative.  The bias is of the order of one over the
    effective sample size for every client alike, so that over many clients
    it outgrows the standard errors; :meth:`SessionsObjective.information`
    uses these weights.  (The EM keeps the plain ones: with these, it
    wandered farther where the logs say little.)
    """
    total = np.sum(w**2, axis=1, keepdims=True)
    result: Array = w * (1.0 + w - total)
    return result


def _monte_carlo_variances(w: Array, g: Array) -> Array:
    """Each client's variance of its weighted average of the draws' ``g``, (i × φ × φ)."""
    centred = g - np.einsum("ik,ikj->ij", w, g)[:, None, :]
    result: Array = np.einsum("ik,ikj,ikl->ijl", w**2, centred, centred)
    return result


def unit_information(scale: Array) -> Array:
    """The information about φ of one client whose parameters are known exactly.

    The mean of a normal draw of spread *s*: 1/s²; its log spread: 2.  A
    parameter the logs tell less about than this is not identified.
    """
    result: Array = np.concatenate([1.0 / scale**2, np.full(len(scale), 2.0)])
    return result


def penalty(phi: Array, prior: Array, scale: Array, weight: Array) -> tuple[float, Array]:
    """The shrinkage towards ``prior`` and its gradient (φ = means then log sds).

    ``scale`` is the prior's standard deviation of each draw (the means' unit);
    ``weight``, for each entry of φ, the known clients the prior counts as.
    """
    precision = weight * unit_information(scale)
    diff = phi - prior
    return float(0.5 * np.sum(precision * diff**2)), precision * diff


@attrs.frozen
class SessionsObjective:
    """Minus the importance-sampled log marginal likelihood of the sessions, plus shrinkage.

    :param x: each client's draws on the normal scale, (clients × draws × parameters).
    :param log_q: the proposal's log density of each draw, (clients × draws).
    :param ll: the sessions' log-likelihood at each draw, (clients × draws).
    :param correlation: between the parameters' normal draws (fixed).
    :param prior: φ of the prior population; :param scale: its sds; :param weight:
        pseudo-clients (known exactly), for each entry of φ.
    """

    x: Array
    log_q: Array
    ll: Array
    correlation: Array
    prior: Array
    scale: Array
    weight: Array

    def log_weights(self, phi: Array) -> Array:
        """Each draw's log importance weight: log-likelihood + log p(draw | φ) − log q."""
        return self._terms(phi)[0]

    def _terms(self, phi: Array) -> tuple[Array, Array, Array]:
        d = self.x.shape[-1]
        m, s = phi[:d], np.exp(phi[d:])
        u = (self.x - m) / s
        inverse = np.linalg.inv(self.correlation)
        z = u @ inverse
        _, logdet = np.linalg.slogdet(self.correlation)
        log_p = (
            -0.5 * np.einsum("ikj,ikj->ik", u, z)
            - np.sum(np.log(s))
            - 0.5 * logdet
            - 0.5 * d * math.log(2 * math.pi)
        )
        return self.ll - self.log_q + log_p, u, z

    def terms(self, phi: Array) -> tuple[Array, Array, Array, Array]:
        """Per-client log marginal likelihoods, the normalised weights, u and R⁻¹u."""
        a, u, z = self._terms(phi)
        lse = logsumexp(a, axis=1)
        weights = np.exp(a - lse[:, None])
        return lse - math.log(a.shape[1]), weights, u, z

    def data(self, phi: Array) -> tuple[float, Array]:
        """Minus the log marginal likelihood, and its gradient."""
        d = self.x.shape[-1]
        log_l, w, u, z = self.terms(phi)
        s = np.exp(phi[d:])
        grad_m = -np.einsum("ik,ikj->j", w, z) / s
        grad_log_s = -(np.einsum("ik,ikj->j", w, u * z) - w.shape[0])
        return float(-np.sum(log_l)), np.concatenate([grad_m, grad_log_s])

    def prior_information(self) -> Array:
        """The prior's information about φ (the shrinkage's curvature)."""
        result: Array = self.weight * unit_information(self.scale)
        return result

    def _draw_scores(self, phi: Array) -> tuple[Array, Array, Array, Array]:
        """The weights, u, R⁻¹u and each draw's score of log p(x | φ), (i × k × φ)."""
        d = self.x.shape[-1]
        _, w, u, z = self.terms(phi)
        s = np.exp(phi[d:])
        return w, u, z, np.concatenate([z / s, u * z - 1.0], axis=2)

    def monte_carlo_variance(self, phi: Array) -> Array:
        """The importance sample's own variance of the summed scores at φ, (φ × φ).

        Each client's score is a self-normalised importance-sampling average of
        the draws' scores; its variance is about Σ_k w_k² (g_k − ḡ)(g_k − ḡ)ᵀ
        (the delta method).  Clients' draws are independent, so the variances add.
        """
        w, _, _, g = self._draw_scores(phi)
        result: Array = _monte_carlo_variances(w, g).sum(axis=0)
        return result

    def information(self, phi: Array) -> Array:
        """The logs' observed information about φ, (φ × φ): :meth:`informations` summed."""
        result: Array = self.informations(phi).sum(axis=0)
        return result

    def informations(self, phi: Array) -> Array:
        """Each client's observed information about φ, (clients × φ × φ).

        Louis' identity (Louis TA. Finding the observed information matrix
        when using the EM algorithm. *J R Stat Soc B* 1982;44:226–233): minus
        the second derivative of a client's log marginal likelihood is the
        posterior mean of minus the second derivative of log p(x | φ) less
        the posterior covariance of its score.  Both are averages over the
        client's weighted draws, taken with the :func:`debiased` weights, and
        the covariance about the weighted mean also gets back the Monte Carlo
        variance of that mean (:meth:`monte_carlo_variance`), which it leaves
        out.  With the plain weights (the exact curvature of :meth:`data` on
        the fixed draws) or with the scores' outer products, a parameter no
        log says anything about still showed about n/ESS known clients'
        information (a finite sample's weighted covariance falls short by
        about that share): at 1 000 clients enough to call the run ceiling
        fitted, with a standard error of 0.05, although the logs'
        likelihood does not change when it does.
        """
        d = self.x.shape[-1]
        plain, u, z, g = self._draw_scores(phi)
        w = debiased(plain)
        s = np.exp(phi[d:])
        r = np.linalg.inv(self.correlation)
        n = w.shape[0]
        mean_u = np.einsum("ik,ikj->ij", w, u)
        mean_z = np.einsum("ik,ikj->ij", w, z)
        mean_uz = np.einsum("ik,ikj->ij", w, u * z)
        mean_uu = np.einsum("ik,ikj,ikl->ijl", w, u, u)
        complete = np.empty((n, 2 * d, 2 * d))
        complete[:, :d, :d] = r / np.outer(s, s)
        by_m_log_s = r * mean_u[:, None, :] / s[:, None] + mean_z[:, :, None] / s * np.eye(d)
        complete[:, :d, d:] = by_m_log_s
        complete[:, d:, :d] = by_m_log_s.transpose(0, 2, 1)
        complete[:, d:, d:] = mean_uz[:, :, None] * np.eye(d) + r * mean_uu
        centred = g - np.einsum("ik,ikj->ij", w, g)[:, None, :]
        spread = np.einsum("ik,ikj,ikl->ijl", w, centred, centred)
        result: Array = complete - spread - _monte_carlo_variances(plain, g)
        return result

    def em_step(self, phi: Array, kept: npt.NDArray[np.bool_]) -> tuple[Array, Array]:
        """One EM step from φ, and the clients' effective sample sizes at φ.

        The new mean is the clients' posterior means' average; each spread the
        root of the average posterior second moment about it (the marginal
        spreads, the correlations staying fixed); both count the prior as
        ``weight`` clients with its mean and spread.  Entries where ``kept``
        is true stay as they are.
        """
        d = self.x.shape[-1]
        _, w, _, _ = self.terms(phi)
        n = w.shape[0]
        means = np.einsum("ik,ikj->ij", w, self.x)
        on_m, on_s = self.weight[:d], self.weight[d:]
        m = (means.sum(axis=0) + on_m * self.prior[:d]) / (n + on_m)
        second = np.einsum("ik,ikj->j", w, (self.x - m) ** 2)
        s2 = (second + on_s * self.scale**2) / (n + on_s)
        new = np.concatenate([m, 0.5 * np.log(s2)])
        result: Array = np.where(kept, phi, new)
        ess: Array = 1.0 / np.sum(w**2, axis=1)
        return result, ess

    def __call__(self, phi: Array) -> tuple[float, Array]:
        """The objective (data and shrinkage) and its gradient."""
        f, g = self.data(phi)
        p, gp = penalty(phi, self.prior, self.scale, self.weight)
        return f + p, g + gp

    def ess(self, phi: Array) -> Array:
        """Each client's effective sample size: (Σw)² / Σw²."""
        _, w, _, _ = self.terms(phi)
        result: Array = 1.0 / np.sum(w**2, axis=1)
        return result


@attrs.frozen
class AttendanceObjective:
    """Minus the log marginal likelihood of attendance and dropout, plus shrinkage.

    φ = (m, log s) of attendance then of the dropout hazard, for those of the
    two that are free (``attendance`` / ``dropout``: their distributions, or
    ``None`` when fixed at ``fixed_*``).  Per client: sessions attended, days
    missed before the last one, days after it (a client still active then has
    either dropped out or missed them all: the likelihood sums both), ordinary
    and bad sessions survived, whether the last was bad.  Clients with the
    same counts are one row, ``count`` times.
    """

    attended: Array
    missed: Array
    after: Array
    ordinary: Array
    bad: Array
    last_bad: Array
    active: Array
    count: Array
    attendance: Distribution | None
    dropout: Distribution | None
    fixed_attendance: float
    fixed_hazard: float
    after_bad: float
    prior: Array
    scale: Array
    weight: Array
    nodes: int = 12

    def _grid(self, phi: Array) -> tuple[Array, Array, Array]:
        t, w = np.polynomial.hermite.hermgauss(self.nodes)
        z, w = math.sqrt(2.0) * t, w / math.sqrt(math.pi)
        k = len(phi) // 2  # φ: the free parameters' means, then their log sds
        i = 0
        axes = []
        for dist, fixed in (
            (self.attendance, self.fixed_attendance),
            (self.dropout, self.fixed_hazard),
        ):
            if dist is None:
                axes.append((np.array([fixed]), np.array([1.0])))
            else:
                m, s = phi[i], math.exp(phi[k + i])
                axes.append((from_latent(dist, m + s * z), w))
                i += 1
        (a, wa), (h, wh) = axes
        grid_a, grid_h = np.meshgrid(a, h, indexing="ij")
        return grid_a.ravel(), grid_h.ravel(), np.outer(wa, wh).ravel()

    def log_likelihoods(self, phi: Array) -> Array:
        """Each row's log marginal likelihood of its attendance and dropout."""
        a, h, w = self._grid(phi)
        with np.errstate(divide="ignore"):
            q_bad = np.minimum(h * self.after_bad, 1.0)
            ll = (
                xlogy(_column(self.attended), a)
                + xlogy(_column(self.missed), 1.0 - a)
                + xlogy(_column(self.ordinary), 1.0 - h)
                + xlogy(_column(self.bad), 1.0 - q_bad)
            )
            q_last = np.where(_column(self.last_bad) > 0, q_bad, h)
            ends = q_last + (1.0 - q_last) * (1.0 - a) ** _column(self.after)
            ll = ll + np.where(_column(self.active) > 0, np.log(ends), 0.0)
        result: Array = logsumexp(ll, axis=1, b=w)
        return result

    def data(self, phi: Array) -> float:
        """Minus the log marginal likelihood."""
        return float(-np.sum(self.count * self.log_likelihoods(phi)))

    def __call__(self, phi: Array) -> float:
        """The objective: data and shrinkage."""
        return self.data(phi) + penalty(phi, self.prior, self.scale, self.weight)[0]
