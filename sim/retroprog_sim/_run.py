"""Runs: blocks of clients through any ``concurrent.futures.Executor``."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

import attrs

from ._engine import BlockResult, ClientResult, RunSpec, run_block
from ._metrics import Summary, summarize

__all__ = ["SimulationResult", "assemble", "executor_for", "simulate", "submit"]

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


def _run_block(spec: RunSpec, first: int, last: int) -> BlockResult:
    """Module-level, so that process pools and Dask can pickle it."""
    return run_block(spec, range(first, last))


def simulate(
    spec: RunSpec,
    *,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> SimulationResult:
    """Simulate ``spec``'s clients, block by block, on ``executor`` (default: in-process).

    The result does not depend on the executor or its number of workers: every
    client's randomness comes from (seed, client id), blocks are fixed by
    ``spec.block_size``, and results are put back in client order.
    """
    return assemble(spec, submit(spec, executor), progress=progress)


def submit(spec: RunSpec, executor: Executor | None) -> Iterator[BlockResult]:
    """Start ``spec``'s blocks on ``executor`` (at once) or in-process (lazily, as iterated)."""
    blocks = spec.blocks()
    if executor is None:
        return (_run_block(spec, b.start, b.stop) for b in blocks)
    futures = [executor.submit(_run_block, spec, b.start, b.stop) for b in blocks]

    def results() -> Iterator[BlockResult]:
        try:
            for future in futures:
                yield future.result()
        finally:  # stopped early (an error, Ctrl-C): drop the blocks not started
            for future in futures:
                future.cancel()

    return results()


def assemble(
    spec: RunSpec, blocks: Iterable[BlockResult], *, progress: Progress | None = None
) -> SimulationResult:
    """Put a run's finished blocks together, in client order, and summarize them."""
    done = 0
    results: list[ClientResult] = []
    traces: list[dict[str, Any]] = []
    for block in blocks:
        results.extend(block.results)
        traces.extend(block.traces)
        done += len(block.results)
        if progress is not None:
            progress(done, spec.clients)
    results.sort(key=lambda r: r.client_id)
    traces.sort(key=lambda t: (t["client"], t["session"]))
    summary = summarize(
        results,
        protocol=spec.protocol.name,
        policy=spec.policy.name,
        population=spec.population.name,
        stage_names=[s.name for s in spec.protocol.stages],
        seed=spec.seed,
        weeks=spec.weeks,
    )
    return SimulationResult(spec, summary, results, traces)


@contextlib.contextmanager
def executor_for(workers: int = 1, dask: str | None = None) -> Iterator[Executor | None]:
    """The executor for ``--workers N`` / ``--dask ADDRESS`` (``local``: a LocalCluster).

    One worker and no Dask: ``None`` (run in-process).
    """
    if dask is not None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - depends on the environment
            from retroprog.exceptions import InvalidValueError

            raise InvalidValueError(
                "dask", dask, "needs the dask extra: pip install 'retroprog[dask]'"
            ) from None
        if dask == "local":
            with (
                LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=max(workers, 1),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                ) as cluster,
                Client(cluster) as client,  # type: ignore[no-untyped-call]
            ):
                yield client.get_executor()
        else:
            with Client(dask) as client:  # type: ignore[no-untyped-call]
                yield client.get_executor()
        return
    if workers <= 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=min(workers, os.cpu_count() or workers)) as pool:
        yield pool
