"""The same seed gives the same run; another seed gives another run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from retroprog_sim import Client, SimulationResult, simulate

if TYPE_CHECKING:
    from .conftest import MakeSpec


def _run(make_spec: MakeSpec, **fields: object) -> SimulationResult:
    return simulate(make_spec(**{"clients": 60, "trace_clients": 6, "block_size": 25, **fields}))


def test_same_seed_same_run(make_spec: MakeSpec) -> None:
    first, second = _run(make_spec, seed=5), _run(make_spec, seed=5)

    assert first.summary == second.summary
    assert first.summary.as_dict() == second.summary.as_dict()
    assert first.clients == second.clients
    assert first.traces == second.traces
    assert first.summary.sessions > 0
    assert {t["client"] for t in first.traces} == set(range(6))


def test_another_seed_another_run(make_spec: MakeSpec) -> None:
    first, other = _run(make_spec, seed=5), _run(make_spec, seed=6)

    assert first.summary != other.summary
    assert first.summary.sessions != other.summary.sessions
    differing = [a for a, b in zip(first.clients, other.clients, strict=True) if a != b]
    assert len(differing) > len(first.clients) // 2  # most clients change, not one
    assert first.traces != other.traces


def test_a_client_does_not_depend_on_its_block_or_the_run_size(make_spec: MakeSpec) -> None:
    """Common random numbers: a client's randomness comes from (seed, client id) only."""
    reference = _run(make_spec, seed=5)
    reblocked = _run(make_spec, seed=5, block_size=7)
    larger = _run(make_spec, seed=5, clients=90, block_size=90)

    assert reblocked.clients == reference.clients
    assert reblocked.summary == reference.summary
    assert larger.clients[:60] == reference.clients


def test_the_population_draws_the_same_client_for_the_same_seed_and_id(
    make_spec: MakeSpec,
) -> None:
    population = make_spec().population
    later = population.client(3, 17)
    population.client(3, 16)  # other clients drawn in between change nothing
    again = population.client(3, 17)
    other = population.client(4, 17)
    assert isinstance(later, Client)
    assert isinstance(again, Client)
    assert isinstance(other, Client)

    assert later.params == again.params
    assert [later.attends(day) for day in range(20)] == [again.attends(day) for day in range(20)]
    assert later.params != other.params
