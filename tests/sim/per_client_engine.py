"""The engine as it was before the day-stepping blocks: one SimPy process per client.

Kept, unchanged but for its imports, as the reference that
:mod:`tests.sim.test_engine` holds the day-stepping engine to: the same
specs must give the same results and traces, client for client.

A block of clients shares one SimPy environment (and, when the run has one, one
coach).  Each client is a process that steps through the scheduled days; the
pieces of a session are sub-generators of their own: waiting for the coach
(:func:`_seen_by_coach`) and the session with its decision and next-day pain
(:func:`_session`).  What happened is counted in a :class:`Tally` (the engine's
per-client tally as it was, kept here with it).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import Any

import simpy

from retroprog import Action, ClientState, Decision, Prescription, SessionOutcome, Status, to_dict
from retroprog_sim import ClientModel, RunSpec, schedule
from retroprog_sim.engine.tally import BlockResult, ClientResult
from retroprog_sim.model.streams import stream_keys, uniforms

__all__ = ["run_block_per_client"]

#: What a client process yields to SimPy.
Process = Generator[simpy.Event, Any, Any]

_DAY_OPEN = 8 / 24  # the coach works from 08:00
_DAY_LENGTH = 8 / 24  # for eight hours
_SESSION_LENGTH = 1 / 24  # one-hour group sessions
_ARRIVAL_WINDOW = 1 / 24 / 60  # clients arrive within the first minute, in random order


def run_block_per_client(spec: RunSpec, ids: Iterable[int]) -> BlockResult:
    """Simulate the clients ``ids`` in one SimPy environment."""
    env = simpy.Environment()
    capacity = spec.settings.coach_capacity
    coach = simpy.Resource(env, capacity=capacity) if capacity else None
    days = schedule(spec.settings.weeks, spec.settings.sessions_per_week)
    results: list[ClientResult] = []
    traces: list[dict[str, Any]] = []
    for client_id in ids:
        env.process(_client(env, spec, client_id, days, coach, results, traces))
    env.run()
    results.sort(key=lambda r: r.client_id)
    traces.sort(key=lambda t: (t["client"], t["session"]))
    return BlockResult(results, traces)


def _client(
    env: simpy.Environment,
    spec: RunSpec,
    client_id: int,
    days: list[int],
    coach: simpy.Resource | None,
    results: list[ClientResult],
    traces: list[dict[str, Any]],
) -> Process:
    """One client, from the first scheduled day to the horizon."""
    settings, protocol = spec.settings, spec.protocol
    model = spec.population.client(settings.seed, client_id)
    # with a coach, clients arrive in a random order each day (their own stream),
    # so that the queue favours nobody
    arrival = stream_keys(settings.seed, client_id, "arrival") if coach else None
    stage_index = {stage.name: i for i, stage in enumerate(protocol.stages)}
    tally = Tally(
        client_id,
        stages=len(stage_index),
        adverse_pain=settings.adverse_pain,
        traces=traces if client_id < settings.trace_clients else None,
    )
    state: ClientState = protocol.start()
    ended = False
    for day in days:
        start = day + _DAY_OPEN if coach is not None else day
        if env.now < start:
            yield env.timeout(start - env.now)
        if ended:
            tally.after_end += 1
            continue
        if not model.attends(day):
            tally.missed += 1
            continue
        request = None
        if coach is not None and arrival is not None:
            request = yield from _seen_by_coach(env, coach, day, uniforms(arrival, day))
            if request is None:
                tally.missed += 1
                continue
        prescription = protocol.prescribe(state)
        assert prescription is not None  # the client is active
        index = stage_index[state.stage]
        outcome, next_day_pain, decision = yield from _session(
            env,
            spec,
            model,
            state,
            prescription,
            day=day,
            stage_index=index,
            coach=coach,
            request=request,
        )
        tally.session(
            day=day,
            stage_index=index,
            prescription=prescription,
            outcome=outcome,
            next_day_pain=next_day_pain,
            decision=decision,
        )
        state = decision.state
        if state.status is not Status.ACTIVE:
            ended = True
        elif model.drops_out(outcome, next_day_pain):
            ended = True
            tally.dropout_day = day
    results.append(tally.result(scheduled=len(days), state=state, horizon=spec.days))


def _seen_by_coach(
    env: simpy.Environment,
    coach: simpy.Resource,
    day: int,
    arrival: float,
) -> Generator[simpy.Event, Any, simpy.resources.resource.Request | None]:
    """Arrive, and wait for the coach until closing; the request, or ``None`` if not seen.

    ``arrival``: the client's draw for the day (when in the first minute it arrives).
    """
    yield env.timeout(arrival * _ARRIVAL_WINDOW)
    request = coach.request()
    # the last group starts one session before closing; half a session of slack
    # keeps float rounding from cancelling it
    last_start = day + _DAY_OPEN + _DAY_LENGTH - _SESSION_LENGTH
    closing = env.timeout(last_start + _SESSION_LENGTH / 2 - env.now)
    yield request | closing
    if not request.triggered:
        request.cancel()
        return None
    return request


def _session(
    env: simpy.Environment,
    spec: RunSpec,
    model: ClientModel,
    state: ClientState,
    prescription: Prescription,
    *,
    day: int,
    stage_index: int,
    coach: simpy.Resource | None,
    request: simpy.resources.resource.Request | None,
) -> Generator[simpy.Event, Any, tuple[SessionOutcome, int | None, Decision]]:
    """The session at ``prescription``, the decision, and next-day pain the day after."""
    protocol, decide = spec.protocol, spec.policy.decide
    outcome, next_day_pain = model.session(prescription, stage_index, day)
    if coach is not None and request is not None:
        yield env.timeout(_SESSION_LENGTH)
        coach.release(request)
    decision = decide(protocol, state, outcome)
    if next_day_pain is not None:  # it arrives tomorrow and amends the session
        yield env.timeout(day + 1 - env.now)
        outcome = outcome.amend(next_day_pain=next_day_pain)
        decision = decide(protocol, state, outcome)
    return outcome, next_day_pain, decision


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
