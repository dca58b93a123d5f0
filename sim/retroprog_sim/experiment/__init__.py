"""Experiments: a comparison or a sweep written down, in Python or as a TOML file.

:mod:`.model` says what an experiment is and which runs it makes (:mod:`.tuning`
what its ``[tune]`` table searches), :mod:`.check`
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
from .tuning import MAX_TRIALS, Dimension, TuneSpec

__all__ = [
    "CELLS",
    "KINDS",
    "MAX_RUNS",
    "MAX_TRIALS",
    "Cell",
    "Dimension",
    "Experiment",
    "ExperimentFileError",
    "ExperimentResult",
    "Kind",
    "PolicyEntry",
    "PopulationEntry",
    "ProtocolChoice",
    "TuneSpec",
    "experiment_from_dict",
    "load_experiment",
    "run_cells",
    "run_experiment",
    "too_many_runs",
]
