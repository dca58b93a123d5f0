"""The default client's block form gives what its clients give one by one, bit for bit.

:meth:`PresetPopulation.block <retroprog_sim.PresetPopulation.block>` evaluates a
block's clients as arrays (:class:`~retroprog_sim.model.block.ClientArrays`);
asked the same questions in the same order, it must answer exactly as
:class:`~retroprog_sim.engine.blocks.PerClientBlock` over the same clients: the
same attendance, the same outcomes (values and types), the same next-day pain
and dropout, for any population, any mix of plans and any members asked.  The
engine-level equality (runs, traces, coach, executors) is in ``test_engine.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

import retroprog as rp
from retroprog import testing as rt
from retroprog_sim import PRESETS, PresetPopulation
from retroprog_sim.engine.blocks import ClientBlock, PerClientBlock
from retroprog_sim.model.block import ClientArrays
from retroprog_sim.testing import client_params, populations

from ..budget import examples

#: Populations: drawn ones (the general population's correlations), every preset,
#: and one without correlations (independent parameters).
_POPULATIONS = (
    populations()
    | st.sampled_from(list(PRESETS.values()))
    | populations().map(lambda p: attrs.evolve(p, correlations={}))
)

#: Plans the client model can read: simple bouts of either family, backwards or
#: not, and random multi-activity plans with repeats and rests.
_PRESCRIPTIONS = st.builds(
    rp.Prescription.simple,
    st.sampled_from(["retro-walk", "retro-run", "walk", "jog"]),
    st.integers(5, 1_200),
    st.integers(1, 4),
    st.none() | st.integers(0, 120),
) | st.builds(rp.Prescription, st.just("plan"), rt.plans(max_segments=12))


def _exactly(sessions: Sequence[tuple[rp.SessionOutcome, int | None]]) -> list[Any]:
    """Sessions as (type, value) pairs field by field: equal only if bit for bit."""
    return [
        ([(type(x), x) for x in attrs.astuple(outcome, recurse=False)], type(pain), pain)
        for outcome, pain in sessions
    ]


def _subset(data: st.DataObject, members: Sequence[int]) -> list[int]:
    """Some of ``members``, in increasing order."""
    return sorted(data.draw(st.sets(st.sampled_from(members))) if members else [])


@settings(max_examples=examples(25), deadline=None)
@given(
    population=_POPULATIONS,
    seed=st.integers(0, 2**32),
    ids=st.lists(st.integers(0, 10_000), min_size=1, max_size=8, unique=True),
    data=st.data(),
)
def test_the_array_block_is_its_clients_one_by_one(
    population: PresetPopulation, seed: int, ids: list[int], data: st.DataObject
) -> None:
    arrays = population.block(seed, ids)
    one_by_one = PerClientBlock([population.client(seed, i) for i in ids])
    assert isinstance(arrays, ClientArrays)
    assert isinstance(arrays, ClientBlock)
    plans = data.draw(st.lists(_PRESCRIPTIONS, min_size=1, max_size=4))
    in_programme = list(range(len(ids)))
    day = 0
    for _ in range(data.draw(st.integers(1, 12))):
        day += data.draw(st.integers(1, 9))
        due = _subset(data, in_programme)
        assert arrays.attends(day, due) == one_by_one.attends(day, due)
        present = _subset(data, due)
        # shared prescriptions (as a protocol gives them) and equal ones built anew
        prescriptions = [
            data.draw(st.sampled_from(plans) | _PRESCRIPTIONS, label="plan") for _ in present
        ]
        stages = [data.draw(st.integers(0, 3)) for _ in present]
        found = arrays.sessions(day, present, prescriptions, stages)
        assert _exactly(found) == _exactly(one_by_one.sessions(day, present, prescriptions, stages))
        # the engine asks about dropout with next-day pain folded in, for those still going
        going = _subset(data, list(range(len(present))))
        members = [present[i] for i in going]
        outcomes = [
            found[i][0] if found[i][1] is None else found[i][0].amend(next_day_pain=found[i][1])
            for i in going
        ]
        pains = [found[i][1] for i in going]
        leaving = arrays.drops_out(members, outcomes, pains)
        assert leaving == one_by_one.drops_out(members, outcomes, pains)
        assert all(type(leaves) is bool for leaves in leaving)
        gone = {m for m, leaves in zip(members, leaving, strict=True) if leaves}
        in_programme = [m for m in in_programme if m not in gone]


#: Clients likely to drop out, far more so after a bad session: whether a session
#: was bad changes the answer often, so every finding the dropout reads is tested.
_LEAVING = populations(client_params(dropout_hazard=(0.15, 0.3), dropout_after_bad=(2.0, 3.0)))

#: Outcomes with every finding: pain, balance losses, form breakdown, bouts not completed.
_OUTCOMES = st.builds(
    rp.SessionOutcome,
    completed=st.booleans(),
    pain=st.integers(0, 10),
    balance_losses=st.integers(0, 2),
    dizziness=st.booleans(),
    form_breakdown=st.booleans(),
    rpe=st.integers(0, 10).map(float),
)


@settings(max_examples=examples(25), deadline=None)
@given(
    population=_LEAVING,
    seed=st.integers(0, 2**32),
    asked=st.lists(st.tuples(_OUTCOMES, st.none() | st.integers(0, 10)), min_size=8, max_size=8),
)
def test_the_array_block_reads_every_finding_for_dropout(
    population: PresetPopulation,
    seed: int,
    asked: list[tuple[rp.SessionOutcome, int | None]],
) -> None:
    # sessions the model rarely draws (a bad one is a few in a hundred) asked directly
    ids = list(range(len(asked)))
    arrays = population.block(seed, ids)
    one_by_one = PerClientBlock([population.client(seed, i) for i in ids])
    outcomes = [o if pain is None else o.amend(next_day_pain=pain) for o, pain in asked]
    pains = [pain for _, pain in asked]
    # (the draw is the one of the day of the client's last session: day 0, none yet)
    assert arrays.drops_out(ids, outcomes, pains) == one_by_one.drops_out(ids, outcomes, pains)


def test_an_empty_block_answers_for_no_one() -> None:
    empty = PRESETS["general"].block(1, [])

    assert empty.attends(1, []) == []
    assert empty.sessions(1, [], [], []) == []
    assert empty.drops_out([], [], []) == []
