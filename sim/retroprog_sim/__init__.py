"""retroprog_sim: simulate populations of clients under a progression policy.

Each simulated client is a SimPy process with latent physiology drawn from a
population; policies are called through retroprog's public API only, so any
plug-in policy runs.  Every client's randomness derives from (seed, client id),
so results do not depend on the executor, the number of workers, or the order.

>>> import retroprog
>>> from retroprog_sim import RunSpec, load_population, simulate
>>> spec = RunSpec(
...     retroprog.load_protocol("retro-walk-run"),
...     retroprog.load_policy("reference"),
...     load_population("athlete"),
...     clients=50,
... )
>>> summary = simulate(spec).summary
>>> summary.clients, summary.sessions > 0
(50, True)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .comparison import (
        Comparison,
        Difference,
        compare,
        paired_differences,
        pooled_differences,
    )
    from .engine.blocks import ClientBlock
    from .engine.spec import RunSpec, schedule
    from .engine.tally import ClientResult
    from .execute import SimulationResult, simulate
    from .executors import executor_for
    from .experiment import (
        MAX_RUNS,
        Cell,
        Dimension,
        Experiment,
        ExperimentFileError,
        ExperimentResult,
        PolicyEntry,
        PopulationEntry,
        ProtocolChoice,
        TuneSpec,
        experiment_from_dict,
        load_experiment,
        run_experiment,
    )
    from .fit import FitResult, FittedParameter, LogsError, fit_population
    from .folder import OutputFolderError, verify_output
    from .model.block import ClientArrays
    from .model.client import Client, ClientModel
    from .model.likelihood import log_likelihood
    from .model.params import ClientParams
    from .model.population import (
        PRESETS,
        Distribution,
        Population,
        PopulationFileError,
        PresetPopulation,
        load_population,
    )
    from .present.files import write_experiment, write_outputs
    from .present.report import ReportGroup, ReportSection, render_report, write_report
    from .present.tuning import write_tune
    from .settings import (
        DEFAULT_TRACES,
        MAX_CLIENTS,
        MAX_WEEKS,
        SETTINGS,
        RunSettings,
        Setting,
    )
    from .stats import (
        KaplanMeier,
        Summary,
        bootstrap_ci,
        goal_durations,
        kaplan_meier,
        rate_ci,
        summarize,
    )
    from .tuning import Confirmation, LimitCheck, Trial, TuneResult, tune

__all__ = [
    "DEFAULT_TRACES",
    "MAX_CLIENTS",
    "MAX_RUNS",
    "MAX_WEEKS",
    "PRESETS",
    "SETTINGS",
    "Cell",
    "Client",
    "ClientArrays",
    "ClientBlock",
    "ClientModel",
    "ClientParams",
    "ClientResult",
    "Comparison",
    "Confirmation",
    "Difference",
    "Dimension",
    "Distribution",
    "Experiment",
    "ExperimentFileError",
    "ExperimentResult",
    "FitResult",
    "FittedParameter",
    "KaplanMeier",
    "LimitCheck",
    "LogsError",
    "OutputFolderError",
    "PolicyEntry",
    "Population",
    "PopulationEntry",
    "PopulationFileError",
    "PresetPopulation",
    "ProtocolChoice",
    "ReportGroup",
    "ReportSection",
    "RunSettings",
    "RunSpec",
    "Setting",
    "SimulationResult",
    "Summary",
    "Trial",
    "TuneResult",
    "TuneSpec",
    "bootstrap_ci",
    "compare",
    "executor_for",
    "experiment_from_dict",
    "fit_population",
    "goal_durations",
    "kaplan_meier",
    "load_experiment",
    "load_population",
    "log_likelihood",
    "paired_differences",
    "pooled_differences",
    "rate_ci",
    "render_report",
    "run_experiment",
    "schedule",
    "simulate",
    "summarize",
    "tune",
    "verify_output",
    "write_experiment",
    "write_outputs",
    "write_report",
    "write_tune",
]

#: Where each public name lives.  They are imported when first used, so that
#: ``import retroprog_sim`` (and the command line's ``--help`` and ``next``)
#: does not load SimPy, NumPy or matplotlib.
_LOCATIONS = {
    "DEFAULT_TRACES": "settings",
    "MAX_CLIENTS": "settings",
    "MAX_RUNS": "experiment",
    "MAX_WEEKS": "settings",
    "PRESETS": "model.population",
    "SETTINGS": "settings",
    "Cell": "experiment",
    "Client": "model.client",
    "ClientArrays": "model.block",
    "ClientBlock": "engine.blocks",
    "ClientModel": "model.client",
    "ClientParams": "model.params",
    "Distribution": "model.population",
    "ClientResult": "engine.tally",
    "Comparison": "comparison",
    "Confirmation": "tuning",
    "Difference": "comparison",
    "Dimension": "experiment",
    "Experiment": "experiment",
    "ExperimentFileError": "experiment",
    "ExperimentResult": "experiment",
    "KaplanMeier": "stats",
    "LimitCheck": "tuning",
    "OutputFolderError": "folder",
    "PolicyEntry": "experiment",
    "Population": "model.population",
    "PopulationEntry": "experiment",
    "PopulationFileError": "model.population",
    "PresetPopulation": "model.population",
    "ProtocolChoice": "experiment",
    "ReportGroup": "present.report",
    "ReportSection": "present.report",
    "RunSettings": "settings",
    "RunSpec": "engine.spec",
    "Setting": "settings",
    "SimulationResult": "execute",
    "Summary": "stats",
    "Trial": "tuning",
    "TuneResult": "tuning",
    "TuneSpec": "experiment",
    "bootstrap_ci": "stats",
    "compare": "comparison",
    "executor_for": "executors",
    "experiment_from_dict": "experiment",
    "goal_durations": "stats",
    "kaplan_meier": "stats",
    "load_experiment": "experiment",
    "load_population": "model.population",
    "log_likelihood": "model.likelihood",
    "FitResult": "fit",
    "FittedParameter": "fit",
    "LogsError": "fit",
    "fit_population": "fit",
    "paired_differences": "comparison",
    "pooled_differences": "comparison",
    "rate_ci": "stats",
    "render_report": "present.report",
    "run_experiment": "experiment",
    "schedule": "engine.spec",
    "simulate": "execute",
    "summarize": "stats",
    "tune": "tuning",
    "verify_output": "folder",
    "write_experiment": "present.files",
    "write_outputs": "present.files",
    "write_report": "present.report",
    "write_tune": "present.tuning",
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module when first asked for."""
    module = _LOCATIONS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # asked once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
