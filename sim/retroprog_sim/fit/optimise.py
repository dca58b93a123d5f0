"""Numerical helpers of the fit: minimise over some entries, curvature, profile intervals."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

__all__ = ["MAX_OFFSET", "PROFILE_DROP", "curvature", "minimize_over", "profile_interval"]

Array = npt.NDArray[np.float64]

#: The χ²₁ 95 % quantile halved: a profile-likelihood interval's drop in log-likelihood.
PROFILE_DROP = 1.920729410347062

#: The farthest a profile interval's end reaches from the estimate, on φ's scale
#: (log or logit): a factor of e¹⁰ ≈ 22 000, beyond any meaningful value.  The
#: profile of a parameter the logs barely bound (possible without shrinkage,
#: ``--prior-weight 0``) is nearly flat, and its quadratic ends would leave
#: the floats.
MAX_OFFSET = 10.0


def minimize_over(
    fun: Callable[[Array], Any], x0: Array, *, jac: bool, fixed: Mapping[int, float]
) -> tuple[Array, float]:
    """Minimise over the entries of φ not in ``fixed`` (index → value)."""
    free = np.array([i for i in range(len(x0)) if i not in fixed], dtype=int)
    full = x0.copy()
    for i, value in fixed.items():
        full[i] = value
    if not len(free):
        value = fun(full)
        return full, float(value[0] if jac else value)

    def wrapped(y: Array) -> Any:
        phi = full.copy()
        phi[free] = y
        if jac:
            f, g = fun(phi)
            return f, g[free]
        return fun(phi)

    result = minimize(wrapped, full[free], jac=jac, method="BFGS")
    full[free] = result.x
    return full, float(result.fun)


def curvature(fun: Callable[[Array], Any], phi: Array, *, jac: bool, step: float = 1e-3) -> Array:
    """The diagonal of the objective's second derivative at ``phi`` (finite differences)."""
    diagonal = np.empty(len(phi))
    for i in range(len(phi)):
        e = np.zeros(len(phi))
        e[i] = step
        if jac:
            diagonal[i] = (fun(phi + e)[1][i] - fun(phi - e)[1][i]) / (2 * step)
        else:
            diagonal[i] = (fun(phi + e) - 2 * fun(phi) + fun(phi - e)) / step**2
    return diagonal


def profile_interval(
    fun: Callable[[Array], Any],
    phi: Array,
    best: float,
    i: int,
    *,
    jac: bool,
    curvature: float,
    fixed: Mapping[int, float],
) -> tuple[float, float]:
    """φ_i's 95 % profile-likelihood interval: where the profile rises by :data:`PROFILE_DROP`.

    Starts at the quadratic approximation's ends and corrects once along the
    signed root of the profile's rise, which is nearly linear in φ_i; neither
    end goes farther than :data:`MAX_OFFSET` from φ_i.
    """
    se = 1.0 / math.sqrt(max(curvature, 1e-9))
    ends = []
    for sign in (-1.0, 1.0):
        offset = min(1.96 * se, MAX_OFFSET)
        _, f = minimize_over(fun, phi, jac=jac, fixed={**fixed, i: phi[i] + sign * offset})
        rise = max(f - best, 1e-12)
        offset = min(offset * 1.96 / math.sqrt(2.0 * rise), 10.0 * offset, MAX_OFFSET)
        ends.append(phi[i] + sign * offset)
    return ends[0], ends[1]
