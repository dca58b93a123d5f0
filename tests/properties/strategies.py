"""Hypothesis strategies for retroprog's types, policies, guards and session logs.

Every strategy builds only valid values: bad values are the business of the core's
validation tests, not of the properties.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
from hypothesis import strategies as st

import retroprog as rp

#: The built-in policy presets (every one is a :class:`retroprog.RulePolicy`).
PRESETS = ("reference", "pain-monitoring", "staircase")

#: The built-in guards, by name.
GUARD_NAMES = ("no-progress-after-adverse", "one-step", "gap", "weekly-cap")


def _builtin() -> rp.StagedProtocol:
    protocol = rp.load_protocol("retro-walk-run")
    assert isinstance(protocol, rp.StagedProtocol)
    return protocol


#: The article's protocol, shipped with retroprog.
BUILTIN = _builtin()

#: Day 0 when a log keeps calendar dates.
EPOCH = dt.date(2024, 1, 1)

_STAGE_NAMES = ("retro-walk", "retro-run", "retro-skip", "retro-sprint", "retro-hop")


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


# --- stages, prescriptions, protocols ----------------------------------------------------


@st.composite
def stages(draw: st.DrawFn, name: str | None = None) -> rp.Stage:
    """A valid stage: base_min <= base_max <= target, targets on or off the step grid."""
    base_min = draw(st.integers(1, 60))
    base_max = base_min + draw(st.integers(0, 60))
    step = draw(st.integers(1, 60))
    target = base_max + step * draw(st.integers(0, 6)) + draw(st.integers(0, step - 1))
    return rp.Stage(
        name=draw(names()) if name is None else name,
        base_min_seconds=base_min,
        base_max_seconds=base_max,
        min_base_sessions=draw(st.integers(0, 8)),
        step_seconds=step,
        target_seconds=target,
        bouts=draw(st.integers(1, 3)),
        rest_seconds=draw(st.none() | st.integers(0, 180)),
    )


def prescriptions() -> st.SearchStrategy[rp.Prescription]:
    """Any valid prescription."""
    return st.builds(
        rp.Prescription,
        stage=names(),
        bout_seconds=st.integers(1, 10_000),
        bouts=st.integers(1, 10),
        rest_seconds=st.none() | st.integers(0, 600),
    )


@st.composite
def protocols(draw: st.DrawFn, *, any_names: bool = False) -> rp.StagedProtocol:
    """A protocol of 1–3 random valid stages with distinct names."""
    pool = names() if any_names else st.sampled_from(_STAGE_NAMES)
    stage_names = draw(st.lists(pool, min_size=1, max_size=3, unique=True))
    return rp.StagedProtocol(
        name=draw(names()) if any_names else f"random-{len(stage_names)}",
        stages=[draw(stages(name)) for name in stage_names],
        description=draw(st.text(max_size=20)) if any_names else "",
    )


def protocols_or_builtin() -> st.SearchStrategy[rp.StagedProtocol]:
    """The article's protocol or a random one."""
    return st.just(BUILTIN) | protocols()


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
    """Any valid session outcome: a clean session with a few findings drawn in.

    Every field can be drawn, but an outcome changes only 0–``max_findings`` of them, so
    sessions with a single finding (one balance loss, pain 4 and nothing else)
    are common: those are the ones a policy must not mistake for a success.
    ``resume`` is occasional unless a strategy for it is given.  Without ``dated``
    there is no day or date (a log strategy or a state machine sets them in order).
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


def clean_or_any() -> st.SearchStrategy[rp.SessionOutcome]:
    """A clean session half the time, otherwise any session."""
    return st.just(rp.SessionOutcome()) | outcomes()


@st.composite
def logs(draw: st.DrawFn, *, min_size: int = 0, max_size: int = 40) -> list[rp.SessionOutcome]:
    """A session log whose days (or dates) never go backwards.

    A log keeps day numbers, or calendar dates, or neither; sessions with an
    unknown day may appear in between.  Gaps run from 0 days to a month.
    """
    size = draw(st.integers(min_size, max_size))
    kind = draw(st.sampled_from(["day", "date", "none"]))
    day = draw(st.integers(0, 1_000))
    log = []
    for _ in range(size):
        outcome = draw(clean_or_any())
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
    """Any valid client state, memory included (not tied to a protocol)."""
    return st.builds(
        rp.ClientState,
        stage=names(),
        bout_seconds=st.integers(1, 10_000),
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


def decisions() -> st.SearchStrategy[rp.Decision]:
    """Any well-formed decision (not necessarily one a policy would make)."""
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
    """Parameters that override some of ``preset``'s, valid together with the rest.

    ``settled_pain <= pain_threshold < stop_pain``.  Tolerated balance losses
    (``balance_losses_allowed``) still never allow a step up (invariant 1).
    """
    base = preset_defaults(preset)
    chosen = draw(st.sets(st.sampled_from(sorted(base))))
    params: dict[str, Any] = {}

    def current(key: str) -> Any:
        return params.get(key, base[key])

    if "stop_pain" in chosen:
        params["stop_pain"] = draw(st.integers(1, 10))
    if "pain_threshold" in chosen or current("pain_threshold") >= current("stop_pain"):
        params["pain_threshold"] = draw(st.integers(0, min(9, current("stop_pain") - 1)))
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


def guards(name: str) -> st.SearchStrategy[rp.Guard]:
    """The built-in guard called ``name``, with random valid parameters."""
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
    raise ValueError(f"no guard called {name!r}")


@st.composite
def guard_lists(draw: st.DrawFn, *, min_size: int = 1) -> list[rp.Guard]:
    """Distinct built-in guards in a random order."""
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
