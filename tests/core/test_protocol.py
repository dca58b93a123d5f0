"""StagedProtocol, the built-in protocol, and protocol files (TOML)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
import pytest

from retroprog import (
    ClientState,
    Prescription,
    ProgressionProtocol,
    Stage,
    StagedProtocol,
    Status,
    builtin_protocols,
    load_protocol,
)
from retroprog.exceptions import (
    InvalidValueError,
    Problem,
    ProtocolFileError,
    UnknownParameterError,
    UnknownPluginError,
    UnknownStageError,
)

if TYPE_CHECKING:
    from pathlib import Path

WALK_RUN = load_protocol("retro-walk-run")


def _state(bout: int, *, base_sessions: int = 0, stage: str = "retro-walk") -> ClientState:
    return ClientState(stage, bout, base_sessions=base_sessions)


# --- the built-in protocol ---------------------------------------------------------------


def test_builtin_protocols_are_listed_with_their_files() -> None:
    files = builtin_protocols()

    assert sorted(files) == ["couch-to-5k", "retro-walk-run", "return-to-run-mtss"]
    for name, path in files.items():
        assert path.name == f"{name}.toml"
        assert path.is_file()


def test_builtin_protocol_is_the_articles() -> None:
    assert isinstance(WALK_RUN, StagedProtocol)
    assert WALK_RUN.name == "retro-walk-run"
    assert WALK_RUN.stages == (Stage("retro-walk"), Stage("retro-run"))
    assert WALK_RUN.description.startswith("Backwards walking, then backwards running")


def test_staged_protocol_satisfies_the_plug_in_point() -> None:
    assert isinstance(WALK_RUN, ProgressionProtocol)


def test_start_prescribes_the_first_stage_at_base() -> None:
    state = WALK_RUN.start()

    assert state == ClientState("retro-walk", 15)
    assert WALK_RUN.prescribe(state) == Prescription.simple("retro-walk", 15, 1, None)


def test_next_stage() -> None:
    assert WALK_RUN.next_stage("retro-walk") == Stage("retro-run")
    assert WALK_RUN.next_stage("retro-run") is None


@pytest.mark.parametrize("status", [Status.STOPPED, Status.COMPLETED])
def test_no_prescription_unless_active(status: Status) -> None:
    assert WALK_RUN.prescribe(ClientState("retro-run", 120, status=status)) is None


def test_stage_lookup() -> None:
    assert WALK_RUN.stage("retro-run") == Stage("retro-run")


# --- steps -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bout", "base_sessions", "expected"),
    [
        (15, 0, 30),  # within base at once
        (30, 0, 30),  # the min-base-sessions ceiling
        (30, 5, 30),
        (30, 6, 45),  # six sessions at base: beyond base is allowed
        (30, 9, 45),
        (60, 6, 75),
        (105, 6, 120),
        (110, 6, 120),  # never beyond the target
        (120, 6, 120),
    ],
)
def test_step_up_bounds(bout: int, base_sessions: int, expected: int) -> None:
    assert WALK_RUN.step_up(_state(bout, base_sessions=base_sessions)) == expected


def test_step_up_stays_in_base_before_min_sessions_even_with_a_big_step() -> None:
    protocol = StagedProtocol("big", [Stage("retro-walk", step_seconds=40)])

    assert protocol.step_up(_state(15, base_sessions=5)) == 30
    assert protocol.step_up(_state(15, base_sessions=6)) == 55


def test_step_up_without_a_base_minimum() -> None:
    protocol = StagedProtocol("eager", [Stage("retro-walk", min_base_sessions=0)])

    assert protocol.step_up(_state(30)) == 45


@pytest.mark.parametrize(("by", "expected"), [(5, 65), (15, 75), (100, 120)])
def test_step_up_by(by: int, expected: int) -> None:
    assert WALK_RUN.step_up(_state(60, base_sessions=6), by=by) == expected


def test_step_up_by_zero_does_not_move() -> None:
    # "at most `by` seconds more": zero more is no change, not the stage's default step
    assert WALK_RUN.step_up(_state(60, base_sessions=6), by=0) == 60


@pytest.mark.parametrize(
    ("bout", "by", "expected"),
    [(60, None, 45), (45, None, 30), (20, None, 15), (15, None, 15), (60, 5, 55), (60, 100, 15)],
)
def test_step_down_bounds(bout: int, by: int | None, expected: int) -> None:
    assert WALK_RUN.step_down(_state(bout, base_sessions=6), by=by) == expected


def test_steps_use_the_states_stage() -> None:
    protocol = StagedProtocol(
        "two", [Stage("retro-walk"), Stage("retro-run", step_seconds=10, target_seconds=60)]
    )
    state = _state(55, base_sessions=6, stage="retro-run")

    assert protocol.step_up(state) == 60
    assert protocol.step_down(state) == 45


# --- unknown stages --------------------------------------------------------------------------


def test_unknown_stage_error_names_the_known_stages() -> None:
    with pytest.raises(UnknownStageError) as info:
        WALK_RUN.stage("retro-swim")

    error = info.value
    assert (error.field, error.value) == ("stage", "retro-swim")
    assert error.known == ("retro-walk", "retro-run")
    assert str(error) == "stage: unknown stage (known: retro-walk, retro-run), got 'retro-swim'"
    assert isinstance(error, KeyError)
    assert isinstance(error, InvalidValueError)


@pytest.mark.parametrize(
    "call",
    [
        lambda: WALK_RUN.next_stage("retro-swim"),
        lambda: WALK_RUN.step_up(_state(15, stage="retro-swim")),
        lambda: WALK_RUN.step_down(_state(15, stage="retro-swim")),
        lambda: WALK_RUN.prescribe(_state(15, stage="retro-swim")),
    ],
)
def test_every_lookup_of_an_unknown_stage_raises(call: object) -> None:
    assert callable(call)
    with pytest.raises(UnknownStageError) as info:
        call()

    assert info.value.value == "retro-swim"


# --- building from Python --------------------------------------------------------------------


def test_duplicate_stage_names_are_refused() -> None:
    with pytest.raises(InvalidValueError) as info:
        StagedProtocol("twice", [Stage("retro-walk"), Stage("retro-walk")])

    assert (info.value.field, info.value.value) == ("stages", "retro-walk")


def test_a_protocol_needs_a_stage() -> None:
    with pytest.raises(InvalidValueError) as info:
        StagedProtocol("empty", [])

    assert info.value.field == "stages"


def test_a_protocol_needs_a_name() -> None:
    with pytest.raises(InvalidValueError) as info:
        StagedProtocol("", [Stage("retro-walk")])

    assert (info.value.field, info.value.value) == ("name", "")


def test_stages_become_a_tuple_and_equal_protocols_compare_equal() -> None:
    a = StagedProtocol("p", [Stage("retro-walk")])
    b = StagedProtocol("p", (Stage("retro-walk"),))

    assert a.stages == (Stage("retro-walk"),)
    assert a == b


# --- files -----------------------------------------------------------------------------------

GOOD = """\
schema = 1
name = "walk-then-run"
description = "Mine."

[defaults]
step_seconds = 10

[[stages]]
name = "retro-walk"

[[stages]]
name = "retro-run"
target_seconds = 60
bouts = 2
rest_seconds = 30
"""


def _write(tmp_path: Path, text: str, name: str = "protocol.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_a_good_file(tmp_path: Path) -> None:
    protocol = load_protocol(_write(tmp_path, GOOD))

    assert protocol == StagedProtocol(
        "walk-then-run",
        [
            Stage("retro-walk", step_seconds=10),
            Stage("retro-run", step_seconds=10, target_seconds=60, bouts=2, rest_seconds=30),
        ],
        "Mine.",
    )


def test_load_by_string_path(tmp_path: Path) -> None:
    assert load_protocol(str(_write(tmp_path, GOOD))).name == "walk-then-run"


def test_overrides_apply_to_every_stage(tmp_path: Path) -> None:
    protocol = load_protocol(_write(tmp_path, GOOD), step_seconds=5, min_base_sessions=3)

    assert [(s.step_seconds, s.min_base_sessions) for s in protocol.stages] == [(5, 3), (5, 3)]
    assert protocol.stage("retro-run").target_seconds == 60


def test_overrides_on_the_builtin_protocol() -> None:
    protocol = load_protocol("retro-walk-run", step_seconds=10)

    assert protocol.stages == (
        Stage("retro-walk", step_seconds=10),
        Stage("retro-run", step_seconds=10),
    )
    assert WALK_RUN.stage("retro-walk").step_seconds == 15  # the shipped file is unchanged


def test_an_unknown_override_is_refused() -> None:
    with pytest.raises(UnknownParameterError) as info:
        load_protocol("retro-walk-run", speed=3)

    assert info.value.field == "speed"
    assert "step_seconds" in info.value.known
    assert "name" not in info.value.known


def test_a_bad_override_is_reported_once() -> None:
    with pytest.raises(ProtocolFileError) as info:
        load_protocol("retro-walk-run", step_seconds=0)

    assert info.value.path == "retro-walk-run"
    assert info.value.problems == (
        Problem("override.step_seconds", "must be a whole number ≥ 1, got 0"),
    )


MANY_PROBLEMS = """\
schema = 1
name = ""
colour = "red"

[defaults]
speed = 3

[[stages]]
name = "retro-walk"
bouts = "two"

[[stages]]
name = "retro-walk"
step_seconds = 0

[[stages]]
rest_seconds = -1
"""


def test_a_file_with_several_problems_reports_all_of_them(tmp_path: Path) -> None:
    path = _write(tmp_path, MANY_PROBLEMS)

    with pytest.raises(ProtocolFileError) as info:
        load_protocol(path)

    error = info.value
    assert error.path == str(path)
    assert {p.key: p.message for p in error.problems} == {
        "colour": (
            "unknown key (allowed: defaults, description, name, regress_across_stages, "
            "schema, source, stages)"
        ),
        "name": "must be a non-empty string, got ''",
        "defaults.speed": "unknown stage key",
        "stages[0].bouts": "must be a whole number between 1 and 500, got 'two'",
        "stages[1].step_seconds": "must be a whole number ≥ 1, got 0",
        "stages[1].name": "duplicate stage name 'retro-walk'",
        "stages[2].name": "missing",
        "stages[2].rest_seconds": "must be a whole number between 0 and 86400, got -1",
    }
    assert len(error.problems) == 8
    head, *lines = str(error).splitlines()
    assert head == f"{path}: 8 problems in protocol:"
    assert lines == [f"  {problem.key}: {problem.message}" for problem in error.problems]
    assert isinstance(error, ValueError)


def test_a_stage_with_a_bad_value_still_has_its_other_problems_reported(tmp_path: Path) -> None:
    # fixed in one pass: the bad "bouts" must not hide the target below the base range
    path = _write(
        tmp_path,
        'name = "p"\n[[stages]]\nname = "retro-walk"\nbouts = 0\ntarget_seconds = 20\n',
    )

    with pytest.raises(ProtocolFileError) as info:
        load_protocol(path)

    assert {p.key for p in info.value.problems} == {
        "stages[0].bouts",
        "stages[0].target_seconds",
    }


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            "schema = 3\nname = 'p'\n[[stages]]\nname = 'a'\n",
            [Problem("schema", "unsupported schema 3 (this retroprog reads 1 to 2)")],
        ),
        (
            "name = 'p'\n",
            [Problem("stages", "must be a non-empty array of tables ([[stages]])")],
        ),
        (
            "name = 'p'\nstages = [1]\n",
            [Problem("stages[0]", "must be a table")],
        ),
        (
            "name = 'p'\ndescription = 3\ndefaults = 4\n[[stages]]\nname = 'a'\n",
            [
                Problem("description", "must be a string, got 3"),
                Problem("defaults", "must be a table"),
            ],
        ),
        (
            "name = 'p'\n[[stages]]\nname = 'a'\nlength = 3\n",
            [Problem("stages[0].length", "unknown stage key")],
        ),
    ],
)
def test_file_problems(tmp_path: Path, text: str, problems: list[Problem]) -> None:
    with pytest.raises(ProtocolFileError) as info:
        load_protocol(_write(tmp_path, text))

    assert list(info.value.problems) == problems


def test_invalid_toml(tmp_path: Path) -> None:
    path = _write(tmp_path, 'name = "p"\n[[stages]\n')

    with pytest.raises(ProtocolFileError) as info:
        load_protocol(path)

    assert info.value.path == str(path)
    [problem] = info.value.problems
    assert problem.key == "file"
    assert problem.message.startswith("not valid TOML: ")


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"

    with pytest.raises(ProtocolFileError) as info:
        load_protocol(path)

    assert info.value.problems == (Problem("file", "cannot read: No such file or directory"),)
    assert str(info.value) == (
        f"{path}: 1 problem in protocol:\n  file: cannot read: No such file or directory"
    )


def test_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "folder.toml"
    path.mkdir()  # unreadable as a file even for root, unlike chmod 000

    with pytest.raises(ProtocolFileError) as info:
        load_protocol(path)

    assert info.value.problems == (Problem("file", "cannot read: a folder, not a file"),)


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "caf\u00e9"\n'.encode("latin-1"))

    with pytest.raises(ProtocolFileError) as info:
        load_protocol(path)

    [problem] = info.value.problems
    assert problem.key == "file"


def test_an_unknown_name_lists_the_known_protocols() -> None:
    with pytest.raises(UnknownPluginError) as info:
        load_protocol("no-such-protocol")

    assert info.value.name == "no-such-protocol"
    assert "retro-walk-run" in info.value.known
    assert str(info.value).startswith("unknown protocol 'no-such-protocol' (available: ")


def test_protocols_are_immutable() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        WALK_RUN.name = "other"  # type: ignore[misc]
