"""``check_policy``: every safety invariant of one policy, on targeted and random sessions.

Two searches share one checker (:class:`_Run`): a fixed, targeted pass that tries
every borderline session at every level a clean climb reaches, with day numbers and
dates chosen so that rules on small moduli of the day show; then a Hypothesis
stateful test that shrinks what it finds.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from typing import ClassVar

import attrs
import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from hypothesis.stateful import (
    RuleBasedStateMachine,
    get_state_machine_test,
    initialize,
    precondition,
    rule,
)

import retroprog as rp
from retroprog.exceptions import PolicyViolation

from ._invariants import (
    NONDETERMINISTIC,
    PAIN_CEILING,
    PainBounds,
    base_problems,
    decision_problems,
    inputs_snapshot,
    leading_invariant,
    level_names,
    pain_bounds,
    policy_name,
    stage_index,
    stage_problems,
)
from ._strategies import EPOCH, outcomes

__all__ = ["check_policy"]

#: Days between two sessions that both searches favour: the same day, a few days,
#: a week, two weeks, and a day more than two weeks.
_KEY_GAPS = (0, 1, 2, 3, 7, 14, 15)

#: Days since the previous session; ``None``: the session's day is not known.
_GAPS = st.none() | st.sampled_from(_KEY_GAPS) | st.integers(0, 30)

#: The day of a client's first session: small numbers and multiples of 7, where
#: rules on the day's remainder (every other day, every seventh) show.
_START_DAYS = (*range(14), 21, 28, 35, 70, 364)

#: How often a counterexample is replayed to tell whether it reproduces.
_REPLAYS = 3

_PHASES = [phase for phase in Phase if phase is not Phase.explain]

#: The most clean sessions the random search adds to get one step up away.
_READY_WITHIN = 12

_UP = (rp.Action.PROGRESS, rp.Action.ADVANCE, rp.Action.COMPLETE)


@attrs.frozen
class _Counts:
    """What the log says after a session: sessions at base in each stage done, and at the level.

    :ivar base: sessions at base in each stage, since the client last entered it by
        an advance (or a resume restarted it); a stage re-entered by a regression
        across stages keeps its count.
    :ivar at_level: sessions at the current level since the client came to it.
    """

    base: tuple[tuple[str, int], ...] = ()
    at_level: int = 0


class _Run:
    """One client's sessions with one policy, every decision checked as it is made.

    Sessions at base and at the current level are counted here from the log rather
    than trusted to the policy's state (invariants 3 and 4 again).
    """

    def __init__(
        self,
        protocol: rp.ProgressionProtocol,
        policy: rp.RegressionPolicy,
        *,
        name: str,
        bounds: PainBounds,
        shortest: list[PolicyViolation],
    ) -> None:
        self.protocol = protocol
        self.policy = policy
        self.name = name
        self.bounds = bounds
        #: the shortest violation found so far, shared by every run of one check
        self.shortest = shortest
        self.log: list[rp.SessionOutcome] = []
        self.decisions: list[rp.Decision] = []
        #: what the log says after each decision (sessions at base, at the level)
        self.counts: list[_Counts] = []

    @property
    def state(self) -> rp.ClientState:
        """The client's state after the last session."""
        return self.decisions[-1].state if self.decisions else self.protocol.start()

    def violation(
        self,
        invariant: int,
        problems: list[str],
        *,
        outcomes: Iterable[rp.SessionOutcome],
        decision: rp.Decision | None,
        state: rp.ClientState,
    ) -> PolicyViolation:
        """A violation by this run's policy, kept if it is the shortest so far."""
        found = PolicyViolation(
            invariant,
            outcomes=list(outcomes),
            decision=decision,
            state=state,
            policy_name=self.name,
            problems=problems,
            levels=level_names(self.protocol, state, decision),
        )
        if not self.shortest or len(found.outcomes) < len(self.shortest[0].outcomes):
            self.shortest[:] = [found]
        return found

    def decide(self, outcome: rp.SessionOutcome) -> tuple[rp.Decision, _Counts]:
        """The policy's checked decision for one more session, and the log's counts after it.

        Nothing is recorded: :meth:`record` does that.

        :raises ~retroprog.exceptions.PolicyViolation: the decision breaks an invariant.
        """
        protocol, policy, before = self.protocol, self.policy, self.state
        inputs = inputs_snapshot(before, outcome)  # before the first call, deeply
        try:
            decision = policy.decide(protocol, before, outcome)
        except Exception as exc:  # a crash is a finding, not a test error
            raise self.violation(
                0,
                [f"decide raised {exc!r}"],
                outcomes=[*self.log, outcome],
                decision=None,
                state=before,
            ) from exc
        found = decision_problems(
            protocol, policy, before, outcome, decision, bounds=self.bounds, inputs=inputs
        )
        counts, problems = self._count(before, outcome, decision)
        for number, problem in problems:
            if all(n != number for n, _ in found):
                found.append((number, problem))
        if found:
            raise self.violation(
                leading_invariant(found),
                [f"invariant {n}: {text}" if n else text for n, text in found],
                outcomes=[*self.log, outcome],
                decision=decision,
                state=_as_it_was(before, inputs[0]),
            )
        return decision, counts

    def record(self, outcome: rp.SessionOutcome, decision: rp.Decision, counts: _Counts) -> None:
        """Add a decided session to the log."""
        self.log.append(outcome)
        self.decisions.append(decision)
        self.counts.append(counts)

    def push(self, outcome: rp.SessionOutcome) -> rp.Decision:
        """Decide one more session, check it, and add it to the log."""
        decision, counts = self.decide(outcome)
        self.record(outcome, decision, counts)
        return decision

    def pop(self) -> rp.SessionOutcome:
        """Take the last session off the log (to decide it again, amended)."""
        self.decisions.pop()
        self.counts.pop()
        return self.log.pop()

    def _count(
        self, before: rp.ClientState, outcome: rp.SessionOutcome, decision: rp.Decision
    ) -> tuple[_Counts, list[tuple[int, str]]]:
        """The log's counts after this session, and invariants 3 and 4 with those counts."""
        protocol = self.protocol
        stage = protocol.stage(before.stage)
        counts = self.counts[-1] if self.counts else _Counts()
        base, at_level = dict(counts.base), counts.at_level
        applied = before.active or outcome.resume
        level = before.level
        if applied and not before.active:  # resumed: the stage starts over at its first level
            base[stage.name], at_level, level = 0, 0, stage.first_level
        if applied:
            base[stage.name] = base.get(stage.name, 0) + (level <= stage.base_max_level)
            at_level += 1
        after = decision.state
        said = f", counting them from the log (the state says {after.base_sessions})"
        problems = [
            (3, text)
            for text in base_problems(
                protocol,
                stage,
                after,
                applies=applied,
                count=base.get(stage.name, 0),
                counted=said,
            )
        ]
        problems += stage_problems(
            protocol,
            stage,
            before,
            after,
            applies=applied,
            done=level,
            at_level=at_level,
            counted=", counting sessions from the log",
        )
        if after.stage != before.stage:
            at_level = 0
            if (stage_index(protocol, after.stage) or 0) > (
                stage_index(protocol, before.stage) or 0
            ):
                base[after.stage] = 0  # a stage entered by an advance starts over
        elif after.level != level:
            at_level = 0
        return _Counts(tuple(sorted(base.items())), at_level), problems

    def check_replay(self) -> None:
        """Invariant 7 over the whole log: replaying it gives the step-by-step decisions."""
        if not self.log:
            return
        try:
            replayed = rp.replay(self.protocol, self.policy, self.log)
        except Exception as exc:  # it did not raise step by step
            raise self.violation(
                7,
                [
                    f"invariant 7: the policy {NONDETERMINISTIC}",
                    f"invariant 7: replaying the log raised {exc!r}",
                ],
                outcomes=self.log,
                decision=self.decisions[-1],
                state=self.decisions[-2].state if len(self.log) > 1 else self.protocol.start(),
            ) from exc
        for i, (again, decision) in enumerate(zip(replayed, self.decisions, strict=True)):
            if again != decision:
                raise self.violation(
                    7,
                    [
                        f"invariant 7: the policy {NONDETERMINISTIC}",
                        f"invariant 7: replaying the log gave {again!r}",
                    ],
                    outcomes=self.log[: i + 1],
                    decision=decision,
                    state=self.decisions[i - 1].state if i else self.protocol.start(),
                )


def _as_it_was(state: rp.ClientState, taken: str) -> rp.ClientState:
    """``state`` as it was when ``taken`` (its JSON) was taken, if deciding changed it."""
    try:
        return state if rp.to_json(state) == taken else rp.from_json(taken, rp.ClientState)
    except Exception:  # not JSON (any more): invariant 8 says so
        return state


# --- the sessions both searches favour ---------------------------------------------------

_CLEAN = rp.SessionOutcome()


def _level(policy: rp.RegressionPolicy, attribute: str) -> int | None:
    """A pain level the policy (or the policy it wraps) has, such as ``stop_pain``."""
    for owner in (policy, getattr(policy, "policy", None)):
        try:
            value = getattr(owner, attribute, None)
        except Exception:  # only a hint for the search
            continue
        if type(value) is int and 0 <= value <= 10:
            return value
    return None


@functools.lru_cache(maxsize=256)
def _borderline(
    bounds: PainBounds, stop_pain: int | None, bouts: int
) -> tuple[rp.SessionOutcome, ...]:
    """A clean session, then sessions with a finding at or next to every bound.

    Pain during the session, and next-day pain, at each bound and one either side
    (the policy's threshold and settled bound, the ceiling, the pain that stops);
    pain in the zone between the bounds with next-day pain at or around the
    settled bound; one and two balance losses, form breakdown, dizziness, bouts
    not completed, high exertion, and a recorded resume.  Simplest first, so
    that a counterexample shrinks towards clean sessions.
    """
    levels = {bounds.threshold, bounds.ceiling, bounds.during, bounds.next_day}
    levels |= {level for level in (bounds.settled, stop_pain) if level is not None}
    pains = sorted({p + d for p in levels for d in (-1, 0, 1) if 1 <= p + d <= 10} | {10})
    zone = [p for p in pains if bounds.next_day < p <= bounds.during + 1]
    settled = {bounds.next_day + d for d in (-1, 0, 1)} | {bounds.during, bounds.during + 1}
    return (
        _CLEAN,
        *(rp.SessionOutcome(pain=p) for p in pains),
        *(rp.SessionOutcome(next_day_pain=p) for p in pains),
        *(
            rp.SessionOutcome(pain=p, next_day_pain=q)
            for p in zone
            for q in sorted(settled)
            if 0 <= q <= 10
        ),
        rp.SessionOutcome(balance_losses=1),
        rp.SessionOutcome(balance_losses=2),
        rp.SessionOutcome(form_breakdown=True),
        rp.SessionOutcome(dizziness=True),
        rp.SessionOutcome(completed=False),
        *(rp.SessionOutcome(bouts_completed=n) for n in sorted({max(bouts - 1, 0), 0})),
        rp.SessionOutcome(rpe=10),
        rp.SessionOutcome(resume=True),
    )


def _bouts(protocol: rp.ProgressionProtocol, state: rp.ClientState) -> int:
    """The bouts of the session a client in ``state`` does next (for bouts not completed)."""
    stage = protocol.stage(state.stage)
    return stage.bouts_in(state.level) if stage.contains(state.level) else stage.bouts


# --- the targeted pass -----------------------------------------------------------------------


@attrs.frozen
class _Dating:
    """How a targeted sequence dates its sessions, and how long it goes on.

    The first session is on day ``start``, the next ones every ``gap`` days; the
    borderline session comes after at most ``clean`` clean sessions.
    """

    kind: str  # "none", "day" or "date"
    start: int = 0
    gap: int = 0
    clean: int = 0

    def day(self, index: int) -> int:
        """The day number of the session at ``index`` (from 0)."""
        return self.start + index * self.gap

    def dated(self, outcome: rp.SessionOutcome, index: int) -> rp.SessionOutcome:
        """``outcome`` as the session at ``index`` (from 0)."""
        if self.kind == "day":
            return outcome.amend(day=self.day(index))
        if self.kind == "date":
            return outcome.amend(date=EPOCH + dt.timedelta(days=self.day(index)))
        return outcome


#: The most clean sessions in a climb (a policy that never finishes stops there).
_LONGEST_CLIMB = 120

#: How the targeted pass dates its sequences.  Whole climbs (every borderline session
#: after every number of clean sessions) without days, every day, and every seventh
#: day; then openings of a few sessions: every key gap, every start day of two weeks
#: and every weekday of a calendar date, so that the day of the borderline session
#: takes every remainder of a small modulus.
_DATINGS = (
    _Dating("none", clean=_LONGEST_CLIMB),
    _Dating("day", 0, 1, clean=_LONGEST_CLIMB),
    _Dating("day", 0, 7, clean=_LONGEST_CLIMB),
    *(_Dating("day", 0, gap, clean=3) for gap in _KEY_GAPS if gap not in (1, 7)),
    _Dating("date", 0, 7, clean=3),
    *(_Dating("day", start, 1, clean=1) for start in range(1, 14)),
    *(_Dating("date", start, 1, clean=1) for start in range(7)),
)


def _targeted(make_run: Callable[[], _Run], stop_pain: int | None) -> list[_Run]:
    """Every borderline session after 0, 1, 2, … clean sessions, shortest sequences first.

    After ``n`` clean sessions (dated every way in :data:`_DATINGS` that goes on
    that long), each session of :func:`_borderline` is decided and checked; a
    client it stops or finishes then has a clean session without, and with, a
    resume.  Sequences of ``n + 1`` sessions are all tried before any of
    ``n + 2``, so the first violation raised is a shortest one.

    :returns: the runs of clean sessions, for a replay of each.
    :raises ~retroprog.exceptions.PolicyViolation: the first violation found.
    """
    runs = [(dating, make_run()) for dating in _DATINGS]
    climbs: list[_Run] = []
    n = 0
    while runs:
        tried: set[tuple[str, tuple[int, ...]]] = set()
        ended: list[tuple[_Dating, _Run, rp.SessionOutcome, rp.Decision, _Counts]] = []
        clean: dict[int, tuple[rp.SessionOutcome, rp.Decision, _Counts]] = {}
        for dating, run in runs:  # n + 1 sessions
            days = () if dating.kind == "none" else tuple(dating.day(i) for i in range(n + 1))
            if (dating.kind, days) in tried:  # the same sessions as with another dating
                continue
            tried.add((dating.kind, days))
            bouts = _bouts(run.protocol, run.state)
            seen: set[tuple[rp.Status, str]] = set()
            for finding in _borderline(run.bounds, stop_pain, bouts):
                outcome = dating.dated(finding, n)
                decision, count = run.decide(outcome)
                after = decision.state
                if finding == _CLEAN:
                    clean[id(run)] = (outcome, decision, count)
                if not after.active and (after.status, after.stage) not in seen:
                    seen.add((after.status, after.stage))
                    ended.append((dating, run, outcome, decision, count))
        for dating, run, outcome, decision, count in ended:  # n + 2 sessions
            run.record(outcome, decision, count)
            for follow in (_CLEAN, rp.SessionOutcome(resume=True)):
                run.decide(dating.dated(follow, n + 1))
            run.pop()
        going = []
        for dating, run in runs:  # one more clean session, checked above (or an equal one)
            if not (run.state.active and n < dating.clean):
                climbs.append(run)
                continue
            if id(run) in clean:
                run.record(*clean[id(run)])
            else:
                run.push(dating.dated(_CLEAN, n))
            going.append((dating, run))
        runs = going
        n += 1
    return climbs


# --- the random search -----------------------------------------------------------------------


class _PolicyMachine(RuleBasedStateMachine):
    """Feeds sessions to one policy on one protocol and checks every decision.

    :func:`check_policy` subclasses it with the policy and the protocol.  The
    machine keeps the log from the protocol's start, so a violation carries the
    whole (shrunk) sequence of sessions that led to it.
    """

    protocol: ClassVar[rp.ProgressionProtocol]
    policy: ClassVar[rp.RegressionPolicy]
    policy_name: ClassVar[str]
    bounds: ClassVar[PainBounds]
    stop_pain: ClassVar[int | None]
    shortest: ClassVar[list[PolicyViolation]]

    def __init__(self) -> None:
        super().__init__()
        self.run = _Run(
            self.protocol,
            self.policy,
            name=self.policy_name,
            bounds=self.bounds,
            shortest=self.shortest,
        )
        self.dating = "none"
        self.day = 0

    def _dated(self, outcome: rp.SessionOutcome, gap: int | None) -> rp.SessionOutcome:
        if gap is None or self.dating == "none":
            return outcome
        self.day += gap
        if self.dating == "day":
            return outcome.amend(day=self.day)
        return outcome.amend(date=EPOCH + dt.timedelta(days=self.day))

    @initialize(dating=st.sampled_from(["day", "none", "date"]), start=st.sampled_from(_START_DAYS))
    def choose_dating(self, dating: str, start: int) -> None:
        """Whether sessions carry day numbers, calendar dates, or neither, and from when."""
        self.dating = dating
        self.day = start

    @rule(outcome=outcomes(), gap=_GAPS)
    def session(self, outcome: rp.SessionOutcome, gap: int | None) -> None:
        """Any session (occasionally with a resume, which an active client ignores)."""
        self.run.push(self._dated(outcome, gap))

    @rule(data=st.data(), gap=_GAPS)
    def borderline_session(self, data: st.DataObject, gap: int | None) -> None:
        """A session with one finding at or next to one of the policy's bounds."""
        bouts = _bouts(self.protocol, self.run.state)
        choices = _borderline(self.bounds, self.stop_pain, bouts)
        outcome = data.draw(st.sampled_from(choices), label="outcome")
        self.run.push(self._dated(outcome, gap))

    @rule(data=st.data(), modulus=st.sampled_from((7, 2, 3, 5, 14)))
    def borderline_session_when_ready(self, data: st.DataObject, modulus: int) -> None:
        """A borderline session where the next clean one would step up, on a round day.

        Clean sessions (a day apart) until the next one would step up, then a
        borderline session on the next day whose number ``modulus`` divides.
        """
        for _ in range(_READY_WITHIN):
            gap = 1 if self.dating != "none" else None
            outcome = self._dated(_CLEAN, gap)
            decision, count = self.run.decide(outcome)
            if decision.action in _UP or not decision.state.active:
                self.day -= gap or 0
                break
            self.run.record(outcome, decision, count)
        number = self.day + (EPOCH.toordinal() if self.dating == "date" else 0)
        self.borderline_session(data, gap=-number % modulus)

    @rule(n=st.integers(1, 20), gap=st.integers(1, 3))
    def clean_sessions(self, n: int, gap: int) -> None:
        """A run of clean sessions a few days apart, so that clients climb and finish."""
        for _ in range(n):
            self.run.push(self._dated(rp.SessionOutcome(), gap))

    @rule(clean=st.booleans(), gap=st.sampled_from([7, 13, 14, 15, 21, 30, 60]))
    def session_after_a_gap(self, clean: bool, gap: int) -> None:
        """A session after a long gap (detraining, a holiday)."""
        outcome = rp.SessionOutcome() if clean else rp.SessionOutcome(pain=1)
        self.run.push(self._dated(outcome, gap))

    @precondition(lambda self: not self.run.state.active)
    @rule(outcome=outcomes(resume=st.just(True)), gap=_GAPS)
    def resume(self, outcome: rp.SessionOutcome, gap: int | None) -> None:
        """A clinician clears a stopped (or finished) client to go on."""
        self.run.push(self._dated(outcome, gap))

    @precondition(lambda self: bool(self.run.log) and self.run.log[-1].next_day_pain is None)
    @rule(pain=st.integers(0, 10))
    def next_day_pain(self, pain: int) -> None:
        """Next-day pain arrives and amends the last session, which is decided again."""
        self.run.push(self.run.pop().amend(next_day_pain=pain))

    def teardown(self) -> None:
        """Invariant 7 over the whole log: replaying it gives the step-by-step decisions."""
        self.run.check_replay()


# --- one check -----------------------------------------------------------------------------


def check_policy(
    policy: rp.RegressionPolicy,
    protocol: rp.ProgressionProtocol | None = None,
    *,
    max_examples: int = 200,
    stateful_step_count: int = 30,
    seed: int | None = None,
    pain_ceiling: int = PAIN_CEILING,
    raise_pain_ceiling: bool = False,
) -> None:
    """Check every safety invariant of ``policy`` on targeted and random sequences of sessions.

    First, what the policy declares: a ``pain_threshold`` or ``settled_pain`` above
    ``pain_ceiling`` breaks invariant 1 whatever it decides.  Then a fixed,
    targeted pass: after 0, 1, 2, … clean sessions (up to the end of the
    protocol), with day numbers and dates from several start days and gaps, a
    session with each borderline finding — pain and next-day pain at every bound
    and one either side, balance losses, form breakdown, dizziness, bouts not
    completed — and, when it stops or finishes the client, the session after it.
    Shortest sequences come first, so a violation two sessions long is always
    found, and found as two sessions.  Last, a Hypothesis ``RuleBasedStateMachine``
    feeds ``policy`` arbitrary sequences: clean runs, any outcome, borderline
    sessions, resumes after a stop, next-day pain amending the last session, long
    gaps, with day numbers, dates or neither; it shrinks what it finds.

    Every decision is checked with :func:`check_decision` (its inputs copied deeply
    before every call), sessions at base are counted from the log rather than
    trusted to the state, and every log is replayed (invariant 7).  A policy that
    decides differently for the same sessions (it reads a clock, a global random
    generator, or hidden state) breaks invariant 7, whichever search shows it.

    ``policy`` may be any object satisfying :class:`~retroprog.RegressionPolicy`:
    a built-in, a guarded policy, or a plug-in; an optional ``settled_pain``
    attribute is its bound on next-day pain.  The run is reproducible: with no
    ``seed`` it is derandomized, and it never reads or writes Hypothesis's example
    database.

    :param policy: the policy under test.
    :param protocol: the protocol it runs on (default: the built-in ``retro-walk-run``).
    :param max_examples: how many random session sequences to try (after the
        targeted pass, which is always the same).
    :param stateful_step_count: the most steps (rules) per random sequence.
    :param seed: a seed for a different (still reproducible) set of random sequences.
    :param pain_ceiling: the absolute ceiling on pain (0–10), during a session or the
        next day, after which no policy may step up whatever it declares.  It may be
        lowered; above :data:`~retroprog.testing.PAIN_CEILING` (5/10, the top of
        Silbernagel's acceptable zone) it needs ``raise_pain_ceiling=True``.
    :param raise_pain_ceiling: allow a ``pain_ceiling`` above 5/10, deliberately.
    :raises ~retroprog.exceptions.PolicyViolation: on the first broken invariant,
        with the shortest sequence of sessions found that breaks it (none for a
        declared threshold above the ceiling).
    :raises ~retroprog.exceptions.InvalidValueError: a ``pain_ceiling`` out of range,
        or a policy whose ``name`` or pain bounds cannot be read.

    >>> import retroprog
    >>> from retroprog.testing import check_policy
    >>> check_policy(retroprog.load_policy("reference"), max_examples=10)
    >>> from retroprog.exceptions import PolicyViolation
    >>> too_much = retroprog.load_policy("reference", pain_threshold=6, stop_pain=8)
    >>> try:
    ...     check_policy(too_much)
    ... except PolicyViolation as caught:
    ...     print(caught.invariant, caught.problems[0])
    1 invariant 1: the policy declares pain_threshold 6, above the ceiling of 5/10; ...
    """
    chosen = rp.load_protocol("retro-walk-run") if protocol is None else protocol
    name = policy_name(policy)
    bounds = pain_bounds(policy, pain_ceiling=pain_ceiling, raise_pain_ceiling=raise_pain_ceiling)
    declared = bounds.declaration_problems()
    if declared:
        raise PolicyViolation(
            1, outcomes=(), decision=None, state=chosen.start(), policy_name=name, problems=declared
        )
    stop_pain = _level(policy, "stop_pain")
    shortest: list[PolicyViolation] = []

    def make_run() -> _Run:
        return _Run(chosen, policy, name=name, bounds=bounds, shortest=shortest)

    try:
        for climb in _targeted(make_run, stop_pain):
            climb.check_replay()
    except PolicyViolation as found:
        raise _confirmed(found, chosen, policy) from None
    machine = type(
        "PolicyMachine",
        (_PolicyMachine,),
        {
            "protocol": chosen,
            "policy": policy,
            "policy_name": name,
            "bounds": bounds,
            "stop_pain": stop_pain,
            "shortest": shortest,
        },
    )
    settings = hypothesis.settings(
        hypothesis.settings.get_profile("default"),
        max_examples=max_examples,
        stateful_step_count=stateful_step_count,
        deadline=None,
        database=None,
        derandomize=seed is None,
        phases=_PHASES,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    test = get_state_machine_test(machine, settings=settings)
    if seed is not None:
        test = hypothesis.seed(seed)(test)
    try:
        test()
    except PolicyViolation as found:  # from the final, shrunk, run
        raise _confirmed(found, chosen, policy) from None
    except Exception as error:
        if not _flaky(error):
            raise
        # Hypothesis could not replay what it found: the policy decided differently
        once = _violations_in(error) or shortest
        raise _unstable(once[0] if once else None, name, chosen.start()) from None


def _flaky(error: BaseException) -> bool:
    """Whether ``error`` is, or groups, Hypothesis's report of a test that is not repeatable."""
    if isinstance(error, Flaky):
        return True
    return any(_flaky(inner) for inner in getattr(error, "exceptions", ()))


def _violations_in(error: BaseException) -> list[PolicyViolation]:
    """The violations an exception group holds, shortest first."""
    if isinstance(error, PolicyViolation):
        return [error]
    found = [v for inner in getattr(error, "exceptions", ()) for v in _violations_in(inner)]
    return sorted(found, key=lambda v: len(v.outcomes))


def _confirmed(
    found: PolicyViolation, protocol: rp.ProgressionProtocol, policy: rp.RegressionPolicy
) -> PolicyViolation:
    """``found``, if replaying its sessions gives its decision every time; else invariant 7."""
    for _ in range(_REPLAYS if found.outcomes and found.invariant != 7 else 0):
        try:
            decisions = rp.replay(protocol, policy, found.outcomes)
        except Exception:  # reproduces only a crash of decide
            if found.decision is not None:
                return _unstable(found, found.policy_name, protocol.start())
            continue
        before = decisions[-2].state if len(decisions) > 1 else protocol.start()
        if decisions[-1] != found.decision or before != found.state:
            return _unstable(found, found.policy_name, protocol.start())
    return PolicyViolation(
        found.invariant,
        outcomes=found.outcomes,
        decision=found.decision,
        state=found.state,
        policy_name=found.policy_name,
        problems=found.problems,
        levels=found.levels,
    )


def _unstable(once: PolicyViolation | None, name: str, start: rp.ClientState) -> PolicyViolation:
    """Invariant 7 for a policy that decided differently, with what it did once, if known."""
    problems = [f"invariant 7: the policy {NONDETERMINISTIC}"]
    if once is None:
        return PolicyViolation(
            7, outcomes=(), decision=None, state=start, policy_name=name, problems=problems
        )
    problems += [f"the first time: {p}" for p in once.problems if NONDETERMINISTIC not in p]
    return PolicyViolation(
        7,
        outcomes=once.outcomes,
        decision=once.decision,
        state=once.state,
        policy_name=name,
        problems=problems,
        levels=once.levels,
    )
