"""Population parameters on the scale a fit works on: each client parameter's normal draw.

A population gives each parameter a distribution (``lognormal``, ``logitnormal``,
``normal``) that is a normal on a transformed scale (log, logit, identity); its
median and spread are a mean *m* and a standard deviation *s* there.  A fit
moves *m* and log *s*, and reads parameter draws back through the inverse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..model.population import Distribution, PresetPopulation

__all__ = ["correlation", "from_latent", "to_latent"]

Array = npt.NDArray[np.float64]


def to_latent(kind: str, value: Any) -> Any:
    """A parameter's value on its distribution's normal scale."""
    if kind == "lognormal":
        return np.log(value)
    if kind == "logitnormal":
        return np.log(value) - np.log1p(-value)
    return value


def from_latent(d: Distribution, x: Any) -> Any:
    """Values from normal-scale draws ``x``, clipped to the distribution's range."""
    if d.kind == "lognormal":
        value = np.exp(x)
    elif d.kind == "logitnormal":
        value = 0.5 * (1.0 + np.tanh(0.5 * x))  # the logistic, without overflow
    else:
        value = np.asarray(x, dtype=float)
    low = -np.inf if d.low is None else d.low
    high = np.inf if d.high is None else d.high
    return np.clip(value, low, high)


def correlation(population: PresetPopulation, names: Sequence[str]) -> Array:
    """The population's correlation matrix between the normal draws of ``names``."""
    index = {name: i for i, name in enumerate(names)}
    matrix = np.eye(len(names))
    pairs: Mapping[tuple[str, str], float] = population.correlations
    for (a, b), rho in pairs.items():
        if a in index and b in index:
            matrix[index[a], index[b]] = matrix[index[b], index[a]] = rho
    return matrix
