"""Session logs as JSON Lines: read, write atomically, amend; every bad line reported."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from retroprog import (
    ClientState,
    SessionOutcome,
    amend_log,
    dumps_log,
    from_json,
    load_policy,
    load_protocol,
    loads_log,
    read_log,
    replay,
    to_json,
    write_log,
)
from retroprog.exceptions import (
    InvalidValueError,
    Problem,
    SchemaVersionError,
    SessionLogError,
    UnknownParameterError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

LOG = [
    SessionOutcome(day=1),
    SessionOutcome(day=3, pain=3, next_day_pain=1),
    SessionOutcome(day=5, rpe=6.5, bouts_completed=1),
]


def test_write_then_read(tmp_path: Path) -> None:
    path = tmp_path / "client.jsonl"

    write_log(path, LOG)

    assert read_log(path) == LOG
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines == [to_json(outcome) for outcome in LOG]
    assert path.read_bytes().endswith(b"}\n")


def test_write_accepts_any_iterable_and_a_string_path(tmp_path: Path) -> None:
    path = tmp_path / "client.jsonl"

    write_log(str(path), iter(LOG))

    assert read_log(str(path)) == LOG


def test_an_empty_log(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"

    write_log(path, [])

    assert path.read_text() == ""
    assert read_log(path) == []


def test_dumps_and_loads() -> None:
    text = dumps_log(LOG)

    assert text.count("\n") == 3
    assert loads_log(text) == LOG


def test_blank_lines_are_skipped() -> None:
    text = "\n" + to_json(LOG[0]) + "\n   \n" + to_json(LOG[1]) + "\n\n"

    assert loads_log(text) == LOG[:2]


def test_dates_round_trip(tmp_path: Path) -> None:
    log = [SessionOutcome(date=dt.date(2024, 2, 28)), SessionOutcome(date=dt.date(2024, 2, 29))]
    path = tmp_path / "dated.jsonl"

    write_log(path, log)

    assert read_log(path) == log


def test_a_log_with_several_bad_lines_reports_all_of_them(tmp_path: Path) -> None:
    good = [to_json(SessionOutcome(day=d)) for d in (1, 2, 9)]
    lines = [
        good[0],  # 1
        "{not json",  # 2
        '{"schema": 1, "type": "SessionOutcome", "colour": "red"}',  # 3
        good[1],  # 4
        "",  # 5: blank, skipped
        '{"type": "ClientState", "stage": "walk"}',  # 6: no schema, not a session
        good[2],  # 7
        to_json(SessionOutcome(day=4)),  # 8: goes back in time
        '{"schema": 3, "type": "SessionOutcome"}',  # 9: newer schema
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(SessionLogError) as info:
        read_log(path)

    error = info.value
    assert error.path == str(path)
    assert [p.key for p in error.problems] == ["line 2", "line 3", "line 6", "line 8", "line 9"]
    messages = [p.message for p in error.problems]
    assert messages[0].startswith("is not JSON (")
    assert messages[1].startswith("colour: unknown key (known: completed, ")
    assert messages[2] == "schema: the document has no schema version (expected 2)"
    assert messages[3] == "day: is before the previous session (day 9), got 4"
    assert messages[4].startswith("schema: document schema 3 is not supported")
    head, first, *rest = str(error).splitlines()  # one problem per line
    assert head == f"{path}: 5 problems in session log:"
    assert first.startswith("  line 2: is not JSON (")
    assert len(rest) == 4


def test_a_hand_written_session_line_without_a_schema_is_the_current_schema() -> None:
    text = '{"pain": 0}\n{"type": "SessionOutcome", "pain": 2, "day": 3}\n{"schema": 2}\n'

    assert loads_log(text) == [SessionOutcome(), SessionOutcome(pain=2, day=3), SessionOutcome()]
    with pytest.raises(SessionLogError) as info:  # a bad hand-written line is still named
        loads_log('{"pain": 12}\n')
    assert str(info.value.problems[0]) == (
        "line 1: pain: must be a whole number between 0 and 10, got 12"
    )


def test_other_documents_keep_requiring_a_schema() -> None:
    with pytest.raises(SchemaVersionError):
        from_json('{"type": "SessionOutcome", "pain": 1}', SessionOutcome)
    with pytest.raises(SchemaVersionError):
        from_json('{"stage": "walk", "level": 15}', ClientState)


def test_a_bad_value_in_a_line_is_named() -> None:
    text = to_json(SessionOutcome()).replace('"pain": 0', '"pain": 11') + "\n"

    with pytest.raises(SessionLogError) as info:
        loads_log(text, source="mine.jsonl")

    assert info.value.problems == (
        Problem("line 1", "pain: must be a whole number between 0 and 10, got 11"),
    )


def test_dates_going_backwards() -> None:
    log = [
        SessionOutcome(date=dt.date(2024, 5, 3)),
        SessionOutcome(date=dt.date(2024, 5, 3)),  # the same day twice is fine
        SessionOutcome(date=dt.date(2024, 5, 1)),
        SessionOutcome(date=dt.date(2024, 5, 6)),
    ]

    with pytest.raises(SessionLogError) as info:
        loads_log(dumps_log(log), source="dated.jsonl")

    assert info.value.path == "dated.jsonl"
    assert info.value.problems == (
        Problem("line 3", "date: is before the previous session (2024-05-03), got '2024-05-01'"),
    )


def test_sessions_without_a_day_may_come_between_days() -> None:
    log = [SessionOutcome(day=2), SessionOutcome(), SessionOutcome(day=2), SessionOutcome(day=5)]

    assert loads_log(dumps_log(log)) == log


def test_mixing_day_numbers_and_dates_is_reported() -> None:
    log = [SessionOutcome(day=2), SessionOutcome(date=dt.date(2024, 5, 1))]

    with pytest.raises(SessionLogError) as info:
        loads_log(dumps_log(log))

    assert info.value.problems == (
        Problem("line 2", "mixes day numbers and dates; use one of them"),
    )


def test_a_missing_log(tmp_path: Path) -> None:
    path = tmp_path / "missing.jsonl"

    with pytest.raises(SessionLogError) as info:
        read_log(path)

    assert info.value.problems == (Problem("file", "cannot read: No such file or directory"),)


def test_a_log_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"note": "caf\xe9"}\n')

    with pytest.raises(SessionLogError) as info:
        read_log(path)

    assert info.value.problems == (Problem("file", "cannot read: not UTF-8 text"),)


# --- atomic writes --------------------------------------------------------------------------


def _failing() -> Iterator[SessionOutcome]:
    yield SessionOutcome(day=10)
    raise RuntimeError("the app crashed while producing the log")


def test_a_failed_write_leaves_the_old_file_intact(tmp_path: Path) -> None:
    path = tmp_path / "client.jsonl"
    write_log(path, LOG)
    before = path.read_bytes()

    with pytest.raises(RuntimeError, match="crashed"):
        write_log(path, _failing())

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["client.jsonl"]


def test_a_log_of_something_else_is_refused_and_the_old_file_kept(tmp_path: Path) -> None:
    path = tmp_path / "client.jsonl"
    write_log(path, LOG)
    before = path.read_bytes()

    with pytest.raises(InvalidValueError) as info:
        write_log(path, [SessionOutcome(), {"pain": 3}])  # type: ignore[list-item]

    assert (info.value.field, info.value.value) == ("type", "dict")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["client.jsonl"]


def test_a_failed_rename_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "taken"
    path.mkdir()  # a folder where the log should go: the rename fails

    with pytest.raises(IsADirectoryError):
        write_log(path, LOG)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    assert list(path.iterdir()) == []


# --- amending ---------------------------------------------------------------------------------


def test_amend_adds_next_day_pain_to_one_session() -> None:
    amended = amend_log(LOG, 0, next_day_pain=2)

    assert amended == [SessionOutcome(day=1, next_day_pain=2), *LOG[1:]]
    assert LOG[0].next_day_pain is None  # the original log is untouched


def test_amend_the_last_session_by_negative_index() -> None:
    assert amend_log(LOG, -1, next_day_pain=0)[2] == SessionOutcome(
        day=5, rpe=6.5, bouts_completed=1, next_day_pain=0
    )


@pytest.mark.parametrize("index", [3, -4, 100])
def test_amend_outside_the_log(index: int) -> None:
    with pytest.raises(InvalidValueError) as info:
        amend_log(LOG, index, next_day_pain=1)

    assert (info.value.field, info.value.value) == ("index", index)
    assert str(info.value) == f"index: must point into a log of 3 sessions, got {index}"


def test_amend_with_a_bad_value_or_key() -> None:
    with pytest.raises(InvalidValueError) as bad:
        amend_log(LOG, 0, next_day_pain=11)
    with pytest.raises(UnknownParameterError) as unknown:
        amend_log(LOG, 0, tomorrow_pain=1)

    assert (bad.value.field, bad.value.value) == ("next_day_pain", 11)
    assert unknown.value.field == "tomorrow_pain"


def test_an_amended_log_replays_to_a_new_plan(tmp_path: Path) -> None:
    protocol = load_protocol("retro-walk-run")
    policy = load_policy("reference")
    path = tmp_path / "client.jsonl"
    write_log(path, [SessionOutcome(day=1), SessionOutcome(day=2, pain=1)])

    before = replay(protocol, policy, read_log(path))
    write_log(path, amend_log(read_log(path), -1, next_day_pain=4))
    after = replay(protocol, policy, read_log(path))

    assert [d.action.value for d in before] == ["hold", "progress"]
    assert [d.action.value for d in after] == ["hold", "hold"]
    assert (
        after[-1].explanation
        == "held at 15 s: next-day pain 4/10 did not settle (already the shortest bout)"
    )
