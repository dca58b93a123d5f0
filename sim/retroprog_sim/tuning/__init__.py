"""Tuning: search a policy's parameters under limits on figures, safely, and confirm the winner.

:func:`tune` runs an experiment's ``[tune]`` table: an Optuna study
(:mod:`.study`) whose candidates each pass the safety gate (:mod:`.gate`)
before they are simulated on the training clients, then a confirmation of the
best feasible candidates on fresh clients against the baseline
(:mod:`.confirm`).  It needs the ``tune`` extra (Optuna).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from retroprog.exceptions import InvalidValueError

from .confirm import Confirmation, LimitCheck, confirm
from .gate import Verdict, gate
from .study import SAFETY, Trial, TrialProgress, open_study, ranked, run_trials, study_name

if TYPE_CHECKING:
    import optuna

    from ..experiment.model import Experiment

__all__ = [
    "SAFETY",
    "STUDY",
    "Confirmation",
    "LimitCheck",
    "Trial",
    "TrialProgress",
    "TuneResult",
    "Verdict",
    "gate",
    "ranked",
    "tune",
]

#: The study's file in an output folder: a SQLite database, so that a tuning resumes.
STUDY = "study.sqlite3"


@attrs.frozen
class TuneResult:
    """What a tuning found.

    :param experiment: what was tuned (its ``tune`` table says how).
    :param trials: every finished trial, in order.
    :param confirmations: the candidates confirmed on fresh clients, best first;
        the last one passed if any did.
    :param importances: each searched parameter's importance for the objective
        (Optuna's PED-ANOVA over the simulated candidates; empty when there are
        too few to tell).
    :param resumed: trials that an earlier, stopped run had finished.
    :param study: the study's name in its storage.
    """

    experiment: Experiment
    trials: tuple[Trial, ...]
    confirmations: tuple[Confirmation, ...]
    importances: dict[str, float]
    resumed: int = 0
    study: str = ""

    @property
    def confirmed(self) -> Confirmation | None:
        """The candidate that passed confirmation, or ``None``."""
        last = self.confirmations[-1] if self.confirmations else None
        return last if last is not None and last.passed else None

    @property
    def best(self) -> Trial | None:
        """The confirmed candidate, else the best feasible one (``None``: none was feasible)."""
        if self.confirmed is not None:
            return self.confirmed.trial
        spec = self.experiment.tune
        found = ranked(self.trials, "maximize" if spec is None else spec.direction)
        return found[0] if found else None


@contextlib.contextmanager
def _quiet_optuna() -> Iterator[None]:
    """Optuna's per-trial log lines off while the tuning runs (the progress bar says it)."""
    logger = logging.getLogger("optuna")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _importances(study: optuna.Study, trials: Sequence[Trial]) -> dict[str, float]:
    """PED-ANOVA importances over the distinct simulated candidates with an objective."""
    import optuna

    simulated = {t.number for t in trials if t.simulated and t.repeat_of is None}
    usable = [
        t
        for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        if t.number in simulated and t.value is not None and math.isfinite(t.value)
    ]
    if len(usable) < 2 or len({t.value for t in usable}) < 2:
        return {}
    copy = optuna.create_study(direction=study.direction)
    copy.add_trials(usable)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. too few trials for the evaluator's quantile
        try:
            found = optuna.importance.get_param_importances(copy)
        except (ValueError, RuntimeError):
            return {}
    return {name: float(value) for name, value in found.items()}


def tune(
    experiment: Experiment,
    *,
    out: str | os.PathLike[str] | None = None,
    executor: Executor | None = None,
    progress: TrialProgress | None = None,
    resamples: int = 1000,
) -> TuneResult:
    """Tune ``experiment``'s ``[tune]`` policy; the result, confirmed on fresh clients.

    With ``out`` (or else the experiment's own output folder, if it has one)
    the study lives in ``out/study.sqlite3``: a tuning stopped by Ctrl-C or a
    crash resumes where it stopped when run again, and asking for more trials
    continues the same study.  Without, the study lives in memory.  Nothing is
    written but the study (see :func:`~retroprog_sim.write_tune`).

    :raises ExperimentFileError: the experiment cannot be tuned (every problem).
    :raises InvalidValueError: Optuna is not installed (the ``tune`` extra).
    """
    from ..experiment.model import ExperimentFileError

    found = experiment.problems("tune")
    if found:
        raise ExperimentFileError(str(experiment.source or experiment.name), found)
    assert experiment.tune is not None
    spec = experiment.tune
    try:
        import optuna
    except ImportError:  # pragma: no cover - depends on the environment
        raise InvalidValueError(
            "tune", spec.policy, "needs the tune extra: pip install 'retroprog[tune]'"
        ) from None
    folder = out if out is not None else experiment.out
    storage = None
    if folder is not None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        storage = optuna.storages.RDBStorage(f"sqlite:///{Path(folder) / STUDY}")
    name = study_name(experiment, spec)
    try:
        with _quiet_optuna():
            study, resumed = open_study(spec, name=name, storage=storage)
            trials = run_trials(experiment, spec, study, executor=executor, progress=progress)
            importances = _importances(study, trials)
    finally:
        if storage is not None:  # close the database now, not when collected
            storage.remove_session()
            storage.engine.dispose()
    if progress is not None:
        progress(len(trials), spec.trials, "confirming the best on fresh clients")
    confirmations = confirm(
        experiment,
        spec,
        ranked(trials, spec.direction),
        executor=executor,
        resamples=resamples,
    )
    return TuneResult(experiment, tuple(trials), tuple(confirmations), importances, resumed, name)
