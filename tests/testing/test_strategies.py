"""The public strategies build valid values of the shapes they promise."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

import retroprog as rp
from retroprog import testing as rt

WALK_RUN = rp.load_protocol("retro-walk-run")

#: ``find``'s own budget, without shrinking: a drawn example is enough to show that the
#: strategy reaches a shape (shrinking a drawn protocol took up to a minute under load).
FIRST_FOUND = settings(max_examples=2000, phases=[Phase.explicit, Phase.reuse, Phase.generate])


@given(rt.protocols(), st.data())
def test_states_are_valid_for_their_protocol(
    protocol: rp.StagedProtocol, data: st.DataObject
) -> None:
    state = data.draw(rt.states(protocol))
    stage = protocol.stage(state.stage)

    assert stage.first_level <= state.level <= stage.last_level
    assert state.sessions_at_level <= state.sessions
    assert state.base_sessions <= state.sessions
    # a state beyond base had its minimum sessions there (invariant 3 holds in it)
    if state.level > stage.base_max_level:
        assert state.base_sessions >= min(stage.min_base_sessions, state.sessions)
    rp.load_policy("reference").decide(protocol, state, rp.SessionOutcome())


@given(rt.outcome_logs(min_size=2))
def test_outcome_logs_never_go_back_in_time(log: list[rp.SessionOutcome]) -> None:
    days = [o.day_number for o in log if o.day_number is not None]

    assert days == sorted(days)


def test_outcome_logs_carry_amendments_and_resumes() -> None:
    seen = {"next_day_pain": False, "resume": False}

    @given(rt.outcome_logs(min_size=10))
    def look(log: list[rp.SessionOutcome]) -> None:
        seen["next_day_pain"] |= any(o.next_day_pain is not None for o in log)
        seen["resume"] |= any(o.resume for o in log)

    look()
    assert seen == {"next_day_pain": True, "resume": True}


@given(
    st.sampled_from(["reference", "pain-monitoring", "staircase"]).flatmap(
        lambda name: st.tuples(st.just(name), rt.policy_params(name))
    )
)
def test_policy_params_are_valid_for_their_preset(named: tuple[str, dict[str, object]]) -> None:
    name, params = named
    policy = rp.load_policy(name, **params)

    assert isinstance(policy, rp.RulePolicy)
    assert policy.settled_pain <= policy.pain_threshold < policy.stop_pain
    assert policy.pain_threshold <= rt.PAIN_CEILING


@given(rt.guards())
def test_guards_are_builtin_guards(guard: rp.Guard) -> None:
    assert rp.load_guard(guard.name) is not None
    assert (
        rp.guarded(rp.load_policy("reference"), guard)
        .decide(WALK_RUN, WALK_RUN.start(), rp.SessionOutcome())
        .action
        is rp.Action.HOLD
    )


@given(rt.policies())
def test_policies_are_builtin_presets(policy: rp.RulePolicy) -> None:
    assert policy.name in ("reference", "pain-monitoring", "staircase")


def test_an_unknown_guard_name_is_refused() -> None:
    import pytest

    from retroprog.exceptions import UnknownPluginError

    with pytest.raises(UnknownPluginError, match="unknown guard 'nope'"):
        rt.guards("nope")


@pytest.mark.parametrize(
    "kind",
    [
        "a stage that lists its levels",
        "a level that says how many sessions it needs",
        "a stage that says how many sessions its levels need",
        "a warm-up",
        "a cool-down",
        "a generated stage whose base range is its target, with sessions at base",
        "a protocol that regresses across stages",
        "a listed stage after a generated one",
    ],
)
def test_protocols_draw_every_kind_of_ladder(kind: str) -> None:
    def has(protocol: rp.StagedProtocol) -> bool:
        stages = protocol.stages
        return {
            "a stage that lists its levels": any(s.levels for s in stages),
            "a level that says how many sessions it needs": any(
                level.sessions for s in stages for level in s.levels
            ),
            "a stage that says how many sessions its levels need": any(s.sessions for s in stages),
            "a warm-up": any(s.warmup for s in stages),
            "a cool-down": any(s.cooldown for s in stages),
            "a generated stage whose base range is its target, with sessions at base": any(
                not s.levels and s.base_max_seconds == s.target_seconds and s.min_base_sessions
                for s in stages
            ),
            "a protocol that regresses across stages": protocol.regress_across_stages
            and len(stages) > 1,
            "a listed stage after a generated one": any(
                not a.levels and b.levels for a, b in itertools.pairwise(stages)
            ),
        }[kind]

    assert has(find(rt.protocols(), has, settings=FIRST_FOUND))


@given(rt.plans())
def test_plans_have_work_and_stay_short(plan: tuple[rp.Segment, ...]) -> None:
    assert 1 <= len(plan) <= 60
    assert any(not segment.is_rest for segment in plan)


def test_the_presets_and_guards_drawn_are_the_registrys_builtins() -> None:
    from retroprog.testing import _strategies

    assert _strategies.PRESETS == ("reference", "pain-monitoring", "staircase")
    assert _strategies.GUARD_NAMES == ("no-progress-after-adverse", "one-step", "gap", "weekly-cap")


def test_a_new_preset_is_drawn_without_a_change_to_the_strategies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from retroprog import _presets
    from retroprog.testing import _strategies

    gentle = _presets._preset("gentle", successes_to_progress=4)
    monkeypatch.setitem(_presets.PRESETS, "gentle", gentle)

    assert _strategies._rule_presets() == ("reference", "pain-monitoring", "staircase", "gentle")
