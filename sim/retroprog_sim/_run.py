"""Runs: blocks of clients through any ``concurrent.futures.Executor``."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

import attrs

from retroprog.exceptions import InvalidValueError

from ._engine import BlockResult, ClientResult, RunSpec, run_block
from ._metrics import Summary, summarize

__all__ = [
    "DASK_CONNECT_TIMEOUT",
    "SimulationResult",
    "assemble",
    "check_dask_address",
    "cpu_count",
    "executor_for",
    "local_workers",
    "simulate",
    "submit",
]

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


#: Seconds to wait for a Dask scheduler to answer before giving up.
DASK_CONNECT_TIMEOUT = 10.0
#: The Dask address schemes (``HOST:PORT`` alone is ``tcp://HOST:PORT``).
DASK_SCHEMES = ("tcp", "tls", "ucx", "ws", "wss", "inproc")


def cpu_count() -> int:
    """The CPUs this process may run on: the most local workers that help."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def local_workers(workers: int) -> int:
    """The local worker processes used for ``workers``: at most :func:`cpu_count`."""
    return max(1, min(workers, cpu_count()))


def check_dask_address(address: str) -> str:
    """``address`` if it is ``local`` or the form of a Dask scheduler's address.

    :raises InvalidValueError: it is not (checked before any connection).
    """
    if address == "local":
        return address
    reason = (
        "is not a Dask scheduler address (give local, HOST:PORT or SCHEME://HOST:PORT, "
        f"SCHEME one of {', '.join(DASK_SCHEMES)})"
    )
    scheme, _, rest = address.rpartition("://")
    if (scheme or "tcp") not in DASK_SCHEMES or not rest or any(c.isspace() for c in address):
        raise InvalidValueError("dask", address, reason)
    if scheme == "inproc":
        return address
    try:
        from distributed.comm.addressing import parse_host_port
    except ImportError:  # pragma: no cover - depends on the environment
        return address  # executor_for says the extra is missing
    try:
        host, port = parse_host_port(rest)
    except ValueError:
        raise InvalidValueError("dask", address, reason) from None
    if not host or not 0 < port < 65536:
        raise InvalidValueError("dask", address, reason)
    return address


def _die_with(parent: int) -> None:
    """Make this worker process exit when ``parent`` (the run's process) dies.

    On Linux the kernel sends SIGTERM at once (``PR_SET_PDEATHSIG``); elsewhere,
    and in case the parent died before that was set, a thread looks every second.
    Ctrl-C stops the block at hand, as in any Python program (a forked worker
    would otherwise inherit the command's own handler).
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # gone already
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="retroprog-parent-watch", daemon=True).start()


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


@contextlib.contextmanager
def executor_for(workers: int = 1, dask: str | None = None) -> Iterator[Executor | None]:
    """The executor for ``--workers N`` / ``--dask ADDRESS`` (``local``: a LocalCluster).

    One worker and no Dask: ``None`` (run in-process).  Local workers, in a
    process pool or a LocalCluster, are at most one per CPU this process may
    use; a pool's workers exit when this process dies, however it dies.

    :raises ~retroprog.exceptions.InvalidValueError: ``dask`` is not an
        address, or no Dask scheduler answers there within 10 seconds.
    """
    if dask is not None:
        check_dask_address(dask)
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - depends on the environment
            raise InvalidValueError(
                "dask", dask, "needs the dask extra: pip install 'retroprog[dask]'"
            ) from None
        if dask == "local":
            with (
                LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=local_workers(workers),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                ) as cluster,
                Client(cluster) as client,  # type: ignore[no-untyped-call]
            ):
                yield client.get_executor()
        else:
            with _connect(Client, dask) as client:
                yield client.get_executor()
        return
    if workers <= 1:
        yield None
        return
    with ProcessPoolExecutor(
        max_workers=local_workers(workers), initializer=_die_with, initargs=(os.getpid(),)
    ) as pool:
        yield pool


def _connect(client: Callable[..., Any], address: str) -> Any:
    """A Dask client of the scheduler at ``address``, or one line saying why not."""
    try:
        return client(address, timeout=DASK_CONNECT_TIMEOUT)
    except Exception as exc:  # refused, timed out, or not a Dask scheduler at all
        raise InvalidValueError(
            "dask",
            address,
            f"no Dask scheduler answers there within {DASK_CONNECT_TIMEOUT:g} s "
            f"({type(exc).__name__}: {exc})",
        ) from None
