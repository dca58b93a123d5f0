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

from ._client import Client, ClientModel, ClientParams
from ._compare import Comparison, Difference, compare, paired_differences, sweep
from ._engine import ClientResult, RunSpec, schedule
from ._metrics import (
    KaplanMeier,
    Summary,
    bootstrap_ci,
    goal_durations,
    kaplan_meier,
    rate_ci,
    summarize,
)
from ._output import write_comparison, write_outputs, write_sweep
from ._population import PRESETS, Population, PresetPopulation, load_population
from ._run import SimulationResult, executor_for, simulate

__all__ = [
    "PRESETS",
    "Client",
    "ClientModel",
    "ClientParams",
    "ClientResult",
    "Comparison",
    "Difference",
    "KaplanMeier",
    "Population",
    "PresetPopulation",
    "RunSpec",
    "SimulationResult",
    "Summary",
    "bootstrap_ci",
    "compare",
    "executor_for",
    "goal_durations",
    "kaplan_meier",
    "load_population",
    "paired_differences",
    "rate_ci",
    "schedule",
    "simulate",
    "summarize",
    "sweep",
    "write_comparison",
    "write_outputs",
    "write_sweep",
]
