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
from typing import Any, NamedTuple

import numpy as np

import retroprog
from retroprog import ProgressionProtocol, RegressionPolicy, SessionOutcome, Status
from retroprog.exceptions import InvalidValueError

from . import core
from .activities import PlanDose, plan_dose
from .client import draw_of
from .params import ClientParams

__all__ = ["Step", "log_likelihood", "replayed", "sessions_log_likelihood"]


class Step(NamedTuple):
    """One logged session as the likelihood needs it, whoever the client is.

    :param outcome: the logged session.
    :param day: its day number.
    :param dose: what its prescribed plan asked (:class:`~.activities.PlanDose`).
    :param active: whether the client was still in the programme after it.
    """

    outcome: SessionOutcome
    day: int
    dose: PlanDose
    active: bool


def replayed(
    protocol: ProgressionProtocol, policy: RegressionPolicy, log: Sequence[SessionOutcome]
) -> list[Step]:
    """Each session of ``log`` with its day, its prescription's dose and the status after it.

    The prescriptions are rebuilt by replaying ``log`` under ``protocol`` and
    ``policy``; they do not depend on the client's parameters, so a fit replays
    each log once.

    :raises ~retroprog.exceptions.InvalidValueError: a session without a day, or
        one after the client ended.
    """
    decisions = retroprog.replay(protocol, policy, log)
    state = protocol.start()
    steps = []
    for index, outcome in enumerate(log):
        day = outcome.day_number
        if day is None:
            raise InvalidValueError(f"log[{index}].day", None, "the likelihood needs every day")
        prescription = protocol.prescribe(state)
        if prescription is None:
            raise InvalidValueError(f"log[{index}]", outcome, "a session after the client ended")
        state = decisions[index].state
        steps.append(Step(outcome, day, plan_dose(prescription), state.status is Status.ACTIVE))
    return steps


def sessions_log_likelihood(params: Any, steps: Sequence[Step], ops: core.Ops = core.SCALAR) -> Any:
    """The log-probability of the sessions' outcomes alone (no attendance, no dropout).

    ``params`` is one client's :class:`ClientParams` (``ops`` :data:`~.core.SCALAR`)
    or a block of them (:func:`~.core.block`, ``ops`` :data:`~.core.ARRAY`: one
    value per client of the block, each equal to the one client's).
    """
    zero = 0.0 if ops is core.SCALAR else np.zeros_like(params.gain)
    latent = core.fresh_latent(zero)
    total: Any = zero
    for step in steps:
        chances = core.chances(params, latent, step.dose, step.day, ops)
        o = step.outcome
        total = total + core.session_log_probability(
            chances,
            pain=o.pain,
            next_day_pain=o.next_day_pain,
            balance_losses=o.balance_losses,
            dizziness=o.dizziness,
            form_breakdown=o.form_breakdown,
            completed=o.completed,
            rpe=o.rpe,
            ops=ops,
        )
        latent = core.after_session(params, latent, step.dose, step.day, ops)
    return total


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
    steps = replayed(protocol, policy, log)
    total = float(sessions_log_likelihood(params, steps))
    if dropped_out is not None:
        for index, step in enumerate(steps):
            if step.active:
                o = step.outcome
                quits = core.dropout_chance(params, draw_of(o, o.next_day_pain))
                gave_up = dropped_out and index == len(steps) - 1
                total += _log(quits if gave_up else 1.0 - quits)
    if scheduled_days is not None:
        ended = bool(dropped_out) or bool(steps and not steps[-1].active)
        attended = [step.day for step in steps]
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
