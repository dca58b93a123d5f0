"""A fitted population's parameters, their statuses, and the population file they make."""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs

from retroprog import ProgressionProtocol, RegressionPolicy

from ..model.params import ClientParams
from ..model.population import Distribution, PresetPopulation
from .data import ClinicLogs
from .latent import from_latent

__all__ = [
    "FITTED",
    "FIXED",
    "NOT_IDENTIFIED",
    "WALD",
    "WEAK",
    "WEAK_SHARE",
    "FittedParameter",
    "all_parameters",
    "natural",
    "population_of",
]

#: What a fitted parameter's status says.
FITTED = "fitted"
NOT_IDENTIFIED = (
    "kept at the prior's value: the logs do not clearly say more about it than one known client"
)
WEAK = "weakly identified: the logs say little about it per client; its interval is wide"
#: Weakly identified: the logs' information about a parameter is below this
#: share of what the clients' parameters, known exactly, would give.
WEAK_SHARE = 0.1
FIXED = "fixed in the prior"
#: How the intervals are found without a bootstrap.
WALD = (
    "Wald from the logs alone, with the Monte Carlo variance "
    "(profile likelihood for attendance and dropout)"
)


@attrs.frozen
class FittedParameter:
    """One population parameter: a client parameter's median or spread across clients.

    :param name: the :class:`~retroprog_sim.ClientParams` field.
    :param part: ``median`` or ``sigma``.
    :param estimate: the fitted value (the prior's when not fitted).
    :param low: the 95 % interval's lower end (``None`` when not fitted).
    :param high: its upper end.
    :param prior: the prior population's value.
    :param status: fitted; weakly identified (fitted, but the logs hold less
        than a tenth of the information the clients' parameters,
        known exactly, would: the interval is wide, and the estimate leans on
        the model); kept at the prior's value (not identifiable); or fixed in
        the prior.
    """

    name: str
    part: str
    estimate: float
    low: float | None
    high: float | None
    prior: float
    status: str


def natural(dist: Distribution, part: str, value: float) -> float:
    """A median or a spread from its value on the normal scale."""
    return float(from_latent(dist, value)) if part == "median" else math.exp(value)


def all_parameters(
    base: PresetPopulation, fitted: Sequence[FittedParameter]
) -> list[FittedParameter]:
    """Every parameter's median and spread, in the record's order (fixed ones as such)."""
    found = {(p.name, p.part): p for p in fitted}
    out = []
    for field in attrs.fields(ClientParams):
        dist = base.parameters[field.name]
        for part, value in (("median", dist.median), ("sigma", dist.sigma * base.heterogeneity)):
            if (field.name, part) in found:
                out.append(found[(field.name, part)])
            elif part == "median":
                out.append(FittedParameter(field.name, part, value, None, None, value, FIXED))
    return out


def population_of(
    base: PresetPopulation,
    name: str,
    parameters: Sequence[FittedParameter],
    clinic: ClinicLogs,
    protocol: ProgressionProtocol,
    policy: RegressionPolicy,
    weight: float,
) -> PresetPopulation:
    """The fitted population: fitted values with their intervals as sources, else the prior's."""
    found = {(p.name, p.part): p for p in parameters}
    h = base.heterogeneity
    fitted_to = (
        f"fitted to {clinic.clients} clients' logs ({clinic.sessions} sessions; "
        f"{protocol.name}, {policy.name} policy; "
        f"shrunk towards {base.name!r} as {weight:g} clients like these)"
    )
    out = {}
    for pname, dist in base.parameters.items():
        median, sigma = found.get((pname, "median")), found.get((pname, "sigma"))
        parts = [
            f"{p.part} 95 % CI {p.low:.4g}–{p.high:.4g}"
            + (" (weakly identified)" * (p.status == WEAK))
            for p in (median, sigma)
            if p is not None and p.low is not None and p.high is not None
        ]
        if dist.kind == "fixed" or not parts:
            why = "fixed in" if dist.kind == "fixed" else "not identified by the logs; kept at"
            note = f" [{why} the prior population {base.name!r}]"
            out[pname] = attrs.evolve(
                dist,
                sigma=0.0 if dist.kind == "fixed" else dist.sigma * h,
                source=None if dist.source is None else dist.source + note,
                assumption=None if dist.assumption is None else dist.assumption + note,
            )
            continue
        kept = [
            f"{p.part} kept at the prior's"
            for p in (median, sigma)
            if p is not None and p.low is None
        ]
        out[pname] = attrs.evolve(
            dist,
            median=median.estimate if median is not None else dist.median,
            sigma=sigma.estimate if sigma is not None else dist.sigma * h,
            source=f"{fitted_to}: {'; '.join(parts + kept)}",
            assumption=None,
        )
    return PresetPopulation(
        name,
        out,
        correlations=base.correlations,
        description=f"Fitted to a clinic's session logs ({clinic.clients} clients).",
        source=f"{fitted_to}; correlations and fixed parameters from {base.name!r}",
    )
