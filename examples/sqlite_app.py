"""A coaching app's storage: each client's state and session log in SQLite.

This is the code of the tutorial "An app that plans sessions"
(docs/tutorial-app.rst), as a script.  A handful of functions keep retroprog's
values as JSON in two tables, with nothing but the standard library's sqlite3:

* ``clients``: one row per client, with the client's current
  :class:`~retroprog.ClientState` (a cache, rebuilt by replaying the log);
* ``sessions``: one row per session, with its number, its date and its
  :class:`~retroprog.SessionOutcome` (the truth).

:func:`main` follows one client through the first weeks of the article's
backwards walking protocol: it records sessions, shows the next prescription
and the reason for it, amends a session with next-day pain, takes a coach's
correction of an earlier session and re-plans by replaying the log.

Run it with ``python examples/sqlite_app.py [DATABASE]``; without a file name
the database is kept in memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import sys
from collections.abc import Iterator
from typing import Any

import retroprog
from retroprog import ClientState, Decision, Prescription, SessionOutcome

#: The programme every client of this app follows, and the rules that judge sessions.
PROTOCOL = retroprog.load_protocol("retro-walk-run")
POLICY = retroprog.load_policy("reference")

SCHEMA = """
CREATE TABLE IF NOT EXISTS clients (
    client_id TEXT PRIMARY KEY,
    state     TEXT NOT NULL     -- retroprog.ClientState as JSON: a cache of the log
);
CREATE TABLE IF NOT EXISTS sessions (
    client_id TEXT NOT NULL REFERENCES clients (client_id),
    number    INTEGER NOT NULL, -- 1, 2, 3, ... in the order the sessions took place
    date      TEXT,             -- YYYY-MM-DD, when the outcome has a date
    outcome   TEXT NOT NULL,    -- retroprog.SessionOutcome as JSON
    PRIMARY KEY (client_id, number)
);
"""


class NotFoundError(LookupError):
    """No such client, or no such session of a client."""


class OutOfOrderError(ValueError):
    """A session dated before the client's last session."""


def connect(path: str) -> sqlite3.Connection:
    """Open the app's database (``":memory:"`` for one in memory), creating the tables."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys = ON")
    db.executescript(SCHEMA)
    return db


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed at the end, rolled back on any error.

    ``BEGIN IMMEDIATE`` takes the database's write lock before the first read, so
    two requests for the same client cannot both decide from the same state.
    """
    db.execute("BEGIN IMMEDIATE")
    with db:  # commits, or rolls back if the block raises
        yield db


def add_client(db: sqlite3.Connection, client_id: str) -> None:
    """Start a new client at the beginning of the protocol."""
    state = retroprog.start(PROTOCOL)
    with transaction(db):
        db.execute(
            "INSERT INTO clients (client_id, state) VALUES (?, ?)",
            (client_id, retroprog.to_json(state)),
        )


def load_state(db: sqlite3.Connection, client_id: str) -> ClientState:
    """The client's current state, as stored."""
    row = db.execute("SELECT state FROM clients WHERE client_id = ?", (client_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no client {client_id!r}")
    return retroprog.from_json(row[0], ClientState)


def save_state(db: sqlite3.Connection, client_id: str, state: ClientState) -> None:
    """Store the client's new state (inside the caller's transaction)."""
    db.execute(
        "UPDATE clients SET state = ? WHERE client_id = ?", (retroprog.to_json(state), client_id)
    )


def next_prescription(db: sqlite3.Connection, client_id: str) -> Prescription | None:
    """What the client does next; ``None`` once they are stopped or have completed."""
    return PROTOCOL.prescribe(load_state(db, client_id))


def load_log(db: sqlite3.Connection, client_id: str) -> list[SessionOutcome]:
    """The client's session log: every outcome, in session order.

    The rows are read as JSON Lines, one outcome a line, so that every bad row
    is reported at once, as ``line N`` for session N.
    """
    rows = db.execute(
        "SELECT outcome FROM sessions WHERE client_id = ? ORDER BY number", (client_id,)
    )
    text = "\n".join(outcome for (outcome,) in rows)
    return retroprog.loads_log(text, source=f"sessions of {client_id!r}")


def _iso(date: dt.date | None) -> str | None:
    return None if date is None else date.isoformat()


def record_session(db: sqlite3.Connection, client_id: str, outcome: SessionOutcome) -> Decision:
    """Log a session and decide the next step: the outcome and the new state in one go."""
    with transaction(db):
        state = load_state(db, client_id)
        day, last_day = outcome.day_number, state.last_day
        if day is not None and last_day is not None and day < last_day:
            raise OutOfOrderError(f"{outcome.date} is before the last session of {client_id!r}")
        decision = POLICY.decide(PROTOCOL, state, outcome)
        (done,) = db.execute(
            "SELECT COUNT(*) FROM sessions WHERE client_id = ?", (client_id,)
        ).fetchone()
        db.execute(
            "INSERT INTO sessions (client_id, number, date, outcome) VALUES (?, ?, ?, ?)",
            (client_id, done + 1, _iso(outcome.date), retroprog.to_json(outcome)),
        )
        save_state(db, client_id, decision.state)
    return decision


def replan(db: sqlite3.Connection, client_id: str) -> list[Decision]:
    """Rebuild the client's state from their log (inside the caller's transaction).

    Returns the decision after each session, in order.
    """
    decisions = retroprog.replay(PROTOCOL, POLICY, load_log(db, client_id))
    save_state(db, client_id, decisions[-1].state if decisions else retroprog.start(PROTOCOL))
    return decisions


def amend_session(db: sqlite3.Connection, client_id: str, number: int, **changes: Any) -> Decision:
    """Correct session ``number`` (from 1), e.g. ``next_day_pain=4``, and re-plan.

    The whole log is replayed, so a correction to an early session changes every
    decision after it.  Returns the decision after the last session.
    """
    with transaction(db):
        row = db.execute(
            "SELECT outcome FROM sessions WHERE client_id = ? AND number = ?", (client_id, number)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"client {client_id!r} has no session {number}")
        amended = retroprog.from_json(row[0], SessionOutcome).amend(**changes)
        db.execute(
            "UPDATE sessions SET date = ?, outcome = ? WHERE client_id = ? AND number = ?",
            (_iso(amended.date), retroprog.to_json(amended), client_id, number),
        )
        decisions = replan(db, client_id)
    return decisions[-1]


# --- the walk-through -----------------------------------------------------------------

#: Ana's first seven sessions, Monday, Wednesday and Friday from 2 March 2026.
FIRST_WEEKS = (
    SessionOutcome(dizziness=True, date=dt.date(2026, 3, 2)),
    SessionOutcome(date=dt.date(2026, 3, 4)),
    SessionOutcome(date=dt.date(2026, 3, 6)),
    SessionOutcome(date=dt.date(2026, 3, 9)),
    SessionOutcome(date=dt.date(2026, 3, 11)),
    SessionOutcome(date=dt.date(2026, 3, 13)),
    SessionOutcome(pain=2, date=dt.date(2026, 3, 16)),
)


def describe(outcome: SessionOutcome) -> str:
    """What happened in a session, in a few words."""
    parts = [
        f"pain {outcome.pain}/10" if outcome.pain else "",
        f"next-day pain {outcome.next_day_pain}/10" if outcome.next_day_pain else "",
        f"balance lost {outcome.balance_losses}x" if outcome.balance_losses else "",
        "dizzy" if outcome.dizziness else "",
        "could not move properly" if outcome.form_breakdown else "",
        "" if outcome.completed else "not completed",
    ]
    return ", ".join(part for part in parts if part) or "clean"


def show(decision: Decision) -> None:
    """What the app shows the client after a session."""
    print(f"  {decision.action}: {decision.explanation}")
    if decision.prescription is None:
        print(f"  no next session ({decision.state.status}): see your coach")
    else:
        print(f"  next session: {decision.prescription}")


def main(path: str = ":memory:") -> None:
    """Follow one client, Ana, through her first weeks, in the database at ``path``."""
    with contextlib.closing(connect(path)) as db:
        add_client(db, "ana")
        print(f"ana starts {PROTOCOL.name}: {next_prescription(db, 'ana')}")

        for number, outcome in enumerate(FIRST_WEEKS, start=1):
            print(f"session {number} on {outcome.date}: {describe(outcome)}")
            show(record_session(db, "ana", outcome))

        replayed = retroprog.replay(PROTOCOL, POLICY, load_log(db, "ana"))[-1].state
        same = replayed == load_state(db, "ana")
        print(f"replaying the log gives the stored state: {same}")

        print("the morning after session 7: pain 4/10")
        show(amend_session(db, "ana", 7, next_day_pain=4))

        print("the coach corrects session 6: ana lost her balance once")
        show(amend_session(db, "ana", 6, balance_losses=1))
        log = load_log(db, "ana")
        print("the corrected log, replayed:")
        for number, decision in enumerate(retroprog.replay(PROTOCOL, POLICY, log), start=1):
            print(f"  {number}. {decision.action}: {decision.explanation}")
        state = retroprog.start(PROTOCOL)
        for outcome in log:  # the same sessions, decided one by one
            state = POLICY.decide(PROTOCOL, state, outcome).state
        same = state == load_state(db, "ana")
        print(f"deciding the corrected sessions one by one gives the stored state: {same}")

        print("the physiotherapist clears ana to resume")
        show(record_session(db, "ana", SessionOutcome(resume=True, date=dt.date(2026, 3, 23))))


if __name__ == "__main__":
    main(*sys.argv[1:2])
