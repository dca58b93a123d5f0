"""Populations: presets, heterogeneity, loading, a more tolerant population doing better,
and the example plug-in's population (``examples/plugin``)."""

from __future__ import annotations

import math
from importlib.metadata import PackageNotFoundError, distribution
from typing import TYPE_CHECKING

import attrs
import pytest

import retroprog as rp
from retroprog.exceptions import InvalidValueError, UnknownParameterError, UnknownPluginError
from retroprog_sim import (
    PRESETS,
    Client,
    ClientParams,
    KaplanMeier,
    Population,
    PresetPopulation,
    SimulationResult,
    kaplan_meier,
    load_population,
    paired_differences,
    simulate,
)

if TYPE_CHECKING:
    from .conftest import MakeSpec

_WEEKS = 16


def _run(make_spec: MakeSpec, population: Population) -> SimulationResult:
    spec = make_spec(clients=250, weeks=_WEEKS, seed=2024, block_size=250)
    return simulate(attrs.evolve(spec, population=population))


def _km(run: SimulationResult, stage: int) -> KaplanMeier:
    """Time to passing ``stage``'s target, censored at dropout or the horizon."""
    durations = []
    events = []
    for r in run.clients:
        day = r.goal_days[stage]
        events.append(day is not None)
        durations.append(float(day if day is not None else r.end_day))
    return kaplan_meier(durations, events)


def _assert_sooner(tolerant: SimulationResult, other: SimulationResult) -> None:
    """``tolerant`` reaches the goal more often and sooner, by more than chance."""
    # the paired bootstrap CI of the goal-rate difference lies above 0
    diffs = {
        d.metric: d
        for d in paired_differences(
            other.clients, tolerant.clients, horizon=7 * _WEEKS, resamples=300, seed=1
        )
    }
    goal = diffs["goal_rate"]
    assert goal.difference > 0.15
    assert goal.ci_low > 0.1, goal
    # the goal-rate-by-week curve is never below the other's
    by_week = zip(tolerant.summary.goal_rate_by_week, other.summary.goal_rate_by_week, strict=True)
    assert all(a >= b for a, b in by_week)
    # for each stage, the tolerant median (and its CI's upper end) comes before the
    # other's CI's lower end; a median not reached within the horizon counts as never
    for stage in range(2):
        fast, slow = _km(tolerant, stage), _km(other, stage)
        assert fast.median is not None or stage == 1
        fast_high = fast.median_ci[1]
        slow_low = slow.median_ci[0]
        if fast.median is not None:
            assert fast_high is not None
            assert fast_high < (math.inf if slow_low is None else slow_low), (stage, fast, slow)
        assert fast.event_rate_by(7 * _WEEKS) > slow.event_rate_by(7 * _WEEKS) + 0.15


def test_athletes_reach_the_goal_sooner_than_deconditioned_clients(make_spec: MakeSpec) -> None:
    athlete = _run(make_spec, load_population("athlete"))
    deconditioned = _run(make_spec, load_population("deconditioned"))

    _assert_sooner(athlete, deconditioned)
    assert athlete.summary.median_days_to_goal is not None


def test_a_higher_typical_running_tolerance_completes_couch_to_5k_more_often(
    make_spec: MakeSpec,
) -> None:
    spec = make_spec(clients=250, weeks=_WEEKS, seed=2024, block_size=250)
    spec = attrs.evolve(spec, protocol=rp.load_protocol("couch-to-5k"))
    high = simulate(
        attrs.evolve(spec, population=load_population("novice-runner", run_tolerance=12.0))
    )
    low = simulate(
        attrs.evolve(spec, population=load_population("novice-runner", run_tolerance=2.0))
    )
    diffs = {
        d.metric: d
        for d in paired_differences(
            low.clients, high.clients, horizon=7 * _WEEKS, resamples=300, seed=1
        )
    }
    assert diffs["goal_rate"].difference > 0.15
    assert diffs["goal_rate"].ci_low > 0.1, diffs["goal_rate"]
    assert diffs["adverse_events_per_100_sessions"].ci_high < 0, diffs


def _params(population: Population, seed: int, count: int) -> list[ClientParams]:
    clients = [population.client(seed, i) for i in range(count)]
    return [c.params for c in clients if isinstance(c, Client)]


def test_heterogeneity_zero_gives_identical_clients() -> None:
    population = load_population("deconditioned", heterogeneity=0)
    params = _params(population, 5, 30)

    assert len(params) == 30
    assert len(set(params)) == 1
    typical = attrs.asdict(PRESETS["deconditioned"].typical)
    for name, value in attrs.asdict(params[0]).items():
        assert value == pytest.approx(typical[name], rel=1e-12), name


def test_heterogeneity_zero_gives_exactly_the_typical_client() -> None:
    """The docstring's promise: with heterogeneity 0 "every client is the typical one"."""
    population = load_population("deconditioned", heterogeneity=0)

    assert set(_params(population, 5, 3)) == {PRESETS["deconditioned"].typical}


def test_heterogeneity_spreads_tolerance_around_the_typical_client() -> None:
    typical = PRESETS["general"].typical.walk_tolerance
    spreads = []
    for heterogeneity in (0.5, 1.0, 2.0):
        population = load_population("general", heterogeneity=heterogeneity)
        values = [p.walk_tolerance for p in _params(population, 0, 400)]
        logs = sorted(math.log(v / typical) for v in values)
        assert len(set(values)) == 400
        assert abs(logs[200]) < 0.1 * heterogeneity  # the median stays typical
        spreads.append(logs[300] - logs[100])  # the interquartile range grows
    assert spreads[0] < spreads[1] < spreads[2]


def test_presets_are_populations_with_their_names() -> None:
    assert set(PRESETS) == {"general", "deconditioned", "post-injury", "athlete", "novice-runner"}
    for name, preset in PRESETS.items():
        assert isinstance(preset, Population)
        assert preset.name == name
        assert load_population(name) is preset
    typical = {name: p.typical.walk_tolerance for name, p in PRESETS.items()}
    assert typical["deconditioned"] < typical["general"] < typical["athlete"]


def test_load_population_sets_typical_parameters() -> None:
    population = load_population("athlete", walk_tolerance=80.0, heterogeneity=0.5)

    assert isinstance(population, PresetPopulation)
    assert population.heterogeneity == 0.5
    assert population.typical == attrs.evolve(PRESETS["athlete"].typical, walk_tolerance=80.0)
    assert PRESETS["athlete"].typical.walk_tolerance == 120.0  # the preset is unchanged


def test_an_unknown_population_is_an_error_naming_the_known_ones() -> None:
    with pytest.raises(UnknownPluginError) as info:
        load_population("marathoner")

    assert info.value.name == "marathoner"
    assert {"general", "athlete"} <= set(info.value.known)
    assert isinstance(info.value, LookupError)


def test_an_unknown_parameter_is_an_error_naming_the_known_ones() -> None:
    with pytest.raises(UnknownParameterError) as info:
        load_population("general", tolerance=60)

    assert info.value.field == "tolerance"
    assert "walk_tolerance" in info.value.known
    assert "heterogeneity" in info.value.known


@pytest.mark.parametrize(
    "params",
    [{"walk_tolerance": -5.0}, {"attendance": 1.5}, {"heterogeneity": -1.0}],
    ids=lambda p: next(iter(p)),
)
def test_an_out_of_range_parameter_is_an_error(params: dict[str, float]) -> None:
    with pytest.raises(InvalidValueError):
        load_population("general", **params)


def test_client_params_validate_their_ranges() -> None:
    with pytest.raises(ValueError, match="attendance"):
        ClientParams(attendance=2.0)


def test_a_population_built_in_python_runs(make_spec: MakeSpec) -> None:
    custom = attrs.evolve(PRESETS["general"], name="custom").evolve(
        walk_tolerance=200.0, heterogeneity=0.0
    )
    spec = attrs.evolve(make_spec(clients=10), population=custom)
    result = simulate(spec)

    assert result.summary.population == "custom"
    assert result.summary.stage_goal_rates["retro-walk"] > 0
    assert rp.load_policy("reference").name == result.summary.policy


# -- the example plug-in's population ---------------------------------------------------

#: ``older-adults``'s typical client as documented in
#: ``examples/plugin/src/retroprog_example_plugin/populations.py``; other fields are
#: the ``general`` client's.
OLDER_ADULTS = {
    **attrs.asdict(PRESETS["general"].typical),
    "walk_tolerance": 25.0,
    "run_tolerance": 2.0,
    "gain": 0.25,
    "balance_risk": 0.25,
    "dizziness_risk": 0.22,
    "familiarity": 5.0,
    "background_pain": 0.08,
    "attendance": 0.7,
    "dropout_hazard": 0.006,
    "dropout_after_bad": 5.0,
}


@pytest.fixture
def example_plugin() -> None:
    try:
        distribution("retroprog-example-plugin")
    except PackageNotFoundError:  # pragma: no cover - depends on the environment
        pytest.skip("the example plug-in (examples/plugin) is not installed")


@pytest.mark.usefixtures("example_plugin")
def test_the_example_plugin_population_loads_with_its_documented_values() -> None:
    population = load_population("older-adults")

    assert isinstance(population, Population)
    assert isinstance(population, PresetPopulation)
    assert population.name == "older-adults"
    assert population.heterogeneity == 1.0
    assert population.typical == ClientParams(**OLDER_ADULTS)
    assert "older-adults" not in PRESETS  # a plug-in, not a built-in


@pytest.mark.usefixtures("example_plugin")
def test_the_example_plugin_population_takes_parameters() -> None:
    population = load_population("older-adults", heterogeneity=0.5, attendance=0.9)

    assert isinstance(population, PresetPopulation)
    assert population.heterogeneity == 0.5
    assert population.typical == ClientParams(**{**OLDER_ADULTS, "attendance": 0.9})


@pytest.mark.usefixtures("example_plugin")
def test_the_example_plugin_population_with_heterogeneity_zero_is_all_one_client() -> None:
    population = load_population("older-adults", heterogeneity=0)

    assert set(_params(population, 5, 30)) == {ClientParams(**OLDER_ADULTS)}
    varied = _params(load_population("older-adults"), 5, 30)
    assert len(set(varied)) == 30  # the default heterogeneity does vary them


@pytest.mark.usefixtures("example_plugin")
def test_the_example_plugin_population_refuses_an_unknown_parameter() -> None:
    with pytest.raises(UnknownParameterError) as info:
        load_population("older-adults", tolerance=40)

    assert info.value.field == "tolerance"
    assert info.value.owner == "population 'older-adults'"
    assert {"heterogeneity", "walk_tolerance"} <= set(info.value.known)
    assert str(info.value).startswith("tolerance: population 'older-adults' has no such parameter")


@pytest.mark.usefixtures("example_plugin")
def test_the_example_plugin_population_validates_values() -> None:
    with pytest.raises(InvalidValueError) as info:
        load_population("older-adults", attendance=1.5)

    assert info.value.field == "attendance"


@pytest.mark.usefixtures("example_plugin")
def test_older_adults_reach_the_walk_target_less_often_with_more_adverse_events(
    make_spec: MakeSpec,
) -> None:
    """Lower tolerance and higher balance and dizziness risks show on the same seed."""
    spec = make_spec(clients=200, weeks=12, seed=2024, block_size=200)
    general = simulate(attrs.evolve(spec, population=load_population("general"))).summary
    older = simulate(attrs.evolve(spec, population=load_population("older-adults"))).summary

    assert older.population == "older-adults"
    # retro-walk target: about 43 % of general clients against 6 % of older adults
    assert older.stage_goal_rates["retro-walk"] < general.stage_goal_rates["retro-walk"] - 0.2
    # adverse events per 100 sessions (about 11 against 5): the 95 % CIs do not overlap
    older_low, _ = older.adverse_events_per_100_sessions_ci
    _, general_high = general.adverse_events_per_100_sessions_ci
    assert older_low > general_high
    assert older.stop_rate > general.stop_rate + 0.1
