"""Running an experiment: its cells on any executor, each saved as soon as it finishes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, as_completed
from pathlib import Path

import attrs

from ._compare import Difference, paired_differences, shared_stages
from ._engine import BlockResult
from ._experiment import Cell, Experiment, Kind
from ._run import Progress, SimulationResult, _run_block, assemble
from ._store import CellStore

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

    On an executor, every block of every cell is submitted at once, so a cluster
    stays busy across cells, and a cell is saved as soon as its last block is
    done, whatever the order.  If anything stops the run (Ctrl-C, a worker that
    dies), the blocks not started are cancelled and every cell saved so far
    stays saved: run the same cells again and they are skipped.  Returns the
    runs, in order, and how many were reused from the store.
    """
    total = sum(cell.spec.clients for cell in cells)
    done = 0
    results: dict[int, SimulationResult] = {}
    for i, cell in enumerate(cells):
        found = store.load(cell) if store is not None else None
        if found is not None:
            results[i] = found
            done += cell.spec.clients
            if finished is not None:
                finished(cell, True)
    reused = len(results)
    if progress is not None and done:
        progress(done, total)
    pending = [i for i in range(len(cells)) if i not in results]

    def complete(i: int, blocks: Iterable[BlockResult]) -> None:
        result = assemble(cells[i].spec, blocks)
        if store is not None:
            store.save(cells[i], result)
        results[i] = result
        if finished is not None:
            finished(cells[i], False)

    if executor is None:
        for i in pending:
            spec = cells[i].spec
            blocks = []
            for block in spec.blocks():
                blocks.append(_run_block(spec, block.start, block.stop))
                done += len(block)
                if progress is not None:
                    progress(done, total)
            complete(i, blocks)
        return [results[i] for i in range(len(cells))], reused
    futures: dict[Future[BlockResult], int] = {}
    for i in pending:
        spec = cells[i].spec
        for block in spec.blocks():
            futures[executor.submit(_run_block, spec, block.start, block.stop)] = i
    waiting = {i: [f for f, j in futures.items() if j == i] for i in pending}
    try:
        for future in as_completed(futures):
            i = futures[future]
            done += len(future.result().results)
            if progress is not None:
                progress(done, total)
            if all(f.done() for f in waiting[i]) and i not in results:
                complete(i, (f.result() for f in waiting[i]))
    finally:  # stopped early or not: nothing left running
        for future in futures:
            future.cancel()
    return [results[i] for i in range(len(cells))], reused


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
        for group, runs in _groups(cells, results).items():
            (_, baseline), *others = runs
            differences[group] = {
                cell.label: paired_differences(
                    baseline.clients,
                    result.clients,
                    horizon=result.spec.days,
                    resamples=resamples,
                    seed=cell.seed,
                    stages=shared_stages(baseline.spec.protocol, result.spec.protocol),
                )
                for cell, result in others
            }
    return ExperimentResult(experiment, kind, tuple(cells), tuple(results), differences, reused)
