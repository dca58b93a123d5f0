"""The default client, many at once: a block's parameters and training state as arrays.

:class:`ClientArrays` is :class:`~retroprog_sim.Client` for a whole block of clients
(the engine's :class:`~retroprog_sim.ClientBlock`): the same core
(:mod:`.core`, with :data:`~.core.ARRAY`) evaluated once for all the members
due that day instead of once per member.  Each member keeps its own random
streams and draws from them exactly what its :class:`~retroprog_sim.Client` would,
in the same order, so a block gives what its clients give one by one, bit for
bit (a property test holds the two equal).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import numpy.typing as npt

from retroprog import Prescription, SessionOutcome

from . import core
from .activities import PlanDose, plan_dose
from .client import Client, draw_of, outcome_of
from .params import each_client
from .streams import stream_keys, uniforms

__all__ = ["ClientArrays"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


class ClientArrays:
    """Clients of the default model as one block: their parameters and states as arrays.

    Members are numbered from 0 in the order given.  Each member draws its
    random numbers from its own streams (``retroprog_sim.model.streams``), by
    day, as its :class:`~retroprog_sim.Client` does.

    :param params: each :class:`~retroprog_sim.ClientParams` field's values, one
        per member, as arrays (:meth:`PresetPopulation.drawn
        <retroprog_sim.PresetPopulation.drawn>`), valid as that record is.
    :param seed: the run's seed.
    :param ids: the members' client ids.
    """

    __slots__ = (
        "_attendance",
        "_dropout",
        "_plans",
        "_session",
        "_stacked",
        "ids",
        "latent",
        "params",
        "seed",
    )

    def __init__(self, params: Mapping[str, Any], seed: int, ids: Sequence[int]) -> None:
        self.params: Any = SimpleNamespace(**params)
        self.seed, self.ids = seed, list(ids)
        numbers = np.asarray(ids, dtype=np.uint64)
        self._attendance = stream_keys(seed, numbers, "attendance")
        self._session = stream_keys(seed, numbers, "session")
        self._dropout = stream_keys(seed, numbers, "dropout")
        # each field its own array: the members' rows are updated in place
        self.latent = _each(core.fresh_latent(), lambda value: np.full(len(ids), value))
        self._plans: list[PlanDose] = []  # the doses of the plans drawn at, by number
        self._stacked: Any = None

    def members(self) -> list[Client]:
        """Each member as its own :class:`~retroprog_sim.Client`, to be asked one at a time.

        The same parameters and streams: the block's clients, not yet trained.
        """
        params = each_client(vars(self.params))
        return [Client(p, self.seed, client) for p, client in zip(params, self.ids, strict=True)]

    # --- many members at once, as arrays (the engine's fast path) ---------------------------

    def attend(self, day: int, rows: Ints) -> Bools:
        """Whether each member ``rows`` attends the session scheduled on ``day``."""
        drawn = uniforms(self._attendance[rows], np.full(len(rows), day, dtype=np.uint64))
        attends: Bools = drawn < self.params.attendance[rows]
        return attends

    def draw(self, day: int, rows: Ints, plans: Sequence[Prescription], plan: Ints) -> core.Draw:
        """The sessions of members ``rows`` on ``day``, each at ``plans[plan[i]]``, as arrays.

        ``plans`` only grows from call to call (a plan keeps its number): each
        plan's dose is worked out once.
        """
        if len(plans) > len(self._plans):
            self._plans.extend(plan_dose(p) for p in plans[len(self._plans) :])
            self._stacked = core.block(self._plans)
        return self._draw(day, rows, _indexed(self._stacked, plan))

    def leaves(self, rows: Ints, drawn: core.Draw) -> Bools:
        """Whether each member ``rows`` gives up after its last session, ``drawn`` (arrays)."""
        chances = core.dropout_chance(_rows(self.params, rows), drawn, core.ARRAY)
        day = self.latent.day[rows].astype(np.uint64)  # the last session's
        leaving: Bools = uniforms(self._dropout[rows], day) < chances
        return leaving

    def _draw(self, day: int, rows: Ints, dose: PlanDose) -> core.Draw:
        """The members ``rows``' sessions at ``dose`` (arrays); their states move on."""
        counters = np.arange(day * core.UNIFORMS, (day + 1) * core.UNIFORMS, dtype=np.uint64)
        drawn_uniforms = uniforms(self._session[rows][None, :], counters[:, None])
        params = _rows(self.params, rows)
        latent = self.latent
        before = _each(latent, lambda column: column[rows])
        chances = core.chances(params, before, dose, day, core.ARRAY)
        drawn = core.draw_session(chances, list(drawn_uniforms), core.ARRAY)
        after = core.after_session(params, before, dose, day, core.ARRAY)
        for name in _NUMBERS:
            getattr(latent, name)[rows] = getattr(after, name)
        for mine, theirs in zip(latent.exposures, after.exposures, strict=True):
            mine[rows] = theirs
        return drawn

    # --- the ClientBlock protocol: members one object each ---------------------------------

    def attends(self, day: int, members: Sequence[int]) -> list[bool]:
        """Each member's :meth:`~retroprog_sim.Client.attends`: a draw from its own stream."""
        found: list[bool] = self.attend(day, np.array(members, dtype=np.int64)).tolist()
        return found

    def sessions(
        self,
        day: int,
        members: Sequence[int],
        prescriptions: Sequence[Prescription],
        stage_indices: Sequence[int],
    ) -> list[tuple[SessionOutcome, int | None]]:
        """Each member's :meth:`~retroprog_sim.Client.session`, evaluated for all at once."""
        if not members:
            return []
        drawn = self._draw(day, np.array(members, dtype=np.int64), _doses(prescriptions))
        return [
            (
                outcome_of(
                    completed=completed,
                    pain=pain,
                    balance_losses=losses,
                    dizziness=dizzy,
                    form_breakdown=form,
                    rpe=float(rpe),
                    day=day,
                ),
                None if next_day < 0 else next_day,
            )
            for pain, next_day, losses, dizzy, form, completed, rpe in zip(
                *(column.tolist() for column in drawn), strict=True
            )
        ]

    def drops_out(
        self,
        members: Sequence[int],
        outcomes: Sequence[SessionOutcome],
        next_day_pains: Sequence[int | None],
    ) -> list[bool]:
        """Each member's :meth:`~retroprog_sim.Client.drops_out`: a draw from its own stream."""
        if not members:
            return []
        # each member's session as Client.drops_out reads it, field by field as arrays
        sessions = [draw_of(o, p) for o, p in zip(outcomes, next_day_pains, strict=True)]
        drawn = core.Draw._make(map(np.array, zip(*sessions, strict=True)))
        found: list[bool] = self.leaves(np.array(members, dtype=np.int64), drawn).tolist()
        return found


#: The fields of :class:`~.core.Latent` that are one number per client (not the exposures).
_NUMBERS = core.Latent._fields[:-1]


def _each(latent: core.Latent, change: Callable[[Any], Any]) -> core.Latent:
    """``latent`` with ``change`` applied to each of its numbers (or arrays)."""
    return latent._replace(
        **{name: change(getattr(latent, name)) for name in _NUMBERS},
        exposures=tuple(change(e) for e in latent.exposures),
    )


def _rows(params: Any, rows: Ints) -> Any:
    """The members ``rows`` of a block's parameters."""
    return SimpleNamespace(**{name: column[rows] for name, column in vars(params).items()})


def _doses(prescriptions: Sequence[Prescription]) -> PlanDose:
    """Each prescription's dose, as arrays: one :func:`plan_dose` per distinct prescription."""
    slot: dict[int, int] = {}  # by identity: the protocol's prescriptions are shared values
    distinct: list[PlanDose] = []
    rows: list[int] = []
    for prescription in prescriptions:
        i = slot.get(id(prescription))
        if i is None:
            i = slot[id(prescription)] = len(distinct)
            distinct.append(plan_dose(prescription))
        rows.append(i)
    return _indexed(core.block(distinct), np.array(rows))


def _indexed(stacked: Any, index: Ints) -> PlanDose:
    """The doses ``stacked`` (arrays, one entry per plan) of plans ``index``."""
    dose: PlanDose = stacked._replace(
        **{name: getattr(stacked, name)[index] for name in PlanDose._fields[:-1]},
        unfamiliar=tuple(column[index] for column in stacked.unfamiliar),
    )
    return dose
