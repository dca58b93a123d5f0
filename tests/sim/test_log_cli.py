"""``retroprog log add`` and ``log amend``, and the log's fields in ``retroprog next --help``."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING

import attrs
import pytest

import retroprog
from retroprog_sim.cli.sessions import EXAMPLE

from .test_cli import assert_one_line_error, invoke

if TYPE_CHECKING:
    from pathlib import Path


def test_next_help_lists_every_field_and_an_example_line() -> None:
    result = invoke("next", "--help")

    assert result.exit_code == 0, result.output
    for field in attrs.fields(retroprog.SessionOutcome):
        assert re.search(rf"^\s+{field.name}\s+\S", result.stdout, re.MULTILINE), field.name
    (example,) = re.findall(r"^\s+(\{.*\})$", result.stdout, re.MULTILINE)
    assert retroprog.loads_log(example) == [
        retroprog.SessionOutcome(
            pain=2, balance_losses=1, next_day_pain=1, date=dt.date(2025, 3, 4)
        )
    ]
    assert json.loads(example) == EXAMPLE  # as written by hand: no schema key
    assert ":meth:" not in result.stdout
    assert "``" not in result.stdout


def test_add_creates_the_log_and_appends_what_was_given(tmp_path: Path) -> None:
    log = tmp_path / "client.jsonl"

    first = invoke("log", "add", str(log), "--pain", "2", "--date", "2025-03-04")
    second = invoke(
        "log", "add", str(log), "--balance-losses", "1", "--dizziness", "--rpe", "6.5",
        "--incomplete", "--date", "2025-03-06",
    )  # fmt: skip

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert first.stdout.splitlines() == [
        f"recorded session 1 in {log}: pain 2/10, date 2025-03-04",
        f"the next prescription: retroprog next {log}",
    ]
    assert retroprog.read_log(log) == [
        retroprog.SessionOutcome(pain=2, date=dt.date(2025, 3, 4)),
        retroprog.SessionOutcome(
            completed=False, balance_losses=1, dizziness=True, rpe=6.5, date=dt.date(2025, 3, 6)
        ),
    ]


def test_add_with_show_next_prints_what_next_prints(tmp_path: Path) -> None:
    log = tmp_path / "client.jsonl"
    for _ in range(5):
        invoke("log", "add", str(log))

    result = invoke("log", "add", str(log), "--show-next")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == invoke("next", str(log)).stdout.splitlines()
    assert "next session: retro-walk: 1 × 45 s" in result.stdout


def test_amend_changes_the_last_session_and_replays(tmp_path: Path) -> None:
    log = tmp_path / "client.jsonl"
    invoke("log", "add", str(log), "--pain", "2")

    result = invoke("log", "amend", str(log), "--next-day-pain", "4")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"amended session 1 in {log}: pain 2/10, next day pain 4/10")
    assert retroprog.read_log(log) == [retroprog.SessionOutcome(pain=2, next_day_pain=4)]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--pain", "11"), ("--pain", "11")),
        (("--date", "2025-13-01"), ("--date", "YYYY-MM-DD")),
        (("--day", "3", "--date", "2025-03-01"), ("give day (3) or date, not both",)),
        (("--date", "2025-02-01"), ("session 2 cannot be recorded", "is before")),
        (("--show-next", "--policy", "nope"), ("unknown policy 'nope'",)),
    ],
)
def test_add_refuses_a_session_in_one_line_and_keeps_the_log(
    tmp_path: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    log = tmp_path / "client.jsonl"
    invoke("log", "add", str(log), "--date", "2025-03-01")
    before = log.read_bytes()

    assert_one_line_error(invoke("log", "add", str(log), *args), *fragments)
    assert log.read_bytes() == before


def test_amend_needs_a_change_and_a_session(tmp_path: Path) -> None:
    log = tmp_path / "client.jsonl"

    assert_one_line_error(invoke("log", "amend", str(log), "--pain", "1"), "does not exist")
    invoke("log", "add", str(log))
    assert_one_line_error(invoke("log", "amend", str(log)), "at least one field")
    assert_one_line_error(
        invoke("log", "amend", str(log), "--session", "2", "--pain", "1"), "1 session(s), got 2"
    )


def test_a_log_with_a_bad_line_is_not_appended_to(tmp_path: Path) -> None:
    log = tmp_path / "client.jsonl"
    log.write_text('{"schema": 1, "pain": 12}\n', encoding="utf-8")

    assert_one_line_error(invoke("log", "add", str(log)), "line 1: pain")
    assert log.read_text(encoding="utf-8") == '{"schema": 1, "pain": 12}\n'
