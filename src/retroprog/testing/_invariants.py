"""The safety invariants of DESIGN.md as one check of a single decision."""

from __future__ import annotations

from typing import Any, TypeVar

import attrs

import retroprog as rp
from retroprog._policy import PAIN_CEILING, capped
from retroprog.exceptions import InvalidValueError, PolicyViolation, UnknownStageError

__all__ = [
    "NONDETERMINISTIC",
    "PAIN_CEILING",
    "PainBounds",
    "base_problems",
    "check_decision",
    "decision_problems",
    "expected_action",
    "inputs_snapshot",
    "leading_invariant",
    "level_names",
    "level_text",
    "names_level",
    "needed_sessions",
    "pain_bounds",
    "policy_name",
    "regresses_across_stages",
    "roundtrip_problem",
    "stage_index",
    "stage_problems",
]

_UP = (rp.Action.PROGRESS, rp.Action.ADVANCE, rp.Action.COMPLETE)


#: Why a policy that decides two ways for the same inputs breaks invariant 7.
NONDETERMINISTIC = (
    "decides differently for the same sessions: it depends on something other than its "
    "inputs (a clock, a global random generator, hidden state)"
)


@attrs.frozen
class PainBounds:
    """The pain a policy declares it tolerates, and what the checks hold it to.

    :ivar threshold: the policy's declared ``pain_threshold``.
    :ivar settled: the policy's declared ``settled_pain``, the highest next-day pain
        that still counts as settled (``None`` when it declares none: then its
        ``pain_threshold`` bounds next-day pain too).
    :ivar ceiling: the absolute ceiling (:data:`PAIN_CEILING` unless a caller changed it).
    """

    threshold: int
    settled: int | None
    ceiling: int

    @property
    def during(self) -> int:
        """The highest pain during a session that still allows a step up."""
        return capped(self.threshold, self.settled, self.ceiling)[0]

    @property
    def next_day(self) -> int:
        """The highest next-day pain that still allows a step up."""
        return capped(self.threshold, self.settled, self.ceiling)[1]

    def declaration_problems(self) -> list[str]:
        """A declared bound above the ceiling, one sentence each (empty when none is)."""
        found = []
        for what, value in (("pain_threshold", self.threshold), ("settled_pain", self.settled)):
            if value is not None and value > self.ceiling:
                found.append(
                    f"invariant 1: the policy declares {what} {value}, above the ceiling "
                    f"of {self.ceiling}/10; a declared threshold never excuses more pain"
                )
        return found


def policy_name(policy: rp.RegressionPolicy) -> str:
    """``policy.name``, or :exc:`~retroprog.exceptions.InvalidValueError` saying why not."""
    try:
        name = policy.name
    except Exception as exc:  # a plug-in's property can raise anything
        raise InvalidValueError(
            "name", type(policy).__name__, f"reading the policy's name raised {_raised(exc)}"
        ) from None
    if type(name) is not str or not name:
        raise InvalidValueError("name", name, "a policy's name must be a non-empty string")
    return name


def pain_bounds(
    policy: rp.RegressionPolicy,
    *,
    pain_ceiling: int = PAIN_CEILING,
    raise_pain_ceiling: bool = False,
) -> PainBounds:
    """The pain bounds that ``policy`` declares, held to ``pain_ceiling``.

    The settled bound is the policy's optional ``settled_pain`` attribute (its
    ``pain_threshold`` when it has none).

    :raises ~retroprog.exceptions.InvalidValueError: the ceiling is not a whole
        number from 0 to 10, or above :data:`PAIN_CEILING` without
        ``raise_pain_ceiling=True``; or the policy's bounds cannot be read or are not
        whole numbers from 0 upwards.
    """
    if type(pain_ceiling) is not int or not 0 <= pain_ceiling <= 10:
        raise InvalidValueError(
            "pain_ceiling", pain_ceiling, "must be a whole number between 0 and 10"
        )
    if pain_ceiling > PAIN_CEILING and raise_pain_ceiling is not True:
        raise InvalidValueError(
            "pain_ceiling",
            pain_ceiling,
            f"above {PAIN_CEILING}/10 (the top of the acceptable zone) needs "
            "raise_pain_ceiling=True",
        )
    threshold = _bound("pain_threshold", _read(policy, "pain_threshold"))
    settled = _read(policy, "settled_pain")  # optional
    return PainBounds(
        threshold=threshold,
        settled=None if settled is None else _bound("settled_pain", settled),
        ceiling=pain_ceiling,
    )


def _read(policy: rp.RegressionPolicy, attribute: str) -> object:
    try:
        return getattr(policy, attribute, None)
    except Exception as exc:  # a plug-in's property can raise anything
        raise InvalidValueError(
            attribute,
            type(policy).__name__,
            f"reading the policy's {attribute} raised {_raised(exc)}",
        ) from None


def _bound(attribute: str, value: object) -> int:
    if type(value) is not int or not 0 <= value <= 10:
        raise InvalidValueError(
            attribute, value, "a policy's pain bound must be a whole number between 0 and 10"
        )
    return value


def _raised(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def inputs_snapshot(state: rp.ClientState, outcome: rp.SessionOutcome) -> tuple[str, str]:
    """A deep copy of a decision's inputs, as JSON, to tell whether deciding changed them."""
    return _json(state), _json(outcome)


_NOT_JSON = "not JSON: "


def _json(value: Any) -> str:
    try:
        return rp.to_json(value)
    except Exception as exc:  # e.g. memory that JSON cannot hold
        return f"{_NOT_JSON}{exc!r}"


def leading_invariant(problems: list[tuple[int, str]]) -> int:
    """The invariant a violation names: the lowest-numbered, or 7 when the decision is unstable.

    A decision that changes when it is decided again cannot be trusted to
    reproduce its other problems, so its nondeterminism leads.
    """
    if any(n == 7 and NONDETERMINISTIC in text for n, text in problems):
        return 7
    safety = [number for number, _ in problems if number]
    return min(safety) if safety else 0


def stage_index(protocol: rp.ProgressionProtocol, name: str) -> int | None:
    """The position of the stage called ``name`` in ``protocol``, or ``None``."""
    for index, stage in enumerate(protocol.stages):
        if stage.name == name:
            return index
    return None


def regresses_across_stages(protocol: rp.ProgressionProtocol) -> bool:
    """Whether ``protocol`` lets a regression at a stage's first level go to the previous stage."""
    try:
        return getattr(protocol, "regress_across_stages", False) is True
    except Exception:  # a plug-in's property can raise anything: then it does not
        return False


def expected_action(
    protocol: rp.ProgressionProtocol, before: rp.ClientState, after: rp.ClientState
) -> rp.Action:
    """The action that names the change from ``before`` to ``after``.

    A move to a later stage is an advance, to an earlier one a regression.
    """
    if after.status is rp.Status.STOPPED:
        return rp.Action.STOP
    if after.status is rp.Status.COMPLETED:
        return rp.Action.COMPLETE
    if after.stage != before.stage:
        was, now = stage_index(protocol, before.stage), stage_index(protocol, after.stage)
        if was is not None and now is not None and now < was:
            return rp.Action.REGRESS
        return rp.Action.ADVANCE
    if after.level > before.level:
        return rp.Action.PROGRESS
    if after.level < before.level:
        return rp.Action.REGRESS
    return rp.Action.HOLD


def level_text(stage: rp.Stage, level: int) -> str:
    """A level as the checks name it: ``45 s``, or ``week 5 level 2``."""
    return f"{level} s" if not stage.levels else stage.level_name(level)


def names_level(stage: rp.Stage, level: int, explanation: str) -> str | None:
    """What an explanation of a move to ``level`` must name: the bout, or the level's plan.

    ``None`` when it does.
    """
    if not stage.levels:
        wanted = f"{level} s"
    elif stage.contains(level):
        wanted = stage.prescription(level).plan
    else:
        return None  # invariant 2 says so
    return None if wanted in explanation else wanted


def level_names(
    protocol: rp.ProgressionProtocol, state: rp.ClientState, decision: rp.Decision | None
) -> tuple[str, str] | None:
    """How a violation names the level before a session and after its decision."""
    try:
        before = level_text(protocol.stage(state.stage), state.level)
        after = state if decision is None else decision.state
        return before, level_text(protocol.stage(after.stage), after.level)
    except Exception:  # a stage the protocol lacks: the violation says so; seconds here
        return None


def needed_sessions(stage: rp.Stage, level: int) -> int:
    """The sessions a client must have done at ``level`` before leaving it upwards.

    The level's (or stage's) declared ``sessions`` (each a success, so at least as
    many sessions), else 1: the session just done.
    """
    needed = stage.sessions_needed(level)
    return 1 if needed is None else needed


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
    *,
    pain_ceiling: int = PAIN_CEILING,
    raise_pain_ceiling: bool = False,
) -> None:
    """Check one decision against every safety invariant.

    ``decision`` is what ``policy`` decided for ``outcome``, a session done by a
    client in ``before_state`` on ``protocol``.  Checks, by the numbers of
    DESIGN.md's "Safety invariants":

    1. no progress, advance or complete after pain during the session above
       ``policy.pain_threshold``, next-day pain (when known) above the policy's
       settled bound (its optional ``settled_pain``, else its ``pain_threshold``),
       pain either way above ``pain_ceiling``, a balance loss, or form breakdown;
    2. the level lies within the ladder of the stage it is in;
    3. no level above the base range, and no advance or completion, before the
       stage's minimum sessions at base;
    4. no step up from a level, advance or completion before the sessions the level
       (or its stage) needs; advance only from the stage's last level to the next
       stage's first, complete only from the last stage's last level; a regression
       to an earlier stage only where the protocol regresses across stages, from
       the stage's first level to the previous stage's last;
    5. at most one step (the stage's :attr:`~retroprog.Stage.step`: its
       ``step_seconds``, or one listed level) per decision;
    6. stopped and completed clients stay so unless the outcome records a resume
       (a resume restarts the client's stage at its base);
    7. deciding again, or from JSON copies of the inputs, gives an equal decision,
       and deciding leaves the inputs unchanged;
    8. state, outcome and decision round-trip through JSON unchanged;

    and that the action names the state change, the prescription is the
    protocol's for the new state, and the decision gives reasons and an
    explanation that names the new level (its bout, or its plan).

    Sessions at base and at the level are the state's counts here;
    :func:`~retroprog.testing.check_policy` counts them from the log instead.

    This checks one decision; :func:`~retroprog.testing.check_policy` also refuses
    a policy whose declared ``pain_threshold`` or ``settled_pain`` is above the
    ceiling, whatever it decides.

    :param pain_ceiling: the absolute ceiling on pain, during the session or the next
        day, after which no policy may step up, whatever it declares: at most
        :data:`PAIN_CEILING` (5/10) unless ``raise_pain_ceiling`` is true.
    :param raise_pain_ceiling: allow a ``pain_ceiling`` above 5/10, the top of the
        acceptable zone (a deliberate choice for a policy outside it).
    :raises ~retroprog.exceptions.PolicyViolation: naming the lowest-numbered broken
        invariant (but 7 when deciding again gives another decision, since the other
        problems may not reproduce; 0 only when every safety invariant holds but the
        decision is inconsistent) and listing every problem; its ``outcomes`` holds
        the one session ``outcome``.
    :raises ~retroprog.exceptions.InvalidValueError: a ``pain_ceiling`` out of range,
        or a policy whose ``name`` or pain bounds cannot be read.

    >>> import retroprog
    >>> from retroprog.testing import check_decision
    >>> protocol = retroprog.load_protocol("retro-walk-run")
    >>> policy = retroprog.load_policy("reference")
    >>> state, outcome = protocol.start(), retroprog.SessionOutcome(pain=1)
    >>> check_decision(protocol, policy, state, outcome, policy.decide(protocol, state, outcome))
    """
    bounds = pain_bounds(policy, pain_ceiling=pain_ceiling, raise_pain_ceiling=raise_pain_ceiling)
    name = policy_name(policy)
    found = decision_problems(protocol, policy, before_state, outcome, decision, bounds=bounds)
    if found:
        raise PolicyViolation(
            leading_invariant(found),
            outcomes=(outcome,),
            decision=decision,
            state=before_state,
            policy_name=name,
            problems=[f"invariant {n}: {text}" if n else text for n, text in found],
            levels=level_names(protocol, before_state, decision),
        )


def decision_problems(
    protocol: rp.ProgressionProtocol,
    policy: rp.RegressionPolicy,
    before_state: rp.ClientState,
    outcome: rp.SessionOutcome,
    decision: rp.Decision,
    *,
    bounds: PainBounds | None = None,
    inputs: tuple[str, str] | None = None,
) -> list[tuple[int, str]]:
    """Every problem :func:`check_decision` finds, as (invariant number or 0, sentence).

    :param bounds: the policy's pain bounds (default: read from it, with the default
        ceiling).
    :param inputs: :func:`inputs_snapshot` of the inputs taken before ``decision``
        was made, to tell whether making it changed them.
    """
    problems: list[tuple[int, str]] = []

    def add(number: int, text: str) -> None:
        problems.append((number, text))

    if bounds is None:
        bounds = pain_bounds(policy)
    before, after = before_state, decision.state

    stage = protocol.stage(before.stage)
    applies = before.active or outcome.resume
    resumed = not before.active and outcome.resume
    # The level actually done in this session: a resume restarts the stage at its first.
    done = stage.first_level if resumed else before.level
    base_sessions = (0 if resumed else before.base_sessions) + (done <= stage.base_max_level)
    at_level = (0 if resumed else before.sessions_at_level) + 1
    try:
        after_stage = protocol.stage(after.stage)
    except UnknownStageError:
        add(0, f"the new state is in a stage the protocol lacks: {after.stage!r}")
        after_stage = stage

    # The decision's own consistency.
    action = expected_action(protocol, before, after)
    if decision.action is not action:
        add(
            0,
            f"action {decision.action.value!r} does not name the change "
            f"{before.stage}/{before.level}/{before.status} → "
            f"{after.stage}/{after.level}/{after.status} (expected {action.value!r})",
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
    elif decision.action in (rp.Action.PROGRESS, rp.Action.REGRESS, rp.Action.ADVANCE):
        missing = names_level(after_stage, after.level, decision.explanation)
        if missing is not None:
            add(
                0,
                f"the explanation {decision.explanation!r} does not name the new level ({missing})",
            )

    # 1. No step up after an adverse session.
    if applies and decision.action in _UP:
        adverse = []
        if outcome.pain > bounds.during:
            adverse.append(f"pain {outcome.pain}/10 above {_during(bounds)}")
        next_day = outcome.next_day_pain
        if next_day is not None and next_day > bounds.next_day:
            adverse.append(f"next-day pain {next_day}/10 above {_settled(bounds)}")
        if outcome.balance_losses:
            adverse.append(f"{outcome.balance_losses} balance loss(es)")
        if outcome.form_breakdown:
            adverse.append("form breakdown")
        if adverse:
            found = ", ".join(adverse)
            add(1, f"{decision.action.value} after an adverse session ({found})")

    # 2. The level stays inside its stage's ladder.
    if not after_stage.contains(after.level):
        if after_stage.levels:
            add(
                2,
                f"level {after.level} outside {after_stage.name}'s levels "
                f"(1 to {after_stage.last_level})",
            )
        else:
            add(
                2,
                f"bout {after.level} s outside {after_stage.name}'s "
                f"[{after_stage.first_level}, {after_stage.last_level}] s",
            )

    # 3. Not beyond base, and not out of the stage, before the minimum sessions at base.
    for text in base_problems(protocol, stage, after, applies=applies, count=base_sessions):
        add(3, text)

    # 4. Move on only after the needed sessions; change stage only to a neighbour.
    for number, text in stage_problems(
        protocol, stage, before, after, applies=applies, done=done, at_level=at_level
    ):
        add(number, text)

    # 5. At most one step per decision.
    if after.stage == before.stage and abs(after.level - done) > stage.step:
        if stage.levels:
            add(5, f"moved from level {done} to level {after.level}, more than one level")
        else:
            add(
                5,
                f"bout moved {done} s → {after.level} s, more than one step "
                f"({stage.step_seconds} s)",
            )

    # 6. Stopped and completed are absorbing without a resume.
    if not applies and (
        after.status is not before.status
        or after.stage != before.stage
        or after.level != before.level
    ):
        add(
            6,
            f"a {before.status} client became {after.status} at "
            f"{after.stage}/{level_text(after_stage, after.level)} without a resume",
        )

    # 7. Determinism and purity: the inputs are copied (deeply) before every call.
    now = inputs_snapshot(before, outcome)
    changed = inputs is not None and now != inputs
    unstable = []
    try:
        again = policy.decide(protocol, before, outcome)
    except Exception as exc:  # a crash the second time is a finding too
        unstable.append(f"deciding again raised {exc!r}")
    else:
        if again != decision:
            unstable.append(f"deciding again gave {again!r}")
    changed = changed or inputs_snapshot(before, outcome) != now
    state_copy, state_problem = _read_back(now[0], before)
    outcome_copy, outcome_problem = _read_back(now[1], outcome)
    if state_copy is not None and outcome_copy is not None:
        try:
            again = policy.decide(protocol, state_copy, outcome_copy)
        except Exception as exc:
            unstable.append(f"deciding from JSON copies of the inputs raised {exc!r}")
        else:
            if again != decision:
                unstable.append(f"deciding from JSON copies of the inputs gave {again!r}")
    if unstable:
        add(7, f"the policy {NONDETERMINISTIC}")
        for text in unstable:
            add(7, text)
    if changed:
        add(7, "deciding changed its inputs (the state, its memory, or the outcome)")

    # 8. JSON round-trips (the inputs' copies above are their round trips).
    for problem in (state_problem, outcome_problem):
        if problem is not None:
            add(8, problem)
    problem = roundtrip_problem(decision)  # the decision holds the new state
    if problem is not None:
        add(8, problem)

    return problems


def base_problems(
    protocol: rp.ProgressionProtocol,
    stage: rp.Stage,
    after: rp.ClientState,
    *,
    applies: bool,
    count: int,
    counted: str = "",
) -> list[str]:
    """Invariant 3 for one decision: ``count`` sessions at base in ``stage``, this one included.

    No level beyond base, no advance and no completion before the stage's minimum.
    ``counted`` says how the count was made, e.g. ``", counting them from the log"``.
    """
    need = stage.min_base_sessions
    if not applies or count >= need:
        return []
    if after.stage == stage.name and after.status is not rp.Status.COMPLETED:
        if after.level > stage.base_max_level:
            return [
                f"{level_text(stage, after.level)} beyond the base range "
                f"(≤ {level_text(stage, stage.base_max_level)}) after only {count} of "
                f"{need} sessions at base{counted}"
            ]
        return []
    if after.status is rp.Status.COMPLETED:
        return [f"completed after only {count} of {need} sessions at base in {stage.name}{counted}"]
    following = protocol.next_stage(stage.name)
    if following is not None and after.stage == following.name:
        return [
            f"advanced to {after.stage} after only {count} of {need} sessions at base "
            f"in {stage.name}{counted}"
        ]
    return []


def stage_problems(
    protocol: rp.ProgressionProtocol,
    stage: rp.Stage,
    before: rp.ClientState,
    after: rp.ClientState,
    *,
    applies: bool,
    done: int,
    at_level: int,
    counted: str = "",
) -> list[tuple[int, str]]:
    """Invariant 4 for one decision: move on only after the needed sessions, to a neighbour.

    ``done`` is the level done in this session and ``at_level`` the sessions done
    there, this one included.  A step up within the stage, an advance or a
    completion needs the level's declared sessions; an advance goes from the last
    level to the next stage's first, a completion from the last stage's last level;
    a move to an earlier stage only where the protocol regresses across stages,
    from the first level to the previous stage's last.
    """
    found: list[tuple[int, str]] = []
    if not applies:
        return found
    following = protocol.next_stage(stage.name)
    was, now = stage_index(protocol, stage.name), stage_index(protocol, after.stage)
    back = was is not None and now is not None and now < was  # to an earlier stage
    moved = after.stage != stage.name
    up = after.status is rp.Status.COMPLETED or (
        after.status is rp.Status.ACTIVE
        and ((moved and not back) or (not moved and after.level > done))
    )
    if moved and not back:
        if following is None or after.stage != following.name:
            found.append(
                (
                    4,
                    f"moved from {stage.name} to {after.stage}, not to the next "
                    f"stage ({None if following is None else following.name})",
                )
            )
        elif after.level != following.first_level:
            found.append(
                (
                    4,
                    f"entered {after.stage} at {level_text(following, after.level)}, not at "
                    f"its first level ({level_text(following, following.first_level)})",
                )
            )
        if done < stage.last_level:
            found.append(
                (
                    4,
                    f"advanced from {level_text(stage, done)}, below {stage.name}'s last "
                    f"level ({level_text(stage, stage.last_level)})",
                )
            )
    elif after.stage != stage.name:  # back to an earlier stage
        previous = protocol.stages[was - 1] if was else None
        if not regresses_across_stages(protocol):
            found.append(
                (
                    4,
                    f"regressed from {stage.name} to {after.stage}: the protocol does not "
                    "regress across stages",
                )
            )
        elif previous is None or after.stage != previous.name:
            found.append(
                (
                    4,
                    f"regressed from {stage.name} to {after.stage}, not to the previous "
                    f"stage ({None if previous is None else previous.name})",
                )
            )
        else:
            if after.level != previous.last_level:
                found.append(
                    (
                        4,
                        f"regressed to {level_text(previous, after.level)} of {previous.name}, "
                        f"not to its last level ({level_text(previous, previous.last_level)})",
                    )
                )
            if done != stage.first_level:
                found.append(
                    (
                        4,
                        f"regressed across stages from {level_text(stage, done)}, not from "
                        f"{stage.name}'s first level ({level_text(stage, stage.first_level)})",
                    )
                )
    if after.status is rp.Status.COMPLETED:
        if after.stage != stage.name or following is not None:
            found.append((4, f"completed from {stage.name}, not the last stage"))
        if done < stage.last_level:
            found.append(
                (
                    4,
                    f"completed from {level_text(stage, done)}, below {stage.name}'s last "
                    f"level ({level_text(stage, stage.last_level)})",
                )
            )
    if up:
        needed = needed_sessions(stage, done) if stage.contains(done) else 1
        if at_level < needed:
            move = (
                "completed"
                if after.status is rp.Status.COMPLETED
                else ("advanced" if after.stage != stage.name else "stepped up")
            )
            found.append(
                (
                    4,
                    f"{move} after {at_level} session(s) at {level_text(stage, done)} of "
                    f"{stage.name}, which needs {needed} successful sessions{counted}",
                )
            )
    return found


def _during(bounds: PainBounds) -> str:
    """The bound on pain during a session, in words."""
    if bounds.threshold > bounds.ceiling:
        return f"the ceiling {bounds.ceiling} (the policy declares {bounds.threshold})"
    return f"the policy's threshold {bounds.threshold}"


def _settled(bounds: PainBounds) -> str:
    """The bound on next-day pain, in words."""
    settled = bounds.settled
    if settled is None or settled > bounds.threshold:
        declared, what = bounds.threshold, "threshold"
    else:
        declared, what = settled, "settled bound"
    if declared > bounds.ceiling:
        return f"the ceiling {bounds.ceiling} (the policy declares {declared})"
    return f"the policy's {what} {declared}"


T = TypeVar("T", rp.ClientState, rp.SessionOutcome)


def _read_back(text: str, value: T) -> tuple[T | None, str | None]:
    """``value`` read back from ``text``, its JSON, or why it does not round-trip."""
    kind = type(value).__name__
    if text.startswith(_NOT_JSON):
        return None, f"{kind} does not round-trip through JSON: {text.removeprefix(_NOT_JSON)}"
    try:
        back = rp.from_json(text, type(value))
    except Exception as exc:  # any failure is the finding
        return None, f"{kind} does not round-trip through JSON: {exc!r}"
    if back != value:
        return None, f"{kind} changes through JSON: {value!r} became {back!r}"
    return back, None
