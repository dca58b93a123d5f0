"""The safety invariants of DESIGN.md as one check of a single decision."""

from __future__ import annotations

from typing import Any

import retroprog as rp
from retroprog.exceptions import PolicyViolation, UnknownStageError

__all__ = ["check_decision", "decision_problems", "expected_action", "roundtrip_problem"]

_UP = (rp.Action.PROGRESS, rp.Action.ADVANCE, rp.Action.COMPLETE)


def expected_action(before: rp.ClientState, after: rp.ClientState) -> rp.Action:
    """The action that names the change from ``before`` to ``after``."""
    if after.status is rp.Status.STOPPED:
        return rp.Action.STOP
    if after.status is rp.Status.COMPLETED:
        return rp.Action.COMPLETE
    if after.stage != before.stage:
        return rp.Action.ADVANCE
    if after.bout_seconds > before.bout_seconds:
        return rp.Action.PROGRESS
    if after.bout_seconds < before.bout_seconds:
        return rp.Action.REGRESS
    return rp.Action.HOLD


def roundtrip_problem(value: Any) -> str | None:
    """Why ``value`` does not survive ``from_json(to_json(value))`` unchanged, or ``None``."""
    try:
        text = rp.to_json(value)
        back = rp.from_json(text, type(value))
    except Exception as exc:  # any failure is the finding
        return f"{type(value).__name__} does not round-trip through JSON: {exc!r}"
    if back != value:
        return f"{type(value).__name__} changes through JSON: {value!r} became {back!r}"
    return None


def check_decision(
    protocol: rp.ProgressionProtocol,
    policy: rp.RegressionPolicy,
    before_state: rp.ClientState,
    outcome: rp.SessionOutcome,
    decision: rp.Decision,
) -> None:
    """Check one decision against every safety invariant.

    ``decision`` is what ``policy`` decided for ``outcome``, a session done by a
    client in ``before_state`` on ``protocol``.  Checks, by the numbers of
    DESIGN.md's "Safety invariants":

    1. no progress, advance or complete after pain above ``policy.pain_threshold``
       (during the session, or the next day when known), a balance loss, or form
       breakdown;
    2. the bout lies within the bounds of the stage it is in;
    3. no bout above the base range before the stage's minimum sessions at base;
    4. advance only from the stage's target to the next stage's base, complete only
       from the last stage's target;
    5. at most one step (the stage's ``step_seconds``) per decision;
    6. stopped and completed clients stay so unless the outcome records a resume
       (a resume restarts the client's stage at its base);
    7. deciding again, or from JSON copies of the inputs, gives an equal decision,
       and deciding leaves the inputs unchanged;
    8. state, outcome and decision round-trip through JSON unchanged;

    and that the action names the state change, the prescription is the
    protocol's for the new state, and the decision gives reasons and an
    explanation that names the new bout.

    :raises ~retroprog.exceptions.PolicyViolation: naming the lowest-numbered broken
        invariant (0 only when every safety invariant holds but the decision is
        inconsistent) and listing every problem; its ``outcomes`` holds the
        one session ``outcome``.

    >>> import retroprog
    >>> from retroprog.testing import check_decision
    >>> protocol = retroprog.load_protocol("retro-walk-run")
    >>> policy = retroprog.load_policy("reference")
    >>> state, outcome = protocol.start(), retroprog.SessionOutcome(pain=1)
    >>> check_decision(protocol, policy, state, outcome, policy.decide(protocol, state, outcome))
    """
    found = decision_problems(protocol, policy, before_state, outcome, decision)
    if found:
        safety = [number for number, _ in found if number]
        raise PolicyViolation(
            min(safety) if safety else 0,
            outcomes=(outcome,),
            decision=decision,
            state=before_state,
            policy_name=policy.name,
            problems=[f"invariant {n}: {text}" if n else text for n, text in found],
        )


def decision_problems(
    protocol: rp.ProgressionProtocol,
    policy: rp.RegressionPolicy,
    before_state: rp.ClientState,
    outcome: rp.SessionOutcome,
    decision: rp.Decision,
) -> list[tuple[int, str]]:
    """Every problem :func:`check_decision` finds, as (invariant number or 0, sentence)."""
    problems: list[tuple[int, str]] = []

    def add(number: int, text: str) -> None:
        problems.append((number, text))

    before, after = before_state, decision.state
    stage = protocol.stage(before.stage)
    applies = before.active or outcome.resume
    resumed = not before.active and outcome.resume
    # The bout actually done in this session: a resume restarts the stage at base.
    done = stage.base_min_seconds if resumed else before.bout_seconds
    base_sessions = (0 if resumed else before.base_sessions) + (done <= stage.base_max_seconds)
    try:
        after_stage = protocol.stage(after.stage)
    except UnknownStageError:
        add(0, f"the new state is in a stage the protocol lacks: {after.stage!r}")
        after_stage = stage

    # The decision's own consistency.
    action = expected_action(before, after)
    if decision.action is not action:
        add(
            0,
            f"action {decision.action.value!r} does not name the change "
            f"{before.stage}/{before.bout_seconds} s/{before.status} → "
            f"{after.stage}/{after.bout_seconds} s/{after.status} (expected {action.value!r})",
        )
    if decision.prescription != protocol.prescribe(after):
        add(
            0,
            f"prescription {decision.prescription!r} is not the protocol's "
            f"{protocol.prescribe(after)!r} for the new state",
        )
    if not decision.reasons or not all(isinstance(r, str) and r for r in decision.reasons):
        add(0, f"reasons must be non-empty strings, got {decision.reasons!r}")
    if not decision.explanation.strip():
        add(0, "the explanation is empty")
    elif decision.action in (rp.Action.PROGRESS, rp.Action.REGRESS, rp.Action.ADVANCE) and (
        f"{after.bout_seconds} s" not in decision.explanation
    ):
        add(
            0,
            f"the explanation {decision.explanation!r} does not name the new bout "
            f"({after.bout_seconds} s)",
        )

    # 1. No step up after an adverse session.
    if applies and decision.action in _UP:
        adverse = []
        if outcome.pain > policy.pain_threshold:
            adverse.append(f"pain {outcome.pain} > threshold {policy.pain_threshold}")
        if outcome.next_day_pain is not None and outcome.next_day_pain > policy.pain_threshold:
            adverse.append(
                f"next-day pain {outcome.next_day_pain} > threshold {policy.pain_threshold}"
            )
        if outcome.balance_losses:
            adverse.append(f"{outcome.balance_losses} balance loss(es)")
        if outcome.form_breakdown:
            adverse.append("form breakdown")
        if adverse:
            found = ", ".join(adverse)
            add(1, f"{decision.action.value} after an adverse session ({found})")

    # 2. The bout stays inside its stage's bounds.
    if not after_stage.base_min_seconds <= after.bout_seconds <= after_stage.target_seconds:
        add(
            2,
            f"bout {after.bout_seconds} s outside {after_stage.name}'s "
            f"[{after_stage.base_min_seconds}, {after_stage.target_seconds}] s",
        )

    # 3. Not beyond base before the minimum sessions at base.
    if (
        applies
        and after.stage == before.stage
        and after.bout_seconds > stage.base_max_seconds
        and base_sessions < stage.min_base_sessions
    ):
        add(
            3,
            f"bout {after.bout_seconds} s beyond the base range "
            f"(≤ {stage.base_max_seconds} s) after only {base_sessions} of "
            f"{stage.min_base_sessions} sessions at base",
        )

    # 4. Advance and complete only from the target, one stage at a time.
    if after.stage != before.stage:
        following = protocol.next_stage(before.stage)
        if following is None or after.stage != following.name:
            add(
                4,
                f"moved from {before.stage} to {after.stage}, not to the next "
                f"stage ({None if following is None else following.name})",
            )
        elif after.bout_seconds != following.base_min_seconds:
            add(
                4,
                f"entered {after.stage} at {after.bout_seconds} s, not at its base "
                f"({following.base_min_seconds} s)",
            )
        if done < stage.target_seconds:
            add(
                4, f"advanced from {done} s, below {stage.name}'s target ({stage.target_seconds} s)"
            )
    if applies and after.status is rp.Status.COMPLETED:
        if after.stage != before.stage or protocol.next_stage(before.stage) is not None:
            add(4, f"completed from {before.stage}, not the last stage")
        if done < stage.target_seconds:
            add(
                4,
                f"completed from {done} s, below {stage.name}'s target ({stage.target_seconds} s)",
            )

    # 5. At most one step per decision.
    if after.stage == before.stage and abs(after.bout_seconds - done) > stage.step_seconds:
        add(
            5,
            f"bout moved {done} s → {after.bout_seconds} s, more than one step "
            f"({stage.step_seconds} s)",
        )

    # 6. Stopped and completed are absorbing without a resume.
    if not applies and (
        after.status is not before.status
        or after.stage != before.stage
        or after.bout_seconds != before.bout_seconds
    ):
        add(
            6,
            f"a {before.status} client became {after.status} at "
            f"{after.stage}/{after.bout_seconds} s without a resume",
        )

    # 7. Determinism and purity.
    snapshot = (rp.to_json(before), rp.to_json(outcome))
    try:
        again = policy.decide(protocol, before, outcome)
        copied = policy.decide(
            protocol,
            rp.from_json(snapshot[0], rp.ClientState),
            rp.from_json(snapshot[1], rp.SessionOutcome),
        )
    except Exception as exc:  # a crash the second time is a finding too
        add(7, f"deciding again raised {exc!r}")
    else:
        if again != decision:
            add(7, f"deciding again gave {again!r}")
        if copied != decision:
            add(7, f"deciding from JSON copies of the inputs gave {copied!r}")
    if (rp.to_json(before), rp.to_json(outcome)) != snapshot:
        add(7, "deciding changed its inputs")

    # 8. JSON round-trips.
    for value in (before, outcome, decision):  # the decision holds the new state
        problem = roundtrip_problem(value)
        if problem is not None:
            add(8, problem)

    return problems
