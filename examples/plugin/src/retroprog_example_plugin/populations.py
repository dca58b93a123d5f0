"""The example plug-in's population, for retroprog's simulation harness.

It is a module of its own because it imports :mod:`retroprog_sim`, which needs
retroprog's ``sim`` extra (``pip install "retroprog[sim]"``): the policy and the
protocol of this package load without it.

``older-adults`` is registered in the ``retroprog.populations`` entry-point
group; :func:`retroprog_sim.load_population` calls :func:`older_adults` with the
parameters it is given:

>>> from retroprog_sim import load_population
>>> population = load_population("older-adults", heterogeneity=0.5)
>>> population.name, population.heterogeneity, population.typical.walk_tolerance
('older-adults', 0.5, 25.0)
>>> load_population("older-adults", attendance=0.9).typical.attendance
0.9
"""

from __future__ import annotations

from typing import Any

import attrs

from retroprog_sim import PRESETS, PresetPopulation

__all__ = ["OLDER_ADULTS", "older_adults"]

#: Older adults (about 65 and over, living independently) starting retro-walking:
#: the ``general`` population's distributions, with other medians.
#:
#: The directions come from the literature: older adults walk backwards more slowly,
#: with shorter strides, than young adults (Laufer 2005, J Gerontol A 60(5):627–632),
#: and backward walking is more impaired by age than forward walking, most in those
#: who fall (Fritz et al. 2013, Gait Posture 37(4):593–597).  The magnitudes are
#: assumptions, not measured: chosen so the typical client sits between ``general``
#: and ``deconditioned`` for tolerance and adaptation, and within
#: ``retroprog_sim.testing.CLIENT_PARAM_BOUNDS`` for every field.  Medians not set
#: here are the ``general`` client's.
OLDER_ADULTS = attrs.evolve(
    PRESETS["general"],
    name="older-adults",
    description="Older adults (65 and over, living independently) starting retro-walking.",
    source="Directions from Laufer 2005 and Fritz et al. 2013; magnitudes are assumptions.",
).evolve(
    # less walking tolerance (general: 40 min) and very little running (general: 5 min)
    walk_tolerance=25.0,
    run_tolerance=2.0,
    # a slower training response with age (general: 0.3); an assumption
    gain=0.25,
    # balance losses likelier at first (general: 0.15): age effects are largest
    # in backward gait (Fritz et al. 2013); the top of the documented bounds
    balance_risk=0.25,
    # dizziness when turning and walking backwards likelier (general: 0.15); an assumption
    dizziness_risk=0.22,
    # the unfamiliar movement takes longer to learn (general: 3 exposures); an assumption
    familiarity=5.0,
    # mild pain unrelated to the load, e.g. from knee or hip arthritis (general: 0.02)
    background_pain=0.08,
    # illness, appointments and transport miss sessions (general: 0.763); an assumption
    attendance=0.7,
    # likelier to give up (general: 0.004); an assumption
    dropout_hazard=0.006,
    # and much likelier after a bad session, e.g. a balance loss that stirs a fear
    # of falling (general: 4 times); an assumption
    dropout_after_bad=5.0,
)


def older_adults(**params: Any) -> PresetPopulation:
    """The ``older-adults`` population, with ``heterogeneity`` or typical-client overrides.

    Takes the same parameters as the built-in populations (see
    :meth:`retroprog_sim.PresetPopulation.evolve`), e.g.
    ``older_adults(heterogeneity=0.5, attendance=0.9)``.

    :raises retroprog.exceptions.UnknownParameterError: a parameter that is neither
        ``heterogeneity`` nor a :class:`retroprog_sim.ClientParams` field.
    :raises retroprog.exceptions.InvalidValueError: a value out of range.
    """
    return OLDER_ADULTS.evolve(**params) if params else OLDER_ADULTS
