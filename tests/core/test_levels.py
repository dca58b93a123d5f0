"""Stages that list their levels, the sessions a level needs, warm-ups, and their files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest

import retroprog as rp
from retroprog import Level, Stage
from retroprog.exceptions import InvalidValueError, ProtocolFileError

WEEK_5 = Stage(
    "week 5",
    levels=[
        Level("run 5 min, walk 3 min, run 5 min, walk 3 min, run 5 min", sessions=1),
        Level("run 8 min, walk 5 min, run 8 min", sessions=2),
        Level("run 20 min"),
    ],
    sessions=3,
    warmup="walk 5 min",
)


def test_a_listed_stage_is_a_ladder_of_its_levels() -> None:
    assert (WEEK_5.first_level, WEEK_5.last_level, WEEK_5.base_max_level, WEEK_5.step) == (
        1,
        3,
        1,
        1,
    )
    assert WEEK_5.listed
    assert WEEK_5.min_base_sessions == 0  # the default of a listed stage
    assert [WEEK_5.contains(n) for n in (0, 1, 3, 4)] == [False, True, True, False]


def test_a_generated_stage_is_a_ladder_of_bout_lengths() -> None:
    walk = Stage("retro-walk")

    assert (walk.first_level, walk.last_level, walk.base_max_level, walk.step) == (15, 120, 30, 15)
    assert not walk.listed
    assert walk.min_base_sessions == 6


def test_a_level_s_sessions_win_over_the_stage_s() -> None:
    assert [WEEK_5.sessions_needed(n) for n in (1, 2, 3)] == [1, 2, 3]
    assert Stage("retro-walk").sessions_needed(45) is None
    assert Stage("retro-walk", sessions=4).sessions_needed(45) == 4


def test_each_level_s_prescription_has_the_warm_up() -> None:
    first = WEEK_5.prescription(1)

    assert str(first) == "week 5: walk 5 min, 2 × (run 5 min, walk 3 min), run 5 min"
    assert first.level == 1
    assert first.warmup_segments == 1
    assert first.main_segments == WEEK_5.levels[0].segments
    assert str(WEEK_5.prescription(2)) == "week 5: walk 5 min, run 8 min, walk 5 min, run 8 min"


def test_a_level_outside_the_list_has_no_prescription() -> None:
    with pytest.raises(InvalidValueError) as info:
        WEEK_5.prescription(4)

    assert str(info.value) == "level: must be between 1 and 3 for stage 'week 5', got 4"


def test_levels_are_named_for_explanations() -> None:
    week_3 = Stage("week 3", levels=[Level("run 3 min")])

    assert WEEK_5.level_name(2) == "week 5 level 2"
    assert week_3.level_name(1) == "week 3"
    assert Stage("retro-walk").level_name(45) == "45 s"
    assert WEEK_5.describe(3) == "week 5 level 3: walk 5 min, run 20 min"
    assert Stage("retro-walk").describe(45) == "45 s"


def test_a_generated_stage_may_name_its_activity_and_frame_its_bouts() -> None:
    stage = Stage(
        "runs",
        base_min_seconds=60,
        base_max_seconds=60,
        bouts=2,
        rest_seconds=90,
        activity="run",
        warmup="walk 5 min",
        cooldown="walk 5 min",
    )
    prescription = stage.prescription(60)

    assert str(prescription) == "runs: walk 5 min, run 60 s, rest 90 s, run 60 s, walk 5 min"
    assert prescription.level is None
    assert (prescription.warmup_segments, prescription.cooldown_segments) == (1, 1)
    assert stage.bouts_in(60) == 2


def test_the_bouts_of_a_listed_level_are_its_work_segments() -> None:
    # every segment but rest, the warm-up walk included
    assert [WEEK_5.bouts_in(n) for n in (1, 2, 3)] == [6, 4, 2]


def test_a_stage_shows_only_the_fields_that_describe_it() -> None:
    assert repr(Stage("retro-walk")) == (
        "Stage(name='retro-walk', base_min_seconds=15, base_max_seconds=30, "
        "min_base_sessions=6, step_seconds=15, target_seconds=120, bouts=1, rest_seconds=None)"
    )
    listed = repr(Stage("week 9", levels=[Level("run 30 min")], sessions=3))
    assert listed.startswith("Stage(name='week 9', levels=(Level(")
    assert listed.endswith("min_base_sessions=0, sessions=3)")
    assert "base_min_seconds" not in listed


@pytest.mark.parametrize(
    ("kwargs", "field", "reason"),
    [
        ({"levels": [Level("run 1 min")], "step_seconds": 10}, "levels", "(remove step_seconds)"),
        ({"levels": [Level("run 1 min")], "activity": "run"}, "levels", "(remove activity)"),
        ({"levels": ["run 1 min"]}, "levels", "must be a Level"),
        ({"levels": "run 1 min"}, "levels", "must be a sequence of Level"),
        ({"sessions": 0}, "sessions", "must be a whole number ≥ 1"),
        ({"warmup": "walk"}, "plan", "expected a duration after 'walk'"),
        ({"activity": "rest"}, "activity", "a stage's bouts cannot be rest"),
        ({"name": "Rest"}, "name", "a stage's bouts cannot be rest"),
        ({"target_seconds": 86_401}, "target_seconds", "between 1 and 86400"),
    ],
)
def test_a_bad_stage_names_its_field(kwargs: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        Stage(**{"name": "week 1", **kwargs})

    assert info.value.field == field
    assert reason in info.value.reason


def test_a_warm_up_may_be_rest_only() -> None:
    assert Stage("retro-walk", warmup="rest 60 s").warmup == (rp.Segment("rest", 60),)


def test_a_level_needs_a_plan_with_work() -> None:
    with pytest.raises(InvalidValueError):
        Level("rest 5 min")
    with pytest.raises(InvalidValueError) as info:
        Level("run 1 min", sessions=0)
    assert info.value.field == "sessions"


def test_a_listed_protocol_starts_at_the_first_level() -> None:
    protocol = rp.StagedProtocol("weeks", [WEEK_5])

    assert protocol.start() == rp.ClientState("week 5", 1)
    assert protocol.step_up(rp.ClientState("week 5", 1)) == 2
    assert protocol.step_up(rp.ClientState("week 5", 3)) == 3
    assert protocol.step_down(rp.ClientState("week 5", 1)) == 1


# --- protocol files ---------------------------------------------------------------------------


def _load(tmp_path: Path, text: str) -> rp.ProgressionProtocol:
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    return rp.load_protocol(path)


def test_a_file_lists_levels_as_plans_or_tables(tmp_path: Path) -> None:
    protocol = _load(
        tmp_path,
        """
schema = 2
name = "weeks"
source = "a coach"
regress_across_stages = true

[defaults]
warmup = "walk 5 min"
sessions = 3

[[stages]]
name = "week 1"
levels = ["8 × (run 60 s, walk 90 s)"]

[[stages]]
name = "week 5"
[[stages.levels]]
plan = "3 × (run 5 min, walk 3 min)"
sessions = 1
[[stages.levels]]
plan = "run 20 min"
""",
    )
    assert isinstance(protocol, rp.StagedProtocol)

    week_1, week_5 = protocol.stages
    assert (protocol.source, protocol.regress_across_stages) == ("a coach", True)
    assert week_1.levels == (Level("8 × (run 60 s, walk 90 s)"),)
    assert week_5.levels == (Level("3 × (run 5 min, walk 3 min)", 1), Level("run 20 min"))
    assert [week_5.sessions_needed(n) for n in (1, 2)] == [1, 3]
    assert week_1.warmup == (rp.Segment("walk", 300),)


def test_bout_defaults_apply_only_to_stages_that_generate_their_levels(tmp_path: Path) -> None:
    protocol = _load(
        tmp_path,
        """
name = "mixed"
[defaults]
base_min_seconds = 20
base_max_seconds = 20
target_seconds = 60
min_base_sessions = 2

[[stages]]
name = "retro-walk"

[[stages]]
name = "week 1"
levels = ["run 1 min"]
""",
    )
    walk, week = protocol.stages

    assert (walk.base_min_seconds, walk.target_seconds, walk.min_base_sessions) == (20, 60, 2)
    assert week.levels == (Level("run 1 min"),)
    assert week.min_base_sessions == 2  # the minimum at base is every stage's
    assert week.base_min_seconds == 15  # untouched: the field means nothing here


def test_overrides_set_the_bout_fields_of_generated_stages_only() -> None:
    protocol = rp.load_protocol("couch-to-5k", warmup="walk 10 min")

    assert {stage.warmup for stage in protocol.stages} == {(rp.Segment("walk", 600),)}
    with pytest.raises(rp.exceptions.UnknownParameterError):
        rp.load_protocol("couch-to-5k", levels=[])


def test_a_file_with_level_mistakes_reports_all_of_them(tmp_path: Path) -> None:
    with pytest.raises(ProtocolFileError) as info:
        _load(
            tmp_path,
            """
name = "broken"
regress_across_stages = "yes"
source = 5

[[stages]]
name = "week 1"
step_seconds = 10
levels = ["8 × (run 60 s, walk)", 7, {plan = "run 1 min", sessions = 0, pace = "easy"}]

[[stages]]
name = "week 2"
levels = []
warmup = "walk five minutes"

[[stages]]
name = "week 3"
[[stages.levels]]
sessions = 2
""",
        )

    assert {p.key: p.message for p in info.value.problems} == {
        "source": "must be a string, got 5",
        "regress_across_stages": "must be true or false, got 'yes'",
        "stages[0].levels[0].plan": "at character 20: expected a duration after 'walk', "
        "e.g. '90 s', '3 min' or '2 min 30 s'",
        "stages[0].levels[1]": "must be plan text or a table, got 7",
        "stages[0].levels[2].pace": "unknown level key (allowed: plan, sessions)",
        "stages[0].levels[2].sessions": "must be a whole number ≥ 1, got 0",
        "stages[0].levels": "a stage lists its levels or generates them from bout lengths, "
        "not both (remove step_seconds)",
        "stages[1].warmup": "at character 18: expected a duration after 'walk five minutes', "
        "e.g. '90 s', '3 min' or '2 min 30 s'",
        "stages[1].levels": 'must be a non-empty array of plans ("walk 5 min, run 20 min") '
        "or of [[stages.levels]] tables",
        "stages[2].levels[0].plan": "missing",
    }


def test_a_schema_1_file_may_not_be_newer_than_2(tmp_path: Path) -> None:
    with pytest.raises(ProtocolFileError) as info:
        _load(tmp_path, 'schema = 3\nname = "x"\n[[stages]]\nname = "a"\n')

    assert str(info.value.problems[0]) == (
        "schema: unsupported schema 3 (this retroprog reads 1 to 2)"
    )


def test_a_protocol_regresses_across_stages_only_when_it_says_so() -> None:
    protocol = rp.load_protocol("retro-walk-run")
    assert isinstance(protocol, rp.StagedProtocol)

    assert not protocol.regress_across_stages
    assert protocol.previous_stage("retro-run") == protocol.stage("retro-walk")
    assert protocol.previous_stage("retro-walk") is None
    assert attrs.evolve(protocol, regress_across_stages=True).regress_across_stages


def test_a_warm_up_that_makes_the_plans_too_long_is_refused_at_once(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError) as info:
        Stage("a", bouts=500, rest_seconds=5, warmup="2 × walk 1 min")
    assert "at most 1000 segments" in info.value.reason

    with pytest.raises(ProtocolFileError) as file_info:
        _load(
            tmp_path,
            'name = "long"\n[[stages]]\nname = "a"\nbouts = 500\nrest_seconds = 5\n'
            'warmup = "2 × walk 1 min"\n',
        )
    (problem,) = file_info.value.problems
    assert problem.key == "stages[0]"
    assert "at most 1000 segments" in problem.message
