"""The log-likelihood of a session log under the client model, given a client's parameters.

Given the parameters, the model's latent path (fitness, fatigue, loads and
exposures) follows from the prescribed plans and the days alone, and the
prescriptions follow from the log (replayed under the protocol and policy); so
the probability of a log is the product of each session's draws' probabilities
(:func:`~.core.session_log_probability`), times those of attendance and dropout
when they are given.  The fit issue maximises it over populations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import retroprog
from retroprog import ProgressionProtocol, RegressionPolicy, SessionOutcome, Status
from retroprog.exceptions import InvalidValueError

from . import core
from .activities import plan_dose
from .client import _drawn
from .params import ClientParams

__all__ = ["log_likelihood"]


def log_likelihood(
    params: ClientParams,
    protocol: ProgressionProtocol,
    policy: RegressionPolicy,
    log: Sequence[SessionOutcome],
    *,
    scheduled_days: Sequence[int] | None = None,
    dropped_out: bool | None = None,
) -> float:
    """The natural log of the probability of ``log`` for a client with ``params``.

    Each session's prescription is rebuilt by replaying ``log`` under
    ``protocol`` and ``policy``; every session must carry its ``day``.  The
    sessions' outcomes always count; attendance counts when ``scheduled_days``
    is given (each scheduled day while the client was in the programme: a
    session on it, or a miss); dropout counts when ``dropped_out`` is given
    (whether the client gave up after the last session; no dropout after the
    others).  RPE counts when recorded.

    >>> import retroprog
    >>> from retroprog_sim import ClientParams
    >>> from retroprog_sim.model.likelihood import log_likelihood
    >>> log = [retroprog.SessionOutcome(rpe=2.0, day=d) for d in (0, 2, 4)]
    >>> protocol = retroprog.load_protocol("couch-to-5k")
    >>> policy = retroprog.load_policy("reference")
    >>> round(log_likelihood(ClientParams(), protocol, policy, log), 3)
    -3.961

    :returns: the log-likelihood (``-inf`` for a log the model cannot produce).
    :raises ~retroprog.exceptions.InvalidValueError: a session without a day.
    """
    decisions = retroprog.replay(protocol, policy, log)
    state = protocol.start()
    latent = core.fresh_latent()
    total = 0.0
    attended: list[int] = []
    for index, outcome in enumerate(log):
        day = outcome.day_number
        if day is None:
            raise InvalidValueError(f"log[{index}].day", None, "the likelihood needs every day")
        prescription = protocol.prescribe(state)
        if prescription is None:
            raise InvalidValueError(f"log[{index}]", outcome, "a session after the client ended")
        dose = plan_dose(prescription)
        chances = core.chances(params, latent, dose, day)
        total += core.session_log_probability(
            chances,
            pain=outcome.pain,
            next_day_pain=outcome.next_day_pain,
            balance_losses=outcome.balance_losses,
            dizziness=outcome.dizziness,
            form_breakdown=outcome.form_breakdown,
            completed=outcome.completed,
            rpe=outcome.rpe,
        )
        latent = core.after_session(params, latent, dose, day)
        state = decisions[index].state
        attended.append(day)
        if dropped_out is not None and state.status is Status.ACTIVE:
            quits = core.dropout_chance(params, _drawn(outcome, outcome.next_day_pain))
            gave_up = dropped_out and index == len(log) - 1
            total += _log(quits if gave_up else 1.0 - quits)
    if scheduled_days is not None:
        ended = bool(dropped_out) or state.status is not Status.ACTIVE
        total += _attendance(params, scheduled_days, attended, ended=ended)
    return total


def _attendance(
    params: ClientParams, scheduled: Sequence[int], attended: Sequence[int], *, ended: bool
) -> float:
    """Attended and missed scheduled days, up to the last session if the client ended there."""
    last = attended[-1] if attended else None
    days = set(attended)
    total = 0.0
    for day in scheduled:
        if ended and last is not None and day > last:
            break
        total += _log(params.attendance if day in days else 1.0 - params.attendance)
    return total


def _log(p: float) -> float:
    return math.log(p) if p > 0 else -math.inf
