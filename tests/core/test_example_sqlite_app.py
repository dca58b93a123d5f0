"""examples/sqlite_app.py, the code of the app tutorial: its story and its functions."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import runpy
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import retroprog
from retroprog.exceptions import SchemaVersionError, SessionLogError

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "sqlite_app.py"


@pytest.fixture(scope="module")
def app() -> dict[str, Any]:
    """The script's functions, without running it."""
    return runpy.run_path(str(SCRIPT))


@pytest.fixture
def db(app: dict[str, Any]) -> Iterator[sqlite3.Connection]:
    """A new database in memory, with Ana as a new client."""
    with contextlib.closing(app["connect"](":memory:")) as connection:
        app["add_client"](connection, "ana")
        yield connection


def test_main_tells_the_story_and_leaves_it_in_the_database(
    app: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "app.db"
    app["main"](str(path))
    out = capsys.readouterr().out

    assert out.startswith("ana starts retro-walk-run: retro-walk: 1 × 15 s\n")
    assert "replaying the log gives the stored state: True" in out
    assert "regress: regressed 45 s → 30 s: next-day pain 4/10 did not settle" in out
    assert "  6. regress: regressed 30 s → 15 s: balance lost once\n" in out
    assert "no next session (stopped): see your coach" in out
    assert "deciding the corrected sessions one by one gives the stored state: True" in out
    assert out.endswith("  next session: retro-walk: 1 × 15 s\n")

    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute(
            "SELECT number, date, outcome FROM sessions WHERE client_id = 'ana' ORDER BY number"
        ).fetchall()
        (state_text,) = db.execute("SELECT state FROM clients WHERE client_id = 'ana'").fetchone()
    assert [number for number, _, _ in rows] == list(range(1, 9))
    assert [date for _, date, _ in rows][:3] == ["2026-03-02", "2026-03-04", "2026-03-06"]
    log = [retroprog.from_json(text, retroprog.SessionOutcome) for _, _, text in rows]
    assert log[5].balance_losses == 1  # the coach's correction
    assert (log[6].pain, log[6].next_day_pain) == (2, 4)  # the next-day pain
    assert log[7].resume
    for (_, date, _), outcome in zip(rows, log, strict=True):
        assert date == (outcome.date.isoformat() if outcome.date else None)

    state = retroprog.from_json(state_text, retroprog.ClientState)
    protocol, policy = app["PROTOCOL"], app["POLICY"]
    assert retroprog.replay(protocol, policy, log)[-1].state == state
    assert (state.status, state.stage, state.bout_seconds) == ("active", "retro-walk", 15)


def test_record_session_writes_the_outcome_and_the_state_together(
    app: dict[str, Any], db: sqlite3.Connection
) -> None:
    decision = app["record_session"](db, "ana", retroprog.SessionOutcome(balance_losses=1))
    assert decision.action is retroprog.Action.HOLD
    assert app["load_state"](db, "ana") == decision.state
    assert app["load_log"](db, "ana") == [retroprog.SessionOutcome(balance_losses=1)]


def test_errors_roll_back_and_write_nothing(app: dict[str, Any], db: sqlite3.Connection) -> None:
    day = dt.date(2026, 3, 2)
    app["record_session"](db, "ana", retroprog.SessionOutcome(date=day))

    with pytest.raises(app["NotFoundError"], match="no client 'bob'"):
        app["record_session"](db, "bob", retroprog.SessionOutcome())
    with pytest.raises(app["OutOfOrderError"]):
        app["record_session"](db, "ana", retroprog.SessionOutcome(date=day - dt.timedelta(1)))
    with pytest.raises(app["NotFoundError"], match="has no session 2"):
        app["amend_session"](db, "ana", 2, pain=3)
    with pytest.raises(app["NotFoundError"], match="has no session 0"):
        app["amend_session"](db, "ana", 0, pain=3)  # never the last session by a negative index

    newer = json.loads(retroprog.to_json(app["load_state"](db, "ana")))
    newer["schema"] = 3
    with db:
        db.execute("UPDATE clients SET state = ? WHERE client_id = 'ana'", (json.dumps(newer),))
    with pytest.raises(SchemaVersionError):
        app["record_session"](db, "ana", retroprog.SessionOutcome(date=day))
    assert db.execute("SELECT COUNT(*) FROM sessions").fetchone() == (1,)
    assert db.execute("SELECT COUNT(*) FROM clients").fetchone() == (1,)


def test_a_bad_row_is_reported_by_session_number(
    app: dict[str, Any], db: sqlite3.Connection
) -> None:
    for _ in range(3):
        app["record_session"](db, "ana", retroprog.SessionOutcome())
    with db:
        db.execute("UPDATE sessions SET outcome = '{' WHERE number = 2")
    with pytest.raises(SessionLogError) as error:
        app["load_log"](db, "ana")
    assert [problem.key for problem in error.value.problems] == ["line 2"]


def test_amending_an_early_session_replans_the_rest(
    app: dict[str, Any], db: sqlite3.Connection
) -> None:
    for _ in range(6):
        app["record_session"](db, "ana", retroprog.SessionOutcome())
    assert app["load_state"](db, "ana").bout_seconds == 45
    decision = app["amend_session"](db, "ana", 5, form_breakdown=True)
    state = app["load_state"](db, "ana")
    assert decision.state == state
    assert state.bout_seconds == 15  # regressed 30 s → 15 s at session 5, held at session 6
    replayed = retroprog.replay(app["PROTOCOL"], app["POLICY"], app["load_log"](db, "ana"))
    assert replayed[4].action is retroprog.Action.REGRESS
    assert replayed[-1].state == state
