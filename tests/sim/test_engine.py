"""The day-stepping engine gives what one process per client gave, client for client.

:mod:`tests.sim.per_client_engine` is the engine as it was before blocks were
stepped day by day (one SimPy process per client, a decision thrown away when
next-day pain arrived); the engine now must give the same results and the same
traced sessions for any protocol, policy, population and run setting, with a
coach or without, and whatever the executor.  A population's block form (the
presets' arrays, :class:`~retroprog_sim.model.block.ClientArrays`, or a plug-in's)
must give what its clients give one by one; a plug-in population without one is
asked client by client.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import retroprog as rp
from retroprog import testing as rt
from retroprog_sim import (
    PRESETS,
    Client,
    Population,
    PresetPopulation,
    RunSpec,
    SimulationResult,
    executor_for,
    load_population,
    simulate,
)
from retroprog_sim.engine.blocks import ClientBlock, PerClientBlock, block_of
from retroprog_sim.engine.process import run_block
from retroprog_sim.engine.tally import BlockResult
from retroprog_sim.model.activities import ACTIVITIES, activity, check_protocol
from retroprog_sim.model.block import ClientArrays
from retroprog_sim.testing import populations

from ..budget import examples
from .per_client_engine import run_block_per_client


def _assert_same(found: BlockResult, expected: BlockResult) -> None:
    assert found.results == expected.results
    assert found.traces == expected.traces


def _simulable(protocol: rp.StagedProtocol, activities: Sequence[str]) -> rp.StagedProtocol:
    """``protocol`` with an activity the client model knows for each stage it cannot read.

    The strategy names stages ``retro-skip`` or ``retro-hop``, which the model
    refuses before a run (:func:`~retroprog_sim.model.activities.check_protocol`).
    """
    stages = []
    for stage, name in zip(protocol.stages, activities, strict=False):
        if not stage.listed:  # a listed stage's plans name their activities
            try:
                activity(stage.activity or stage.name)
            except rp.exceptions.InvalidValueError:
                stage = attrs.evolve(stage, activity=name)
        stages.append(stage)
    return attrs.evolve(protocol, stages=tuple(stages))


class _Plain:
    """A plug-in population with only the per-client form: the engine asks client by client."""

    def __init__(self, population: Population) -> None:
        self.population = population
        self.name = f"plain-{population.name}"

    def client(self, seed: int, client_id: int) -> Any:
        return self.population.client(seed, client_id)


_plain_populations = populations().map(_Plain)


@st.composite
def _specs(draw: st.DrawFn) -> RunSpec:
    drawn = draw(rt.protocols(builtin=True))
    known = st.sampled_from(sorted(ACTIVITIES))
    protocol = (
        _simulable(drawn, draw(st.lists(known, min_size=len(drawn.stages))))
        if isinstance(drawn, rp.StagedProtocol)
        else drawn
    )
    try:
        check_protocol(protocol)
    except rp.exceptions.InvalidValueError:
        assume(False)  # a listed level's plan names an activity the model does not know
    policy = draw(rt.policies() | rt.guarded_policies())
    population: Population = draw(
        populations() | st.sampled_from(sorted(PRESETS)).map(load_population) | _plain_populations
    )
    clients = draw(st.integers(1, 12))
    return RunSpec(
        protocol,
        policy,
        population,
        clients=clients,
        weeks=draw(st.integers(1, 8)),
        seed=draw(st.integers(0, 2**32)),
        sessions_per_week=draw(st.integers(1, 7)),  # 7: a session the day after another
        coach_capacity=draw(st.none() | st.integers(1, 3)),
        trace_clients=draw(st.integers(0, clients)),
        adverse_pain=draw(st.integers(0, 10)),
    )


@settings(max_examples=examples(40))
@given(_specs())
def test_the_day_stepping_engine_is_the_per_client_one(spec: RunSpec) -> None:
    ids = range(spec.clients)
    _assert_same(run_block(spec, ids), run_block_per_client(spec, ids))


@pytest.mark.parametrize("coach", [None, 2])
@pytest.mark.parametrize("policy", ["reference", "pain-monitoring", "staircase"])
def test_every_built_in_policy_gives_what_it_gave(policy: str, coach: int | None) -> None:
    spec = RunSpec(
        rp.load_protocol("retro-walk-run"),
        rp.load_policy(policy),
        load_population("post-injury"),  # much next-day pain
        clients=60,
        weeks=12,
        seed=4,
        coach_capacity=coach,
        trace_clients=40,
    )
    ids = range(10, 70)  # a block that does not start at 0, half of it traced
    found, expected = run_block(spec, ids), run_block_per_client(spec, ids)
    _assert_same(found, expected)
    assert any(t["outcome"].get("next_day_pain") is not None for t in found.traces)
    assert any(r.dropout_day is not None for r in found.results)


# -- the executors: in-process, 2 workers and Dask all give the per-client results --------


@pytest.fixture(scope="module")
def spec() -> RunSpec:
    return RunSpec(
        rp.load_protocol("retro-walk-run"),
        rp.load_policy("reference"),
        load_population("general"),
        clients=90,
        weeks=10,
        seed=8,
        block_size=20,
        trace_clients=25,
    )


@pytest.fixture(scope="module")
def per_client(spec: RunSpec) -> list[BlockResult]:
    # the run's population evaluates its blocks as arrays; the reference, client by client
    assert isinstance(block_of(spec.population, spec.seed, range(3)), ClientArrays)
    return [run_block_per_client(spec, block) for block in spec.blocks()]


def _assert_per_client(result: SimulationResult, per_client: list[BlockResult]) -> None:
    assert result.clients == [r for block in per_client for r in block.results]
    assert result.traces == [t for block in per_client for t in block.traces]


def test_in_process(spec: RunSpec, per_client: list[BlockResult]) -> None:
    _assert_per_client(simulate(spec), per_client)


def test_two_workers(spec: RunSpec, per_client: list[BlockResult]) -> None:
    with ProcessPoolExecutor(max_workers=2) as pool:
        _assert_per_client(simulate(spec, executor=pool), per_client)


def test_dask(spec: RunSpec, per_client: list[BlockResult]) -> None:
    pytest.importorskip("distributed")
    with executor_for(2, dask="local") as executor:
        _assert_per_client(simulate(spec, executor=executor), per_client)


# -- a population's block form ----------------------------------------------------------------


class _Counted:
    """A population with a block form: its clients one by one, asked many at a time."""

    name = "counted"

    def __init__(self) -> None:
        self.population = load_population("general")
        self.calls: list[tuple[str, int]] = []

    def client(self, seed: int, client_id: int) -> Any:
        return self.population.client(seed, client_id)

    def block(self, seed: int, ids: Sequence[int]) -> ClientBlock:
        inner = PerClientBlock([self.client(seed, i) for i in ids])
        calls = self.calls

        class Block:
            def attends(self, day: int, members: Sequence[int]) -> Sequence[bool]:
                calls.append(("attends", len(members)))
                return inner.attends(day, members)

            def sessions(self, *args: Any) -> Any:
                calls.append(("sessions", len(args[1])))
                return inner.sessions(*args)

            def drops_out(self, *args: Any) -> Any:
                calls.append(("drops_out", len(args[0])))
                return inner.drops_out(*args)

        return Block()


def test_a_population_with_a_block_form_is_asked_for_many_clients_at_once() -> None:
    population = _Counted()
    spec = RunSpec(
        rp.load_protocol("retro-walk-run"),
        rp.load_policy("reference"),
        population,
        clients=30,
        weeks=6,
        seed=2,
    )
    found = run_block(spec, range(30))

    _assert_same(found, run_block_per_client(spec, range(30)))
    assert isinstance(block_of(population, 2, range(3)), ClientBlock)
    assert isinstance(block_of(load_population("general"), 2, range(3)), ClientArrays)
    assert isinstance(block_of(_Plain(load_population("general")), 2, range(3)), PerClientBlock)
    assert max(n for kind, n in population.calls if kind == "attends") == 30
    assert max(n for kind, n in population.calls if kind == "sessions") > 10


class _AlwaysThere(PresetPopulation):
    """A preset whose clients always attend: it overrides ``client``, not ``block``."""

    def client(self, seed: int, client_id: int) -> Client:
        made = super().client(seed, client_id)
        made.params = attrs.evolve(made.params, attendance=1.0)
        return made


def test_a_subclass_that_makes_its_clients_anew_is_asked_them_one_by_one() -> None:
    base = load_population("general")
    population = _AlwaysThere(
        **{f.name: getattr(base, f.name) for f in attrs.fields(PresetPopulation) if f.init}
    )
    spec = RunSpec(
        rp.load_protocol("retro-walk-run"),
        rp.load_policy("reference"),
        population,
        clients=20,
        weeks=4,
        seed=4,
    )

    assert isinstance(block_of(population, 4, range(3)), PerClientBlock)
    assert all(result.missed == 0 for result in run_block(spec, range(20)).results)


def test_a_coach_run_asks_the_clients_one_by_one() -> None:
    """A coach sees one client at a time: no block form, whose arrays of one would cost more."""
    population = _Counted()
    spec = RunSpec(
        rp.load_protocol("retro-walk-run"),
        rp.load_policy("reference"),
        population,
        clients=12,
        weeks=4,
        seed=3,
        coach_capacity=2,
    )
    _assert_same(run_block(spec, range(12)), run_block_per_client(spec, range(12)))
    assert population.calls == []
    assert isinstance(block_of(population, 2, range(3), one_by_one=True), PerClientBlock)


# -- the built-in client's outcomes, built without checks, are valid ----------------------------


@settings(max_examples=examples(30))
@given(
    populations(),
    st.integers(0, 2**32),
    st.lists(st.tuples(st.integers(5, 2_000), st.integers(1, 4), st.integers(0, 1)), max_size=30),
)
def test_the_built_in_clients_outcomes_pass_the_public_constructor(
    population: Population, seed: int, sessions: list[tuple[int, int, int]]
) -> None:
    client = population.client(seed, 0)
    for day, (seconds, bouts, stage) in enumerate(sessions):
        outcome, pain = client.session(
            rp.Prescription.simple("retro-walk", seconds, bouts), stage, day
        )
        public = rp.SessionOutcome(**attrs.asdict(outcome, recurse=False))
        assert outcome == public
        for field in attrs.fields(rp.SessionOutcome):
            assert type(getattr(outcome, field.name)) is type(getattr(public, field.name))
        assert pain is None or (type(pain) is int and 0 <= pain <= 10)
