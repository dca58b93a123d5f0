"""Populations: where each simulated client's physiology is drawn from."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from random import Random
from typing import Any, Protocol, runtime_checkable

import attrs

from retroprog import support as v
from retroprog.exceptions import UnknownParameterError
from retroprog.plugins import POPULATIONS, resolve

from .client import Client, ClientModel, ClientParams

__all__ = ["PRESETS", "Population", "PresetPopulation", "client_streams", "load_population"]


@runtime_checkable
class Population(Protocol):
    """The plug-in point for a population of simulated clients."""

    @property
    def name(self) -> str:
        """The population's name, e.g. ``general``."""

    def client(self, seed: int, client_id: int) -> ClientModel:
        """Client ``client_id`` of a run with ``seed``: always the same client for both."""


def client_streams(seed: int, client_id: int, *names: str) -> list[Random]:
    """Independent random streams for one client, derived from (seed, client id) only."""
    return [Random(f"retroprog:{seed}:{client_id}:{name}") for name in names]


#: How each parameter varies between clients: "log" (log-normal around the
#: median), "logit" (logit-normal, for chances), or absent (the same for all).
_SPREAD = {
    "tolerance_seconds": ("log", 0.40),
    "stage_factor": ("log", 0.20),
    "adaptation": ("log", 0.35),
    "fatigue_weight": ("log", 0.25),
    "balance_risk": ("logit", 0.60),
    "dizziness_risk": ("logit", 0.60),
    "familiarity": ("log", 0.40),
    "pain_sensitivity": ("log", 0.35),
    "background_pain": ("logit", 0.60),
    "attendance": ("logit", 0.60),
    "dropout_hazard": ("logit", 0.50),
}


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


_TYPICAL = ClientParams()


@attrs.frozen
class PresetPopulation:
    """Clients whose parameters vary around a typical client.

    Every parameter but the time constants and ``dropout_after_bad`` is drawn per
    client, log-normally (or logit-normally for chances) around ``typical``'s
    value, with a spread scaled by ``heterogeneity`` (0: every client is the
    typical one; 1: the documented spread; 2: twice as varied).

    :param name: the population's name.
    :param typical: the median client.
    :param heterogeneity: how much clients vary ("varying tolerance").
    """

    name: str
    typical: ClientParams = attrs.field(default=_TYPICAL)
    heterogeneity: float = attrs.field(default=1.0, validator=v.number(0))

    def params(self, rng: Random) -> ClientParams:
        """Draw one client's parameters."""
        values: dict[str, float] = {}
        h = self.heterogeneity
        for field in attrs.fields(ClientParams):
            median = getattr(self.typical, field.name)
            kind, sigma = _SPREAD.get(field.name, ("fixed", 0.0))
            z = rng.gauss(0.0, 1.0)  # drawn for every field, so streams stay aligned
            spread = sigma * h * z
            if kind == "log" and spread:
                values[field.name] = median * math.exp(spread)
            elif kind == "logit" and spread:
                values[field.name] = 1 / (1 + math.exp(-(_logit(median) + spread)))
            else:  # no spread: exactly the typical value
                values[field.name] = median
        return ClientParams(**values)

    def client(self, seed: int, client_id: int) -> Client:
        """Client ``client_id``: drawn from (seed, client id) only."""
        params_rng, attendance, session, dropout = client_streams(
            seed, client_id, "params", "attendance", "session", "dropout"
        )
        return Client(self.params(params_rng), attendance, session, dropout)

    def evolve(self, **params: Any) -> PresetPopulation:
        """A copy with ``heterogeneity`` or typical-client parameters changed."""
        typical: dict[str, Any] = {}
        top: dict[str, Any] = {}
        known = ["heterogeneity", *(f.name for f in attrs.fields(ClientParams))]
        for key, value in params.items():
            if key == "heterogeneity":
                top[key] = value
            elif key in attrs.fields_dict(ClientParams):
                typical[key] = value
            else:
                raise UnknownParameterError(f"population {self.name!r}", key, known)
        return attrs.evolve(self, typical=attrs.evolve(self.typical, **typical), **top)


#: The built-in populations.  Sources for the shapes: the article (dizziness and
#: balance losses common at first), Banister's fitness–fatigue model, and
#: Silbernagel et al. 2007 for pain after loading in injured tendons.
GENERAL = PresetPopulation("general")
DECONDITIONED = PresetPopulation(
    "deconditioned",
    ClientParams(
        tolerance_seconds=35.0,
        stage_factor=0.38,
        adaptation=0.045,
        balance_risk=0.22,
        dizziness_risk=0.2,
        familiarity=5.0,
        pain_sensitivity=1.2,
        attendance=0.75,
        dropout_hazard=0.008,
    ),
)
POST_INJURY = PresetPopulation(
    "post-injury",
    ClientParams(
        tolerance_seconds=45.0,
        stage_factor=0.4,
        adaptation=0.045,
        balance_risk=0.2,
        pain_sensitivity=1.6,
        background_pain=0.15,
        attendance=0.85,
        dropout_hazard=0.006,
    ),
)
ATHLETE = PresetPopulation(
    "athlete",
    ClientParams(
        tolerance_seconds=100.0,
        stage_factor=0.6,
        adaptation=0.06,
        balance_risk=0.1,
        dizziness_risk=0.08,
        familiarity=2.0,
        pain_sensitivity=0.8,
        background_pain=0.01,
        attendance=0.92,
        dropout_hazard=0.002,
    ),
)

PRESETS: Mapping[str, PresetPopulation] = {
    p.name: p for p in (GENERAL, DECONDITIONED, POST_INJURY, ATHLETE)
}


def _preset(population: PresetPopulation) -> Callable[..., PresetPopulation]:
    def make(**params: Any) -> PresetPopulation:
        return population.evolve(**params) if params else population

    return make


#: The built-ins as the resolver takes them: name → factory taking the parameters.
_BUILTINS = {name: _preset(population) for name, population in PRESETS.items()}


def load_population(name: str, **params: Any) -> Population:
    """A population by name (built-in or plug-in) or ``MODULE:ATTR``, with parameters.

    ``name`` is resolved as :func:`retroprog.plugins.resolve` says: a built-in
    (:data:`PRESETS`), a ``retroprog.populations`` plug-in, or ``MODULE:ATTR``
    naming a population or a factory that takes ``params``.
    """
    population: Population = resolve(
        POPULATIONS, name, params, expect=Population, builtins=_BUILTINS
    )
    return population
