"""Hypothesis strategies for retroprog's types, policies, guards and session logs.

Every strategy builds only valid values: bad values are the business of the core's
validation tests, not of properties.
"""

# No ``from __future__ import annotations``: ``st.composite`` hands on the
# annotations, which must be objects for the API docs to link them.
import datetime as dt
from typing import Any

import attrs
from hypothesis import strategies as st

import retroprog as rp
from retroprog.exceptions import UnknownPluginError

from ._invariants import PAIN_CEILING

__all__ = [
    "ACTIVITIES",
    "BUILTIN_PROTOCOLS",
    "EPOCH",
    "GUARD_NAMES",
    "PRESETS",
    "builtin_protocol",
    "client_states",
    "decisions",
    "guard_lists",
    "guarded_policies",
    "guards",
    "json_values",
    "levels",
    "memories",
    "names",
    "outcome_logs",
    "outcomes",
    "plans",
    "policies",
    "policy_params",
    "prescriptions",
    "preset_defaults",
    "protocols",
    "segments",
    "stages",
    "states",
]


def _builtins(group: str) -> tuple[str, ...]:
    """The names of ``group``'s built-ins, in the registry's order."""
    found = rp.plugins.available(group)
    return tuple(name for name, spec in found.items() if spec.source == "built-in")


def _rule_presets() -> tuple[str, ...]:
    """The built-in policies that are :class:`retroprog.RulePolicy`, in the registry's order."""
    return tuple(
        name
        for name in _builtins(rp.plugins.POLICIES)
        if isinstance(rp.load_policy(name), rp.RulePolicy)
    )


#: The built-in policy presets that are :class:`retroprog.RulePolicy` (all of them, today),
#: from the registry: a new preset is drawn by the property tests without a change here.
PRESETS = _rule_presets()

#: The built-in guards, by name, from the registry.
GUARD_NAMES = _builtins(rp.plugins.GUARDS)

#: Day 0 when a log keeps calendar dates.
EPOCH = dt.date(2024, 1, 1)

_STAGE_NAMES = ("retro-walk", "retro-run", "retro-skip", "retro-sprint", "retro-hop")


#: The protocols shipped with retroprog that the strategies draw.
BUILTIN_PROTOCOLS = ("retro-walk-run", "couch-to-5k", "return-to-run-mtss")


def builtin_protocol(name: str = "retro-walk-run") -> rp.StagedProtocol:
    """A protocol shipped with retroprog (default: the article's, ``retro-walk-run``)."""
    protocol = rp.load_protocol(name)
    assert isinstance(protocol, rp.StagedProtocol)
    return protocol


# --- names and JSON values ---------------------------------------------------------------


def names() -> st.SearchStrategy[str]:
    """Valid names: non-empty, no surrounding white space, any other character."""
    return st.text(min_size=1, max_size=12).filter(lambda s: s.strip() == s)


def json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Values JSON holds exactly: null, booleans, integers, finite floats, text, lists, objects."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(2**53), 2**53)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=8)
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=max_leaves,
    )


def memories() -> st.SearchStrategy[dict[str, Any]]:
    """A policy's memory: JSON values under string names."""
    return st.dictionaries(st.text(max_size=16), json_values(), max_size=4)


# --- session plans ----------------------------------------------------------------------

#: Activities the strategies name segments after (plan text can name each of them).
ACTIVITIES = ("run", "walk", "jog", "retro-walk", "brisk walk", "rest")

_EFFORTS = ("6 mph", "3.5 mph", "easy", "RPE 3/10", "intensity 1-2")


def segments() -> st.SearchStrategy[rp.Segment]:
    """A :class:`~retroprog.Segment` that plan text can name (some of them rest)."""
    return st.builds(
        rp.Segment,
        activity=st.sampled_from(ACTIVITIES),
        seconds=st.sampled_from((30, 60, 90, 120, 150, 180, 300)) | st.integers(1, 3_600),
        effort=st.none() | st.sampled_from(_EFFORTS),
    )


def _repeated(
    inner: st.SearchStrategy[tuple[rp.Segment, ...]],
) -> st.SearchStrategy[tuple[rp.Segment, ...]]:
    units = st.lists(inner, min_size=1, max_size=3).map(lambda parts: sum(parts, ()))
    return st.tuples(st.integers(2, 4), units).map(lambda pair: pair[1] * pair[0])


@st.composite
def plans(draw: st.DrawFn, max_segments: int = 60) -> tuple[rp.Segment, ...]:
    """A session plan: segments with repeats (``8 × (run 60 s, walk 90 s)``), some rest.

    At least one segment is not rest, and there are at most ``max_segments``.
    """
    pieces = st.recursive(segments().map(lambda s: (s,)), _repeated, max_leaves=6)
    plan: tuple[rp.Segment, ...] = sum(draw(st.lists(pieces, min_size=1, max_size=4)), ())
    plan = plan[:max_segments]
    if all(s.is_rest for s in plan):
        plan = (*plan[: max_segments - 1], rp.Segment("walk", draw(st.integers(1, 600))))
    return plan


def levels() -> st.SearchStrategy[rp.Level]:
    """A :class:`~retroprog.Level`: a plan, sometimes with the sessions it needs."""
    return st.builds(rp.Level, segments=plans(), sessions=st.none() | st.integers(1, 3))


def _parts() -> st.SearchStrategy[tuple[rp.Segment, ...]]:
    """A warm-up or cool-down: none, mostly."""
    return _rarely(plans(max_segments=3), ())


# --- stages, prescriptions, protocols ----------------------------------------------------


@st.composite
def stages(draw: st.DrawFn, name: str | None = None, *, listed: bool | None = None) -> rp.Stage:
    """A valid :class:`~retroprog.Stage` (called ``name``, or any name).

    Most generate their levels, with ``base_min <= base_max <= target`` and targets
    on or off the step grid (the base range may reach the target); some list 1–4
    levels of random plans.  Some stages and levels say how many sessions they need,
    some have a warm-up or a cool-down.

    :param listed: only stages that list their levels (``True``) or generate them
        (``False``); either when ``None``.
    """
    stage_name = draw(names()) if name is None else name
    common: dict[str, Any] = {
        "sessions": draw(_rarely(st.integers(1, 3), None)),
        "warmup": draw(_parts()),
        "cooldown": draw(_parts()),
    }
    if listed if listed is not None else draw(_rarely(st.just(True), False)):
        return rp.Stage(
            stage_name,
            levels=draw(st.lists(levels(), min_size=1, max_size=4)),
            min_base_sessions=draw(st.integers(0, 4)),
            **common,
        )
    base_min = draw(st.integers(1, 60))
    base_max = base_min + draw(st.integers(0, 60))
    step = draw(st.integers(1, 60))
    target = base_max + step * draw(st.integers(0, 6)) + draw(st.integers(0, step - 1))
    activity = draw(_rarely(st.sampled_from(ACTIVITIES[:-1]), None))
    if activity is None and stage_name.casefold() == "rest":
        activity = "walk"  # a stage's bouts cannot be rest
    return rp.Stage(
        name=stage_name,
        base_min_seconds=base_min,
        base_max_seconds=base_max,
        min_base_sessions=draw(st.integers(0, 8)),
        step_seconds=step,
        target_seconds=target,
        bouts=draw(st.integers(1, 3)),
        rest_seconds=draw(st.none() | st.integers(0, 180)),
        activity=activity,
        **common,
    )


@st.composite
def prescriptions(draw: st.DrawFn) -> rp.Prescription:
    """Any valid :class:`~retroprog.Prescription`: a simple plan, or any plan."""
    if draw(st.booleans()):
        return rp.Prescription.simple(
            draw(names()),
            draw(st.integers(1, 10_000)),
            draw(st.integers(1, 10)),
            draw(st.none() | st.integers(0, 600)),
        )
    plan = draw(plans())
    warmup = draw(st.integers(0, len(plan) - 1))
    return rp.Prescription(
        draw(names()),
        plan,
        draw(st.none() | st.integers(1, 20)),
        warmup_segments=warmup,
        cooldown_segments=draw(st.integers(0, len(plan) - 1 - warmup)),
    )


@st.composite
def protocols(
    draw: st.DrawFn, *, any_names: bool = False, builtin: bool = False
) -> rp.StagedProtocol:
    """A :class:`~retroprog.StagedProtocol` of 1–3 random valid stages with distinct names.

    Some stages list their levels (see :func:`stages`); some protocols regress
    across stages.

    :param any_names: draw any valid stage and protocol names, a description and
        a source (otherwise stages are named ``retro-walk``, ``retro-run``, …).
    :param builtin: sometimes a built-in protocol (the article's, or Couch to 5K)
        instead of a random one.
    """
    if builtin and draw(st.booleans()):
        return draw(st.sampled_from(BUILTIN_PROTOCOLS).map(builtin_protocol))
    pool = names() if any_names else st.sampled_from(_STAGE_NAMES)
    stage_names = draw(st.lists(pool, min_size=1, max_size=3, unique=True))
    return rp.StagedProtocol(
        name=draw(names()) if any_names else f"random-{len(stage_names)}",
        stages=[draw(stages(name)) for name in stage_names],
        description=draw(st.text(max_size=20)) if any_names else "",
        source=draw(st.text(max_size=20)) if any_names else "",
        regress_across_stages=draw(st.booleans()),
    )


# --- sessions ------------------------------------------------------------------------------


_FINDINGS: dict[str, st.SearchStrategy[Any]] = {
    "completed": st.just(False),
    "bouts_completed": st.integers(0, 4),
    "pain": st.integers(1, 10),
    "balance_losses": st.integers(1, 3),
    "dizziness": st.just(True),
    "form_breakdown": st.just(True),
    "rpe": st.integers(0, 10) | st.floats(0, 10, allow_nan=False, allow_infinity=False),
    "next_day_pain": st.integers(0, 10),
    "resume": st.just(True),
}


@st.composite
def outcomes(
    draw: st.DrawFn,
    *,
    resume: st.SearchStrategy[bool] | None = None,
    dated: bool = False,
    max_findings: int = 3,
) -> rp.SessionOutcome:
    """Any valid :class:`~retroprog.SessionOutcome`: a clean session with a few findings.

    Every field can be drawn, but an outcome changes only 0–``max_findings`` of them,
    so sessions with a single finding (one balance loss, pain 4 and nothing else)
    are common: those are the ones a policy must not mistake for a success.

    :param resume: a strategy for ``resume`` (otherwise an occasional finding).
    :param dated: sometimes give the session a ``day`` or a ``date`` (without it,
        a log strategy or a state machine sets them in order).
    :param max_findings: the most fields that differ from a clean session.
    """
    fields = draw(st.sets(st.sampled_from(sorted(_FINDINGS)), max_size=max_findings))
    values = {name: draw(_FINDINGS[name]) for name in sorted(fields)}
    if resume is not None:
        values["resume"] = draw(resume)
    if dated:
        kind = draw(st.sampled_from(["none", "day", "date"]))
        if kind == "day":
            values["day"] = draw(st.integers(0, 100_000))
        elif kind == "date":
            values["date"] = draw(st.dates())
    return rp.SessionOutcome(**values)


def _rarely(strategy: st.SearchStrategy[Any], default: Any) -> st.SearchStrategy[Any]:
    """``default`` about three times in four, otherwise ``strategy`` (shrinks to ``default``)."""
    return st.integers(0, 3).flatmap(lambda n: strategy if n == 3 else st.just(default))


@st.composite
def outcome_logs(
    draw: st.DrawFn, *, min_size: int = 0, max_size: int = 40
) -> list[rp.SessionOutcome]:
    """A session log in order: days (or dates) never go backwards.

    A log keeps day numbers, or calendar dates, or neither; sessions with an
    unknown day may appear in between.  Gaps run from 0 days to a month.  About
    half the sessions are clean; the others come from :func:`outcomes`, so some
    carry a next-day amendment (``next_day_pain``) or a recorded ``resume``.
    """
    size = draw(st.integers(min_size, max_size))
    kind = draw(st.sampled_from(["day", "date", "none"]))
    day = draw(st.integers(0, 1_000))
    log = []
    for _ in range(size):
        outcome = draw(st.just(rp.SessionOutcome()) | outcomes())
        day += draw(st.integers(0, 3) | st.integers(0, 30))
        if kind != "none" and draw(_rarely(st.just(False), True)):
            if kind == "day":
                outcome = outcome.amend(day=day)
            else:
                outcome = outcome.amend(date=EPOCH + dt.timedelta(days=day))
        log.append(outcome)
    return log


# --- states and decisions ----------------------------------------------------------------


def client_states() -> st.SearchStrategy[rp.ClientState]:
    """Any valid :class:`~retroprog.ClientState`, memory included, tied to no protocol."""
    return st.builds(
        rp.ClientState,
        stage=names(),
        level=st.integers(1, 10_000),
        status=st.sampled_from(rp.Status),
        sessions=st.integers(0, 1_000),
        sessions_at_level=st.integers(0, 100),
        base_sessions=st.integers(0, 100),
        successes=st.integers(0, 100),
        failures=st.integers(0, 100),
        adverse=st.integers(0, 100),
        last_day=st.none() | st.integers(0, 1_000_000),
        memory=memories(),
    )


def states(protocol: rp.ProgressionProtocol | None = None) -> st.SearchStrategy[rp.ClientState]:
    """A :class:`~retroprog.ClientState` a client can be in on ``protocol``.

    In one of its stages, at one of that stage's levels, with counters that
    agree with each other, and an empty memory (which every policy accepts).
    Without a protocol: any valid state, memory included (for JSON properties).
    """
    if protocol is None:
        return client_states()
    return _states_on(protocol)


@st.composite
def _states_on(draw: st.DrawFn, protocol: rp.ProgressionProtocol) -> rp.ClientState:
    stage = draw(st.sampled_from(protocol.stages))
    level = draw(st.integers(stage.first_level, stage.last_level))
    sessions = draw(st.integers(0, 200))
    at_level = draw(st.integers(0, sessions))
    if level > stage.base_max_level:
        base = draw(st.integers(min(stage.min_base_sessions, sessions), sessions))
    else:
        base = draw(st.integers(at_level, sessions))
    successes = draw(st.integers(0, at_level))
    failures = 0 if successes else draw(st.integers(0, at_level))
    return rp.ClientState(
        stage=stage.name,
        level=level,
        status=draw(st.sampled_from(rp.Status)),
        sessions=sessions,
        sessions_at_level=at_level,
        base_sessions=base,
        successes=successes,
        failures=failures,
        adverse=draw(st.integers(0, failures)),
        last_day=draw(st.none() | st.integers(0, 10_000)),
    )


def decisions() -> st.SearchStrategy[rp.Decision]:
    """Any well-formed :class:`~retroprog.Decision` (not necessarily one a policy would make)."""
    return st.builds(
        rp.Decision,
        action=st.sampled_from(rp.Action),
        state=client_states(),
        prescription=st.none() | prescriptions(),
        reasons=st.lists(st.sampled_from(rp.Reason) | st.text(max_size=12), max_size=4).map(tuple),
        explanation=st.text(max_size=60),
    )


# --- policies and guards -----------------------------------------------------------------


def preset_defaults(preset: str) -> dict[str, Any]:
    """A preset's parameters (every field of :class:`retroprog.RulePolicy` but the name)."""
    policy = rp.load_policy(preset)
    assert isinstance(policy, rp.RulePolicy)
    values = attrs.asdict(policy)
    del values["name"]
    return values


@st.composite
def policy_params(draw: st.DrawFn, preset: str) -> dict[str, Any]:
    """Parameters for :func:`~retroprog.load_policy` that override some of ``preset``'s.

    They are valid together with the rest: ``settled_pain <= pain_threshold <
    stop_pain``, and ``pain_threshold`` is at most 5/10, the ceiling
    :func:`~retroprog.testing.check_policy` holds every policy to.  Tolerated
    balance losses (``balance_losses_allowed``) still never allow a step up
    (invariant 1).
    """
    base = preset_defaults(preset)
    chosen = draw(st.sets(st.sampled_from(sorted(base))))
    params: dict[str, Any] = {}

    def current(key: str) -> Any:
        return params.get(key, base[key])

    if "stop_pain" in chosen:
        params["stop_pain"] = draw(st.integers(1, 10))
    if "pain_threshold" in chosen or current("pain_threshold") >= current("stop_pain"):
        params["pain_threshold"] = draw(st.integers(0, min(PAIN_CEILING, current("stop_pain") - 1)))
    if "settled_pain" in chosen or current("settled_pain") > current("pain_threshold"):
        params["settled_pain"] = draw(st.integers(0, current("pain_threshold")))
    if "balance_losses_allowed" in chosen:
        params["balance_losses_allowed"] = draw(st.integers(0, 2))
    if "stop_after" in chosen:
        params["stop_after"] = draw(st.integers(1, 4))
    if "rpe_threshold" in chosen:
        params["rpe_threshold"] = draw(
            st.integers(0, 10) | st.floats(0, 10, allow_nan=False, allow_infinity=False)
        )
    if "successes_to_progress" in chosen:
        params["successes_to_progress"] = draw(st.integers(1, 4))
    if "step_shrink" in chosen:
        params["step_shrink"] = draw(
            st.just(1.0) | st.floats(0.05, 1, allow_nan=False, allow_infinity=False)
        )
    if "min_step_seconds" in chosen:
        params["min_step_seconds"] = draw(st.integers(1, 30))
    return params


@st.composite
def policies(draw: st.DrawFn, preset: str | None = None) -> rp.RulePolicy:
    """A built-in preset (``preset``, or any) with random valid parameters."""
    name = draw(st.sampled_from(PRESETS)) if preset is None else preset
    policy = rp.load_policy(name, **draw(policy_params(name)))
    assert isinstance(policy, rp.RulePolicy)
    return policy


def guards(name: str | None = None) -> st.SearchStrategy[rp.Guard]:
    """The built-in guard called ``name`` (or any built-in guard), with random valid parameters.

    :raises ~retroprog.exceptions.UnknownPluginError: when there is no built-in guard
        called ``name``.
    """
    if name is None:
        return st.sampled_from(GUARD_NAMES).flatmap(guards)
    if name == "no-progress-after-adverse":
        return st.builds(
            rp.NoProgressAfterAdverse,
            pain_threshold=st.none() | st.integers(0, 10),
        )
    if name == "one-step":
        return st.just(rp.OneStep())
    if name == "gap":
        return st.builds(rp.GapRegress, max_gap_days=st.integers(1, 30))
    if name == "weekly-cap":
        return st.builds(rp.WeeklyCap, max_increase_seconds=st.integers(1, 60))
    raise UnknownPluginError("retroprog.guards", name, GUARD_NAMES)


@st.composite
def guard_lists(draw: st.DrawFn, *, min_size: int = 1) -> list[rp.Guard]:
    """Distinct built-in guards, with random valid parameters, in a random order."""
    chosen = draw(st.permutations(GUARD_NAMES))[: draw(st.integers(min_size, len(GUARD_NAMES)))]
    return [draw(guards(name)) for name in chosen]


@st.composite
def guarded_policies(
    draw: st.DrawFn, guard: str | None = None, preset: str | None = None
) -> rp.GuardedPolicy:
    """A preset with random parameters wrapped in ``guard`` (or in a random guard list)."""
    inner = draw(policies(preset))
    wrapping = [draw(guards(guard))] if guard is not None else draw(guard_lists())
    return rp.guarded(inner, *wrapping)
