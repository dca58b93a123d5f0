"""What a run is: the protocol, the policy, the population and the run's settings.

This module does not import SimPy: the command line and the experiment files
build runs without loading the engine.
"""

from __future__ import annotations

from typing import Any

import attrs

from retroprog import ProgressionProtocol, RegressionPolicy

from ..model.population import Population
from ..settings import SETTINGS, RunSettings

__all__ = ["RunSpec", "schedule"]


@attrs.frozen(init=False)
class RunSpec:
    """Everything a run needs, picklable so that any executor can take it.

    The run's settings are a :class:`~retroprog_sim.RunSettings`, given as
    ``settings`` or field by field as keywords (``RunSpec(protocol, policy,
    population, clients=50)``), and read as ``spec.settings.clients`` or
    ``spec.clients``.

    :param protocol: the progression protocol.
    :param policy: the regression policy, called through its public ``decide`` only.
    :param population: where clients come from.
    :param settings: the run's settings (default: :class:`~retroprog_sim.RunSettings`'s).
    """

    protocol: ProgressionProtocol
    policy: RegressionPolicy
    population: Population
    settings: RunSettings

    def __init__(
        self,
        protocol: ProgressionProtocol,
        policy: RegressionPolicy,
        population: Population,
        settings: RunSettings | None = None,
        **changes: Any,
    ) -> None:
        base = RunSettings() if settings is None else settings
        self.__attrs_init__(
            protocol,
            policy,
            population,
            attrs.evolve(base, **changes) if changes else base,
        )

    def __getattr__(self, name: str) -> Any:
        """A setting, e.g. ``spec.clients`` for ``spec.settings.clients``."""
        if name in SETTINGS:
            return getattr(self.settings, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def days(self) -> int:
        """Days followed."""
        return 7 * self.settings.weeks

    def blocks(self) -> list[range]:
        """The client ids of each block, in order."""
        size, clients = self.settings.block_size, self.settings.clients
        return [range(i, min(i + size, clients)) for i in range(0, clients, size)]


def schedule(weeks: int, sessions_per_week: int) -> list[int]:
    """The scheduled session days: ``sessions_per_week`` spread over each week."""
    offsets = sorted({round(i * 7 / sessions_per_week) for i in range(sessions_per_week)})
    return [7 * week + offset for week in range(weeks) for offset in offsets]
