"""Fit a population to a clinic's session logs, and check how well it fits.

:func:`fit_population` turns session logs into a population (an ordinary
population file once written); :func:`check_fit` simulates it under the same
protocol and policy and sets the clinic's figures beside the simulated ones.
"""

from __future__ import annotations

from .data import ClinicLogs, LogsError, read_logs
from .estimate import FitResult, FittedParameter
from .population import fit_population

__all__ = [
    "ClinicLogs",
    "FitResult",
    "FittedParameter",
    "LogsError",
    "fit_population",
    "read_logs",
]
