"""The sessions' log-likelihood of many clients at many parameter draws, as one block.

:func:`~retroprog_sim.model.likelihood.sessions_log_likelihood` runs the model's
core on one client's log for a block of parameter draws; a fit needs every
client at its own draws, so this runs the same core (:mod:`~retroprog_sim.model.core`,
with :data:`~retroprog_sim.model.core.ARRAY`) on a (clients × draws) block with
each client's doses and days as columns, and scores the observed outcomes with
the log-binomial form of the core's pmfs.  A test proves it equal to the
per-client likelihood.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln, xlogy

from ..model import core
from ..model.activities import PlanDose
from ..model.likelihood import Step

__all__ = ["sessions_block"]

Array = npt.NDArray[np.float64]


def _log_binomial(n: int, k: Array, p: Array) -> Array:
    """Log P(k) of Binomial(n, p), 0·log 0 taken as 0 (as the core's products give)."""
    log_choose = gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0)
    result: Array = log_choose + xlogy(k, p) + xlogy(n - k, 1.0 - p)
    return result


def _log_bernoulli(happened: Array, p: Array) -> Array:
    result: Array = xlogy(happened, p) + xlogy(1.0 - happened, 1.0 - p)
    return result


def _column(steps: Sequence[Sequence[Step]], j: int) -> tuple[Any, ...]:
    """Session ``j`` of every client as column arrays (a client past its log: padded)."""
    rows = []
    for client in steps:
        if j < len(client):
            s, mask = client[j], 1.0
        else:
            s, mask = client[-1], 0.0
        o = s.outcome
        dose = (
            s.dose if mask else PlanDose(0.0, 0.0, 0.0, 0.0, 0.0, (0.0,) * len(s.dose.unfamiliar))
        )
        rows.append(
            (
                mask,
                float(s.day),
                dose,
                o.pain,
                -1 if o.next_day_pain is None else o.next_day_pain,
                o.balance_losses,
                float(o.dizziness),
                float(o.form_breakdown),
                float(o.completed),
                -1.0 if o.rpe is None else o.rpe,
            )
        )
    columns = list(zip(*rows, strict=True))
    doses = core.block(list(columns[2]))
    as_column = {name: _col(getattr(doses, name)) for name in doses._fields}
    dose = PlanDose(**as_column)
    return (
        _col(np.array(columns[0])),
        _col(np.array(columns[1])),
        dose,
        *(_col(np.array(c, dtype=float)) for c in columns[3:]),
    )


def _col(a: Any) -> Any:
    if isinstance(a, tuple):
        return tuple(x[:, None] for x in a)
    return np.asarray(a, dtype=float)[:, None]


def sessions_block(params: Any, steps: Sequence[Sequence[Step]]) -> Array:
    """Each client's sessions' log-likelihood at each of its parameter draws.

    :param params: a record of (clients × draws) arrays, one per
        :class:`~retroprog_sim.ClientParams` field (row *i*: client *i*'s draws).
    :param steps: each client's replayed log (:func:`~retroprog_sim.model.likelihood.replayed`).
    :returns: a (clients × draws) array.
    """
    shape = np.shape(params.gain)
    zero = np.zeros(shape)
    latent = core.fresh_latent(zero)
    total = np.zeros(shape)
    longest = max(len(s) for s in steps)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for j in range(longest):
            mask, day, dose, pain, ndp, balance, dizzy, form, completed, rpe = _column(steps, j)
            c = core.chances(params, latent, dose, day, core.ARRAY)
            has_pain = pain > 0
            # pain, its level and the next day's after pain (the core's Chances)
            lp = _log_bernoulli(has_pain * 1.0, c.pain)
            level = np.where(has_pain, pain - 1.0, 0.0)
            after = np.where(has_pain, np.maximum(ndp, 0.0), 0.0)
            settle = core.settle_chance(c, np.where(has_pain, pain, 1.0), core.ARRAY)
            lp = lp + np.where(
                has_pain,
                _log_binomial(9, level, c.severity) + _log_binomial(10, after, settle),
                0.0,
            )
            # no pain: next-day pain reported or not, and its level
            reported = ndp >= 0
            delayed_level = np.where(reported & ~has_pain, np.maximum(ndp - 1.0, 0.0), 0.0)
            lp = lp + np.where(
                has_pain,
                0.0,
                _log_bernoulli(reported * 1.0, c.delayed)
                + np.where(reported, _log_binomial(9, delayed_level, c.severity), 0.0),
            )
            impossible = (has_pain & ~reported) | (~has_pain & (ndp == 0)) | (balance > 2)
            impossible = impossible | ((rpe >= 0) & (rpe != np.round(rpe)))
            lp = lp + _log_binomial(2, np.minimum(balance, 2.0), c.balance)
            lp = lp + _log_bernoulli(dizzy, c.dizziness) + _log_bernoulli(form, c.form)
            lp = lp + _log_bernoulli(1.0 - completed, c.unfinished)
            lp = lp + np.where(
                rpe >= 0, _log_binomial(10, np.clip(np.round(rpe), 0, 10), c.rpe), 0.0
            )
            lp = np.where(impossible, -np.inf, lp)
            total = total + np.where(mask > 0, lp, 0.0)
            latent = core.after_session(params, latent, dose, day, core.ARRAY)
    return total
