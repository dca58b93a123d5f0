"""The one execution path: runs, as blocks of clients, through any executor.

:func:`run_specs` is the only scheduler.  It splits each run into its blocks
(:meth:`RunSpec.blocks`), submits every block of every run at once to a
``concurrent.futures.Executor`` (or, without one, runs them here in order),
puts each run back together the moment its last block is done and hands it to
``save``, and cancels what has not started if anything stops it (Ctrl-C, a
worker that dies).  :func:`simulate` is one run through it; a comparison and
an experiment are several (see :mod:`retroprog_sim.comparison` and
:func:`~retroprog_sim.run_experiment`).

Results do not depend on the executor or its number of workers: every
client's randomness comes from (seed, client id), blocks are fixed by the
block size, and results are put back in client order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, as_completed
from typing import Any

import attrs

from .engine.process import run_block
from .engine.spec import RunSpec
from .engine.tally import BlockResult, ClientResult
from .model.activities import check_protocol
from .model.population import PresetPopulation
from .stats import Summary, summarize

__all__ = ["Progress", "SimulationResult", "assemble", "pooled_run", "run_specs", "simulate"]

#: Called after each finished block with (clients done, clients in all).
Progress = Callable[[int, int], None]


@attrs.frozen
class SimulationResult:
    """A run's summary, every client's result, and the traced sessions.

    :param spec: what was run.
    :param summary: the population's figures.
    :param clients: one result per client, by client id.
    :param traces: every session of the traced clients, as JSON-ready dicts.
    """

    spec: RunSpec
    summary: Summary
    clients: list[ClientResult]
    traces: list[dict[str, Any]]


def assemble(spec: RunSpec, blocks: Iterable[BlockResult]) -> SimulationResult:
    """Put a run's finished blocks together, in client order, and summarize them."""
    results: list[ClientResult] = []
    traces: list[dict[str, Any]] = []
    for block in blocks:
        results.extend(block.results)
        traces.extend(block.traces)
    results.sort(key=lambda r: r.client_id)
    traces.sort(key=lambda t: (t["client"], t["session"]))
    settings = spec.settings
    summary = summarize(
        results,
        protocol=spec.protocol.name,
        policy=spec.policy.name,
        population=spec.population.name,
        stage_names=[s.name for s in spec.protocol.stages],
        seed=settings.seed,
        weeks=settings.weeks,
    )
    return SimulationResult(spec, summary, results, traces)


def pooled_run(runs: Sequence[SimulationResult]) -> SimulationResult:
    """One run made of the same run on several seeds: every seed's clients, summarized together.

    The spec and traces are the first run's; the summary counts every client of
    every run (a goal rate is then the mean of the seeds' goal rates, as they
    have the same number of clients).  Client ids repeat across the seeds.
    """
    first = runs[0]
    if len(runs) == 1:
        return first
    clients = [client for run in runs for client in run.clients]
    spec = first.spec
    summary = summarize(
        clients,
        protocol=spec.protocol.name,
        policy=spec.policy.name,
        population=spec.population.name,
        stage_names=[s.name for s in spec.protocol.stages],
        seed=spec.settings.seed,
        weeks=spec.settings.weeks,
    )
    return SimulationResult(spec, summary, clients, first.traces)


def _run_block(spec: RunSpec, first: int, last: int) -> BlockResult:
    """One block: module-level, so that process pools and Dask can pickle it."""
    return run_block(spec, range(first, last))


def simulate(
    spec: RunSpec,
    *,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> SimulationResult:
    """Simulate ``spec``'s clients, block by block, on ``executor`` (default: in-process).

    The result does not depend on the executor or its number of workers: every
    client's randomness comes from (seed, client id), blocks are fixed by the
    block size, and results are put back in client order.
    """
    (result,) = run_specs([spec], executor=executor, progress=progress)
    return result


def run_specs(
    specs: Sequence[RunSpec],
    *,
    executor: Executor | None = None,
    progress: Progress | None = None,
    reuse: Callable[[int], SimulationResult | None] | None = None,
    save: Callable[[int, SimulationResult], None] | None = None,
) -> list[SimulationResult]:
    """Run ``specs`` (but those ``reuse`` finds), handing each to ``save`` as it finishes.

    ``reuse(i)`` may give run ``i``'s result from an earlier attempt; it is not
    run again.  On an executor, every block of every run is submitted at once,
    so a cluster stays busy across runs, and a run is saved as soon as its last
    block is done, whatever the order.  If anything stops the runs, the blocks
    not started are cancelled and every run saved so far stays saved.

    :returns: the results, in the order of ``specs``.
    """
    for spec in specs:  # the default client reads every plan's activities: check them first
        if isinstance(spec.population, PresetPopulation):
            check_protocol(spec.protocol)
    total = sum(spec.settings.clients for spec in specs)
    results: dict[int, SimulationResult] = {}
    for i in range(len(specs)):
        found = reuse(i) if reuse is not None else None
        if found is not None:
            results[i] = found
    done = sum(specs[i].settings.clients for i in results)
    if progress is not None and done:
        progress(done, total)
    pending = [i for i in range(len(specs)) if i not in results]

    def finish(i: int, blocks: Iterable[BlockResult]) -> None:
        result = assemble(specs[i], blocks)
        if save is not None:
            save(i, result)
        results[i] = result

    if executor is None:
        for i in pending:
            blocks = []
            for block in specs[i].blocks():
                blocks.append(_run_block(specs[i], block.start, block.stop))
                done += len(block)
                if progress is not None:
                    progress(done, total)
            finish(i, blocks)
        return [results[i] for i in range(len(specs))]
    futures: dict[Future[BlockResult], int] = {
        executor.submit(_run_block, specs[i], block.start, block.stop): i
        for i in pending
        for block in specs[i].blocks()
    }
    waiting = {i: [f for f, j in futures.items() if j == i] for i in pending}
    try:
        for future in as_completed(futures):
            i = futures[future]
            done += len(future.result().results)
            if progress is not None:
                progress(done, total)
            if all(f.done() for f in waiting[i]) and i not in results:
                finish(i, (f.result() for f in waiting[i]))
    finally:  # stopped early or not: nothing left running
        for future in futures:
            future.cancel()
    return [results[i] for i in range(len(specs))]
