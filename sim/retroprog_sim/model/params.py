"""A client's parameters: one record, no NumPy (populations are read without the engine)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from retroprog import support as v
from retroprog.exceptions import InvalidValueError

__all__ = ["ClientParams", "each_client"]


def _above(other: str) -> Any:
    def check(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if inst is None:  # a value checked on its own (a file's): the record checks the pair
            return
        if value <= getattr(inst, other):
            raise InvalidValueError(
                attribute.name, value, f"must be above {other} ({getattr(inst, other)})"
            )

    return check


@attrs.frozen
class ClientParams:
    """One client's latent physiology.  Defaults are a typical (``general``) client.

    Tolerance belongs to an activity family (walking, running) and is measured in
    minutes of the family's reference activity (walking at 3.5 MET, jogging at
    7 MET); a plan's strain against it is its ``PlanDose`` (``retroprog_sim.model.activities``).
    It adapts by Banister's additive fitness–fatigue model, bounded by a ceiling
    (see ``retroprog_sim.model.core.tolerances``).  Where each default comes
    from is in ``docs/client-model.rst`` (and in the population files).

    :param walk_tolerance: minutes of walking the client manages comfortably at the start.
    :param run_tolerance: minutes of continuous running (jogging) at the start.
    :param walk_ceiling: the most walking tolerance can ever reach, minutes.
    :param run_ceiling: the most running tolerance can ever reach, minutes.
    :param gain: Banister's fitness gain k1: minutes of tolerance per minute of load.
    :param fatigue_ratio: Banister's fatigue gain k2 as a multiple of k1.
    :param tau_fitness: fitness time constant, days.
    :param tau_fatigue: fatigue time constant, days.
    :param pain_at_tolerance: chance of pain from load in a session at tolerance.
    :param pain_sensitivity: how fast that chance rises (slope per unit of log strain ratio).
    :param load_spike_weight: how much a spike in acute:chronic load raises pain
        risk (0 turns the term off).
    :param background_pain: chance of pain unrelated to load (e.g. after injury).
    :param balance_risk: chance of a balance loss in a first session of an
        unfamiliar (backwards) activity at tolerance.
    :param dizziness_risk: chance of dizziness in such a first session.
    :param familiarity: exposures after which both risks have fallen to 1/e.
    :param attendance: chance of attending a scheduled session.
    :param dropout_hazard: chance of dropping out after an ordinary session.
    :param dropout_after_bad: how many times likelier dropout is after a bad session.
    """

    walk_tolerance: float = attrs.field(default=40.0, validator=v.positive)
    run_tolerance: float = attrs.field(default=5.0, validator=v.positive)
    walk_ceiling: float = attrs.field(
        default=240.0, validator=[v.positive, _above("walk_tolerance")]
    )
    run_ceiling: float = attrs.field(default=75.0, validator=[v.positive, _above("run_tolerance")])
    gain: float = attrs.field(default=0.33, validator=v.number(0))
    fatigue_ratio: float = attrs.field(default=1.0, validator=v.number(0))
    tau_fitness: float = attrs.field(default=38.0, validator=v.positive)
    tau_fatigue: float = attrs.field(default=19.0, validator=v.positive)
    pain_at_tolerance: float = attrs.field(default=0.05, validator=v.number(1e-6, 1 - 1e-6))
    pain_sensitivity: float = attrs.field(default=4.0, validator=v.number(0))
    load_spike_weight: float = attrs.field(default=0.5, validator=v.number(0))
    background_pain: float = attrs.field(default=0.02, validator=v.number(0, 0.99))
    balance_risk: float = attrs.field(default=0.15, validator=v.number(0, 1))
    dizziness_risk: float = attrs.field(default=0.15, validator=v.number(0, 1))
    familiarity: float = attrs.field(default=3.0, validator=v.positive)
    attendance: float = attrs.field(default=0.763, validator=v.number(0, 1))
    dropout_hazard: float = attrs.field(default=0.004, validator=v.number(0, 1))
    dropout_after_bad: float = attrs.field(default=4.0, validator=v.number(1))


def each_client(columns: Mapping[str, Any]) -> list[ClientParams]:
    """Each client's :class:`ClientParams` from one array of values per field (checked).

    ``columns`` are NumPy arrays, one entry per client, as a population draws them.
    """
    values = {name: column.tolist() for name, column in columns.items()}
    count = len(next(iter(values.values()), []))
    return [ClientParams(**{name: v[i] for name, v in values.items()}) for i in range(count)]
