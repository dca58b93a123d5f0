"""Running an experiment: its cells on any executor, each saved as soon as it finishes."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from ..comparison import Difference, differences_from, pooled_differences, shared_stages
from ..execute import Progress, SimulationResult, pooled_run, run_specs
from ..store import CellStore
from .model import Cell, Experiment, Kind

if TYPE_CHECKING:
    import pandas

__all__ = ["CELLS", "ExperimentResult", "run_cells", "run_experiment"]

#: The store's folder inside an experiment's output folder.
CELLS = "cells"

#: Called with each cell as it finishes, and whether it was reused from the store.
Finished = Callable[[Cell, bool], None]


@attrs.frozen
class ExperimentResult:
    """What an experiment gave: every cell's run, and for a comparison the paired differences.

    :param experiment: what was run.
    :param kind: ``compare`` or ``sweep``.
    :param cells: the cells, in order.
    :param results: each cell's run, in the same order.
    :param differences: per group (population, seed), per policy label after the
        first, its paired differences from the first (comparisons only).
    :param reused: how many cells were taken from the store instead of run.
    """

    experiment: Experiment
    kind: Kind
    cells: tuple[Cell, ...]
    results: tuple[SimulationResult, ...]
    differences: dict[tuple[str, int], dict[str, list[Difference]]]
    reused: int = 0

    def groups(self) -> dict[tuple[str, int], list[tuple[Cell, SimulationResult]]]:
        """The cells of each (population, seed), in order: each group meets the same clients."""
        return _groups(self.cells, self.results)

    def to_pandas(self, table: str = "runs") -> pandas.DataFrame:
        """One of the tables written to the output folder, as a pandas DataFrame.

        ``table``: ``runs`` (one row per run), ``clients`` (every client of every
        run) or, for a comparison, ``differences``.  pandas is optional
        (``pip install 'retroprog[pandas]'``).
        """
        from ..present.notebook import experiment_frame

        return experiment_frame(self, table)

    def _repr_html_(self) -> str:
        """The tables the terminal shows, for notebooks."""
        from ..present.notebook import experiment_html

        return experiment_html(self)

    @property
    def seeds(self) -> tuple[int, ...]:
        """The experiment's seeds, in order."""
        return tuple(dict.fromkeys(cell.seed for cell in self.cells))

    def by_population(self) -> dict[str, dict[int, list[tuple[Cell, SimulationResult]]]]:
        """The groups of each population, by seed: the same runs on each seed's clients."""
        out: dict[str, dict[int, list[tuple[Cell, SimulationResult]]]] = {}
        for (population, seed), runs in self.groups().items():
            out.setdefault(population, {})[seed] = runs
        return out

    def pooled(self) -> dict[str, list[tuple[str, SimulationResult]]]:
        """Each population's runs pooled over the seeds, by label (see ``execute.pooled_run``)."""
        pooled: dict[str, list[tuple[str, SimulationResult]]] = {}
        for population, seeds in self.by_population().items():
            groups = list(seeds.values())
            pooled[population] = [
                (cell.label, pooled_run([runs[i][1] for runs in groups]))
                for i, (cell, _) in enumerate(groups[0])
            ]
        return pooled

    def pooled_differences(
        self, *, resamples: int = 1000
    ) -> dict[str, dict[str, list[Difference]]]:
        """A comparison's paired differences pooled over its seeds, per population.

        Each label's difference from the first run is the mean of its per-seed
        paired differences, with a bootstrap 95 % CI that resamples clients
        within each seed (see :func:`~retroprog_sim.pooled_differences`;
        seeded with the first seed).  Empty for a sweep.
        """
        if self.kind != "compare":
            return {}
        out: dict[str, dict[str, list[Difference]]] = {}
        for population, seeds in self.by_population().items():
            groups = list(seeds.values())
            (_, first), *others = groups[0]
            out[population] = {
                cell.label: pooled_differences(
                    [(runs[0][1].clients, runs[i][1].clients) for runs in groups],
                    horizon=run.spec.days,
                    resamples=resamples,
                    seed=self.seeds[0],
                    stages=shared_stages(first.spec.protocol, run.spec.protocol),
                )
                for i, (cell, run) in enumerate(others, start=1)
            }
        return out


def _groups(
    cells: Sequence[Cell], results: Sequence[SimulationResult]
) -> dict[tuple[str, int], list[tuple[Cell, SimulationResult]]]:
    groups: dict[tuple[str, int], list[tuple[Cell, SimulationResult]]] = {}
    for cell, result in zip(cells, results, strict=True):
        groups.setdefault(cell.group, []).append((cell, result))
    return groups


def run_cells(
    cells: Sequence[Cell],
    *,
    store: CellStore | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    finished: Finished | None = None,
) -> tuple[list[SimulationResult], int]:
    """Run ``cells`` (those not in ``store``), saving each the moment it finishes.

    The cells' runs go through the one scheduler (``execute.run_specs``): if
    anything stops them, every cell saved so far stays saved, and running the
    same cells again skips them.  Returns the runs, in order, and how many were
    reused from the store.
    """
    reused: list[int] = []

    def reuse(i: int) -> SimulationResult | None:
        found = store.load(cells[i]) if store is not None else None
        if found is not None:
            reused.append(i)
            if finished is not None:
                finished(cells[i], True)
        return found

    def save(i: int, result: SimulationResult) -> None:
        if store is not None:
            store.save(cells[i], result)
        if finished is not None:
            finished(cells[i], False)

    results = run_specs(
        [cell.spec for cell in cells],
        executor=executor,
        progress=progress,
        reuse=reuse,
        save=save,
    )
    return results, len(reused)


def run_experiment(
    experiment: Experiment,
    kind: Kind,
    *,
    out: str | os.PathLike[str] | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    finished: Finished | None = None,
    resamples: int = 1000,
) -> ExperimentResult:
    """Run ``experiment`` as a comparison or a sweep.

    With ``out`` (or else the experiment's own output folder, if it has one),
    each finished run is saved in ``out/cells/`` at once, and runs saved there
    by an earlier, interrupted attempt with the same settings are reused, so
    running the same experiment again completes it.  A comparison pairs every
    policy with the first on each population and seed (bootstrap 95 % CIs with
    ``resamples`` resamples, seeded with the seed).

    :raises ExperimentFileError: the experiment cannot be run as ``kind``.
    """
    cells = experiment.cells(kind)
    folder = out if out is not None else experiment.out
    store = CellStore(Path(folder) / CELLS) if folder is not None else None
    results, reused = run_cells(
        cells, store=store, executor=executor, progress=progress, finished=finished
    )
    differences: dict[tuple[str, int], dict[str, list[Difference]]] = {}
    if kind == "compare":
        for (population, seed), runs in _groups(cells, results).items():
            (_, baseline), *others = runs
            differences[population, seed] = differences_from(
                baseline,
                [(cell.label, result) for cell, result in others],
                resamples=resamples,
                seed=seed,
            )
    return ExperimentResult(experiment, kind, tuple(cells), tuple(results), differences, reused)
