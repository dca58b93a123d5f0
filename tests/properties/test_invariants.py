"""Every safety invariant of DESIGN.md, after every decision, for every policy and guard.

A :class:`~hypothesis.stateful.RuleBasedStateMachine` feeds arbitrary sessions
(clean runs, any outcome, resumes, next-day pain amending the last session, long
gaps) to one policy on one protocol and checks each decision with
:func:`~retroprog.testing.check_decision`, plus an independent count of
the sessions at base and replay of the whole log.
"""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

import retroprog as rp
from retroprog import testing as rt
from retroprog.testing import check_decision

BUILTIN = rp.load_protocol("retro-walk-run")
PRESETS = ("reference", "pain-monitoring", "staircase")
GUARD_NAMES = ("no-progress-after-adverse", "one-step", "gap", "weekly-cap")
EPOCH = dt.date(2024, 1, 1)


_UP = (rp.Action.PROGRESS, rp.Action.ADVANCE, rp.Action.COMPLETE)


@attrs.frozen
class Case:
    """What one run of the machine exercises."""

    protocol: rp.StagedProtocol
    policy: rp.RegressionPolicy
    #: whether sessions carry day numbers, calendar dates, or neither
    dating: str


def cases(policy: st.SearchStrategy[rp.RegressionPolicy]) -> st.SearchStrategy[Case]:
    """``policy`` on the article's protocol or a random one, with any dating."""
    return st.builds(
        Case,
        protocol=rt.protocols(builtin=True),
        policy=policy,
        dating=st.sampled_from(["day", "date", "none"]),
    )


#: Days since the previous session; ``None``: the session's day is not known.
GAPS = st.none() | st.integers(0, 3) | st.integers(0, 30)


@attrs.frozen
class Done:
    """One session as the machine saw it, kept to check what spans sessions."""

    outcome: rp.SessionOutcome
    before: rp.ClientState
    decision: rp.Decision
    #: whether the session counted (the client was active, or resumed)
    applied: bool
    #: the level the client did (a resume restarts the stage at its first level)
    level: int
    #: sessions at base in each stage since it was entered by an advance or resumed,
    #: counted here independently of the state's own counter (a stage re-entered by
    #: a regression across stages keeps its count)
    base_counts: tuple[tuple[str, int], ...]

    @property
    def base_count(self) -> int:
        """Sessions at base in the stage of this session."""
        return dict(self.base_counts).get(self.before.stage, 0)


class PolicyMachine(RuleBasedStateMachine):
    """Feeds sessions to one policy and checks every decision (subclasses draw the case)."""

    def __init__(self) -> None:
        super().__init__()
        self._case: Case | None = None
        self.history: list[Done] = []
        self.day = 0

    @property
    def case(self) -> Case:
        assert self._case is not None, "the machine was not initialised"
        return self._case

    @property
    def state(self) -> rp.ClientState:
        return self.history[-1].decision.state if self.history else self.case.protocol.start()

    @property
    def log(self) -> list[rp.SessionOutcome]:
        return [done.outcome for done in self.history]

    def _dated(self, outcome: rp.SessionOutcome, gap: int | None) -> rp.SessionOutcome:
        if gap is None or self.case.dating == "none":
            return outcome
        self.day += gap
        if self.case.dating == "day":
            return outcome.amend(day=self.day)
        return outcome.amend(date=EPOCH + dt.timedelta(days=self.day))

    def _apply(self, outcome: rp.SessionOutcome) -> None:
        protocol, policy = self.case.protocol, self.case.policy
        before = self.state
        decision = policy.decide(protocol, before, outcome)
        check_decision(protocol, policy, before, outcome, decision)
        stage = protocol.stage(before.stage)
        applied = before.active or outcome.resume
        counts = dict(self.history[-1].base_counts) if self.history else {}
        level = before.level
        if applied and not before.active:  # resumed: the stage starts over at its first level
            counts[stage.name], level = 0, stage.first_level
        counts[stage.name] = counts.get(stage.name, 0) + (applied and level <= stage.base_max_level)
        done = Done(outcome, before, decision, applied, level, tuple(sorted(counts.items())))
        self._check_base_count(done)
        if isinstance(policy, rp.GuardedPolicy):
            for guard in policy.guards:
                self._check_guard(guard, done)
        after = decision.state
        names = [s.name for s in protocol.stages]
        if after.stage != before.stage and names.index(after.stage) > names.index(before.stage):
            counts[after.stage] = 0  # entered by an advance: its sessions at base start over
            done = attrs.evolve(done, base_counts=tuple(sorted(counts.items())))
        self.history.append(done)

    def _check_base_count(self, done: Done) -> None:
        """Invariant 3 again, with the machine's own count of sessions at base."""
        stage = self.case.protocol.stage(done.before.stage)
        after = done.decision.state
        if not done.applied or done.base_count >= stage.min_base_sessions:
            return
        names = [s.name for s in self.case.protocol.stages]
        left_upwards = after.status is rp.Status.COMPLETED or names.index(
            after.stage
        ) > names.index(done.before.stage)
        assert not left_upwards, (
            f"invariant 3 (independent count): left {stage.name} ({done.decision.action}) "
            f"after {done.base_count} of {stage.min_base_sessions} sessions at base; "
            f"the state counts {after.base_sessions}"
        )
        assert after.stage != done.before.stage or after.level <= stage.base_max_level, (
            f"invariant 3 (independent count): level {after.level} beyond the base range "
            f"after {done.base_count} of {stage.min_base_sessions} sessions at base; "
            f"the state counts {after.base_sessions}"
        )

    def _check_guard(self, guard: rp.Guard, done: Done) -> None:
        """Each guard keeps its own promise, whatever the other guards do."""
        outcome, before, decision = done.outcome, done.before, done.decision
        after, action = decision.state, decision.action
        stage = self.case.protocol.stage(before.stage)
        context = f"{guard!r}: {decision.explanation!r} after {outcome!r}"
        if isinstance(guard, rp.NoProgressAfterAdverse) and done.applied:
            during, next_day = rp.pain_bounds(self.case.policy)
            if guard.pain_threshold is not None:
                during = next_day = guard.pain_threshold
            adverse = (
                outcome.pain > during
                or (outcome.next_day_pain or 0) > next_day
                or outcome.balance_losses > 0
                or outcome.form_breakdown
            )
            assert not (adverse and action in _UP), f"stepped up after adverse: {context}"
        day = outcome.day_number
        if isinstance(guard, rp.GapRegress) and before.active and day is not None:
            days = [d.outcome.day_number for d in self.history if d.applied]
            last = next((d for d in reversed(days) if d is not None), None)
            if last is not None and day - last > guard.max_gap_days:
                assert action in (rp.Action.REGRESS, rp.Action.STOP) or (
                    action is rp.Action.HOLD and done.level == stage.first_level
                ), f"no regression after {day - last} days: {context}"
        if (
            isinstance(guard, rp.WeeklyCap)
            and not stage.levels  # the cap leaves listed levels (deliberate plans) alone
            and done.applied
            and day is not None
            and after.stage == before.stage
            and after.active
        ):
            window = [done.level]
            for earlier in reversed(self.history):
                if earlier.decision.state.stage != earlier.before.stage:
                    break  # the client entered this stage then
                when = earlier.outcome.day_number
                if earlier.applied and when is not None and day - 7 < when:
                    window.append(earlier.level)
            allowed = max(min(window) + guard.max_increase_seconds, done.level)
            assert after.level <= allowed, (
                f"{after.level} s is more than {guard.max_increase_seconds} s above "
                f"the lowest bout of the last 7 days ({min(window)} s): {context}"
            )

    @rule(outcome=rt.outcomes(), gap=GAPS)
    def session(self, outcome: rp.SessionOutcome, gap: int | None) -> None:
        """Any session (occasionally with a resume, which an active client ignores)."""
        self._apply(self._dated(outcome, gap))

    @rule(data=st.data(), gap=GAPS)
    def borderline_session(self, data: st.DataObject, gap: int | None) -> None:
        """A session with one finding at or next to one of the policy's thresholds."""
        outcome = data.draw(st.sampled_from(self._borderline()), label="outcome")
        self._apply(self._dated(outcome, gap))

    @rule(clean=st.booleans(), offset=st.integers(-1, 2))
    def session_after_a_gap(self, clean: bool, offset: int) -> None:
        """A session right at, or just after, the longest gap a guard allows."""
        limits = [g.max_gap_days for g in self._guards() if isinstance(g, rp.GapRegress)]
        self.day += max((limits or [14])[0] + offset, 0)
        outcome = rp.SessionOutcome() if clean else rp.SessionOutcome(pain=1)
        self._apply(self._dated(outcome, 0))

    def _guards(self) -> tuple[rp.Guard, ...]:
        policy = self.case.policy
        return policy.guards if isinstance(policy, rp.GuardedPolicy) else ()

    def _borderline(self) -> list[rp.SessionOutcome]:
        """Outcomes with a single finding on either side of each threshold."""
        policy = self.case.policy
        inner = policy.policy if isinstance(policy, rp.GuardedPolicy) else policy
        pains = {policy.pain_threshold, policy.pain_threshold + 1}
        next_day = set()
        rpe = set()
        if isinstance(inner, rp.RulePolicy):
            pains |= {inner.settled_pain, inner.settled_pain + 1, inner.stop_pain - 1}
            pains |= {inner.stop_pain}
            next_day |= {inner.settled_pain, inner.settled_pain + 1, inner.stop_pain}
            rpe |= {inner.rpe_threshold, max(inner.rpe_threshold - 0.5, 0)}
        for guard in self._guards():
            if isinstance(guard, rp.NoProgressAfterAdverse) and guard.pain_threshold is not None:
                pains |= {guard.pain_threshold, guard.pain_threshold + 1}
        bouts = self.case.protocol.stage(self.state.stage).bouts_in(self.state.level)
        found = [rp.SessionOutcome(pain=p) for p in sorted(pains) if 0 < p <= 10]
        found += [
            rp.SessionOutcome(pain=p, next_day_pain=n)
            for p in sorted(pains)
            for n in sorted(next_day)
            if 0 <= p <= 10 and n <= 10
        ]
        found += [rp.SessionOutcome(rpe=r) for r in sorted(rpe)]
        found += [
            rp.SessionOutcome(balance_losses=1),
            rp.SessionOutcome(form_breakdown=True),
            rp.SessionOutcome(dizziness=True),
            rp.SessionOutcome(bouts_completed=bouts - 1),
            rp.SessionOutcome(bouts_completed=bouts),
            rp.SessionOutcome(completed=False),
        ]
        return found

    @rule(n=st.integers(1, 25), gap=st.integers(1, 3))
    def clean_sessions(self, n: int, gap: int) -> None:
        """A run of clean sessions a few days apart, so that clients climb and finish."""
        for _ in range(n):
            self._apply(self._dated(rp.SessionOutcome(), gap))

    @precondition(lambda self: not self.state.active)
    @rule(outcome=rt.outcomes(resume=st.just(True)), gap=GAPS)
    def resume(self, outcome: rp.SessionOutcome, gap: int | None) -> None:
        """A clinician clears a stopped (or finished) client to go on."""
        self._apply(self._dated(outcome, gap))

    @precondition(lambda self: bool(self.history) and self.log[-1].next_day_pain is None)
    @rule(pain=st.integers(0, 10))
    def next_day_pain(self, pain: int) -> None:
        """Next-day pain arrives and amends the last session, which is decided again."""
        outcome = self.history.pop().outcome.amend(next_day_pain=pain)
        self._apply(outcome)

    @rule()
    def replay_matches(self) -> None:
        """Invariant 7: replaying the log gives the step-by-step decisions."""
        replayed = rp.replay(self.case.protocol, self.case.policy, self.log)
        decisions = [done.decision for done in self.history]
        assert replayed == decisions, "replay differs from the step-by-step decisions"

    def teardown(self) -> None:
        if self._case is None:
            return
        self.replay_matches()
        assert rp.loads_log(rp.dumps_log(self.log)) == self.log


def machine(name: str, case: st.SearchStrategy[Case]) -> type[PolicyMachine]:
    """A :class:`PolicyMachine` whose runs draw their case from ``case``."""

    class Machine(PolicyMachine):
        @initialize(case=case)
        def setup(self, case: Case) -> None:
            self._case = case

    Machine.__name__ = Machine.__qualname__ = name
    return Machine


def run(name: str, case: st.SearchStrategy[Case]) -> None:
    # hypothesis.stateful's runner carries no annotations.
    run_state_machine_as_test(  # type: ignore[no-untyped-call,unused-ignore]
        machine(name, case), settings=settings(stateful_step_count=25)
    )


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_keeps_every_invariant(preset: str) -> None:
    run(f"{preset}-machine", cases(rt.policies(preset)))


@pytest.mark.parametrize("guard", GUARD_NAMES)
def test_guard_keeps_every_invariant(guard: str) -> None:
    run(f"{guard}-machine", cases(rt.guarded_policies(guard)))


def test_guard_combinations_keep_every_invariant() -> None:
    run("guarded-machine", cases(rt.guarded_policies()))


# --- what the machines found, each as its smallest example -------------------------------


def _check_log(
    protocol: rp.ProgressionProtocol, policy: rp.RegressionPolicy, log: list[rp.SessionOutcome]
) -> None:
    state = protocol.start()
    for outcome in log:
        decision = policy.decide(protocol, state, outcome)
        check_decision(protocol, policy, state, outcome, decision)
        state = decision.state


def test_balance_losses_allowed_never_lets_a_policy_progress_after_a_loss() -> None:
    # Invariant 1: no progress on a session with a balance loss, even one the
    # policy tolerates (it once progressed 15 s → 30 s after two such sessions).
    policy = rp.load_policy("reference", balance_losses_allowed=1)
    _check_log(BUILTIN, policy, [rp.SessionOutcome(balance_losses=1)] * 2)


def test_staircase_step_never_exceeds_the_stages_step() -> None:
    # Invariant 5: a staircase whose min_step_seconds (20) is above the stage's
    # step (15) once "shrank" its step to 20 s at the first reversal, then climbed 20 s.
    policy = rp.load_policy("staircase", min_step_seconds=20)
    log = [rp.SessionOutcome()] * 9 + [rp.SessionOutcome(dizziness=True)]
    _check_log(BUILTIN, policy, log + [rp.SessionOutcome()] * 3)


def test_staircase_defaults_never_step_more_than_a_fine_grained_stage() -> None:
    # Invariant 5 with the staircase preset's own defaults (min_step_seconds=5): on
    # a stage with 2 s steps the first reversal once set the step to 5 s, so the
    # next step up went 10 s → 15 s.
    stage = rp.Stage(
        "retro-walk",
        base_min_seconds=10,
        base_max_seconds=10,
        min_base_sessions=0,
        step_seconds=2,
        target_seconds=20,
    )
    protocol = rp.StagedProtocol("fine", [stage])
    clean = [rp.SessionOutcome()] * 3
    _check_log(
        protocol, rp.load_policy("staircase"), [*clean, rp.SessionOutcome(dizziness=True), *clean]
    )


def test_no_progress_after_adverse_keeps_a_completed_client_completed() -> None:
    # Invariant 6: a completed client's painful session (no resume) leaves them
    # completed; the guard once turned the absorbed "complete" into an active hold.
    policy = rp.guarded(rp.load_policy("reference"), rp.NoProgressAfterAdverse())
    _check_log(BUILTIN, policy, [rp.SessionOutcome()] * 36 + [rp.SessionOutcome(pain=3)])


def test_weekly_cap_holds_on_a_resume_session() -> None:
    # A stopped client resumes on day 0 at 15 s; with one clean session needed to
    # step up, the resume session itself once progressed 15 s → 30 s, past a cap
    # of 1 s a week, because WeeklyCap skipped every session of an inactive client.
    policy = rp.guarded(
        rp.load_policy("reference", stop_after=1, successes_to_progress=1),
        rp.WeeklyCap(max_increase_seconds=1),
    )
    stopped = policy.decide(BUILTIN, BUILTIN.start(), rp.SessionOutcome(form_breakdown=True))
    assert stopped.action is rp.Action.STOP
    resumed = policy.decide(BUILTIN, stopped.state, rp.SessionOutcome(day=0, resume=True))
    check_decision(BUILTIN, policy, stopped.state, rp.SessionOutcome(day=0, resume=True), resumed)
    assert resumed.state.level <= 15 + 1, resumed.explanation
