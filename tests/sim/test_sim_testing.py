"""retroprog_sim.testing: strategies stay in bounds; helpers hold and fail where they should.

The figures quoted in comments are those of the default run (200 clients, 8 weeks,
seed 0); the bounds asserted leave room around them.
"""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import given, settings

import retroprog as rp
from retroprog.exceptions import InvalidValueError, UnknownParameterError, UnknownStageError
from retroprog_sim import ClientParams, PresetPopulation, RunSpec, compare, load_population
from retroprog_sim.testing import (
    CLIENT_PARAM_BOUNDS,
    HETEROGENEITY_BOUNDS,
    SimulationPropertyError,
    assert_adverse_rate_at_most,
    assert_goal_rate_at_least,
    assert_not_worse,
    client_params,
    populations,
)

from ..budget import examples

# -- strategies ------------------------------------------------------------------------------


@settings(max_examples=examples(50))
@given(client_params())
def test_client_params_stay_within_the_documented_bounds(params: ClientParams) -> None:
    for name, (low, high) in CLIENT_PARAM_BOUNDS.items():
        assert low <= getattr(params, name) <= high, name


@settings(max_examples=examples(20))
@given(client_params(attendance=1.0, walk_tolerance=(40, 45)))
def test_client_params_can_be_fixed_or_narrowed(params: ClientParams) -> None:
    assert params.attendance == 1.0
    assert 40 <= params.walk_tolerance <= 45


def test_client_params_refuse_an_unknown_field() -> None:
    with pytest.raises(UnknownParameterError, match="speed"):
        client_params(speed=(1, 2))


def test_the_bounds_hold_every_preset_populations_typical_client() -> None:
    for name in ("general", "deconditioned", "post-injury", "athlete", "novice-runner"):
        population = load_population(name)
        assert isinstance(population, PresetPopulation)
        for field, (low, high) in CLIENT_PARAM_BOUNDS.items():
            assert low <= getattr(population.typical, field) <= high, (name, field)


@settings(max_examples=examples(30))
@given(populations())
def test_populations_are_presets_within_the_bounds(population: PresetPopulation) -> None:
    low, high = HETEROGENEITY_BOUNDS
    assert isinstance(population, PresetPopulation)
    assert low <= population.heterogeneity <= high
    assert population.name == "drawn"
    for field, (lo, hi) in CLIENT_PARAM_BOUNDS.items():
        assert lo <= getattr(population.typical, field) <= hi


# -- adverse events --------------------------------------------------------------------------


def test_an_adverse_limit_above_the_rate_holds_and_returns_the_summary() -> None:
    summary = assert_adverse_rate_at_most("reference", "athlete", 5)  # 2.3 per 100

    assert summary.population == "athlete"
    assert (summary.clients, summary.weeks, summary.seed) == (200, 8, 0)
    assert 0 < summary.adverse_events_per_100_sessions <= 5


def test_an_adverse_limit_of_zero_fails_with_the_figures() -> None:
    with pytest.raises(SimulationPropertyError) as caught:
        assert_adverse_rate_at_most("reference", "general", 0, clients=50, weeks=4)

    error = caught.value
    assert isinstance(error, AssertionError)
    assert error.limit == 0
    assert error.observed > 0
    message = str(error)
    assert message.startswith("adverse events per 100 sessions ≤ 0 does not hold: ")
    assert f"{error.observed:.2f} per 100 sessions" in message
    assert "policy 'reference', population 'general', retro-walk-run, 50 clients, 4 weeks" in (
        message
    )


def test_a_deconditioned_population_breaks_a_limit_athletes_keep() -> None:
    assert_adverse_rate_at_most("reference", "athlete", 5)  # 2.3 per 100
    with pytest.raises(SimulationPropertyError, match="population 'deconditioned'"):
        assert_adverse_rate_at_most("reference", "deconditioned", 5)  # 13.3 per 100


# -- goal rate ------------------------------------------------------------------------------


def test_athletes_reach_the_walk_target_by_week_8() -> None:
    rate = assert_goal_rate_at_least("reference", "athlete", 0.6, by_week=8, stage="retro-walk")

    assert 0.6 <= rate <= 1  # 76.5 %


def test_athletes_do_not_reach_the_walk_target_by_week_4() -> None:
    # six sessions at base, then six steps of 15 s, two clean sessions each: not in 4 weeks
    with pytest.raises(SimulationPropertyError) as caught:
        assert_goal_rate_at_least("reference", "athlete", 0.1, by_week=4, stage="retro-walk")

    assert caught.value.observed < 0.1
    assert "goal rate by week 4 ≥ 10 % does not hold" in str(caught.value)
    assert "reached the retro-walk target" in str(caught.value)


def test_the_whole_protocol_is_the_default_goal() -> None:
    with pytest.raises(SimulationPropertyError, match="reached the whole protocol"):
        assert_goal_rate_at_least("reference", "athlete", 0.01, by_week=8)


def test_a_goal_rate_of_zero_always_holds() -> None:
    assert assert_goal_rate_at_least("reference", "deconditioned", 0, by_week=2) == 0


def test_the_goal_rate_by_week_counts_only_goals_before_that_week() -> None:
    early = assert_goal_rate_at_least(
        "reference", "athlete", 0, by_week=6, weeks=8, stage="retro-walk"
    )
    late = assert_goal_rate_at_least("reference", "athlete", 0, by_week=8, stage="retro-walk")

    assert early < late


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"by_week": 4, "stage": "swim"}, UnknownStageError, "swim"),
        ({"by_week": 5, "weeks": 4}, InvalidValueError, "by_week"),
        ({"by_week": 0}, InvalidValueError, "by_week"),
    ],
)
def test_goal_rate_arguments_are_checked(
    kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        assert_goal_rate_at_least("reference", "athlete", 0.5, **kwargs)  # type: ignore[arg-type]


def test_a_goal_rate_above_one_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="rate"):
        assert_goal_rate_at_least("reference", "athlete", 80, by_week=8)


# -- not worse (paired) ---------------------------------------------------------------------


def test_staircase_is_not_worse_than_reference_on_adverse_events() -> None:
    found = assert_not_worse("reference", "staircase", "general", margin=0)

    assert found.metric == "adverse_events_per_100_sessions"
    assert found.difference < 0  # −1.4 per 100: fewer
    assert found.ci_high <= 0


def test_the_figures_are_those_of_compare_on_the_same_clients() -> None:
    found = assert_not_worse("reference", "staircase", "general", margin=0, clients=80, weeks=4)

    spec = RunSpec(
        rp.load_protocol("retro-walk-run"),
        rp.load_policy("reference"),
        load_population("general"),
        clients=80,
        weeks=4,
    )
    comparison = compare(spec, [rp.load_policy("reference"), rp.load_policy("staircase")])
    (expected,) = (d for d in comparison.differences["staircase"] if d.metric == found.metric)
    assert (found.baseline, found.other, found.difference) == (
        expected.baseline,
        expected.other,
        expected.difference,
    )


def test_reference_is_worse_than_staircase_beyond_a_small_margin() -> None:
    with pytest.raises(SimulationPropertyError) as caught:
        assert_not_worse("staircase", "reference", "general", margin=0.5)

    message = str(caught.value)
    assert caught.value.observed > 0.5  # the CI's upper bound
    assert message.startswith(
        "candidate reference (retro-walk-run) is not worse than baseline staircase "
        "(retro-walk-run) on adverse events per 100 sessions by more than 0.5 does not hold: "
    )
    assert "upper bound is beyond the margin +0.50" in message
    assert "paired on the same clients: population 'general'" in message


def test_a_protocol_change_is_compared_on_the_same_clients() -> None:
    four = rp.load_protocol("retro-walk-run", min_base_sessions=4)

    with pytest.raises(SimulationPropertyError):  # +0.35 per 100, CI 0.04 to 0.66
        assert_not_worse("reference", "reference", "general", candidate_protocol=four, margin=0)
    found = assert_not_worse("reference", "reference", "general", candidate_protocol=four, margin=1)
    assert 0 < found.difference < 1


def test_for_goal_rate_lower_is_worse() -> None:
    quicker = rp.RulePolicy(name="quicker", successes_to_progress=1)

    found = assert_not_worse("reference", quicker, "athlete", metric="goal_rate", margin=0)
    assert found.difference > 0.03  # +7 pp complete the protocol in 8 weeks
    assert found.ci_low >= 0
    with pytest.raises(SimulationPropertyError, match="lower bound"):
        assert_not_worse(quicker, "reference", "athlete", metric="goal_rate", margin=0.01)


def test_an_undefined_interval_fails() -> None:
    # nobody completes the protocol in 2 weeks: no median, so nothing can be ruled out
    with pytest.raises(SimulationPropertyError) as caught:
        assert_not_worse(
            "reference", "staircase", "general", metric="median_days_to_goal", margin=5, weeks=2
        )
    assert math.isnan(caught.value.observed)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"metric": "speed", "margin": 1}, "metric"), ({"margin": -1}, "margin")],
)
def test_not_worse_arguments_are_checked(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidValueError, match=match):
        assert_not_worse("reference", "staircase", "general", **kwargs)  # type: ignore[arg-type]


# -- a property over populations -------------------------------------------------------------


@settings(max_examples=examples(10), deadline=None)
@given(populations())
def test_reference_keeps_adverse_events_low_on_any_population(
    population: PresetPopulation,
) -> None:
    # 50 clients over 4 weeks are about 330 sessions, so one run's rate is noisy: a
    # population Hypothesis drew near the bounds' worst corner gave 25.5 per 100 sessions
    # (the docs' example of this test, with 200 clients, allows 40 for the same reason)
    assert_adverse_rate_at_most("reference", population, 40, clients=50, weeks=4)


def test_a_property_over_populations_finishes_in_seconds() -> None:
    started = time.perf_counter()
    test_reference_keeps_adverse_events_low_on_any_population()

    assert time.perf_counter() - started < 10
