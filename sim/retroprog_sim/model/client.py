"""The simulated client: latent physiology that turns a prescription into a session outcome."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from retroprog import Prescription, SessionOutcome
from retroprog import support as v

from . import core
from .activities import plan_dose
from .params import ClientParams
from .streams import stream_keys, uniforms

__all__ = ["Client", "ClientModel", "ClientParams"]

#: The outcomes a client draws are valid by construction: built without checks
#: (by :class:`Client` and by its block form, ``retroprog_sim.model.block``).
outcome_of = v.trusted(SessionOutcome)


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

    Each method is the model's core (``retroprog_sim.model.core``) for one
    client: the same functions evaluate a block of clients as arrays.  Its
    random numbers are client ``client_id``'s of a run with ``seed``
    (``retroprog_sim.model.streams``): the attendance draw of a day, the
    ``retroprog_sim.model.core.UNIFORMS`` uniforms of a session (so that two
    policies see the same luck day by day) and the dropout draw after it are
    each a function of the day, not of what was drawn before.

    :param params: the client's physiology.
    :param seed: the run's seed.
    :param client_id: the client's id.
    """

    __slots__ = ("_attendance", "_dropout", "_session", "latent", "params")

    def __init__(self, params: ClientParams, seed: int = 0, client_id: int = 0) -> None:
        self.params = params
        self._attendance = stream_keys(seed, client_id, "attendance")
        self._session = stream_keys(seed, client_id, "session")
        self._dropout = stream_keys(seed, client_id, "dropout")
        self.latent = core.fresh_latent()

    def attends(self, day: int) -> bool:
        """One draw per scheduled day, attended or not."""
        return bool(uniforms(self._attendance, day) < self.params.attendance)

    def tolerances(self, day: int) -> tuple[float, float]:
        """Walking and running tolerance on ``day``, in minutes."""
        walking, running = core.tolerances(self.params, self.latent, day)
        return float(walking), float(running)

    def session(
        self, prescription: Prescription, stage_index: int, day: int
    ) -> tuple[SessionOutcome, int | None]:
        """Simulate one session at ``prescription`` (the stage does not matter: the plan does)."""
        key, first = self._session, day * core.UNIFORMS
        drawn_uniforms = [uniforms(key, first + k) for k in range(core.UNIFORMS)]
        dose = plan_dose(prescription)
        drawn = core.draw_session(core.chances(self.params, self.latent, dose, day), drawn_uniforms)
        self.latent = core.after_session(self.params, self.latent, dose, day)
        outcome = outcome_of(
            completed=bool(drawn.completed),
            pain=int(drawn.pain),
            balance_losses=int(drawn.balance_losses),
            dizziness=bool(drawn.dizziness),
            form_breakdown=bool(drawn.form_breakdown),
            rpe=float(drawn.rpe),
            day=day,
        )
        next_day = int(drawn.next_day_pain)
        return outcome, None if next_day < 0 else next_day

    def drops_out(self, outcome: SessionOutcome, next_day_pain: int | None) -> bool:
        """Dropout is likelier after a bad session (``retroprog_sim.model.core.dropout_chance``).

        The draw is the one of the day of the client's last session.
        """
        chance = core.dropout_chance(self.params, draw_of(outcome, next_day_pain))
        return bool(uniforms(self._dropout, int(self.latent.day)) < chance)


def draw_of(outcome: SessionOutcome, next_day_pain: int | None) -> core.Draw:
    """A session as the model's core reads it (for dropout), one client's or a block member's."""
    return core.Draw(
        pain=outcome.pain,
        next_day_pain=-1 if next_day_pain is None else next_day_pain,
        balance_losses=outcome.balance_losses,
        dizziness=outcome.dizziness,
        form_breakdown=outcome.form_breakdown,
        completed=outcome.completed,
        rpe=outcome.rpe,
    )
