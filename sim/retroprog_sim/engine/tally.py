"""What a run keeps of each client: a running tally, and the result it ends in.

The tally holds a few counters per client (no list of sessions), so a run's
memory grows with its clients, not with their sessions.  Traced clients also
keep every session, as JSON-ready rows.
"""

from __future__ import annotations

from typing import Any

import attrs

from retroprog import Action, ClientState, Decision, Prescription, SessionOutcome, Status, to_dict

__all__ = ["BlockResult", "ClientResult", "Tally"]


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

    @property
    def stopped(self) -> bool:
        """Whether the policy stopped the client (avoid and refer)."""
        return self.status == Status.STOPPED.value

    @property
    def goal_day(self) -> int | None:
        """The day the whole protocol was completed, or ``None``."""
        return self.goal_days[-1]


@attrs.frozen
class BlockResult:
    """A block's client results, and the traced sessions."""

    results: list[ClientResult]
    traces: list[dict[str, Any]]


class Tally:
    """One client's counters while the run goes on; :meth:`result` when it ends.

    :param client_id: the client's id.
    :param stages: how many stages the protocol has.
    :param adverse_pain: pain (or next-day pain) above this is an adverse event.
    :param traces: where the client's sessions go, one row each (``None``: not traced).
    """

    __slots__ = (
        "adverse",
        "adverse_pain",
        "after_end",
        "client_id",
        "dropout_day",
        "goal_days",
        "goal_sessions",
        "missed",
        "progressions",
        "regressions",
        "sessions",
        "traces",
    )

    def __init__(
        self,
        client_id: int,
        *,
        stages: int,
        adverse_pain: int,
        traces: list[dict[str, Any]] | None,
    ) -> None:
        self.client_id = client_id
        self.adverse_pain = adverse_pain
        self.traces = traces
        self.sessions = self.missed = self.after_end = self.adverse = 0
        self.progressions = self.regressions = 0
        self.goal_days: list[int | None] = [None] * stages
        self.goal_sessions: list[int | None] = [None] * stages
        self.dropout_day: int | None = None

    def session(
        self,
        *,
        day: int,
        stage_index: int,
        prescription: Prescription,
        outcome: SessionOutcome,
        next_day_pain: int | None,
        decision: Decision,
    ) -> None:
        """Count a session attended on ``day``, and the decision made after it."""
        self.counted(day, stage_index, outcome, next_day_pain, decision.action)
        if self.traces is not None:
            self.traces.append(
                {
                    "client": self.client_id,
                    "session": self.sessions,
                    "day": day,
                    "prescription": to_dict(prescription),
                    "outcome": to_dict(outcome),
                    "action": decision.action.value,
                    "stage": decision.state.stage,
                    "bout_seconds": decision.state.bout_seconds,
                    "memory": dict(decision.state.memory),
                    "explanation": decision.explanation,
                }
            )

    def counted(
        self,
        day: int,
        stage_index: int,
        outcome: SessionOutcome,
        next_day_pain: int | None,
        action: Action,
    ) -> None:
        """Count a session attended on ``day`` and the action decided after it (not traced)."""
        self.sessions += 1
        adverse_pain = self.adverse_pain
        if (
            outcome.pain > adverse_pain
            or (next_day_pain or 0) > adverse_pain
            or outcome.balance_losses
            or outcome.form_breakdown
        ):
            self.adverse += 1
        if action is Action.PROGRESS or action is Action.ADVANCE:
            self.progressions += 1
        elif action is Action.REGRESS:
            self.regressions += 1
        if action is Action.ADVANCE or action is Action.COMPLETE:
            self.goal_days[stage_index] = day
            self.goal_sessions[stage_index] = self.sessions

    def result(self, *, scheduled: int, state: ClientState, horizon: int) -> ClientResult:
        """The client's result, in ``state`` at the end, followed for ``horizon`` days."""
        return ClientResult(
            client_id=self.client_id,
            scheduled=scheduled,
            sessions=self.sessions,
            missed=self.missed,
            after_end=self.after_end,
            adverse_events=self.adverse,
            progressions=self.progressions,
            regressions=self.regressions,
            goal_days=tuple(self.goal_days),
            goal_sessions=tuple(self.goal_sessions),
            status=state.status.value,
            dropout_day=self.dropout_day,
            final_stage=state.stage,
            final_bout=state.bout_seconds,
            end_day=self.dropout_day if self.dropout_day is not None else horizon,
        )
