"""What a run keeps of each client: a running tally, and the result it ends in.

A block's tally holds a few counters per client, as arrays (no list of
sessions), so a run's memory grows with its clients, not with their sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from retroprog import Status

from . import rules
from .rules import Ints, Sessions

__all__ = ["BlockResult", "ClientResult", "Tallies"]


@attrs.frozen
class ClientResult:
    """What happened to one simulated client (small and fixed-size: no session list).

    :param client_id: the client's id.
    :param scheduled: sessions scheduled within the horizon.
    :param sessions: sessions attended.
    :param missed: scheduled sessions missed while still in the programme.
    :param after_end: scheduled sessions after dropout, stop or completion.
    :param adverse_events: sessions with an adverse event (see
        :attr:`RunSettings.adverse_pain <retroprog_sim.RunSettings.adverse_pain>`).
    :param progressions: decisions that lengthened the bout or advanced.
    :param regressions: decisions that shortened the bout.
    :param goal_days: per stage, the day its target was passed (``None``: not reached).
    :param goal_sessions: per stage, the session (1-based) in which it was passed.
    :param status: ``active``, ``stopped`` or ``completed`` at the end.
    :param dropout_day: the day of dropout, or ``None``.
    :param final_stage: the stage at the end.
    :param final_bout: the bout length at the end.
    :param end_day: the last day observed (dropout day, else the horizon).
    """

    client_id: int
    scheduled: int
    sessions: int
    missed: int
    after_end: int
    adverse_events: int
    progressions: int
    regressions: int
    goal_days: tuple[int | None, ...]
    goal_sessions: tuple[int | None, ...]
    status: str
    dropout_day: int | None
    final_stage: str
    final_bout: int
    end_day: int

    def __reduce__(self) -> tuple[type[ClientResult], tuple[Any, ...]]:
        """Pickled as its fields in order: a worker's results travel light."""
        return ClientResult, tuple(getattr(self, name) for name in _FIELDS)

    @property
    def stopped(self) -> bool:
        """Whether the policy stopped the client (avoid and refer)."""
        return self.status == Status.STOPPED.value

    @property
    def goal_day(self) -> int | None:
        """The day the whole protocol was completed, or ``None``."""
        return self.goal_days[-1]


_FIELDS = tuple(f.name for f in attrs.fields(ClientResult))


@attrs.frozen
class BlockResult:
    """A block's client results, and the traced sessions."""

    results: list[ClientResult]
    traces: list[dict[str, Any]]


class Tallies:
    """A block's counters while the run goes on, one entry per member; results at the end.

    The counters are arrays (no list of sessions), so a run's memory grows with
    its clients, not with their sessions; a day's sessions are counted at once
    (:meth:`count`), whoever decided them.

    :param ids: the members' client ids, in member order.
    :param stages: how many stages the protocol has.
    :param adverse_pain: pain (or next-day pain) above this is an adverse event.
    """

    __slots__ = (
        "adverse",
        "adverse_pain",
        "after_end",
        "dropout_day",
        "goal_days",
        "goal_sessions",
        "ids",
        "missed",
        "progressions",
        "regressions",
        "sessions",
    )

    def __init__(self, ids: Sequence[int], *, stages: int, adverse_pain: int) -> None:
        n = len(ids)
        self.ids = list(ids)
        self.adverse_pain = adverse_pain
        self.sessions = np.zeros(n, dtype=np.int64)
        self.missed = np.zeros(n, dtype=np.int64)
        self.after_end = np.zeros(n, dtype=np.int64)
        self.adverse = np.zeros(n, dtype=np.int64)
        self.progressions = np.zeros(n, dtype=np.int64)
        self.regressions = np.zeros(n, dtype=np.int64)
        self.goal_days = np.full((n, stages), -1, dtype=np.int64)  # -1: not reached
        self.goal_sessions = np.full((n, stages), -1, dtype=np.int64)
        self.dropout_day = np.full(n, -1, dtype=np.int64)

    def count(
        self, rows: Ints, days: Ints | int, stages: Ints, done: Sessions, actions: Ints
    ) -> None:
        """Count the sessions ``done`` by members ``rows`` (each once) and the actions after them.

        ``stages``: each one's stage index during the session; ``actions``: the
        action codes of :data:`.rules.ACTIONS`.
        """
        self.sessions[rows] += 1
        pain = self.adverse_pain
        self.adverse[rows] += (
            (done.pain > pain)
            | (done.next_day_pain > pain)  # (-1: none reported)
            | (done.balance_losses > 0)
            | done.form_breakdown
        )
        self.progressions[rows] += (actions == rules.PROGRESS) | (actions == rules.ADVANCE)
        self.regressions[rows] += actions == rules.REGRESS
        goal = (actions == rules.ADVANCE) | (actions == rules.COMPLETE)
        if goal.any():
            reached, stage = rows[goal], stages[goal]
            self.goal_days[reached, stage] = days if isinstance(days, int) else days[goal]
            self.goal_sessions[reached, stage] = self.sessions[reached]

    def results(
        self,
        ends: Sequence[tuple[str, str, int]],
        *,
        scheduled: int,
        horizon: int,
    ) -> list[ClientResult]:
        """Each member's result, followed for ``horizon`` days.

        ``ends``: each member's status, stage and bout length at the end (as a
        :class:`~retroprog.ClientState` gives them).
        """
        goal_days, goal_sessions = self.goal_days.tolist(), self.goal_sessions.tolist()
        return [
            ClientResult(
                client_id=client_id,
                scheduled=scheduled,
                sessions=sessions,
                missed=missed,
                after_end=after_end,
                adverse_events=adverse,
                progressions=progressions,
                regressions=regressions,
                goal_days=tuple(None if d < 0 else d for d in goal_days[m]),
                goal_sessions=tuple(None if s < 0 else s for s in goal_sessions[m]),
                status=status,
                dropout_day=None if dropout < 0 else dropout,
                final_stage=stage,
                final_bout=bout,
                end_day=horizon if dropout < 0 else dropout,
            )
            for m, (
                client_id,
                (status, stage, bout),
                sessions,
                missed,
                after_end,
                adverse,
                progressions,
                regressions,
                dropout,
            ) in enumerate(
                zip(
                    self.ids,
                    ends,
                    self.sessions.tolist(),
                    self.missed.tolist(),
                    self.after_end.tolist(),
                    self.adverse.tolist(),
                    self.progressions.tolist(),
                    self.regressions.tolist(),
                    self.dropout_day.tolist(),
                    strict=True,
                )
            )
        ]
