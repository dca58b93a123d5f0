"""The SimPy harness: every client is a process; sessions fall on calendar days."""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import Any

import attrs
import simpy

from retroprog import (
    Action,
    ClientState,
    ProgressionProtocol,
    RegressionPolicy,
    Status,
    to_dict,
)

from ..model.population import Population, client_streams
from ..settings import SETTINGS, RunSettings

__all__ = ["ClientResult", "RunSpec", "run_block", "schedule"]


@attrs.frozen(init=False)
class RunSpec:
    """Everything a run needs, picklable so that any executor can take it.

    The run's settings are a :class:`~retroprog_sim.RunSettings`, given as
    ``settings`` or field by field as keywords (``RunSpec(protocol, policy,
    population, clients=50)``), and read as ``spec.settings.clients`` or
    ``spec.clients``.

    :param protocol: the progression protocol.
    :param policy: the regression policy, called through its public ``decide`` only.
    :param population: where clients come from.
    :param settings: the run's settings (default: :class:`~retroprog_sim.RunSettings`'s).
    """

    protocol: ProgressionProtocol
    policy: RegressionPolicy
    population: Population
    settings: RunSettings

    def __init__(
        self,
        protocol: ProgressionProtocol,
        policy: RegressionPolicy,
        population: Population,
        settings: RunSettings | None = None,
        **changes: Any,
    ) -> None:
        base = RunSettings() if settings is None else settings
        self.__attrs_init__(
            protocol,
            policy,
            population,
            attrs.evolve(base, **changes) if changes else base,
        )

    def __getattr__(self, name: str) -> Any:
        """A setting, e.g. ``spec.clients`` for ``spec.settings.clients``."""
        if name in SETTINGS:
            return getattr(self.settings, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def days(self) -> int:
        """Days followed."""
        return 7 * self.settings.weeks

    def blocks(self) -> list[range]:
        """The client ids of each block, in order."""
        size, clients = self.settings.block_size, self.settings.clients
        return [range(i, min(i + size, clients)) for i in range(0, clients, size)]


def schedule(weeks: int, sessions_per_week: int) -> list[int]:
    """The scheduled session days: ``sessions_per_week`` spread over each week."""
    offsets = sorted({round(i * 7 / sessions_per_week) for i in range(sessions_per_week)})
    return [7 * week + offset for week in range(weeks) for offset in offsets]


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


def run_block(spec: RunSpec, ids: Iterable[int]) -> BlockResult:
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


_DAY_OPEN = 8 / 24  # the coach works from 08:00
_DAY_LENGTH = 8 / 24  # for eight hours
_SESSION_LENGTH = 1 / 24  # one-hour group sessions
_ARRIVAL_WINDOW = 1 / 24 / 60  # clients arrive within the first minute, in random order


def _client(
    env: simpy.Environment,
    spec: RunSpec,
    client_id: int,
    days: list[int],
    coach: simpy.Resource | None,
    results: list[ClientResult],
    traces: list[dict[str, Any]],
) -> Generator[simpy.Event, Any, None]:
    protocol, policy = spec.protocol, spec.policy
    decide = policy.decide
    model = spec.population.client(spec.settings.seed, client_id)
    # with a coach, clients arrive in a random order each day (their own stream),
    # so that the queue favours nobody
    arrival = client_streams(spec.settings.seed, client_id, "arrival")[0].random if coach else None
    stage_names = [s.name for s in protocol.stages]
    stage_index = {name: i for i, name in enumerate(stage_names)}
    goal_days: list[int | None] = [None] * len(stage_names)
    goal_sessions: list[int | None] = [None] * len(stage_names)
    state: ClientState = protocol.start()
    tracing = client_id < spec.settings.trace_clients
    sessions = missed = after_end = adverse = progressions = regressions = 0
    dropout_day: int | None = None
    ended = False
    adverse_pain = spec.adverse_pain
    for day in days:
        start = day + _DAY_OPEN if coach is not None else day
        if env.now < start:
            yield env.timeout(start - env.now)
        if ended:
            after_end += 1
            continue
        if not model.attends(day):
            missed += 1
            continue
        if coach is not None and arrival is not None:
            yield env.timeout(arrival() * _ARRIVAL_WINDOW)
            request = coach.request()
            # the last group starts one session before closing; half a session of slack
            # keeps float rounding from cancelling it
            last_start = day + _DAY_OPEN + _DAY_LENGTH - _SESSION_LENGTH
            closing = env.timeout(last_start + _SESSION_LENGTH / 2 - env.now)
            yield request | closing
            if not request.triggered:
                request.cancel()
                missed += 1
                continue
        prescription = protocol.prescribe(state)
        assert prescription is not None  # the client is active
        index = stage_index[state.stage]
        outcome, next_day_pain = model.session(prescription, index, day)
        if coach is not None:
            yield env.timeout(_SESSION_LENGTH)
            coach.release(request)
        decision = decide(protocol, state, outcome)
        if next_day_pain is not None:  # it arrives tomorrow and amends the session
            yield env.timeout(day + 1 - env.now)
            outcome = outcome.amend(next_day_pain=next_day_pain)
            decision = decide(protocol, state, outcome)
        sessions += 1
        if (
            outcome.pain > adverse_pain
            or (next_day_pain or 0) > adverse_pain
            or outcome.balance_losses
            or outcome.form_breakdown
        ):
            adverse += 1
        action = decision.action
        if action is Action.PROGRESS or action is Action.ADVANCE:
            progressions += 1
        elif action is Action.REGRESS:
            regressions += 1
        if action is Action.ADVANCE or action is Action.COMPLETE:
            goal_days[index] = day
            goal_sessions[index] = sessions
        if tracing:
            traces.append(
                {
                    "client": client_id,
                    "session": sessions,
                    "day": day,
                    "prescription": to_dict(prescription),
                    "outcome": to_dict(outcome),
                    "action": action.value,
                    "stage": decision.state.stage,
                    "bout_seconds": decision.state.bout_seconds,
                    "memory": dict(decision.state.memory),
                    "explanation": decision.explanation,
                }
            )
        state = decision.state
        if state.status is not Status.ACTIVE:
            ended = True
        elif model.drops_out(outcome, next_day_pain):
            ended = True
            dropout_day = day
    results.append(
        ClientResult(
            client_id=client_id,
            scheduled=len(days),
            sessions=sessions,
            missed=missed,
            after_end=after_end,
            adverse_events=adverse,
            progressions=progressions,
            regressions=regressions,
            goal_days=tuple(goal_days),
            goal_sessions=tuple(goal_sessions),
            status=state.status.value,
            dropout_day=dropout_day,
            final_stage=state.stage,
            final_bout=state.bout_seconds,
            end_day=dropout_day if dropout_day is not None else spec.days,
        )
    )
