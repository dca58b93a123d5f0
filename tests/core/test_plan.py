"""Session plans: segments, and the plan language that coaches write them in."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

import retroprog as rp
from retroprog import Segment, parse_plan, plan_text
from retroprog import testing as rt
from retroprog.exceptions import InvalidValueError, PlanSyntaxError


def test_couch_to_5k_week_1_reads_as_17_segments() -> None:
    plan = parse_plan("walk 5 min, 8 × (run 60 s, walk 90 s)")

    assert plan == (Segment("walk", 300), *[Segment("run", 60), Segment("walk", 90)] * 8)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("run 90 s", 90),
        ("run 90s", 90),
        ("run 90 sec", 90),
        ("run 90 seconds", 90),
        ("run 3 min", 180),
        ("run 3min", 180),
        ("run 3 minutes", 180),
        ("run 2 min 30 s", 150),
        ("run 1.5 min", 90),
        ("run 1 h", 3600),
        ("run 1 hour 5 min", 3900),
    ],
)
def test_durations_a_coach_writes(text: str, seconds: int) -> None:
    assert parse_plan(text) == (Segment("run", seconds),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 x (run 1 min, walk 1 min)", [("run", 60), ("walk", 60)] * 3),
        ("3 X (run 1 min)", [("run", 60)] * 3),
        ("3 * run 1 min", [("run", 60)] * 3),  # one item needs no parentheses
        (
            "2 × (walk 1 min, 2 × (run 30 s, rest 30 s))",
            [("walk", 60)]
            + [("run", 30), ("rest", 30)] * 2
            + [("walk", 60)]
            + [("run", 30), ("rest", 30)] * 2,
        ),
        ("brisk walk 5 min", [("brisk walk", 300)]),
        ("  walk   5 min ,run 1 min  ", [("walk", 300), ("run", 60)]),
    ],
)
def test_repeats_and_names(text: str, expected: list[tuple[str, int]]) -> None:
    assert [(s.activity, s.seconds) for s in parse_plan(text)] == expected


def test_an_effort_is_kept_as_written() -> None:
    plan = parse_plan("4 × (run 2 min @ 6 mph, walk 2 min @ 3.5 mph), run 16 min @ intensity 1-2")

    assert plan[0] == Segment("run", 120, effort="6 mph")
    assert plan[1] == Segment("walk", 120, effort="3.5 mph")
    assert plan[-1] == Segment("run", 960, effort="intensity 1-2")
    assert str(plan[0]) == "run 2 min @ 6 mph"


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ("", 1, "the plan is empty"),
        ("run", 4, "expected a duration after 'run'"),
        ("run 60 s, walk 90", 16, "expected a duration after 'walk'"),
        ("run 5 km", 5, "expected a duration after 'run'"),
        ("run 60 s walk 90 s", 10, "unexpected 'w'; items are separated by commas"),
        ("run 60 s,", 10, "expected an activity"),
        ("3 × (run 1 s", 13, "expected ',' or ')' to close the repeat opened at character 1"),
        ("2 × (run 1 s walk 1 s)", 14, "to close the repeat opened at character 1"),
        ("run 1 s)", 8, "unexpected ')'"),
        ("0 × (run 1 s)", 1, "a repeat count must be at least 1"),
        ("run 1.25 s", 5, "the duration is not a whole number of seconds"),
        ("run 30 s 2 min", 10, "give a duration's larger units first"),
        ("run 1 s @", 10, "expected an effort after '@'"),
        ("rest 5 min", 1, "a plan needs at least one segment that is not rest"),
        ("1000 × (run 1 s, walk 1 s)", 1, "more than 1000 segments"),
        ("run 2 days", 5, "expected a duration after 'run'"),
        ("run 25 h", 1, "seconds must be a whole number between 1 and 86400"),
    ],
)
def test_a_mistake_is_named_with_its_position(text: str, position: int, reason: str) -> None:
    with pytest.raises(PlanSyntaxError) as info:
        parse_plan(text)

    assert info.value.position == position, str(info.value)
    assert info.value.text == text
    assert reason in info.value.reason
    assert info.value.reason.startswith(f"at character {position}: ")
    assert isinstance(info.value, InvalidValueError)


def test_repeats_cannot_nest_without_end() -> None:
    with pytest.raises(PlanSyntaxError) as info:
        parse_plan("2 × (" * 9 + "run 1 s" + ")" * 9)

    assert "nest at most 8 deep" in info.value.reason


def test_plan_text_is_not_a_string() -> None:
    with pytest.raises(InvalidValueError) as info:
        parse_plan(5)  # type: ignore[arg-type]

    assert info.value.field == "plan"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("walk 5 min, 8 × (run 60 s, walk 90 s)", "walk 5 min, 8 × (run 60 s, walk 90 s)"),
        (
            "walk 5 min, run 90 s, walk 90 s, run 3 min, walk 3 min, "
            "run 90 s, walk 90 s, run 3 min, walk 3 min",
            "walk 5 min, 2 × (run 90 s, walk 90 s, run 3 min, walk 3 min)",
        ),
        ("a 1 s, b 1 s, a 1 s, b 1 s, a 1 s, b 1 s, a 1 s, b 1 s", "4 × (a 1 s, b 1 s)"),
        ("run 1 min, run 1 min", "2 × (run 60 s)"),
        ("run 150 s, walk 3600 s, run 45s", "run 2 min 30 s, walk 60 min, run 45 s"),
        ("3 × (run 1 min, rest 30 s), run 1 min", "3 × (run 60 s, rest 30 s), run 60 s"),
    ],
)
def test_plan_text_finds_the_repeats(text: str, canonical: str) -> None:
    assert plan_text(parse_plan(text)) == canonical


@given(rt.plans())
def test_plan_text_reads_back_as_the_same_plan(plan: tuple[Segment, ...]) -> None:
    assert parse_plan(plan_text(plan)) == plan


@given(rt.plans())
def test_plan_text_is_a_fixed_point(plan: tuple[Segment, ...]) -> None:
    text = plan_text(plan)

    assert plan_text(parse_plan(text)) == text


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"activity": "", "seconds": 1}, "activity"),
        ({"activity": " run", "seconds": 1}, "activity"),
        ({"activity": "run", "seconds": 0}, "seconds"),
        ({"activity": "run", "seconds": 1.0}, "seconds"),
        ({"activity": "run", "seconds": 86_401}, "seconds"),
        ({"activity": "run", "seconds": 1, "effort": ""}, "effort"),
        ({"activity": "run", "seconds": 1, "effort": "fast, then slow"}, "effort"),
        ({"activity": "run", "seconds": 1, "effort": " easy"}, "effort"),
        ({"activity": "run", "seconds": 1, "effort": 6}, "effort"),
    ],
)
def test_a_bad_segment_names_its_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        Segment(**kwargs)

    assert info.value.field == field


def test_rest_is_rest_in_any_case() -> None:
    assert Segment("Rest", 30).is_rest
    assert not Segment("restful walk", 30).is_rest


# --- prescriptions of plans -----------------------------------------------------------------


def test_a_plan_s_figures() -> None:
    week = rp.Prescription("week 1", "walk 5 min, 8 × (run 60 s, rest 90 s)")

    assert (week.work_seconds, week.total_seconds) == (300 + 8 * 60, 300 + 8 * 150)
    assert (week.longest_work_seconds, week.work_segments) == (300, 9)
    assert (week.bout_seconds, week.bouts, week.rest_seconds) == (None, None, None)


@pytest.mark.parametrize(
    ("prescription", "shape"),
    [
        (rp.Prescription.simple("retro-walk", 15), (15, 1, None)),
        (rp.Prescription.simple("retro-walk", 30, 3, 60), (30, 3, 60)),
        (rp.Prescription.simple("retro-walk", 30, 3), (30, 3, None)),
        (rp.Prescription("x", "3 × run 30 s"), (30, 3, None)),
        (rp.Prescription("x", "2 × (run 30 s, rest 60 s), run 30 s"), (30, 3, 60)),
        (rp.Prescription("x", "2 × (run 30 s, rest 60 s)"), (None, None, None)),  # ends resting
        (rp.Prescription("x", "run 30 s, walk 60 s, run 30 s"), (None, None, None)),
        (rp.Prescription("x", "run 30 s, rest 60 s, run 30 s, rest 30 s, run 30 s"), (None,) * 3),
    ],
)
def test_simple_plans_keep_bouts_and_rest(
    prescription: rp.Prescription, shape: tuple[int | None, ...]
) -> None:
    assert (prescription.bout_seconds, prescription.bouts, prescription.rest_seconds) == shape


def test_a_simple_plan_of_another_activity_reads_as_a_plan() -> None:
    assert str(rp.Prescription.simple("runs", 60, 3, 90, activity="run")) == (
        "runs: 2 × (run 60 s, rest 90 s), run 60 s"
    )


def test_the_warm_up_and_cool_down_are_written_on_their_own() -> None:
    plan = parse_plan("walk 5 min, run 8 min, walk 5 min, run 8 min, walk 5 min")
    whole = rp.Prescription("week 5", plan)
    framed = rp.Prescription("week 5", plan, 2, warmup_segments=1, cooldown_segments=1)

    assert whole.plan == "2 × (walk 5 min, run 8 min), walk 5 min"
    assert framed.plan == "walk 5 min, run 8 min, walk 5 min, run 8 min, walk 5 min"
    assert framed.main_segments == plan[1:-1]


def test_a_warm_up_cannot_be_the_whole_plan() -> None:
    with pytest.raises(InvalidValueError) as info:
        rp.Prescription("x", "walk 5 min", warmup_segments=1)

    assert info.value.field == "warmup_segments"
