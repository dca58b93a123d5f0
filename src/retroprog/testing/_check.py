"""``check_policy``: every safety invariant as a Hypothesis stateful test of one policy."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    get_state_machine_test,
    initialize,
    precondition,
    rule,
)

import retroprog as rp
from retroprog.exceptions import PolicyViolation

from ._invariants import decision_problems
from ._strategies import EPOCH, outcomes

__all__ = ["check_policy"]

#: Days since the previous session; ``None``: the session's day is not known.
_GAPS = st.none() | st.integers(0, 3) | st.integers(0, 30)

_PHASES = [phase for phase in Phase if phase is not Phase.explain]


class _PolicyMachine(RuleBasedStateMachine):
    """Feeds sessions to one policy on one protocol and checks every decision.

    :func:`check_policy` subclasses it with the policy and the protocol.  The
    machine keeps the log from the protocol's start, so a violation carries the
    whole (shrunk) sequence of sessions that led to it.
    """

    protocol: ClassVar[rp.ProgressionProtocol]
    policy: ClassVar[rp.RegressionPolicy]

    def __init__(self) -> None:
        super().__init__()
        self.log: list[rp.SessionOutcome] = []
        self.decisions: list[rp.Decision] = []
        #: sessions at base in the current stage since it was entered or resumed,
        #: after each decision, counted here rather than trusted to the policy's state
        self.base_counts: list[int] = []
        self.dating = "none"
        self.day = 0

    @property
    def state(self) -> rp.ClientState:
        return self.decisions[-1].state if self.decisions else self.protocol.start()

    # --- checking --------------------------------------------------------------------

    def _violation(
        self,
        invariant: int,
        problems: list[str],
        *,
        outcomes: list[rp.SessionOutcome],
        decision: rp.Decision | None,
        state: rp.ClientState,
    ) -> PolicyViolation:
        return PolicyViolation(
            invariant,
            outcomes=outcomes,
            decision=decision,
            state=state,
            policy_name=self.policy.name,
            problems=problems,
        )

    def _apply(self, outcome: rp.SessionOutcome) -> None:
        protocol, policy = self.protocol, self.policy
        before = self.state
        sessions = [*self.log, outcome]
        try:
            decision = policy.decide(protocol, before, outcome)
        except Exception as exc:  # a crash is a finding, not a test error
            raise self._violation(
                0, [f"decide raised {exc!r}"], outcomes=sessions, decision=None, state=before
            ) from exc
        found = decision_problems(protocol, policy, before, outcome, decision)
        count = self._base_count(before, outcome, decision)
        if count is not None and all(number != 3 for number, _ in found):
            found.append(count)
        if found:
            safety = [number for number, _ in found if number]
            raise self._violation(
                min(safety) if safety else 0,
                [f"invariant {n}: {text}" if n else text for n, text in found],
                outcomes=sessions,
                decision=decision,
                state=before,
            )
        self.log.append(outcome)
        self.decisions.append(decision)

    def _base_count(
        self, before: rp.ClientState, outcome: rp.SessionOutcome, decision: rp.Decision
    ) -> tuple[int, str] | None:
        """Invariant 3 with the machine's own count of sessions at base."""
        stage = self.protocol.stage(before.stage)
        applied = before.active or outcome.resume
        count = self.base_counts[-1] if self.base_counts else 0
        bout = before.bout_seconds
        if applied and not before.active:  # resumed: the stage starts over at base
            count, bout = 0, stage.base_min_seconds
        count += applied and bout <= stage.base_max_seconds
        after = decision.state
        self.base_counts.append(0 if after.stage != before.stage else count)
        if (
            applied
            and after.stage == before.stage
            and after.bout_seconds > stage.base_max_seconds
            and count < stage.min_base_sessions
        ):
            self.base_counts.pop()
            return (
                3,
                f"bout {after.bout_seconds} s beyond the base range (≤ {stage.base_max_seconds} s) "
                f"after {count} of {stage.min_base_sessions} sessions at base, counting them "
                f"from the log (the state says {after.base_sessions})",
            )
        return None

    def _dated(self, outcome: rp.SessionOutcome, gap: int | None) -> rp.SessionOutcome:
        if gap is None or self.dating == "none":
            return outcome
        self.day += gap
        if self.dating == "day":
            return outcome.amend(day=self.day)
        return outcome.amend(date=EPOCH + dt.timedelta(days=self.day))

    # --- rules -------------------------------------------------------------------------

    @initialize(dating=st.sampled_from(["day", "none", "date"]))
    def choose_dating(self, dating: str) -> None:
        """Whether sessions carry day numbers, calendar dates, or neither."""
        self.dating = dating

    @rule(outcome=outcomes(), gap=_GAPS)
    def session(self, outcome: rp.SessionOutcome, gap: int | None) -> None:
        """Any session (occasionally with a resume, which an active client ignores)."""
        self._apply(self._dated(outcome, gap))

    @rule(data=st.data(), gap=_GAPS)
    def borderline_session(self, data: st.DataObject, gap: int | None) -> None:
        """A session with one finding at or next to one of the policy's thresholds."""
        outcome = data.draw(st.sampled_from(self._borderline()), label="outcome")
        self._apply(self._dated(outcome, gap))

    @rule(n=st.integers(1, 20), gap=st.integers(1, 3))
    def clean_sessions(self, n: int, gap: int) -> None:
        """A run of clean sessions a few days apart, so that clients climb and finish."""
        for _ in range(n):
            self._apply(self._dated(rp.SessionOutcome(), gap))

    @rule(clean=st.booleans(), gap=st.sampled_from([7, 13, 14, 15, 21, 30, 60]))
    def session_after_a_gap(self, clean: bool, gap: int) -> None:
        """A session after a long gap (detraining, a holiday)."""
        outcome = rp.SessionOutcome() if clean else rp.SessionOutcome(pain=1)
        self._apply(self._dated(outcome, gap))

    @precondition(lambda self: not self.state.active)
    @rule(outcome=outcomes(resume=st.just(True)), gap=_GAPS)
    def resume(self, outcome: rp.SessionOutcome, gap: int | None) -> None:
        """A clinician clears a stopped (or finished) client to go on."""
        self._apply(self._dated(outcome, gap))

    @precondition(lambda self: bool(self.log) and self.log[-1].next_day_pain is None)
    @rule(pain=st.integers(0, 10))
    def next_day_pain(self, pain: int) -> None:
        """Next-day pain arrives and amends the last session, which is decided again."""
        outcome = self.log.pop().amend(next_day_pain=pain)
        self.decisions.pop()
        self.base_counts.pop()
        self._apply(outcome)

    def _borderline(self) -> list[rp.SessionOutcome]:
        """A clean session, and outcomes with one finding either side of the policy's thresholds."""
        threshold = self.policy.pain_threshold
        pains = {threshold, threshold + 1}
        for name in ("settled_pain", "stop_pain"):  # a RulePolicy's other thresholds
            value = getattr(getattr(self.policy, "policy", self.policy), name, None)
            if isinstance(value, int):
                pains |= {value, value + 1}
        pains = {p for p in pains if 0 <= p <= 10}
        bouts = self.protocol.stage(self.state.stage).bouts
        found = [rp.SessionOutcome()]  # first, so that counterexamples shrink to clean sessions
        found += [rp.SessionOutcome(pain=p) for p in sorted(pains)]
        found += [rp.SessionOutcome(next_day_pain=p) for p in sorted(pains)]
        found += [
            rp.SessionOutcome(balance_losses=1),
            rp.SessionOutcome(form_breakdown=True),
            rp.SessionOutcome(dizziness=True),
            rp.SessionOutcome(bouts_completed=max(bouts - 1, 0)),
            rp.SessionOutcome(completed=False),
        ]
        return found

    def teardown(self) -> None:
        """Invariant 7 over the whole log: replaying it gives the step-by-step decisions."""
        if not self.log:
            return
        replayed = rp.replay(self.protocol, self.policy, self.log)
        for i, (again, decision) in enumerate(zip(replayed, self.decisions, strict=True)):
            if again != decision:
                state = self.decisions[i - 1].state if i else self.protocol.start()
                raise self._violation(
                    7,
                    [f"invariant 7: replaying the log gave {again!r}"],
                    outcomes=self.log[: i + 1],
                    decision=decision,
                    state=state,
                )


def check_policy(
    policy: rp.RegressionPolicy,
    protocol: rp.ProgressionProtocol | None = None,
    *,
    max_examples: int = 200,
    stateful_step_count: int = 30,
    seed: int | None = None,
) -> None:
    """Check every safety invariant of ``policy`` with a Hypothesis stateful test.

    A Hypothesis ``RuleBasedStateMachine`` feeds ``policy`` arbitrary
    sequences of sessions on ``protocol``: clean runs, any outcome, sessions at the
    policy's pain threshold, balance losses, form breakdown, resumes after a stop,
    next-day pain amending the last session, long gaps, with day numbers, dates
    or neither.  Every decision is checked with :func:`check_decision`, sessions at
    base are counted from the log rather than trusted to the state, and the whole
    log is replayed (invariant 7).

    ``policy`` may be any object satisfying :class:`~retroprog.RegressionPolicy`:
    a built-in, a guarded policy, or a plug-in.  The run is reproducible: with no
    ``seed`` it is derandomized, and it never reads or writes Hypothesis's example
    database.

    :param policy: the policy under test.
    :param protocol: the protocol it runs on (default: the built-in ``retro-walk-run``).
    :param max_examples: how many session sequences to try.
    :param stateful_step_count: the most steps (rules) per sequence.
    :param seed: a seed for a different (still reproducible) set of sequences.
    :raises ~retroprog.exceptions.PolicyViolation: on the first broken invariant,
        with the shrunk sequence of sessions that breaks it.

    >>> import retroprog
    >>> from retroprog.testing import check_policy
    >>> check_policy(retroprog.load_policy("reference"), max_examples=10)
    """
    chosen = rp.load_protocol("retro-walk-run") if protocol is None else protocol
    machine = type("PolicyMachine", (_PolicyMachine,), {"protocol": chosen, "policy": policy})
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
        raise PolicyViolation(
            found.invariant,
            outcomes=found.outcomes,
            decision=found.decision,
            state=found.state,
            policy_name=found.policy_name,
            problems=found.problems,
        ) from None
