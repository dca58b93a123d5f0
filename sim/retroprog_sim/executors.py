"""Executors: local worker processes, or a Dask cluster, for :mod:`~retroprog_sim.execute`.

:func:`executor_for` gives the executor that ``--workers N`` and ``--dask
ADDRESS`` ask for; a local pool's workers die with the process that started
them, and a Dask address is checked before any connection.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from retroprog.exceptions import InvalidValueError
from retroprog.support import install_hint

__all__ = [
    "DASK_CONNECT_TIMEOUT",
    "check_dask_address",
    "cpu_count",
    "executor_for",
    "local_workers",
]

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
                "dask", dask, f"needs the dask extra: {install_hint('dask')}"
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
