"""Start a client, and rebuild every decision from the session log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._decision import Decision
from ._outcome import SessionOutcome
from ._policy import RegressionPolicy
from ._protocol import ProgressionProtocol
from ._state import ClientState
from ._transition import backwards, check_protocol, how_to_get
from .exceptions import InvalidArgumentError

__all__ = ["replay", "start"]


def start(protocol: ProgressionProtocol) -> ClientState:
    """The state of a new client: the protocol's first stage, at its first level.

    >>> from retroprog import load_protocol
    >>> protocol = load_protocol("retro-walk-run")
    >>> state = start(protocol)
    >>> print(protocol.prescribe(state))
    retro-walk: 1 × 15 s

    :raises ~retroprog.exceptions.InvalidArgumentError: ``protocol`` is not a
        protocol (a protocol's name is not: use :func:`~retroprog.load_protocol`).
    """
    check_protocol(protocol)
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

    Whatever the policy, the sessions must be in the order they happened: a
    session dated before an earlier one (or before ``state``'s last day) is
    refused, naming its index; the same day twice is fine.

    :raises ~retroprog.exceptions.InvalidArgumentError: an argument is not what
        it must be, e.g. ``outcomes[2]`` is not a :class:`~retroprog.SessionOutcome`.
    :raises ~retroprog.exceptions.InvalidValueError: ``outcomes[i].day`` (or
        ``.date``) is before the previous session's, or the policy refused a session.
    """
    check_protocol(protocol)
    decide = getattr(policy, "decide", None)
    if not callable(decide):
        hint = how_to_get("load_policy", policy, "load_policy('reference')")
        raise InvalidArgumentError("policy", policy, f"must be a RegressionPolicy {hint}")
    if state is not None and not isinstance(state, ClientState):
        raise InvalidArgumentError("state", state, "must be a ClientState or None")
    if isinstance(outcomes, (str, bytes, Mapping)) or not isinstance(outcomes, Iterable):
        raise InvalidArgumentError("outcomes", outcomes, "must be a sequence of SessionOutcome")
    current = protocol.start() if state is None else state
    last_day = current.last_day
    decisions = []
    for index, outcome in enumerate(outcomes):
        if not isinstance(outcome, SessionOutcome):
            raise InvalidArgumentError(f"outcomes[{index}]", outcome, "must be a SessionOutcome")
        day = outcome.day_number
        if day is not None:
            if last_day is not None and day < last_day:
                raise backwards(outcome, last_day, where=f"outcomes[{index}].")
            last_day = day
        decision = decide(protocol, current, outcome)
        decisions.append(decision)
        current = decision.state
    return decisions
