"""The SimPy engine: one process per block steps the clients due each day.

A block of clients shares one SimPy environment.  Its one process
(:meth:`_BlockRun.process`) wakes on each scheduled day and steps every client
still in the programme at once: the block's clients (a
:class:`~.blocks.ClientBlock`) say who attends and what happened in the
sessions, the policy decides for each client, and the block's
:class:`~.tally.Tallies` count.  The built-in rules decide for the untraced
clients all at once, their states held as arrays (:mod:`.rules`), and those
clients are stepped as arrays from attendance to dropout, their sessions
decided with their next-day pain at once; traced clients, plug-in and guarded
policies, plug-in protocols and runs with a coach are decided client by
client, and there next-day pain arrives the next morning and amends the
session before anything is decided (a session is decided once).  A client that
stops, completes or drops out is not stepped again.

A coach (a ``simpy.Resource``) is the one thing that needs a process per
client: on a day with a coach each attending client is a process of its own
that arrives, waits to be seen until closing, and takes its session
(:meth:`_BlockRun.visit`).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Sequence
from typing import Any

import numpy as np
import simpy

from retroprog import (
    ClientState,
    Prescription,
    RulePolicy,
    SessionOutcome,
    StagedProtocol,
    Status,
    to_dict,
)

from ..model.block import ClientArrays
from ..model.core import Draw
from ..model.streams import stream_keys, uniforms
from . import rules
from .blocks import ClientBlock, block_of
from .rules import Bools, Ints
from .spec import RunSpec, schedule
from .tally import BlockResult, Tallies

__all__ = ["run_block"]

#: What a SimPy process of the engine yields.
Process = Generator[simpy.Event, Any, Any]

_DAY_OPEN = 8 / 24  # the coach works from 08:00
_DAY_LENGTH = 8 / 24  # for eight hours
_SESSION_LENGTH = 1 / 24  # one-hour group sessions
_ARRIVAL_WINDOW = 1 / 24 / 60  # clients arrive within the first minute, in random order

#: A session done, waiting for its decision: (member, day's index, day, stage index,
#: prescription, outcome, next-day pain).
_Session = tuple[int, int, int, int, Prescription, SessionOutcome, "int | None"]
#: Each action's code (:data:`.rules.ACTIONS`), for the tally.
_CODES = {action: code for code, action in enumerate(rules.ACTIONS)}


def run_block(spec: RunSpec, ids: Iterable[int]) -> BlockResult:
    """Simulate the clients ``ids`` in one SimPy environment."""
    env = simpy.Environment()
    run = _BlockRun(env, spec, list(ids))
    env.process(run.process())
    env.run()
    return run.result()


class _BlockRun:
    """A block's clients, stepped day by day in one environment.

    Members are of two kinds.  The built-in rules' members (untraced, decided
    as arrays) are stepped as arrays of member numbers: their states are
    :attr:`states`, their sessions come as arrays (from the default model's
    block, :class:`_Drawn`, or read from any other block's outcomes,
    :class:`_Outcomes`) and are decided at once, next-day pain included (it is
    known before the member's next session either way).  The others have a
    :class:`ClientState` each in :attr:`state` and are decided one by one,
    next-day pain the next morning.
    """

    def __init__(self, env: simpy.Environment, spec: RunSpec, ids: Sequence[int]) -> None:
        settings = spec.settings
        self.env = env
        self.spec = spec
        self.protocol = spec.protocol
        self.decide = spec.policy.decide
        self.days = schedule(settings.weeks, settings.sessions_per_week)
        capacity = settings.coach_capacity
        # a coach's visits ask for one session at a time: the clients one by one
        self.clients = block_of(spec.population, settings.seed, ids, one_by_one=bool(capacity))
        self.stage_index = {stage.name: i for i, stage in enumerate(spec.protocol.stages)}
        self.coach = simpy.Resource(env, capacity=capacity) if capacity else None
        self.traced = [client_id < settings.trace_clients for client_id in ids]
        self.traces: list[dict[str, Any]] = []
        self.tally = Tallies(ids, stages=len(self.stage_index), adverse_pain=settings.adverse_pain)
        self.ended = np.zeros(len(ids), dtype=bool)
        start = spec.protocol.start()
        self.state = [start] * len(ids)  # (members decided one by one)
        # the built-in rules decide for the untraced clients at once, as arrays
        self.ladders = (
            rules.Ladders.of(spec.protocol)
            if type(spec.policy) is RulePolicy
            and type(spec.protocol) is StagedProtocol
            and self.coach is None
            else None
        )
        self.by_rules = np.array(
            [self.ladders is not None and not traced for traced in self.traced], dtype=bool
        )
        self.states = (
            rules.States.of([start] * len(ids), self.ladders) if self.ladders is not None else None
        )
        self.columns = (
            _Drawn(self.clients)
            if isinstance(self.clients, ClientArrays)
            else _Outcomes(self.clients)
        )
        # the prescriptions of the array members, numbered by (stage, level) as first met
        self.plans: list[Prescription] = []
        top = int(self.ladders.last.max()) if self.ladders is not None else 0
        self.plan_of = np.full((len(self.stage_index), top + 1), -1, dtype=np.int64)
        # with a coach, clients arrive in a random order each day (their own stream), so
        # that the queue favours nobody
        self.arrival = (
            [stream_keys(settings.seed, client_id, "arrival") for client_id in ids]
            if self.coach is not None
            else []
        )

    def result(self) -> BlockResult:
        """Every member's result, and the traced sessions in order."""
        ends = [(s.status.value, s.stage, s.bout_seconds) for s in self.state]
        if self.states is not None:
            assert self.ladders is not None
            rows = np.flatnonzero(self.by_rules)
            stages = [stage.name for stage in self.ladders.stages]
            for m, status, stage, level in zip(
                rows.tolist(),
                self.states.status[rows].tolist(),
                self.states.stage[rows].tolist(),
                self.states.level[rows].tolist(),  # (a state's bout_seconds is its level)
                strict=True,
            ):
                ends[m] = (rules.STATUSES[status].value, stages[stage], level)
        results = self.tally.results(ends, scheduled=len(self.days), horizon=self.spec.days)
        self.traces.sort(key=lambda t: (t["client"], t["session"]))
        return BlockResult(results, self.traces)

    def _prescription(self, member: int) -> tuple[Prescription, int]:
        """The next session of ``member`` (active, decided one by one), and its stage's index."""
        state = self.state[member]
        prescription = self.protocol.prescribe(state)
        assert prescription is not None  # the client is active
        return prescription, self.stage_index[state.stage]

    def _plans(self, stage: Ints, level: Ints) -> Ints:
        """The numbers in :attr:`plans` of the prescriptions at ``stage`` and ``level``."""
        found = self.plan_of[stage, level]
        if (found < 0).any():
            assert self.ladders is not None
            missing = found < 0
            for s, lv in set(zip(stage[missing].tolist(), level[missing].tolist(), strict=True)):
                state = ClientState(self.ladders.stages[s].name, lv)
                prescription = self.protocol.prescribe(state)
                assert prescription is not None
                self.plan_of[s, lv] = len(self.plans)
                self.plans.append(prescription)
            found = self.plan_of[stage, level]
        return found

    # --- the days ---------------------------------------------------------------------------

    def process(self) -> Process:
        """The block's process: each scheduled day, step the members still in the programme."""
        env, coach, tally = self.env, self.coach, self.tally
        opens = _DAY_OPEN if coach is not None else 0
        arrays = np.flatnonzero(self.by_rules)  # still in the programme, decided as arrays
        one_by_one = np.flatnonzero(~self.by_rules).tolist()  # still in, decided one by one
        tomorrow: list[_Session] = []  # sessions whose next-day pain arrives tomorrow
        for index, day in enumerate(self.days):
            if tomorrow:  # (only without a coach: visits wait for their own next morning)
                yield from self._morning(tomorrow)
                tomorrow = []
            start = day + opens
            if env.now < start:
                yield env.timeout(start - env.now)
            ended = self.ended
            arrays = arrays[~ended[arrays]]
            one_by_one = [m for m in one_by_one if not ended[m]]  # (visits end clients too)
            if not len(arrays) and not one_by_one:
                return
            if len(arrays):
                attends = self.columns.attend(day, arrays)
                tally.missed[arrays[~attends]] += 1
                if attends.any():
                    self._step(arrays[attends], index, day)
            if one_by_one:
                attending = self.clients.attends(day, one_by_one)
                present = []
                for member, attends_today in zip(one_by_one, attending, strict=True):
                    if attends_today:
                        present.append(member)
                    else:
                        tally.missed[member] += 1
                if coach is not None:
                    for member in present:
                        env.process(self.visit(member, index, day, coach))
                elif present:
                    tomorrow = self._sessions(present, index, day)
        if tomorrow:
            yield from self._morning(tomorrow)

    def _step(self, rows: Ints, index: int, day: int) -> None:
        """The sessions of array members ``rows`` on ``day``, decided by the built-in rules."""
        states, ladders, policy = self.states, self.ladders, self.spec.policy
        assert states is not None
        assert ladders is not None
        assert isinstance(policy, RulePolicy)
        before = states.rows(rows)
        stage = before.stage
        done = self.columns.sessions(day, rows, self.plans, self._plans(stage, before.level), stage)
        for i in np.flatnonzero(rules.late(before, done)).tolist():
            # a plug-in client's session dated before the last: refused as the policy refuses it
            assert isinstance(self.columns, _Outcomes)
            policy.decide(self.protocol, before.state(i, ladders), self.columns.outcomes[i])
        after, actions = rules.decide(policy, ladders, before, done)
        states.update(rows, after)
        self.tally.count(rows, day, stage, done, actions)
        ends = (actions == rules.STOP) | (actions == rules.COMPLETE)
        self._end(rows[ends], index)
        going_on = ~ends
        if going_on.any():
            leaving = self.columns.leaves(rows[going_on], going_on)
            gone = rows[going_on][leaving]
            self.tally.dropout_day[gone] = day
            self._end(gone, index)

    def _sessions(self, present: list[int], index: int, day: int) -> list[_Session]:
        """The sessions of members ``present`` (one by one) on ``day``; decide those that can be.

        The sessions with next-day pain are returned, to be decided tomorrow.
        """
        prescriptions: list[Prescription] = []
        indices: list[int] = []
        for member in present:
            prescription, stage = self._prescription(member)
            prescriptions.append(prescription)
            indices.append(stage)
        done = self.clients.sessions(day, present, prescriptions, indices)
        now: list[_Session] = []
        tomorrow: list[_Session] = []
        for member, stage, prescription, (outcome, pain) in zip(
            present, indices, prescriptions, done, strict=True
        ):
            session = (member, index, day, stage, prescription, outcome, pain)
            (now if pain is None else tomorrow).append(session)
        self._decide(now)
        return tomorrow

    def _morning(self, sessions: list[_Session]) -> Process:
        """Next-day pain arrives the morning after ``sessions``: decide them then."""
        morning = sessions[0][2] + 1
        if self.env.now < morning:
            yield self.env.timeout(morning - self.env.now)
        self._decide(sessions)

    def _decide(self, sessions: Sequence[_Session]) -> None:
        """Decide after each session (amended with its next-day pain), one by one, and count.

        Members the decision stops or completes, and those who drop out, end here.
        """
        if not sessions:
            return
        protocol, decide, tally = self.protocol, self.decide, self.tally
        outcomes: list[SessionOutcome] = []
        actions: list[int] = []
        ending: list[bool] = []
        for member, _, day, _, prescription, outcome, pain in sessions:
            if pain is not None:
                outcome = outcome.amend(next_day_pain=pain)
            decision = decide(protocol, self.state[member], outcome)
            self.state[member] = decision.state
            outcomes.append(outcome)
            actions.append(_CODES[decision.action])
            ending.append(decision.state.status is not Status.ACTIVE)
            if self.traced[member]:
                self.traces.append(
                    {
                        "client": tally.ids[member],
                        "session": int(tally.sessions[member]) + 1,
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
        rows = np.array([s[0] for s in sessions], dtype=np.int64)
        tally.count(
            rows,
            np.array([s[2] for s in sessions], dtype=np.int64),
            np.array([s[3] for s in sessions], dtype=np.int64),
            rules.Sessions.of(outcomes),
            np.array(actions, dtype=np.int64),
        )
        going_on = [i for i, ends in enumerate(ending) if not ends]
        leaving = self.clients.drops_out(
            [sessions[i][0] for i in going_on],
            [outcomes[i] for i in going_on],
            [sessions[i][6] for i in going_on],
        )
        for i, s in enumerate(sessions):
            if ending[i]:
                self._end(rows[i : i + 1], s[1])
        for i, leaves in zip(going_on, leaving, strict=True):
            if leaves:
                member, index, day = sessions[i][:3]
                tally.dropout_day[member] = day
                self._end(rows[i : i + 1], index)

    def _end(self, members: Ints, index: int) -> None:
        """``members`` leave the programme after the session of day ``index``."""
        self.ended[members] = True
        self.tally.after_end[members] = len(self.days) - index - 1

    # --- the coach --------------------------------------------------------------------------

    def visit(self, member: int, index: int, day: int, coach: simpy.Resource) -> Process:
        """A client's visit on a day with a coach: arrive, be seen or not, take the session."""
        env = self.env
        arrival = uniforms(self.arrival[member], day)
        request = yield from _seen_by_coach(env, coach, day, arrival)
        if request is None:
            self.tally.missed[member] += 1
            return
        prescription, stage = self._prescription(member)
        ((outcome, pain),) = self.clients.sessions(day, [member], [prescription], [stage])
        yield env.timeout(_SESSION_LENGTH)
        coach.release(request)
        session = (member, index, day, stage, prescription, outcome, pain)
        if pain is not None:
            yield from self._morning([session])
        else:
            self._decide([session])


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


class _Drawn:
    """The array members' sessions from the default model's block, as arrays throughout."""

    def __init__(self, clients: ClientArrays) -> None:
        self.clients = clients
        self.drawn: Draw | None = None  # the last day's sessions, for dropout

    def attend(self, day: int, rows: Ints) -> Bools:
        return self.clients.attend(day, rows)

    def sessions(
        self, day: int, rows: Ints, plans: Sequence[Prescription], plan: Ints, stages: Ints
    ) -> rules.Sessions:
        self.drawn = self.clients.draw(day, rows, plans, plan)
        return rules.Sessions.drawn(self.drawn, day)

    def leaves(self, rows: Ints, which: Bools) -> Bools:
        """Whether members ``rows`` (the last sessions' ``which``) drop out after them."""
        assert self.drawn is not None
        return self.clients.leaves(rows, Draw._make(c[which] for c in self.drawn))


class _Outcomes:
    """The array members' sessions from any other block: its outcomes, read as arrays."""

    def __init__(self, clients: ClientBlock) -> None:
        self.clients = clients
        self.outcomes: list[SessionOutcome] = []  # the last day's sessions (amended)
        self.pains: list[int | None] = []

    def attend(self, day: int, rows: Ints) -> Bools:
        return np.array(self.clients.attends(day, rows.tolist()), dtype=bool)

    def sessions(
        self, day: int, rows: Ints, plans: Sequence[Prescription], plan: Ints, stages: Ints
    ) -> rules.Sessions:
        done = self.clients.sessions(
            day, rows.tolist(), [plans[i] for i in plan.tolist()], stages.tolist()
        )
        self.outcomes = [o if p is None else o.amend(next_day_pain=p) for o, p in done]
        self.pains = [p for _, p in done]
        return rules.Sessions.of(self.outcomes)

    def leaves(self, rows: Ints, which: Bools) -> Bools:
        """Whether members ``rows`` (the last sessions' ``which``) drop out after them."""
        kept = np.flatnonzero(which).tolist()
        return np.array(
            self.clients.drops_out(
                rows.tolist(), [self.outcomes[i] for i in kept], [self.pains[i] for i in kept]
            ),
            dtype=bool,
        )
