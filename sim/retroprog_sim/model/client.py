"""The simulated client: latent physiology that turns a prescription into a session outcome."""

from __future__ import annotations

import math
from random import Random
from typing import Protocol, runtime_checkable

import attrs

from retroprog import Prescription, SessionOutcome
from retroprog import support as v

__all__ = ["Client", "ClientModel", "ClientParams"]

_exp = math.exp
#: The outcomes a client draws are valid by construction: built without checks.
_outcome = v.trusted(SessionOutcome)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + _exp(-x))


@attrs.frozen
class ClientParams:
    """One client's latent physiology.  Defaults are a typical (``general``) client.

    Tolerance follows a fitness–fatigue model (Banister): every session adds its
    load (minutes of exercise) to a fitness and a fatigue impulse that decay with
    time constants :attr:`tau_fitness` and :attr:`tau_fatigue`; the comfortable bout
    of each stage is its starting value times ``exp(adaptation × (fitness −
    fatigue_weight × fatigue))``, so training raises it and a gap lets it decay
    (detraining).  Fatigue holds back part of the gain for about a week; with a
    ``fatigue_weight`` below 1 (the default 0.5) a hard session still raises
    tolerance on balance, and a sudden jump in load is risky through the bout
    exceeding today's tolerance, not through fatigue afterwards.

    :param tolerance_seconds: comfortable bout of the first stage at the start.
    :param stage_factor: each later stage's starting tolerance as a fraction of the
        previous stage's (running backwards is harder than walking).
    :param adaptation: how strongly fitness raises tolerance (per minute of load).
    :param fatigue_weight: how strongly fatigue lowers it, relative to fitness.
    :param tau_fitness: fitness time constant, days (Banister: ≈ 42).
    :param tau_fatigue: fatigue time constant, days (Banister: ≈ 7).
    :param balance_risk: chance of a balance loss in a first session at tolerance.
    :param dizziness_risk: chance of dizziness in a first session.
    :param familiarity: exposures to a stage after which balance and dizziness
        risks have fallen to 1/e of their first value.
    :param pain_sensitivity: how fast pain risk rises as the bout exceeds tolerance.
    :param background_pain: chance of mild pain unrelated to load (e.g. after injury).
    :param attendance: chance of attending a scheduled session.
    :param dropout_hazard: chance of dropping out after an ordinary session.
    :param dropout_after_bad: how many times likelier dropout is after a bad session.
    """

    tolerance_seconds: float = attrs.field(default=60.0, validator=v.positive)
    stage_factor: float = attrs.field(default=0.45, validator=v.positive)
    adaptation: float = attrs.field(default=0.05, validator=v.number(0))
    fatigue_weight: float = attrs.field(default=0.5, validator=v.number(0))
    tau_fitness: float = attrs.field(default=42.0, validator=v.positive)
    tau_fatigue: float = attrs.field(default=7.0, validator=v.positive)
    balance_risk: float = attrs.field(default=0.15, validator=v.number(0, 1))
    dizziness_risk: float = attrs.field(default=0.15, validator=v.number(0, 1))
    familiarity: float = attrs.field(default=3.0, validator=v.positive)
    pain_sensitivity: float = attrs.field(default=1.0, validator=v.positive)
    background_pain: float = attrs.field(default=0.02, validator=v.number(0, 1))
    attendance: float = attrs.field(default=0.85, validator=v.number(0, 1))
    dropout_hazard: float = attrs.field(default=0.004, validator=v.number(0, 1))
    dropout_after_bad: float = attrs.field(default=4.0, validator=v.number(1))


@runtime_checkable
class ClientModel(Protocol):
    """The plug-in point for a simulated client.

    The harness asks, in order: does the client attend a scheduled day; if so,
    what happened in the session (and what next-day pain, revealed tomorrow);
    and does the client drop out after it.  A model draws only from the
    random streams it was built with, so the same client behaves the same way
    whatever the worker or order.
    """

    def attends(self, day: int) -> bool:
        """Whether the client attends the session scheduled on ``day``."""

    def session(
        self, prescription: Prescription, stage_index: int, day: int
    ) -> tuple[SessionOutcome, int | None]:
        """The session's outcome (without next-day pain) and the next-day pain, if any."""

    def drops_out(self, outcome: SessionOutcome, next_day_pain: int | None) -> bool:
        """Whether the client gives up after this session."""


class Client:
    """The default :class:`ClientModel`: :class:`ClientParams` plus what training did.

    :param params: the client's physiology.
    :param attendance_rng: the stream for attendance (one draw per scheduled day
        while the client is in the programme).
    :param session_rng: the stream for sessions (a fixed number of draws per session,
        so that two policies see the same luck session by session).
    :param dropout_rng: the stream for dropout.
    """

    __slots__ = (
        "_attendance",
        "_dropout",
        "_session",
        "exposures",
        "fatigue",
        "fitness",
        "last_day",
        "params",
    )

    def __init__(
        self, params: ClientParams, attendance_rng: Random, session_rng: Random, dropout_rng: Random
    ) -> None:
        self.params = params
        self._attendance = attendance_rng.random
        self._session = session_rng
        self._dropout = dropout_rng.random
        self.fitness = 0.0
        self.fatigue = 0.0
        self.last_day: int | None = None
        self.exposures: dict[int, int] = {}

    def attends(self, day: int) -> bool:
        """One draw per scheduled day, attended or not."""
        return self._attendance() < self.params.attendance

    def tolerance(self, stage_index: int, day: int) -> float:
        """The comfortable bout of a stage on ``day``, in seconds."""
        return self._tolerance(stage_index, *self._decayed(day))

    def _tolerance(self, stage_index: int, fitness: float, fatigue: float) -> float:
        p = self.params
        base = p.tolerance_seconds * p.stage_factor**stage_index
        return base * _exp(p.adaptation * (fitness - p.fatigue_weight * fatigue))

    def _decayed(self, day: int) -> tuple[float, float]:
        if self.last_day is None:
            return 0.0, 0.0
        gap = day - self.last_day
        p = self.params
        return self.fitness * _exp(-gap / p.tau_fitness), self.fatigue * _exp(-gap / p.tau_fatigue)

    def session(
        self, prescription: Prescription, stage_index: int, day: int
    ) -> tuple[SessionOutcome, int | None]:
        """Simulate one session at ``prescription``."""
        p = self.params
        u = self._session.random
        # always the same draws, in the same order: common random numbers across policies
        d0, d1, d2, d3, d4, d5, d6, d7, d8 = u(), u(), u(), u(), u(), u(), u(), u(), u()
        gauss = self._session.gauss
        noise_a, noise_b = gauss(0.0, 1.0), gauss(0.0, 1.0)
        fitness, fatigue = self._decayed(day)
        # the longest stretch of work against today's tolerance (a simple plan: its bout)
        ratio = prescription.longest_work_seconds / self._tolerance(stage_index, fitness, fatigue)
        over = ratio - 1.0
        seen = self.exposures.get(stage_index, 0)
        novelty = _exp(-seen / p.familiarity)
        sensitivity = 4.0 * p.pain_sensitivity

        pain = 0
        if d0 < _sigmoid(sensitivity * over - 3.0):
            pain = min(10, max(1, round(2 + sensitivity * max(over, 0.0) + noise_a)))
        elif d1 < p.background_pain:
            pain = 1 + int(d2 * 3)
        balance_p = p.balance_risk * novelty * (1.0 + max(over, 0.0))
        balance_losses = (d3 < balance_p) + (d3 < balance_p / 4)
        next_day: int | None = None
        if pain:
            next_day = min(10, max(0, round(pain - 1 + 2 * over + noise_b)))
        elif over > 0.2 and d7 < over:
            next_day = 1 + int(d8 * 3)

        # the session's load feeds fitness and fatigue
        load = prescription.work_seconds / 60.0  # minutes of every segment but rest
        self.fitness, self.fatigue, self.last_day = fitness + load, fatigue + load, day
        self.exposures[stage_index] = seen + 1
        outcome = _outcome(
            completed=d6 >= _sigmoid(5.0 * (ratio - 1.6)),
            pain=pain,
            balance_losses=balance_losses,
            dizziness=d4 < p.dizziness_risk * novelty,
            form_breakdown=d5 < 0.5 * _sigmoid(8.0 * (ratio - 1.5)),
            rpe=float(min(10, max(0, round(1 + 4 * ratio + 0.7 * noise_b)))),
            day=day,
        )
        return outcome, next_day

    def drops_out(self, outcome: SessionOutcome, next_day_pain: int | None) -> bool:
        """Dropout is likelier after a painful or failed session."""
        p = self.params
        bad = (
            outcome.pain >= 4
            or (next_day_pain or 0) >= 4
            or outcome.balance_losses > 0
            or outcome.form_breakdown
            or not outcome.completed
        )
        return self._dropout() < p.dropout_hazard * (p.dropout_after_bad if bad else 1.0)
