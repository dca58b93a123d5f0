"""The client model's pure core: one client's session, as numbers, for one client or many.

Everything here is a function of the client's parameters, its training state,
the plan's :class:`~.activities.PlanDose`, the day and a fixed number of
uniform random numbers (:data:`UNIFORMS` per session, in a fixed order: common
random numbers).  The same code runs on Python floats (one client, through
:data:`SCALAR`) and on NumPy arrays (a block of clients, through :data:`ARRAY`):
the arithmetic is IEEE's either way and both use NumPy's ``exp`` and ``log``,
so the two agree bit for bit.

Each draw has a stated distribution (see :class:`Chances`), so the probability
of an observed session is computable (:func:`session_log_probability`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any, NamedTuple, cast

import attrs
import numpy as np

from .activities import UNFAMILIAR, PlanDose

__all__ = [
    "ARRAY",
    "SCALAR",
    "UNIFORMS",
    "Chances",
    "Draw",
    "Latent",
    "Ops",
    "after_session",
    "binomial_pmf",
    "block",
    "chances",
    "draw_session",
    "dropout_chance",
    "fresh_latent",
    "session_log_probability",
    "settle_chance",
    "tolerances",
]

#: Uniform random numbers drawn per session, whatever happens in it.
UNIFORMS = 9

#: The lowest tolerance, as a fraction of the client's starting tolerance
#: (fatigue cannot take a client below it; an assumption).
FLOOR = 0.5
#: Time constants of the acute and chronic loads of the load-spike term, days
#: (the usual 7 and 28 of the acute:chronic workload ratio, Gabbett 2016).
ACUTE_DAYS, CHRONIC_DAYS = 7.0, 28.0
#: Acute:chronic ratio above which the load-spike term raises pain risk (the
#: "danger zone" commonly quoted from Gabbett 2016: not verified in his text).
SPIKE_FROM = 1.5
#: Sessions a week of the client's habitual activity, which seeds the chronic
#: load (an assumption: without it every first session would be a spike).
HABITUAL_SESSIONS_PER_WEEK = 3.0

# Coefficients of the outcome distributions, on the log of the session's
# strain ratio (peak strain ÷ today's tolerance); each is an assumption,
# described in docs/client-model.rst.
SEVERITY = (-1.4, 2.0)  # pain level: 1 + Binomial(9, logistic(a + b·max(ln r, 0)))
NEXT_DAY = (-1.0, 2.0)  # after pain p: Binomial(10, logistic(logit(p/10.5) + a + b·ln r))
DELAYED = (-4.0, 3.0)  # pain-free session: next-day pain reported with logistic(a + b·ln r)
FORM = (-5.0, 4.0)  # form breakdown: logistic(a + b·ln r)
UNFINISHED = (-3.0, 4.0)  # plan not completed: logistic(a + b·ln r)
RPE = (0.0, 2.0)  # RPE: Binomial(10, logistic(a + b·ln r))
#: Bad sessions (for dropout): pain or next-day pain of at least this.
BAD_PAIN = 4
#: Chances are kept this far from 0 and 1, so every outcome has a probability.
_EPS = 1e-12


class Ops(NamedTuple):
    """How the core computes: on floats (:data:`SCALAR`) or arrays (:data:`ARRAY`)."""

    exp: Callable[[Any], Any]
    log: Callable[[Any], Any]
    maximum: Callable[[Any, Any], Any]
    minimum: Callable[[Any, Any], Any]
    where: Callable[[Any, Any, Any], Any]


def _float(ufunc: Callable[[Any], Any]) -> Callable[[Any], float]:
    def call(x: Any) -> float:
        return float(ufunc(x))

    return call


def _where(condition: Any, yes: Any, no: Any) -> Any:
    return yes if condition else no


#: One client: Python floats (NumPy's exp and log, for bit-for-bit agreement).
SCALAR = Ops(_float(np.exp), _float(np.log), max, min, _where)
#: A block of clients: NumPy arrays, one element per client.
ARRAY = Ops(np.exp, np.log, np.maximum, np.minimum, np.where)


class Latent(NamedTuple):
    """What training has done to a client so far (floats, or arrays for a block).

    Fitness and fatigue are Banister's: exponentially decaying sums of session
    loads per family, as of ``day``; acute and chronic loads feed the load-spike
    term; exposures count sessions holding each unfamiliar activity.
    """

    day: Any
    fitness_walking: Any
    fitness_running: Any
    fatigue_walking: Any
    fatigue_running: Any
    acute: Any
    chronic: Any
    exposures: tuple[Any, ...]


def fresh_latent(zero: Any = 0.0) -> Latent:
    """A client who has not trained yet (``zero``: 0.0, or an array of zeros)."""
    return Latent(zero, zero, zero, zero, zero, zero, zero, (zero,) * len(UNFAMILIAR))


def _decayed(p: Any, s: Latent, day: Any, ops: Ops) -> tuple[Any, ...]:
    gap = day - s.day
    fit = ops.exp(-gap / p.tau_fitness)
    fat = ops.exp(-gap / p.tau_fatigue)
    acute = ops.exp(-gap / ACUTE_DAYS)
    chronic = ops.exp(-gap / CHRONIC_DAYS)
    return (
        s.fitness_walking * fit,
        s.fitness_running * fit,
        s.fatigue_walking * fat,
        s.fatigue_running * fat,
        s.acute * acute,
        s.chronic * chronic,
    )


def _bounded(base: Any, ceiling: Any, change: Any, ops: Ops) -> Any:
    """``base + change``, saturating below ``ceiling`` and floored at ``FLOOR × base``."""
    headroom = ceiling - base
    gain = headroom * (1.0 - ops.exp(-ops.maximum(change, 0.0) / headroom))
    return ops.maximum(base + gain + ops.minimum(change, 0.0), FLOOR * base)


def tolerances(p: Any, s: Latent, day: Any, ops: Ops = SCALAR) -> tuple[Any, Any]:
    """Walking and running tolerance on ``day``, in minutes of walk and run.

    Banister's additive model gives the change from the starting tolerance,
    ``gain × (fitness − fatigue_ratio × fatigue)``; the bound is ours: the
    tolerance saturates below the client's ceiling and never falls below half
    the starting value.
    """
    return _tolerances(p, _decayed(p, s, day, ops), ops)


def _tolerances(p: Any, decayed: tuple[Any, ...], ops: Ops) -> tuple[Any, Any]:
    fw, fr, hw, hr, _, _ = decayed
    k1, k2 = p.gain, p.gain * p.fatigue_ratio
    walking = _bounded(p.walk_tolerance, p.walk_ceiling, k1 * fw - k2 * hw, ops)
    running = _bounded(p.run_tolerance, p.run_ceiling, k1 * fr - k2 * hr, ops)
    return walking, running


class Chances(NamedTuple):
    """The distribution of every draw of one session, given the client and the plan.

    * pain > 0 with probability ``pain``; its level is ``1 + Binomial(9, severity)``;
    * after pain *p*, next-day pain is ``Binomial(10, settle_chance(c, p))``; after
      none, it is reported with probability ``delayed`` as ``1 + Binomial(9, severity)``;
    * balance losses ``Binomial(2, balance)``; dizziness, form breakdown and an
      unfinished plan with probabilities ``dizziness``, ``form`` and ``unfinished``;
    * RPE ``Binomial(10, rpe)``.

    ``ratio`` is the session's strain ratio: the larger of the peak walking and
    running strain over today's tolerance.
    """

    ratio: Any
    log_ratio: Any
    pain: Any
    severity: Any
    delayed: Any
    balance: Any
    dizziness: Any
    form: Any
    unfinished: Any
    rpe: Any


def _logistic(x: Any, ops: Ops) -> Any:
    return ops.minimum(ops.maximum(1.0 / (1.0 + ops.exp(-x)), _EPS), 1.0 - _EPS)


def chances(p: Any, s: Latent, dose: PlanDose, day: Any, ops: Ops = SCALAR) -> Chances:
    """The :class:`Chances` of a session on ``day`` at ``dose`` for clients ``p`` in state ``s``."""
    decayed = _decayed(p, s, day, ops)
    walking, running = _tolerances(p, decayed, ops)
    ratio = ops.maximum(ops.maximum(dose.peak_walking / walking, dose.peak_running / running), 1e-3)
    lr = ops.log(ratio)
    # the load spike: this session's acute:chronic load, chronic seeded by habit
    acute, chronic = decayed[4], decayed[5]
    habitual = p.walk_tolerance * HABITUAL_SESSIONS_PER_WEEK / 7.0
    acute_rate = (acute + dose.load_total) / ACUTE_DAYS
    chronic_rate = ops.maximum((chronic + dose.load_total) / CHRONIC_DAYS, habitual)
    spike = ops.maximum(ops.log(acute_rate / chronic_rate) - ops.log(SPIKE_FROM), 0.0)
    base_logit = ops.log(p.pain_at_tolerance / (1.0 - p.pain_at_tolerance))
    from_load = _logistic(base_logit + p.pain_sensitivity * lr + p.load_spike_weight * spike, ops)
    pain = 1.0 - (1.0 - p.background_pain) * (1.0 - from_load)
    # pain below tolerance (e.g. unrelated to load) is as severe as pain at tolerance
    severity = _logistic(SEVERITY[0] + SEVERITY[1] * ops.maximum(lr, 0.0), ops)
    novelty: Any = 0.0
    for held, exposures in zip(dose.unfamiliar, s.exposures, strict=True):
        novelty = ops.maximum(novelty, held * ops.exp(-exposures / p.familiarity))
    overload = 1.0 + ops.maximum(ratio - 1.0, 0.0)
    return Chances(
        ratio=ratio,
        log_ratio=lr,
        pain=ops.minimum(pain, 1.0 - _EPS),
        severity=severity,
        delayed=_logistic(DELAYED[0] + DELAYED[1] * lr, ops),
        balance=ops.minimum(p.balance_risk * novelty * overload, 1.0 - _EPS),
        dizziness=p.dizziness_risk * novelty,
        form=_logistic(FORM[0] + FORM[1] * lr, ops),
        unfinished=_logistic(UNFINISHED[0] + UNFINISHED[1] * lr, ops),
        rpe=_logistic(RPE[0] + RPE[1] * lr, ops),
    )


def settle_chance(c: Chances, pain: Any, ops: Ops = SCALAR) -> Any:
    """The binomial chance of next-day pain after session pain ``pain`` (≥ 1).

    ``logistic(logit(pain / 10.5) + a + b·ln r)``: pain settles after a session
    within tolerance and worsens after one beyond it.
    """
    level = ops.maximum(pain, 1)
    return _logistic(ops.log(level / (10.5 - level)) + NEXT_DAY[0] + NEXT_DAY[1] * c.log_ratio, ops)


def binomial_pmf(n: int, p: Any) -> list[Any]:
    """P(k) for k = 0..n of Binomial(n, p), by products only (floats or arrays)."""
    q = 1.0 - p
    first = q
    for _ in range(n - 1):
        first = first * q
    pmf = [first]
    odds = p / q
    for k in range(n):
        pmf.append(pmf[-1] * ((n - k) / (k + 1)) * odds)
    return pmf


def _inverse_binomial(n: int, p: Any, u: Any) -> Any:
    """The Binomial(n, p) value whose CDF interval holds ``u`` (inverse CDF)."""
    return _inverse(binomial_pmf(n, p), u)


def _inverse(pmf: list[Any], u: Any) -> Any:
    """The value whose CDF interval, under ``pmf`` (P(0), P(1), …), holds ``u``."""
    count: Any = 0
    cumulative: Any = 0.0
    for probability in pmf[:-1]:
        cumulative = cumulative + probability
        count = count + (u >= cumulative)
    return count


class Draw(NamedTuple):
    """One session's outcome as numbers (ints and bools, or arrays of them)."""

    pain: Any
    next_day_pain: Any  # -1: none reported
    balance_losses: Any
    dizziness: Any
    form_breakdown: Any
    completed: Any
    rpe: Any


def draw_session(c: Chances, u: Sequence[Any], ops: Ops = SCALAR) -> Draw:
    """Turn :data:`UNIFORMS` uniforms into a session's outcome by inverse CDFs, in order."""
    has_pain = u[0] < c.pain
    severity = binomial_pmf(9, c.severity)  # (the session's pain and delayed pain alike)
    pain = ops.where(has_pain, 1 + _inverse(severity, u[1]), 0)
    after_pain = _inverse_binomial(10, settle_chance(c, pain, ops), u[3])
    delayed = ops.where(u[2] < c.delayed, 1 + _inverse(severity, u[3]), -1)
    return Draw(
        pain=pain,
        next_day_pain=ops.where(has_pain, after_pain, delayed),
        balance_losses=_inverse_binomial(2, c.balance, u[4]),
        dizziness=u[5] < c.dizziness,
        form_breakdown=u[6] < c.form,
        completed=u[7] >= c.unfinished,
        rpe=_inverse_binomial(10, c.rpe, u[8]),
    )


def _log(p: Any) -> Any:
    if isinstance(p, np.ndarray):  # a block: log 0 is -inf, silently
        with np.errstate(divide="ignore"):
            return np.log(p)
    return math.log(p) if p > 0 else -math.inf


def _log_bernoulli(happened: bool, p: Any) -> Any:
    return _log(p if happened else 1.0 - p)


def session_log_probability(
    c: Chances,
    *,
    pain: int,
    next_day_pain: int | None,
    balance_losses: int,
    dizziness: bool,
    form_breakdown: bool,
    completed: bool,
    rpe: float | None,
    ops: Ops = SCALAR,
) -> Any:
    """The log-probability of one client's observed session under :class:`Chances` ``c``.

    ``c`` is one client's (floats) or a block's (arrays, with ``ops`` :data:`ARRAY`:
    one log-probability per client of the block).  An RPE of ``None`` (not
    asked) contributes nothing; more than two balance losses, or an RPE that is
    not a whole number, has probability 0 (``-inf``).
    """
    total = _log_bernoulli(pain > 0, c.pain)
    if pain:
        total += _log(binomial_pmf(9, c.severity)[pain - 1])
        if next_day_pain is None:
            return -math.inf  # the model always reports next-day pain after pain
        total += _log(binomial_pmf(10, settle_chance(c, pain, ops))[next_day_pain])
    else:
        total += _log_bernoulli(next_day_pain is not None, c.delayed)
        if next_day_pain is not None:
            if next_day_pain == 0:
                return -math.inf
            total += _log(binomial_pmf(9, c.severity)[next_day_pain - 1])
    if balance_losses > 2:
        return -math.inf
    total += _log(binomial_pmf(2, c.balance)[balance_losses])
    total += _log_bernoulli(dizziness, c.dizziness)
    total += _log_bernoulli(form_breakdown, c.form)
    total += _log_bernoulli(not completed, c.unfinished)
    if rpe is not None:
        if rpe != int(rpe):
            return -math.inf
        total += _log(binomial_pmf(10, c.rpe)[int(rpe)])
    return total


def after_session(p: Any, s: Latent, dose: PlanDose, day: Any, ops: Ops = SCALAR) -> Latent:
    """The state after a session on ``day``: the session's load added to every sum."""
    fw, fr, hw, hr, acute, chronic = _decayed(p, s, day, ops)
    return Latent(
        day=day,
        fitness_walking=fw + dose.load_walking,
        fitness_running=fr + dose.load_running,
        fatigue_walking=hw + dose.load_walking,
        fatigue_running=hr + dose.load_running,
        acute=acute + dose.load_total,
        chronic=chronic + dose.load_total,
        exposures=tuple(e + held for e, held in zip(s.exposures, dose.unfamiliar, strict=True)),
    )


def dropout_chance(p: Any, d: Draw, ops: Ops = SCALAR) -> Any:
    """The chance of giving up after a session: higher after a bad one."""
    bad = (
        (d.pain >= BAD_PAIN)
        | (d.next_day_pain >= BAD_PAIN)
        | (d.balance_losses > 0)
        | d.form_breakdown
        | (d.completed < 1)
    )
    return ops.minimum(p.dropout_hazard * ops.where(bad, p.dropout_after_bad, 1.0), 1.0)


def block(records: Sequence[Any]) -> Any:
    """Records of one kind, one per client, as one record of NumPy arrays.

    Parameters, :class:`Latent` states or :class:`~.activities.PlanDose` values:
    the block form's input.

    >>> from retroprog_sim import ClientParams
    >>> block([ClientParams(gain=0.2), ClientParams(gain=0.4)]).gain
    array([0.2, 0.4])
    """
    first = records[0]
    names = (
        cast(Any, first)._fields
        if isinstance(first, tuple)
        else [f.name for f in attrs.fields(type(first))]
    )
    columns: dict[str, Any] = {}
    for name in names:
        values = [getattr(r, name) for r in records]
        if isinstance(values[0], tuple):
            columns[name] = tuple(np.array(c, dtype=float) for c in zip(*values, strict=True))
        else:
            columns[name] = np.array(values, dtype=float)
    if isinstance(first, tuple):
        return type(first)(**columns)
    return SimpleNamespace(**columns)
