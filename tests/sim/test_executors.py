"""The executor and its number of workers never change a run's results."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from retroprog.exceptions import InvalidValueError
from retroprog_sim import RunSpec, SimulationResult, executor_for, simulate
from retroprog_sim import executors as _run
from retroprog_sim.executors import check_dask_address

if TYPE_CHECKING:
    from .conftest import MakeSpec


@pytest.fixture(scope="module")
def spec(make_spec: MakeSpec) -> RunSpec:
    # several blocks of unequal size, traces spread over the first two blocks
    return make_spec(clients=130, block_size=25, trace_clients=30, seed=3)


@pytest.fixture(scope="module")
def in_process(spec: RunSpec) -> SimulationResult:
    result = simulate(spec)
    assert len(spec.blocks()) == 6
    return result


def _assert_same(result: SimulationResult, expected: SimulationResult) -> None:
    assert result.summary == expected.summary
    assert result.clients == expected.clients
    assert [r.client_id for r in result.clients] == list(range(expected.spec.clients))
    assert result.traces == expected.traces


def test_one_worker_runs_in_process() -> None:
    with executor_for(1) as executor:
        assert executor is None


def test_a_process_pool_of_two_gives_the_same_results(
    spec: RunSpec, in_process: SimulationResult
) -> None:
    done: list[int] = []
    with ProcessPoolExecutor(max_workers=2) as pool:
        result = simulate(spec, executor=pool, progress=lambda n, total: done.append(n))

    _assert_same(result, in_process)
    assert done[-1] == spec.clients
    assert len(done) == len(spec.blocks())


def test_executor_for_two_workers_gives_the_same_results(
    spec: RunSpec, in_process: SimulationResult
) -> None:
    with executor_for(2) as executor:
        assert isinstance(executor, ProcessPoolExecutor)
        result = simulate(spec, executor=executor)

    _assert_same(result, in_process)


def test_a_dask_local_cluster_gives_the_same_results(
    spec: RunSpec, in_process: SimulationResult
) -> None:
    pytest.importorskip("distributed")
    with executor_for(2, dask="local") as executor:
        assert executor is not None
        result = simulate(spec, executor=executor)

    _assert_same(result, in_process)


# -- local workers: capped at the CPUs, and never outliving the command ---------------------


def test_local_workers_are_at_most_one_per_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_run, "cpu_count", lambda: 2)
    started: list[int] = []

    class Pool(ProcessPoolExecutor):
        def __init__(self, max_workers: int, **kwargs: Any) -> None:
            started.append(max_workers)
            super().__init__(max_workers, **kwargs)

    monkeypatch.setattr(_run, "ProcessPoolExecutor", Pool)

    with executor_for(48):
        pass

    assert started == [2]


def test_a_dask_local_cluster_is_capped_like_a_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(_run, "cpu_count", lambda: 2)
    seen: dict[str, Any] = {}
    sentinel: Any = object()

    class Cluster:
        def __init__(self, **kwargs: Any) -> None:
            seen.update(kwargs)

        def __enter__(self) -> Cluster:
            return self

        def __exit__(self, *exc_info: object) -> None:
            pass

    class Client:
        def __init__(self, *_args: Any, **_kwargs: Any) -> None:
            pass

        def __enter__(self) -> Client:
            return self

        def __exit__(self, *exc_info: object) -> None:
            pass

        def get_executor(self) -> object:
            return sentinel

    monkeypatch.setattr(distributed, "LocalCluster", Cluster)
    monkeypatch.setattr(distributed, "Client", Client)

    with executor_for(48, dask="local") as executor:
        assert executor is sentinel

    assert seen["n_workers"] == 2


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text(encoding="ascii")
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text(encoding="ascii").split()[2]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_workers_exit_when_the_command_is_killed(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "retroprog_sim",
        "simulate",
        "--workers",
        "2",
        "--clients",
        "200000",
        "--weeks",
        "52",
        "--no-progress",
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL) as parent:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            workers = _children(parent.pid)
        assert len(workers) == 2, "the pool did not start"
        time.sleep(0.5)  # the workers are at work

        parent.kill()  # SIGKILL: no cleanup of its own
        parent.wait()

    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:  # not to leave them behind when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not left


# -- Dask addresses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "local",
        "scheduler:8786",
        "tcp://10.0.0.5:8786",
        "tls://host:1",
        "ucx://h:2",
        "tcp://[::1]:8786",
    ],
)
def test_dask_addresses_of_every_form_are_accepted(address: str) -> None:
    assert check_dask_address(address) == address


@pytest.mark.parametrize(
    "address",
    [
        "::garbage::",
        "",
        "tcp://",
        "scheduler",
        "tcp://h:port",
        "h:0",
        "h:70000",
        "foo://h:1",
        "a b:1",
    ],
)
def test_a_bad_dask_address_is_refused_before_connecting(address: str) -> None:
    with pytest.raises(InvalidValueError, match="is not a Dask scheduler address"):
        check_dask_address(address)
    with pytest.raises(InvalidValueError), executor_for(dask=address):
        pass


def test_a_dask_scheduler_that_does_not_answer_is_one_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr(_run, "DASK_CONNECT_TIMEOUT", 0.5)
    with socket.socket() as closed:  # a free port that nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    started = time.monotonic()

    with pytest.raises(InvalidValueError) as caught, executor_for(dask=f"127.0.0.1:{port}"):
        pass

    assert time.monotonic() - started < 10
    assert str(caught.value).startswith(
        "dask: no Dask scheduler answers there within 0.5 s (OSError: Timed out"
    )
