"""A block of clients as the engine sees it: asked about many clients at once.

The engine steps a block of clients day by day and asks its
:class:`ClientBlock` about all the clients due that day in one call: who
attends, what happened in their sessions, who drops out.  A population whose
model evaluates many clients at once (arrays over the block) provides the
block itself through a ``block(seed, ids)`` method (the built-in populations
do: :class:`~retroprog_sim.ClientArrays`); any other population gives
one client at a time (:meth:`Population.client <retroprog_sim.Population.client>`)
and :class:`PerClientBlock` asks each of them in turn.  Either way a client
draws only from its own streams, in the same order, so the two forms give the
same results.

Members of a block are numbered from 0 in the order of its client ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from retroprog import Prescription, SessionOutcome

from ..model.client import ClientModel
from ..model.population import Population, PresetPopulation

__all__ = ["ClientBlock", "PerClientBlock", "block_of"]


@runtime_checkable
class ClientBlock(Protocol):
    """The clients of one block, asked about several members at once.

    Each method takes the members concerned (their numbers in the block, in
    increasing order) and answers for each, in the same order.  A member is
    asked about a day only while it is in the programme, and about its days in
    order.
    """

    def attends(self, day: int, members: Sequence[int]) -> Sequence[bool]:
        """Whether each member attends the session scheduled on ``day``."""

    def sessions(
        self,
        day: int,
        members: Sequence[int],
        prescriptions: Sequence[Prescription],
        stage_indices: Sequence[int],
    ) -> Sequence[tuple[SessionOutcome, int | None]]:
        """Each member's session: its outcome (without next-day pain) and next-day pain."""

    def drops_out(
        self,
        members: Sequence[int],
        outcomes: Sequence[SessionOutcome],
        next_day_pains: Sequence[int | None],
    ) -> Sequence[bool]:
        """Whether each member gives up after its session (outcome amended with next-day pain)."""


class PerClientBlock:
    """A block made of per-client models: each member asked in turn.

    :param models: one :class:`~retroprog_sim.ClientModel` per member.
    """

    __slots__ = ("models",)

    def __init__(self, models: Sequence[ClientModel]) -> None:
        self.models = models

    def attends(self, day: int, members: Sequence[int]) -> list[bool]:
        """Each member's own :meth:`ClientModel.attends`."""
        models = self.models
        return [models[m].attends(day) for m in members]

    def sessions(
        self,
        day: int,
        members: Sequence[int],
        prescriptions: Sequence[Prescription],
        stage_indices: Sequence[int],
    ) -> list[tuple[SessionOutcome, int | None]]:
        """Each member's own :meth:`ClientModel.session`."""
        models = self.models
        return [
            models[m].session(prescription, index, day)
            for m, prescription, index in zip(members, prescriptions, stage_indices, strict=True)
        ]

    def drops_out(
        self,
        members: Sequence[int],
        outcomes: Sequence[SessionOutcome],
        next_day_pains: Sequence[int | None],
    ) -> list[bool]:
        """Each member's own :meth:`ClientModel.drops_out`."""
        models = self.models
        return [
            models[m].drops_out(outcome, pain)
            for m, outcome, pain in zip(members, outcomes, next_day_pains, strict=True)
        ]


def block_of(
    population: Population, seed: int, ids: Sequence[int], *, one_by_one: bool = False
) -> ClientBlock:
    """The clients ``ids`` of ``population`` as a block: its own block form, if it has one.

    A population may offer ``block(seed, ids)``, returning a :class:`ClientBlock`
    that must behave exactly as its clients one by one; otherwise, or when the
    engine will ask about its clients ``one_by_one`` (a coach sees them one at
    a time, and arrays of one client cost more than the client itself), each
    client comes from ``population.client(seed, id)``.

    ``block`` is used only where the population's class defines it with (or
    after) ``client``: a subclass that overrides ``client`` alone, say of
    :class:`~retroprog_sim.PresetPopulation`, changed how a client is made, and
    the block it inherits would not know; its clients are asked one by one.
    """
    follows = _block_follows_client(type(population))
    if follows and not one_by_one:
        made: ClientBlock = population.block(seed, ids)  # type: ignore[attr-defined]
        return made
    if follows and isinstance(population, PresetPopulation):  # drawn at once, asked one by one
        return PerClientBlock(population.block(seed, ids).members())
    return PerClientBlock([population.client(seed, client_id) for client_id in ids])


def _block_follows_client(kind: type) -> bool:
    """Whether ``kind`` has a ``block`` defined where its ``client`` is, or in a subclass."""

    def owner(name: str) -> type | None:
        return next((c for c in kind.__mro__ if name in vars(c)), None)

    block, client = owner("block"), owner("client")
    return block is not None and client is not None and issubclass(block, client)
