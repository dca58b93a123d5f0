"""The example plug-in's population, for retroprog's simulation harness.

It is a module of its own because it imports :mod:`retroprog_sim`, which needs
retroprog's ``sim`` extra (``pip install "retroprog[sim]"``): the policy and the
protocol of this package load without it.

``older-adults`` is registered in the ``retroprog.populations`` entry-point
group; :func:`retroprog_sim.load_population` calls :func:`older_adults` with the
parameters it is given:

>>> from retroprog_sim import load_population
>>> population = load_population("older-adults", heterogeneity=0.5)
>>> population.name, population.heterogeneity, population.typical.tolerance_seconds
('older-adults', 0.5, 40.0)
>>> load_population("older-adults", attendance=0.9).typical.attendance
0.9
"""

from __future__ import annotations

from typing import Any

from retroprog_sim import ClientParams, PresetPopulation

__all__ = ["OLDER_ADULTS", "older_adults"]

#: Older adults (about 65 and over, living independently) starting retro-walking.
#:
#: The directions come from the literature: older adults walk backwards more slowly,
#: with shorter strides, than young adults (Laufer 2005, J Gerontol A 60(5):627–632),
#: and backward walking is more impaired by age than forward walking, most in those
#: who fall (Fritz et al. 2013, Gait Posture 37(4):593–597).  The magnitudes are
#: calibration, not measured: chosen so the typical client sits between ``general``
#: and ``deconditioned`` for tolerance and adaptation, and within
#: ``retroprog_sim.testing.CLIENT_PARAM_BOUNDS`` for every field.  Fields not set
#: here are the ``general`` client's.
OLDER_ADULTS = PresetPopulation(
    "older-adults",
    ClientParams(
        # shorter comfortable bout backwards (general: 60 s): slower, shorter strides
        tolerance_seconds=40.0,
        # retro-running is a bigger jump than for the general client (0.45)
        stage_factor=0.38,
        # a slower training response with age (general: 0.05); calibration
        adaptation=0.04,
        # slower recovery between sessions (general: 7 days); calibration
        tau_fatigue=9.0,
        # balance losses likelier at first (general: 0.15): age effects are largest
        # in backward gait (Fritz et al. 2013); the top of the documented bounds
        balance_risk=0.25,
        # dizziness when turning and walking backwards likelier (general: 0.15); calibration
        dizziness_risk=0.22,
        # the unfamiliar movement takes longer to learn (general: 3 exposures); calibration
        familiarity=5.0,
        # mild pain unrelated to the load, e.g. from knee or hip arthritis (general: 0.02);
        # calibration
        background_pain=0.08,
        # illness, appointments and transport miss sessions (general: 0.85); calibration
        attendance=0.8,
        # likelier to give up (general: 0.004); calibration
        dropout_hazard=0.006,
        # and much likelier after a bad session, e.g. a balance loss that stirs a fear
        # of falling (general: 4 times); calibration
        dropout_after_bad=5.0,
    ),
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
