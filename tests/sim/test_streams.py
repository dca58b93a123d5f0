"""Counter-based streams: one client's numbers are the block's, and they look uniform.

:mod:`retroprog_sim.model.streams` draws a client's numbers from (seed, id,
stream, counter) alone, with Python ints for one client and ``uint64`` arrays for a
block; the two must agree bit for bit, and a client's numbers (its parameters
among them) must not depend on which other clients share its block.
"""

from __future__ import annotations

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from retroprog.exceptions import InvalidValueError
from retroprog_sim import PRESETS, PresetPopulation
from retroprog_sim.model.population import Distribution
from retroprog_sim.model.streams import STREAMS, stream_keys, uniforms
from retroprog_sim.testing import populations

from ..budget import examples


@settings(max_examples=examples(200))
@given(
    seed=st.integers(-(2**70), 2**70),
    ids=st.lists(st.integers(0, 2**40), min_size=1, max_size=6),
    stream=st.sampled_from(STREAMS),
    counters=st.lists(st.integers(0, 10**9), min_size=1, max_size=6),
)
def test_one_clients_numbers_are_the_blocks_bit_for_bit(
    seed: int, ids: list[int], stream: str, counters: list[int]
) -> None:
    keys = stream_keys(seed, np.array(ids, dtype=np.uint64), stream)
    block = uniforms(keys[:, None], np.array(counters, dtype=np.uint64)[None, :])
    for i, client_id in enumerate(ids):
        key = stream_keys(seed, client_id, stream)
        assert int(keys[i]) == key
        for j, counter in enumerate(counters):
            one = uniforms(key, counter)
            assert type(one) is float
            assert one == float(block[i, j])
            assert 0 < one < 1


def test_the_numbers_are_uniform_and_the_streams_unrelated() -> None:
    ids = np.arange(2_000, dtype=np.uint64)
    counters = np.arange(50, dtype=np.uint64)
    drawn = {
        stream: uniforms(stream_keys(7, ids, stream)[:, None], counters[None, :]).ravel()
        for stream in STREAMS
    }
    for stream, u in drawn.items():  # 100 000 numbers a stream
        assert stats.kstest(u, "uniform").pvalue > 1e-3, stream
    # a client's next number, another stream's, and another seed's are uncorrelated
    session = drawn["session"].reshape(2_000, 50)
    bound = 4 / np.sqrt(100_000)  # four standard errors of a correlation
    assert abs(np.corrcoef(session[:, :-1].ravel(), session[:, 1:].ravel())[0, 1]) < bound
    assert abs(np.corrcoef(drawn["attendance"], drawn["dropout"])[0, 1]) < bound
    other = uniforms(stream_keys(8, ids, "session")[:, None], counters[None, :]).ravel()
    assert abs(np.corrcoef(drawn["session"], other)[0, 1]) < bound


@settings(max_examples=examples(25), deadline=None)
@given(
    population=populations() | st.sampled_from(list(PRESETS.values())),
    seed=st.integers(0, 2**32),
    ids=st.lists(st.integers(0, 10_000), min_size=1, max_size=8, unique=True),
)
def test_a_clients_parameters_do_not_depend_on_its_block(
    population: PresetPopulation, seed: int, ids: list[int]
) -> None:
    block = population.drawn(seed, ids)
    for i, client_id in enumerate(ids):
        alone = population.client(seed, client_id).params
        assert attrs.asdict(alone) == {name: float(column[i]) for name, column in block.items()}
        members = population.block(seed, ids).members()
        assert members[i].params == alone


def test_a_drawn_value_out_of_range_is_refused_by_name_in_a_block_and_alone() -> None:
    general = PRESETS["general"]
    wide = Distribution("normal", 1.0, sigma=5.0, source="a test: most clients fall below 0")
    population = attrs.evolve(general, parameters={**general.parameters, "walk_tolerance": wide})

    with pytest.raises(InvalidValueError, match="walk_tolerance") as raised:
        population.block(1, range(20))
    assert raised.value.field == "walk_tolerance"
    negative = next(i for i in range(20) if population.drawn(1, [i])["walk_tolerance"][0] <= 0)
    with pytest.raises(InvalidValueError, match="walk_tolerance"):
        population.client(1, negative)
