"""The built-in rules (:class:`~retroprog.RulePolicy`) decided for a block of clients at once.

The engine decides this way for the clients it does not trace when the policy
is a :class:`~retroprog.RulePolicy` (any preset, any parameters, not a
subclass, not guarded) on a :class:`~retroprog.StagedProtocol`, without a
coach; every other client is decided by ``policy.decide``.  A property test
holds :func:`decide` equal to :meth:`RulePolicy.decide
<retroprog.RulePolicy.decide>`, state for state and action for action, and
the engine's tests hold whole runs equal to the per-client engine.

The clients' states are arrays, one entry per member (:class:`States`); a
session's findings come as arrays too (:class:`Sessions`).  :func:`decide`
applies the rules of :class:`~retroprog.RulePolicy` to every member at once
and returns the new states and each member's :class:`~retroprog.Action`
code.  Every finding a :class:`~retroprog.SessionOutcome` carries is read
(:meth:`Sessions.of`), bouts counted and undated sessions included; the
clients are active (``resume`` matters only after a stop, and stopped clients
are not asked again), and the caller keeps the sessions in order
(:func:`late`).  Reasons and explanations are not built (untraced clients do
not keep them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from retroprog import Action, ClientState, RulePolicy, SessionOutcome, Stage, StagedProtocol, Status

from ..model.core import Draw

__all__ = ["ACTIONS", "Ladders", "Sessions", "States", "decide", "late"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: Action codes, in the order of the codes :func:`decide` returns.
ACTIONS = (
    Action.HOLD,
    Action.PROGRESS,
    Action.REGRESS,
    Action.ADVANCE,
    Action.COMPLETE,
    Action.STOP,
)
HOLD, PROGRESS, REGRESS, ADVANCE, COMPLETE, STOP = range(len(ACTIONS))
#: Status codes of :attr:`States.status`.
ACTIVE, STOPPED, COMPLETED = 0, 1, 2
#: Each status code's status.
STATUSES = (Status.ACTIVE, Status.STOPPED, Status.COMPLETED)
_STATUS = {status: code for code, status in enumerate(STATUSES)}
#: The staircase's step when a state's memory holds none.
NO_STEP = -1


@attrs.frozen
class Ladders:
    """A protocol's stages as arrays, indexed by stage number."""

    stages: tuple[Stage, ...]
    first: Ints
    last: Ints
    base_max: Ints
    step: Ints
    min_base: Ints
    #: the successful sessions each level needs (stage by level; -1: the policy decides).
    needed: Ints
    #: the bouts of a session at each level (stage by level): fewer completed is difficult.
    bouts: Ints
    regress_across: bool

    @classmethod
    def of(cls, protocol: StagedProtocol) -> Ladders:
        """``protocol``'s ladders."""
        stages = tuple(protocol.stages)
        top = max((stage.last_level for stage in stages if stage.levels), default=1)
        needed = np.full((len(stages), top + 1), -1, dtype=np.int64)
        bouts = np.zeros((len(stages), top + 1), dtype=np.int64)
        for s, stage in enumerate(stages):
            if stage.levels:
                for level in range(1, stage.last_level + 1):
                    found = stage.sessions_needed(level)
                    needed[s, level] = -1 if found is None else found
                    bouts[s, level] = stage.bouts_in(level)
            else:
                needed[s, :] = -1 if stage.sessions is None else stage.sessions
                bouts[s, :] = stage.bouts
        ladders = np.array([stage._ladder for stage in stages], dtype=np.int64)
        return cls(
            stages,
            ladders[:, 0],
            ladders[:, 1],
            ladders[:, 2],
            ladders[:, 3],
            np.array([stage.min_base_sessions for stage in stages], dtype=np.int64),
            needed,
            bouts,
            getattr(protocol, "regress_across_stages", False) is True,
        )

    def at_level(self, table: Ints, stage: Ints, level: Ints) -> Ints:
        """``table``'s entries (:attr:`needed`, :attr:`bouts`) for each member's stage and level.

        A stage that does not list its levels has one value for every level: its
        column is the last.
        """
        found: Ints = table[stage, np.minimum(level, table.shape[1] - 1)]
        return found


@attrs.define
class States:
    """Members' :class:`~retroprog.ClientState` as arrays (and the staircase's memory)."""

    stage: Ints
    level: Ints
    status: Ints
    sessions: Ints
    sessions_at_level: Ints
    base_sessions: Ints
    successes: Ints
    failures: Ints
    adverse: Ints
    last_day: Ints
    #: whether the memory holds the staircase's keys, and their values.
    remembers: Bools
    direction: Ints
    reversals: Ints
    step: Ints

    @classmethod
    def of(cls, states: list[ClientState], ladders: Ladders) -> States:
        """``states`` (active, on ``ladders``' protocol) as arrays."""
        index = {stage.name: i for i, stage in enumerate(ladders.stages)}

        def column(values: list[Any]) -> Any:
            return np.array(values, dtype=np.int64)

        memory = [s.memory for s in states]
        return cls(
            column([index[s.stage] for s in states]),
            column([s.level for s in states]),
            column([_STATUS[s.status] for s in states]),
            column([s.sessions for s in states]),
            column([s.sessions_at_level for s in states]),
            column([s.base_sessions for s in states]),
            column([s.successes for s in states]),
            column([s.failures for s in states]),
            column([s.adverse for s in states]),
            column([-1 if s.last_day is None else s.last_day for s in states]),
            np.array(["staircase.direction" in m for m in memory], dtype=bool),
            column([m.get("staircase.direction", 0) for m in memory]),
            column([m.get("staircase.reversals", 0) for m in memory]),
            column([m.get("staircase.step", NO_STEP) for m in memory]),
        )

    def rows(self, rows: Ints) -> States:
        """The members ``rows``' states (a copy)."""
        return States(**{f.name: getattr(self, f.name)[rows] for f in attrs.fields(States)})

    def update(self, rows: Ints, states: States) -> None:
        """Members ``rows`` now stand where ``states`` say."""
        for f in attrs.fields(States):
            getattr(self, f.name)[rows] = getattr(states, f.name)

    def state(self, member: int, ladders: Ladders) -> ClientState:
        """Member ``member``'s :class:`~retroprog.ClientState`."""
        memory: dict[str, Any] = {}
        if self.remembers[member]:
            memory = {
                "staircase.direction": int(self.direction[member]),
                "staircase.reversals": int(self.reversals[member]),
                "staircase.step": int(self.step[member]),
            }
        day = int(self.last_day[member])
        return ClientState(
            ladders.stages[int(self.stage[member])].name,
            int(self.level[member]),
            status=STATUSES[int(self.status[member])],
            sessions=int(self.sessions[member]),
            sessions_at_level=int(self.sessions_at_level[member]),
            base_sessions=int(self.base_sessions[member]),
            successes=int(self.successes[member]),
            failures=int(self.failures[member]),
            adverse=int(self.adverse[member]),
            last_day=None if day < 0 else day,
            memory=memory,
        )


@attrs.frozen
class Sessions:
    """Members' sessions as the rules read them (-1: not known, or not counted)."""

    #: the day number (a date: its ordinal), as ``RulePolicy`` dates a session.
    day: Ints
    pain: Ints
    next_day_pain: Ints
    balance_losses: Ints
    dizziness: Bools
    form_breakdown: Bools
    completed: Bools
    bouts_completed: Ints
    #: -1.0 for no RPE: below every threshold.
    rpe: npt.NDArray[np.float64]

    @classmethod
    def of(cls, outcomes: Sequence[SessionOutcome]) -> Sessions:
        """``outcomes`` (next-day pain folded in, if known) as arrays."""

        def column(values: Iterable[Any], kind: Any = np.int64) -> Any:
            return np.fromiter(values, kind, len(outcomes))

        return cls(
            day=column(
                o.date.toordinal() if o.date is not None else -1 if o.day is None else o.day
                for o in outcomes
            ),
            pain=column(o.pain for o in outcomes),
            next_day_pain=column(
                -1 if o.next_day_pain is None else o.next_day_pain for o in outcomes
            ),
            balance_losses=column(o.balance_losses for o in outcomes),
            dizziness=column((o.dizziness for o in outcomes), bool),
            form_breakdown=column((o.form_breakdown for o in outcomes), bool),
            completed=column((o.completed for o in outcomes), bool),
            bouts_completed=column(
                -1 if o.bouts_completed is None else o.bouts_completed for o in outcomes
            ),
            rpe=column((-1.0 if o.rpe is None else o.rpe for o in outcomes), float),
        )

    @classmethod
    def drawn(cls, draw: Draw, day: int) -> Sessions:
        """A block's sessions on ``day`` as the default client model draws them.

        The model draws next-day pain with the session, so it is known at once.
        """
        n = len(draw.pain)
        return cls(
            day=np.full(n, day, dtype=np.int64),
            pain=draw.pain,
            next_day_pain=draw.next_day_pain,
            balance_losses=draw.balance_losses,
            dizziness=draw.dizziness,
            form_breakdown=draw.form_breakdown,
            completed=draw.completed,
            bouts_completed=np.full(n, -1, dtype=np.int64),
            rpe=draw.rpe.astype(np.float64),
        )


def late(before: States, done: Sessions) -> Bools:
    """The members whose session is dated before their last one (``decide`` refuses those)."""
    result: Bools = (done.day >= 0) & (done.day < before.last_day)
    return result


def decide(
    policy: RulePolicy, ladders: Ladders, before: States, done: Sessions
) -> tuple[States, Ints]:
    """The new states and each member's action code (:data:`ACTIONS`) after ``done``."""
    p = policy
    pain, nd, losses = done.pain, done.next_day_pain, done.balance_losses
    known = nd >= 0
    severe = (pain >= p.stop_pain) | (known & (nd >= p.stop_pain))
    adverse = (
        (pain > p.pain_threshold)
        | (known & (nd > p.settled_pain))
        | (losses > p.balance_losses_allowed)
        | done.form_breakdown
    )
    s, level = before.stage, before.level
    counted = done.bouts_completed
    difficulty = (
        ~done.completed
        | ((counted >= 0) & (counted < ladders.at_level(ladders.bouts, s, level)))
        | (known & (pain < nd) & (nd <= p.settled_pain))
        | ((losses > 0) & (losses <= p.balance_losses_allowed))
        | done.dizziness
        | (done.rpe >= p.rpe_threshold)
    )
    awaiting = (pain > p.settled_pain) & ~known
    findings = adverse | difficulty
    success = ~(findings | awaiting)

    first, last = ladders.first[s], ladders.last[s]
    base_max, default_step = ladders.base_max[s], ladders.step[s]
    after = States(
        stage=s.copy(),
        level=level.copy(),
        status=before.status.copy(),
        sessions=before.sessions + 1,
        sessions_at_level=before.sessions_at_level + 1,
        base_sessions=before.base_sessions + (level <= base_max),
        successes=np.where(success, before.successes + 1, 0),
        failures=np.where(success, 0, before.failures + 1),
        adverse=np.where(adverse, before.adverse + 1, 0),
        last_day=np.where(done.day >= 0, done.day, before.last_day),  # undated: as it was
        remembers=before.remembers.copy(),
        direction=before.direction.copy(),
        reversals=before.reversals.copy(),
        step=before.step.copy(),
    )
    action = np.full(len(s), HOLD, dtype=np.int64)
    shrinks = p.step_shrink < 1
    step = default_step
    if shrinks:  # the staircase's step, never more than the stage's own
        remembered = before.remembers & (before.step > 0)
        step = np.where(remembered, np.minimum(before.step, default_step), default_step)

    stops = adverse & (severe | (after.adverse >= p.stop_after))
    after.status[stops] = STOPPED
    action[stops] = STOP

    regressing = findings & ~stops
    down = np.maximum(np.minimum(level, last) - step, first)
    floor = regressing & (down == level)
    below = floor & (level == first) & (s > 0) if ladders.regress_across else floor & False
    moving_down = regressing & ~floor
    _move(policy, after, before, moving_down, down, step, default_step, going_up=False)
    action[moving_down] = REGRESS
    if below.any():
        previous = s[below] - 1
        after.stage[below] = previous
        after.level[below] = ladders.last[previous]
        after.sessions_at_level[below] = 0
        after.base_sessions[below] = ladders.min_base[previous]
        after.successes[below] = 0
        if shrinks:
            after.remembers[below] = False
            after.direction[below], after.reversals[below], after.step[below] = 0, 0, NO_STEP
        action[below] = REGRESS

    succeeded = ~findings & ~awaiting
    needed = ladders.at_level(ladders.needed, s, level)
    k = np.where(needed < 0, p.successes_to_progress, needed)
    ready = succeeded & (after.successes >= k)
    target = ready & (level >= last) & (after.base_sessions >= ladders.min_base[s])
    completing = target & (s == len(ladders.stages) - 1)
    after.status[completing] = COMPLETED
    action[completing] = COMPLETE
    advancing = target & ~completing
    if advancing.any():
        following = s[advancing] + 1
        after.stage[advancing] = following
        after.level[advancing] = ladders.first[following]
        for name in ("sessions_at_level", "base_sessions", "successes", "failures", "adverse"):
            getattr(after, name)[advancing] = 0
        if shrinks:
            after.remembers[advancing] = False
            after.direction[advancing], after.reversals[advancing] = 0, 0
            after.step[advancing] = NO_STEP
        action[advancing] = ADVANCE
    climbing = ready & ~target
    ceiling = np.where(
        after.base_sessions < ladders.min_base[s],
        np.maximum(np.minimum(last, base_max), np.minimum(level, last)),
        last,
    )
    up = np.maximum(np.minimum(level + step, ceiling), first)
    moving_up = climbing & (up != level)
    _move(policy, after, before, moving_up, up, step, default_step, going_up=True)
    action[moving_up] = PROGRESS
    return after, action


def _move(
    policy: RulePolicy,
    after: States,
    before: States,
    members: Bools,
    to: Ints,
    step: Any,
    default_step: Ints,
    *,
    going_up: bool,
) -> None:
    """``members`` of ``after`` moved to level ``to`` (level counters restart)."""
    if not members.any():
        return
    after.level[members] = to[members]
    after.sessions_at_level[members] = 0
    after.successes[members] = 0
    if policy.step_shrink >= 1:
        return
    direction = 1 if going_up else -1
    last = np.where(before.remembers, before.direction, 0)
    steps = np.broadcast_to(step, members.shape)
    reverses = members & (last != 0) & (last != direction)
    shrunk = np.minimum(
        default_step,
        np.maximum(policy.min_step_seconds, np.round(steps * policy.step_shrink).astype(np.int64)),
    )
    after.remembers[members] = True
    after.direction[members] = direction
    after.reversals[members] = np.where(reverses, before.reversals + 1, before.reversals)[members]
    after.step[members] = np.where(reverses, shrunk, steps)[members]
