"""The executor and its number of workers never change a run's results."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

import pytest

from retroprog_sim import RunSpec, SimulationResult, executor_for, simulate

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
