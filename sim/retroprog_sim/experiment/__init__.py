"""Experiments: a comparison or a sweep written down, in Python or as a TOML file.

:mod:`.model` says what an experiment is and which runs it makes, :mod:`.check`
finds everything wrong with one, :mod:`.reader` reads a file, and :mod:`.run`
carries one out.
"""

from .check import MAX_RUNS, too_many_runs
from .model import (
    KINDS,
    Cell,
    Experiment,
    ExperimentFileError,
    Kind,
    PolicyEntry,
    PopulationEntry,
    ProtocolChoice,
)
from .reader import experiment_from_dict, load_experiment
from .run import CELLS, ExperimentResult, run_cells, run_experiment

__all__ = [
    "CELLS",
    "KINDS",
    "MAX_RUNS",
    "Cell",
    "Experiment",
    "ExperimentFileError",
    "ExperimentResult",
    "Kind",
    "PolicyEntry",
    "PopulationEntry",
    "ProtocolChoice",
    "experiment_from_dict",
    "load_experiment",
    "run_cells",
    "run_experiment",
    "too_many_runs",
]
