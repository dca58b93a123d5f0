"""The SimPy engine: one process per block steps the clients due each day.

A block of clients shares one SimPy environment.  Its one process
(:meth:`_BlockRun.process`) wakes on each scheduled day and steps every client
still in the programme at once: the block's clients (a
:class:`~.blocks.ClientBlock`) say who attends and what happened in the
sessions, the policy decides for each client, and a :class:`~.tally.Tally`
counts.  The built-in rules decide for the untraced clients all at once, their
states held as arrays (:mod:`.rules`); traced clients, plug-in and guarded
policies, plug-in protocols and runs with a coach are decided client by
client.  Next-day pain arrives the next morning and amends the session before
anything is decided, so such a session is decided once, the day after.  A
client that stops, completes or drops out is not stepped again.

A coach (a ``simpy.Resource``) is the one thing that needs a process per
client: on a day with a coach each attending client is a process of its own
that arrives, waits to be seen until closing, and takes its session
(:meth:`_BlockRun.visit`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any

import numpy as np
import simpy

from retroprog import ClientState, Prescription, RulePolicy, SessionOutcome, StagedProtocol, Status

from ..model.population import client_streams
from . import rules
from .blocks import block_of
from .spec import RunSpec, schedule
from .tally import BlockResult, Tally

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


def run_block(spec: RunSpec, ids: Iterable[int]) -> BlockResult:
    """Simulate the clients ``ids`` in one SimPy environment."""
    env = simpy.Environment()
    run = _BlockRun(env, spec, list(ids))
    env.process(run.process())
    env.run()
    return run.result()


class _Member:
    """One client of the block: where it stands, its tally, whether it has ended."""

    __slots__ = ("arrival", "ended", "state", "tally")

    def __init__(
        self, state: ClientState, tally: Tally, arrival: Callable[[], float] | None
    ) -> None:
        self.state = state
        self.tally = tally
        self.arrival = arrival  # with a coach: the client's stream for arriving each day
        self.ended = False


class _BlockRun:
    """A block's clients, stepped day by day in one environment."""

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
        self.traces: list[dict[str, Any]] = []
        start = spec.protocol.start()
        # the built-in rules decide for the untraced clients at once, as arrays
        self.ladders = (
            rules.Ladders.of(spec.protocol)
            if type(spec.policy) is RulePolicy
            and type(spec.protocol) is StagedProtocol
            and self.coach is None
            else None
        )
        self.arrays = [
            self.ladders is not None and client_id >= settings.trace_clients for client_id in ids
        ]
        self.states = (
            rules.States.of([start] * len(ids), self.ladders) if self.ladders is not None else None
        )
        self.prescribed: dict[tuple[int, int], Prescription] = {}
        self.members = [
            _Member(
                start,
                Tally(
                    client_id,
                    stages=len(self.stage_index),
                    adverse_pain=settings.adverse_pain,
                    traces=self.traces if client_id < settings.trace_clients else None,
                ),
                # with a coach, clients arrive in a random order each day (their own
                # stream), so that the queue favours nobody
                client_streams(settings.seed, client_id, "arrival")[0].random
                if self.coach is not None
                else None,
            )
            for client_id in ids
        ]

    def result(self) -> BlockResult:
        """Every member's result, and the traced sessions in order."""
        scheduled, horizon = len(self.days), self.spec.days
        results = [
            member.tally.result(scheduled=scheduled, state=self._state(m), horizon=horizon)
            for m, member in enumerate(self.members)
        ]
        results.sort(key=lambda r: r.client_id)
        self.traces.sort(key=lambda t: (t["client"], t["session"]))
        return BlockResult(results, self.traces)

    def _state(self, member: int) -> ClientState:
        """Where ``member`` stands."""
        if self.arrays[member]:
            assert self.states is not None
            assert self.ladders is not None
            return self.states.state(member, self.ladders)
        return self.members[member].state

    def _prescription(self, member: int) -> tuple[Prescription, int]:
        """The next session of ``member`` (active), and its stage's index."""
        if not self.arrays[member]:
            state = self.members[member].state
            prescription = self.protocol.prescribe(state)
            assert prescription is not None  # the client is active
            return prescription, self.stage_index[state.stage]
        assert self.states is not None
        assert self.ladders is not None
        key = (int(self.states.stage[member]), int(self.states.level[member]))
        found = self.prescribed.get(key)
        if found is None:
            state = ClientState(self.ladders.stages[key[0]].name, key[1])
            found = self.protocol.prescribe(state)
            assert found is not None
            self.prescribed[key] = found
        return found, key[0]

    # --- the days ---------------------------------------------------------------------------

    def process(self) -> Process:
        """The block's process: each scheduled day, step the members still in the programme."""
        env, members, coach = self.env, self.members, self.coach
        opens = _DAY_OPEN if coach is not None else 0
        due = list(range(len(members)))
        tomorrow: list[_Session] = []  # sessions whose next-day pain arrives tomorrow
        for index, day in enumerate(self.days):
            if tomorrow:  # (only without a coach: visits wait for their own next morning)
                yield from self._morning(tomorrow)
                tomorrow = []
            start = day + opens
            if env.now < start:
                yield env.timeout(start - env.now)
            due = [m for m in due if not members[m].ended]  # (visits end clients too)
            if not due:
                return
            attends = self.clients.attends(day, due)
            present = []
            for member, attending in zip(due, attends, strict=True):
                if attending:
                    present.append(member)
                else:
                    members[member].tally.missed += 1
            if coach is not None:
                for member in present:
                    env.process(self.visit(member, index, day, coach))
            elif present:
                tomorrow = self._sessions(present, index, day)
        if tomorrow:
            yield from self._morning(tomorrow)

    def _sessions(self, present: list[int], index: int, day: int) -> list[_Session]:
        """The sessions of the members ``present`` on ``day``; decide those that can be.

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
        """Decide after each session (amended with its next-day pain) and count it.

        Members the decision stops or completes, and those who drop out, end here.
        """
        members, protocol, decide = self.members, self.protocol, self.decide
        going_on: list[int] = []
        when: list[tuple[int, int]] = []  # each one's day, and the day's index
        outcomes: list[SessionOutcome] = []
        pains: list[int | None] = []
        by_rules: list[tuple[int, int, int, int, SessionOutcome, int | None]] = []
        for member, index, day, stage, prescription, outcome, pain in sessions:
            if pain is not None:
                outcome = outcome.amend(next_day_pain=pain)
            if self.arrays[member]:
                by_rules.append((member, index, day, stage, outcome, pain))
                continue
            client = members[member]
            decision = decide(protocol, client.state, outcome)
            client.tally.session(
                day=day,
                stage_index=stage,
                prescription=prescription,
                outcome=outcome,
                next_day_pain=pain,
                decision=decision,
            )
            client.state = decision.state
            if decision.state.status is not Status.ACTIVE:
                self._end(client, index)
            else:
                going_on.append(member)
                when.append((index, day))
                outcomes.append(outcome)
                pains.append(pain)
        if by_rules:
            actions = self._decide_by_rules(by_rules)
            for (member, index, day, stage, outcome, pain), code in zip(
                by_rules, actions, strict=True
            ):
                action = rules.ACTIONS[code]
                members[member].tally.counted(day, stage, outcome, pain, action)
                if code == rules.STOP or code == rules.COMPLETE:
                    self._end(members[member], index)
                else:
                    going_on.append(member)
                    when.append((index, day))
                    outcomes.append(outcome)
                    pains.append(pain)
        if going_on:
            leaving = self.clients.drops_out(going_on, outcomes, pains)
            for member, (index, day), leaves in zip(going_on, when, leaving, strict=True):
                if leaves:
                    members[member].tally.dropout_day = day
                    self._end(members[member], index)

    def _decide_by_rules(
        self, sessions: Sequence[tuple[int, int, int, int, SessionOutcome, int | None]]
    ) -> list[int]:
        """The built-in rules' action codes for ``sessions``, their states updated as arrays."""
        assert self.states is not None
        assert self.ladders is not None
        assert isinstance(self.spec.policy, RulePolicy)
        rows = np.array([s[0] for s in sessions])
        outcomes = [s[4] for s in sessions]
        done = rules.Sessions.of(outcomes)
        before = self.states.rows(rows)
        for i in np.flatnonzero(rules.late(before, done)):  # refused as the policy refuses it
            self.spec.policy.decide(self.protocol, before.state(int(i), self.ladders), outcomes[i])
        after, actions = rules.decide(self.spec.policy, self.ladders, before, done)
        self.states.update(rows, after)
        result: list[int] = actions.tolist()
        return result

    def _end(self, client: _Member, index: int) -> None:
        """``client`` leaves the programme after the session of day ``index``."""
        client.ended = True
        client.tally.after_end = len(self.days) - index - 1

    # --- the coach --------------------------------------------------------------------------

    def visit(self, member: int, index: int, day: int, coach: simpy.Resource) -> Process:
        """A client's visit on a day with a coach: arrive, be seen or not, take the session."""
        env, client = self.env, self.members[member]
        assert client.arrival is not None  # every client has one when there is a coach
        request = yield from _seen_by_coach(env, coach, day, client.arrival)
        if request is None:
            client.tally.missed += 1
            return
        prescription = self.protocol.prescribe(client.state)
        assert prescription is not None  # the client is active
        stage = self.stage_index[client.state.stage]
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
    arrival: Callable[[], float],
) -> Generator[simpy.Event, Any, simpy.resources.resource.Request | None]:
    """Arrive, and wait for the coach until closing; the request, or ``None`` if not seen."""
    yield env.timeout(arrival() * _ARRIVAL_WINDOW)
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
