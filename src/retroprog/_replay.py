"""Start a client, and rebuild every decision from the session log."""

from __future__ import annotations

from collections.abc import Iterable

from ._decision import Decision
from ._outcome import SessionOutcome
from ._policy import RegressionPolicy
from ._protocol import ProgressionProtocol
from ._state import ClientState

__all__ = ["replay", "start"]


def start(protocol: ProgressionProtocol) -> ClientState:
    """The state of a new client: the protocol's first stage, at its shortest bout.

    >>> from retroprog import load_protocol
    >>> protocol = load_protocol("retro-walk-run")
    >>> state = start(protocol)
    >>> protocol.prescribe(state)
    Prescription(stage='retro-walk', bout_seconds=15, bouts=1, rest_seconds=None)
    """
    return protocol.start()


def replay(
    protocol: ProgressionProtocol,
    policy: RegressionPolicy,
    outcomes: Iterable[SessionOutcome],
    *,
    state: ClientState | None = None,
) -> list[Decision]:
    """Every decision for a session log, from ``state`` (default: a new client).

    The result equals deciding session by session, so after correcting or
    amending a logged session (e.g. with next-day pain) a replay re-plans cleanly;
    the last decision holds the current state and the next prescription.

    >>> from retroprog import SessionOutcome, load_policy, load_protocol
    >>> log = [SessionOutcome()] * 2 + [SessionOutcome(balance_losses=2)]
    >>> decisions = replay(load_protocol("retro-walk-run"), load_policy("reference"), log)
    >>> for decision in decisions:
    ...     print(decision.explanation)
    held at 15 s: 1 of 2 successful sessions in a row
    progressed 15 s → 30 s: 2 successful sessions in a row at 15 s
    regressed 30 s → 15 s: balance lost twice
    """
    current = protocol.start() if state is None else state
    decisions = []
    decide = policy.decide
    for outcome in outcomes:
        decision = decide(protocol, current, outcome)
        decisions.append(decision)
        current = decision.state
    return decisions
