"""Metrics against hand-computed values: Kaplan–Meier, summaries, bootstrap CIs."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from retroprog_sim import ClientResult, bootstrap_ci, kaplan_meier, summarize

if TYPE_CHECKING:
    from numpy.typing import NDArray

_Z95 = 1.959963984540054


def _log_log(survival: float, greenwood: float) -> tuple[float, float]:
    """The log–log 95 % bounds of a survival estimate, by the textbook formula."""
    se = math.sqrt(greenwood) / abs(math.log(survival))
    return survival ** math.exp(_Z95 * se), survival ** math.exp(-_Z95 * se)


# --- Kaplan–Meier -------------------------------------------------------------------


def test_kaplan_meier_with_censoring() -> None:
    # events at 1, 2, 3; censored at 2 (after the event at 2: still at risk then) and 4
    km = kaplan_meier([1, 2, 2, 3, 4], [True, True, False, True, False])

    assert km.times == (1.0, 2.0, 3.0)
    assert km.at_risk == (5, 4, 2)
    # S = 4/5, then × 3/4, then × 1/2
    assert km.survival == pytest.approx((0.8, 0.6, 0.3), abs=1e-12)
    greenwood = [1 / (5 * 4), 1 / (5 * 4) + 1 / (4 * 3), 1 / (5 * 4) + 1 / (4 * 3) + 1 / (2 * 1)]
    bounds = [_log_log(s, g) for s, g in zip((0.8, 0.6, 0.3), greenwood, strict=True)]
    assert km.lower == pytest.approx([b[0] for b in bounds], rel=1e-9)
    assert km.upper == pytest.approx([b[1] for b in bounds], rel=1e-9)
    assert km.lower == pytest.approx((0.2038093, 0.1257302, 0.0123015), abs=1e-7)
    assert km.upper == pytest.approx((0.9691798, 0.8817564, 0.7192180), abs=1e-7)


def test_kaplan_meier_with_tied_events() -> None:
    km = kaplan_meier([2, 2, 2, 5, 5, 7], [True, True, False, True, True, False])

    assert km.times == (2.0, 5.0)
    assert km.at_risk == (6, 3)
    # two of six at day 2, then two of the three left at day 5
    assert km.survival == pytest.approx((4 / 6, 4 / 6 * 1 / 3), abs=1e-12)
    assert km.median == 5.0


def test_kaplan_meier_censored_first_and_reaching_zero() -> None:
    km = kaplan_meier([1, 3, 3, 6], [False, True, True, True])

    assert km.times == (3.0, 6.0)
    assert km.at_risk == (3, 1)
    assert km.survival == pytest.approx((1 / 3, 0.0), abs=1e-12)
    assert km.lower[-1] == 0.0
    assert km.upper[-1] == 0.0
    assert km.median == 3.0


def test_kaplan_meier_without_events() -> None:
    km = kaplan_meier([4, 5], [False, False])

    assert km.times == ()
    assert km.survival == ()
    assert km.median is None
    assert km.median_ci == (None, None)
    assert km.event_rate_by(100) == 0.0


def test_kaplan_meier_refuses_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="length"):
        kaplan_meier([1, 2, 3], [True, False])


def test_the_median_is_the_first_time_survival_reaches_one_half() -> None:
    assert kaplan_meier([1, 2, 3, 4], [True] * 4).median == 2.0  # S(2) = 0.5 exactly
    assert kaplan_meier([1, 2, 3, 4, 5], [True] * 5).median == 3.0  # S = .8 .6 .4 …
    # only 2 of 5 reached the goal, yet censoring puts the median within reach
    assert kaplan_meier([1, 1, 1, 2, 3], [False, False, False, True, True]).median == 2.0
    # fewer than half, with everyone observed to the end: no median
    assert kaplan_meier([1, 9, 9, 9], [True, False, False, False]).median is None


def test_the_median_ci_comes_from_where_the_bounds_cross_one_half() -> None:
    durations = [float(d) for d in range(1, 21)]
    events = [d % 4 != 0 for d in range(1, 21)]  # every fourth client censored
    km = kaplan_meier(durations, events)
    low, high = km.median_ci

    assert low is not None
    assert high is not None
    assert km.median is not None
    assert low < km.median < high
    assert low == min(t for t, b in zip(km.times, km.lower, strict=True) if b <= 0.5)
    assert high == min(t for t, b in zip(km.times, km.upper, strict=True) if b <= 0.5)
    # the example above: the upper bound never falls to one half, so no upper limit
    small = kaplan_meier([1, 2, 2, 3, 4], [True, True, False, True, False])
    assert small.median_ci == (1.0, None)


def test_event_rate_by_is_one_minus_survival_at_that_time() -> None:
    km = kaplan_meier([1, 2, 2, 3, 4], [True, True, False, True, False])

    assert km.event_rate_by(0) == 0.0
    assert km.event_rate_by(1) == pytest.approx(0.2)
    assert km.event_rate_by(2.5) == pytest.approx(0.4)
    assert km.event_rate_by(3) == pytest.approx(0.7)
    assert km.event_rate_by(100) == pytest.approx(0.7)


# --- summarize ----------------------------------------------------------------------


def _result(client_id: int, goal_days: tuple[int | None, ...], **fields: Any) -> ClientResult:
    values: dict[str, Any] = {
        "client_id": client_id,
        "scheduled": 6,
        "sessions": 0,
        "missed": 0,
        "after_end": 0,
        "adverse_events": 0,
        "progressions": 0,
        "regressions": 0,
        "goal_days": goal_days,
        "goal_sessions": tuple(None if d is None else 1 for d in goal_days),
        "status": "active",
        "dropout_day": None,
        "final_stage": "retro-walk",
        "final_bout": 15,
        "end_day": 14,
    }
    values.update(fields)
    return ClientResult(**values)


def test_summarize_hand_made_results() -> None:
    results = [
        _result(
            0, (3, 10), sessions=5, missed=1, adverse_events=1, regressions=1, status="completed"
        ),
        _result(1, (5, None), sessions=6, regressions=2),
        _result(2, (None, None), sessions=2, missed=1, adverse_events=2, status="stopped"),
        _result(
            3, (None, None), sessions=3, adverse_events=1, regressions=1, dropout_day=6, end_day=6
        ),
        _result(4, (4, 12), sessions=7, regressions=1, status="completed"),
    ]
    summary = summarize(
        results,
        protocol="p",
        policy="q",
        population="r",
        stage_names=["retro-walk", "retro-run"],
        seed=9,
        weeks=2,
    )

    assert summary.protocol == "p"
    assert summary.policy == "q"
    assert summary.population == "r"
    assert summary.seed == 9
    assert (summary.clients, summary.sessions, summary.missed_sessions) == (5, 23, 2)
    assert summary.goal_rate == pytest.approx(2 / 5)
    # goals at days 10 and 12; the dropout censored at day 6, the others at 14:
    # S(10) = 3/4, S(12) = 3/4 × 2/3 = 1/2 — a median although only 2 of 5 got there
    assert summary.median_days_to_goal == 12.0
    low, high = summary.median_days_to_goal_ci
    assert low is not None
    assert low <= 12.0
    assert high is None or high >= 12.0
    assert summary.stage_goal_rates == pytest.approx({"retro-walk": 3 / 5, "retro-run": 2 / 5})
    # the walk: goals at 3, 4, 5 of 5 at risk → S = .8, .6, .4
    assert summary.stage_median_days == {"retro-walk": 5.0, "retro-run": 12.0}
    assert summary.goal_rate_by_week == pytest.approx((0.0, 2 / 5))
    assert summary.adverse_events == 4
    assert summary.adverse_events_per_100_sessions == pytest.approx(400 / 23)
    assert summary.regressions_per_100_sessions == pytest.approx(500 / 23)
    assert summary.stop_rate == pytest.approx(1 / 5)
    assert summary.dropout_rate == pytest.approx(1 / 5)
    assert summary.as_dict()["goal_rate"] == summary.goal_rate


def test_summarize_without_sessions_has_zero_rates() -> None:
    summary = summarize(
        [_result(0, (None,)), _result(1, (None,))],
        protocol="p",
        policy="q",
        population="r",
        stage_names=["retro-walk"],
        seed=0,
        weeks=1,
    )

    assert summary.sessions == 0
    assert summary.adverse_events_per_100_sessions == 0.0
    assert summary.goal_rate == 0.0
    assert summary.median_days_to_goal is None
    assert summary.goal_rate_by_week == (0.0,)


# --- bootstrap_ci -------------------------------------------------------------------

_DATA = np.arange(100, dtype=float)


def _mean(idx: NDArray[np.intp]) -> dict[str, float]:
    return {"mean": float(_DATA[idx].mean()), "constant": 7.0}


def test_bootstrap_ci_is_reproducible_for_a_seed() -> None:
    first = bootstrap_ci(_mean, 100, resamples=200, seed=4)
    again = bootstrap_ci(_mean, 100, resamples=200, seed=4)
    other = bootstrap_ci(_mean, 100, resamples=200, seed=5)

    assert first == again
    assert first["mean"] != other["mean"]


def test_bootstrap_ci_of_a_mean_matches_its_standard_error() -> None:
    ci = bootstrap_ci(_mean, 100, resamples=2000, seed=0)
    se = float(_DATA.std()) / 10  # σ / √n ≈ 2.87

    low, high = ci["mean"]
    assert low < 49.5 < high
    assert low == pytest.approx(49.5 - _Z95 * se, abs=1.0)
    assert high == pytest.approx(49.5 + _Z95 * se, abs=1.0)
    assert ci["constant"] == (7.0, 7.0)


def test_bootstrap_ci_leaves_out_undefined_values() -> None:
    def stats(idx: NDArray[np.intp]) -> dict[str, float]:
        return {"sometimes": math.nan if 0 in idx else 1.0, "never": math.nan}

    ci = bootstrap_ci(stats, 3, resamples=100, seed=0)

    assert ci["sometimes"] == (1.0, 1.0)
    assert all(math.isnan(x) for x in ci["never"])
