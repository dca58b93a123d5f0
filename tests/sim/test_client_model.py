"""The client model's core: block equals per client bit for bit, stated probabilities,
a likelihood that peaks near the truth, dose from the plan, bounded adaptation."""

from __future__ import annotations

import itertools
import math
from random import Random

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retroprog as rp
from retroprog_sim import PRESETS, ClientParams, log_likelihood
from retroprog_sim.engine.spec import schedule
from retroprog_sim.model import core
from retroprog_sim.model.activities import plan_dose
from retroprog_sim.model.client import Client

from ..budget import examples

_PLANS = [
    "walk 5 min, 8 × (run 60 s, walk 90 s)",
    "run 20 min",
    "retro-walk 30 s",
    "2 × (retro-run 45 s, rest 60 s)",
    "walk 5 min, run 3 min, walk 90 s, run 5 min",
    "treadmill walk 10 min",
]


def _client_params(seed: int) -> ClientParams:
    presets = list(PRESETS.values())
    rng = Random(seed)
    return presets[seed % len(presets)].params(rng)


@settings(max_examples=examples(20), deadline=None)
@given(
    seeds=st.lists(st.integers(0, 10_000), min_size=1, max_size=6),
    sessions=st.integers(1, 12),
    data=st.data(),
)
def test_a_block_of_clients_equals_each_client_bit_for_bit(
    seeds: list[int], sessions: int, data: st.DataObject
) -> None:
    params = [_client_params(s) for s in seeds]
    n = len(params)
    latents = [core.fresh_latent() for _ in range(n)]
    block_latent = core.block(latents)
    block_params = core.block(params)
    day = [0] * n
    for _ in range(sessions):
        plans = [data.draw(st.sampled_from(_PLANS)) for _ in range(n)]
        doses = [plan_dose(rp.Prescription("s", plan)) for plan in plans]
        day = [d + data.draw(st.integers(1, 20)) for d in day]
        uniforms = [
            [data.draw(st.floats(0, 1, exclude_max=True)) for _ in range(core.UNIFORMS)]
            for _ in range(n)
        ]
        one = [
            core.draw_session(core.chances(p, s, dose, d), u)
            for p, s, dose, d, u in zip(params, latents, doses, day, uniforms, strict=True)
        ]
        quits = [core.dropout_chance(p, o) for p, o in zip(params, one, strict=True)]
        days = np.array(day, dtype=float)
        dose_block = core.block(doses)
        chances = core.chances(block_params, block_latent, dose_block, days, core.ARRAY)
        many = core.draw_session(chances, list(np.array(uniforms).T), core.ARRAY)
        quits_block = core.dropout_chance(block_params, many, core.ARRAY)
        for field in core.Draw._fields:
            assert [float(getattr(o, field)) for o in one] == getattr(many, field).tolist(), field
        assert [float(q) for q in quits] == quits_block.tolist()
        latents = [
            core.after_session(p, s, dose, d)
            for p, s, dose, d in zip(params, latents, doses, day, strict=True)
        ]
        block_latent = core.after_session(block_params, block_latent, dose_block, days, core.ARRAY)
        assert _plain(core.block(latents)) == _plain(block_latent)


def _plain(latent: core.Latent) -> core.Latent:
    """A block's latent state with its arrays as lists, so that == compares values exactly."""
    return core.Latent(
        *(
            tuple(np.asarray(c).tolist() for c in value)
            if isinstance(value, tuple)
            else np.asarray(value).tolist()
            for value in latent
        )
    )


def _all_outcomes() -> itertools.product[tuple[int, int | None, int, bool, bool, bool, int]]:
    return itertools.product(
        range(11),
        [None, *range(11)],
        range(3),
        (False, True),
        (False, True),
        (False, True),
        range(11),
    )


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 1000), plan=st.sampled_from(_PLANS), trained=st.integers(0, 30))
def test_the_probabilities_of_every_possible_session_sum_to_one(
    seed: int, plan: str, trained: int
) -> None:
    params = _client_params(seed)
    dose = plan_dose(rp.Prescription("s", plan))
    latent = core.fresh_latent()
    for day in range(0, 2 * trained, 2):
        latent = core.after_session(params, latent, dose, day)
    chances = core.chances(params, latent, dose, 2 * trained)
    total = math.fsum(
        math.exp(
            core.session_log_probability(
                chances,
                pain=pain,
                next_day_pain=next_day,
                balance_losses=balance,
                dizziness=dizzy,
                form_breakdown=form,
                completed=completed,
                rpe=float(rpe),
            )
        )
        for pain, next_day, balance, dizzy, form, completed, rpe in _all_outcomes()
    )
    assert total == pytest.approx(1.0, abs=1e-9)


@settings(max_examples=examples(30), deadline=None)
@given(seed=st.integers(0, 1000), plan=st.sampled_from(_PLANS), data=st.data())
def test_every_drawn_session_has_the_probability_its_chances_give(
    seed: int, plan: str, data: st.DataObject
) -> None:
    """The inverse CDFs draw only outcomes of positive probability, and each binomial
    value's interval of uniforms has the binomial's probability."""
    params = _client_params(seed)
    chances = core.chances(params, core.fresh_latent(), plan_dose(rp.Prescription("s", plan)), 0)
    u = [data.draw(st.floats(0, 1, exclude_max=True)) for _ in range(core.UNIFORMS)]
    drawn = core.draw_session(chances, u)
    fields = drawn._asdict()
    fields["next_day_pain"] = None if drawn.next_day_pain < 0 else drawn.next_day_pain
    fields["rpe"] = float(drawn.rpe)
    assert core.session_log_probability(chances, **fields) > -math.inf
    grid = np.linspace(0, 1, 20_001)[:-1]
    counts = np.bincount(core._inverse_binomial(10, chances.rpe, grid), minlength=11) / len(grid)
    assert counts == pytest.approx(core.binomial_pmf(10, chances.rpe), abs=1e-4)


def _simulated_log(params: ClientParams, seed: int, weeks: int) -> list[rp.SessionOutcome]:
    """One client's session log under couch-to-5k and the reference policy, as the engine
    would record it (attended days only, next-day pain amended)."""
    protocol, policy = rp.load_protocol("couch-to-5k"), rp.load_policy("reference")
    client = Client(params, seed)
    state = protocol.start()
    log = []
    for day in schedule(weeks, 3):
        if not client.attends(day):
            continue
        prescription = protocol.prescribe(state)
        assert prescription is not None
        outcome, next_day = client.session(prescription, 0, day)
        outcome = outcome.amend(next_day_pain=next_day)
        log.append(outcome)
        state = policy.decide(protocol, state, outcome).state
        if state.status is not rp.Status.ACTIVE:
            break
    return log


@pytest.mark.parametrize(
    ("field", "grid"),
    [("gain", (0.08, 0.16, 0.33, 0.66, 1.3)), ("pain_at_tolerance", (0.01, 0.025, 0.05, 0.1, 0.2))],
)
def test_simulated_logs_are_likeliest_near_their_true_parameters(
    field: str, grid: tuple[float, ...]
) -> None:
    truth = PRESETS["novice-runner"].typical
    logs = [_simulated_log(truth, seed, weeks=12) for seed in range(0, 120, 3)]
    protocol, policy = rp.load_protocol("couch-to-5k"), rp.load_policy("reference")
    totals = [
        sum(
            log_likelihood(attrs.evolve(truth, **{field: value}), protocol, policy, log)
            for log in logs
        )
        for value in grid
    ]
    assert max(range(len(grid)), key=totals.__getitem__) == grid.index(getattr(truth, field))


def test_eight_runs_of_a_minute_are_harder_than_one() -> None:
    params = PRESETS["novice-runner"].typical
    one = core.chances(params, core.fresh_latent(), plan_dose(rp.Prescription("s", "run 60 s")), 0)
    eight = core.chances(
        params,
        core.fresh_latent(),
        plan_dose(rp.Prescription("s", "8 × (run 60 s, walk 90 s)")),
        0,
    )
    assert eight.ratio > 2 * one.ratio
    for name in ("pain", "form", "unfinished", "rpe"):
        assert getattr(eight, name) > getattr(one, name), name


def test_twenty_stages_of_one_activity_are_no_harder_than_one() -> None:
    """Tolerance belongs to the activity, not to the stage index."""
    client = Client(PRESETS["general"].typical, 1)
    before = client.tolerances(0)
    client.session(rp.Prescription.simple("stage-20", 60, activity="walk"), 19, 0)
    fresh = Client(PRESETS["general"].typical, 1)
    fresh.session(rp.Prescription.simple("stage-1", 60, activity="walk"), 0, 0)
    assert client.tolerances(2) == fresh.tolerances(2)
    assert client.tolerances(2) != before  # the session trained the walking family


def test_tolerance_adapts_within_its_ceiling_and_detrains_in_a_gap() -> None:
    params = PRESETS["novice-runner"].typical
    dose = plan_dose(rp.Prescription("s", "run 60 min"))
    latent = core.fresh_latent()
    start = core.tolerances(params, latent, 0)[1]
    for day in range(0, 365, 2):
        latent = core.after_session(params, latent, dose, day)
    trained = core.tolerances(params, latent, 366)[1]
    assert start < trained < params.run_ceiling
    detrained = [core.tolerances(params, latent, 366 + 7 * weeks)[1] for weeks in (4, 12, 52)]
    assert trained > detrained[0] > detrained[1] > detrained[2] >= start


def test_fatigue_holds_back_a_hard_sessions_gain_for_some_days() -> None:
    params = PRESETS["novice-runner"].typical
    latent = core.after_session(
        params, core.fresh_latent(), plan_dose(rp.Prescription("s", "run 30 min")), 0
    )
    start = core.tolerances(params, core.fresh_latent(), 0)[1]
    after = [core.tolerances(params, latent, day)[1] for day in (0, 1, 7, 14, 60)]
    assert after[0] == start  # fitness and fatigue weigh the same at first
    assert after[1] < after[2] < after[3]  # the gain shows as fatigue fades
    assert after[4] < after[3]  # and fades in its turn
