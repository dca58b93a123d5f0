"""Walk one client, session by session, through the article's protocol.

The client is simulated by hand: a scripted list of sessions, three a week,
that a coach might really see.  The first session makes them dizzy, a balance
loss costs them a step, one session hurts the next morning (the next-day pain
is amended into the log and the session re-decided), and then they climb
steadily through retro-walk to retro-run and complete the protocol.

For every session the script prints what happened, the policy's action, the
next prescription and the policy's explanation.  Then it writes the session
log as JSON Lines, reads it back, replays it and checks that the replay gives
exactly the decisions made step by step, and prints the final state as JSON.

Run it with ``python examples/walkthrough.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import retroprog
from retroprog import Action, Decision, ProgressionProtocol, RegressionPolicy, SessionOutcome

if TYPE_CHECKING:
    from collections.abc import Sequence


class Session(NamedTuple):
    """One scripted session, and the pain reported the next morning, if any."""

    outcome: SessionOutcome
    next_day_pain: int | None = None


CLEAN = Session(SessionOutcome())

#: The client's sessions, in order.
SCRIPT: tuple[Session, ...] = (
    # retro-walk: dizzy the first time; six sessions at base (15–30 s) come
    # before the first step beyond it
    Session(SessionOutcome(dizziness=True)),
    *[CLEAN] * 6,
    # beyond base, +15 s a step: a balance loss, pain that has not settled by the
    # next morning, a session that felt too hard (RPE 8), and a first two-minute
    # walk that was not finished
    Session(SessionOutcome(balance_losses=1)),
    *[CLEAN] * 4,
    Session(SessionOutcome(pain=2), next_day_pain=4),
    *[CLEAN] * 2,
    Session(SessionOutcome(rpe=8)),
    *[CLEAN] * 10,
    Session(SessionOutcome(completed=False)),
    *[CLEAN] * 4,
    # retro-run: from base again, with the same rules, and one session where the
    # client could not move properly
    *[CLEAN] * 8,
    Session(SessionOutcome(form_breakdown=True)),
    *[CLEAN] * 12,
)

WEEKDAYS = (0, 2, 4)  # sessions on Monday, Wednesday and Friday


def session_day(index: int) -> int:
    """The day number of session ``index`` (0-based), three sessions a week."""
    week, slot = divmod(index, len(WEEKDAYS))
    return 7 * week + WEEKDAYS[slot] + 1


def times(count: int) -> str:
    """``once``, ``twice``, ``3 times``."""
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def describe(outcome: SessionOutcome) -> str:
    """What happened in a session, in a few words."""
    parts = []
    if not outcome.completed:
        parts.append("bout not completed")
    if outcome.pain:
        parts.append(f"pain {outcome.pain}/10")
    if outcome.balance_losses:
        parts.append(f"balance lost {times(outcome.balance_losses)}")
    if outcome.dizziness:
        parts.append("dizzy")
    if outcome.form_breakdown:
        parts.append("could not move properly")
    if outcome.rpe is not None:
        parts.append(f"RPE {outcome.rpe:g}/10")
    return ", ".join(parts) or "clean"


Row = tuple[str, str, str, str, str, str]


def row(number: str, day: str, happened: str, decision: Decision) -> Row:
    """One line of the table."""
    prescription = str(decision.prescription) if decision.prescription else "—"
    return (number, day, happened, str(decision.action), prescription, decision.explanation)


def print_table(header: Row, rows: Sequence[Row]) -> None:
    """Print rows under a header, every column but the last padded to one width."""
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header) - 1)]
    right = {0, 1}  # numbers are right-aligned
    for r in (header, *rows):
        cells = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(r[:-1], widths, strict=True))
        ]
        print("  ".join([*cells, r[-1]]).rstrip())


def walk(
    protocol: ProgressionProtocol, policy: RegressionPolicy
) -> tuple[list[SessionOutcome], list[Decision], list[Row]]:
    """Decide session by session, amending next-day pain as it arrives."""
    state = retroprog.start(protocol)
    log: list[SessionOutcome] = []
    decisions: list[Decision] = []
    rows: list[Row] = []
    for index, session in enumerate(SCRIPT):
        day = session_day(index)
        outcome = session.outcome.amend(day=day)
        decision = policy.decide(protocol, state, outcome)
        log.append(outcome)
        decisions.append(decision)
        rows.append(row(str(index + 1), str(day), describe(outcome), decision))
        if session.next_day_pain is not None:
            # The morning after: amend the logged session, then decide it again
            # from the state it started from.
            log = retroprog.amend_log(log, -1, next_day_pain=session.next_day_pain)
            decision = policy.decide(protocol, state, log[-1])
            decisions[-1] = decision
            happened = f"↳ next morning: pain {session.next_day_pain}/10"
            rows.append(row("", str(day + 1), happened, decision))
        state = decision.state
    return log, decisions, rows


def main() -> int:
    """Run the walkthrough; 0 when the replay agrees with the step-by-step decisions."""
    protocol = retroprog.load_protocol("retro-walk-run")
    policy = retroprog.load_policy("reference")
    first = protocol.prescribe(retroprog.start(protocol))
    print(f"protocol {protocol.name}, policy {policy.name}; first session: {first}")
    print()
    log, decisions, rows = walk(protocol, policy)
    print_table(("#", "day", "what happened", "action", "next session", "explanation"), rows)
    print()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "client.jsonl"
        retroprog.write_log(path, log)
        lines = path.read_text(encoding="utf-8").splitlines()
        stored = retroprog.read_log(path)
    replayed = retroprog.replay(protocol, policy, stored)
    if stored != log or replayed != decisions:
        print("replay differs from the step-by-step decisions", file=sys.stderr)
        return 1
    if decisions[-1].action is not Action.COMPLETE:
        print(f"the script ended without completing: {decisions[-1]}", file=sys.stderr)
        return 1
    amended = next(i for i, outcome in enumerate(log) if outcome.next_day_pain is not None)
    print(f"wrote the log as JSON Lines, one session a line; line {amended + 1}, amended:")
    print(f"  {lines[amended]}")
    print(f"read back {len(stored)} sessions and replayed them: same decisions as step by step")
    print()
    print("final state:")
    print(retroprog.to_json(decisions[-1].state, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
