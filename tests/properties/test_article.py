"""The article as a test: Dalcourt's retro-walk → retro-run progression, figure by figure.

"Start backwards walking at 15–30 s for at least six sessions, build to two minutes,
then do the same running backwards; stop on pain."
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

import retroprog as rp
from retroprog import testing as rt

BUILTIN = rp.load_protocol("retro-walk-run")
PRESETS = ("reference", "pain-monitoring", "staircase")


WALK, RUN = "retro-walk", "retro-run"
HOLD, PROGRESS, ADVANCE, COMPLETE, STOP, REGRESS = (
    rp.Action.HOLD,
    rp.Action.PROGRESS,
    rp.Action.ADVANCE,
    rp.Action.COMPLETE,
    rp.Action.STOP,
    rp.Action.REGRESS,
)

# Two clean sessions in a row step up (reference, pain-monitoring): 15 s twice,
# then 30 s until six sessions at base, then +15 s every second session to 120 s.
TWO_UP = [15, 15, 30, 30, 30, 30, 45, 45, 60, 60, 75, 75, 90, 90, 105, 105, 120, 120]
TWO_UP_ACTIONS = [HOLD, PROGRESS, HOLD, HOLD, HOLD, PROGRESS] + [HOLD, PROGRESS] * 5 + [HOLD]
# Three in a row (the staircase): three sessions at every level.
THREE_UP = [15, 15, 15, 30, 30, 30, 45, 45, 45, 60, 60, 60, 75, 75, 75, 90, 90, 90]
THREE_UP += [105, 105, 105, 120, 120, 120]
THREE_UP_ACTIONS = [HOLD, HOLD, PROGRESS] * 7 + [HOLD, HOLD]

CLEAN_CLIENT = {
    "reference": (TWO_UP, TWO_UP_ACTIONS),
    "pain-monitoring": (TWO_UP, TWO_UP_ACTIONS),
    "staircase": (THREE_UP, THREE_UP_ACTIONS),
}


def _followed(decisions: list[rp.Decision]) -> list[tuple[str, int]]:
    """(stage, bout) of the prescription each session followed, from the first."""
    first = BUILTIN.prescribe(BUILTIN.start())
    assert first is not None
    done = [first]
    for decision in decisions[:-1]:
        assert decision.prescription is not None, decision.explanation
        done.append(decision.prescription)
    bouts = [p.bout_seconds for p in done]
    assert None not in bouts  # the article's plans are simple: one bout
    return [(p.stage, bout) for p, bout in zip(done, bouts, strict=True) if bout is not None]


@pytest.mark.parametrize("preset", PRESETS)
def test_a_clean_client_walks_then_runs_to_two_minutes(preset: str) -> None:
    bouts, actions = CLEAN_CLIENT[preset]
    per_stage = len(bouts)
    policy = rp.load_policy(preset)
    decisions = rp.replay(BUILTIN, policy, [rp.SessionOutcome()] * (2 * per_stage + 3))

    done = _followed(decisions[: 2 * per_stage])
    assert done == [(WALK, b) for b in bouts] + [(RUN, b) for b in bouts]
    assert [d.action for d in decisions[: 2 * per_stage]] == (
        [*actions, ADVANCE, *actions, COMPLETE]
    )
    for stage in (WALK, RUN):
        bouts_in_stage = [b for name, b in done if name == stage]
        # Six sessions at base (15–30 s) before the first longer bout, in each stage.
        assert bouts_in_stage.index(45) == 6
        assert all(b <= 30 for b in bouts_in_stage[:6])
        assert max(bouts_in_stage) == 120
    advance = decisions[per_stage - 1]
    assert advance.state.stage == RUN
    assert advance.state.bout_seconds == 15
    assert advance.prescription == rp.Prescription.simple(RUN, 15, 1)
    assert rp.Reason.TARGET_REACHED in advance.reasons
    complete = decisions[2 * per_stage - 1]
    assert complete.state.status is rp.Status.COMPLETED
    assert (complete.state.stage, complete.state.bout_seconds) == (RUN, 120)
    assert complete.prescription is None
    assert complete.state.sessions == 2 * per_stage
    # Complete is absorbing: more sessions change nothing.
    for after in decisions[2 * per_stage :]:
        assert after.action is COMPLETE
        assert after.state == complete.state
        assert after.prescription is None


@pytest.mark.parametrize("preset", ["reference", "pain-monitoring"])
def test_sessions_at_base_hold_the_bout_at_30_s(preset: str) -> None:
    decisions = rp.replay(BUILTIN, rp.load_policy(preset), [rp.SessionOutcome()] * 6)
    assert [d.state.base_sessions for d in decisions] == [1, 2, 3, 4, 5, 6]
    assert rp.Reason.BASE_SESSIONS in decisions[3].reasons
    assert rp.Reason.BASE_SESSIONS in decisions[4].reasons
    assert decisions[5].state.bout_seconds == 45


@pytest.mark.parametrize("preset", PRESETS)
def test_a_client_whose_every_session_hurts_is_stopped(preset: str) -> None:
    decisions = rp.replay(BUILTIN, rp.load_policy(preset), [rp.SessionOutcome(pain=6)] * 8)
    assert [d.action for d in decisions] == [HOLD, STOP, STOP, STOP, STOP, STOP, STOP, STOP]
    assert [d.state.bout_seconds for d in decisions] == [15] * 8
    assert {rp.Reason.PAIN, rp.Reason.AT_FLOOR} <= set(decisions[0].reasons)
    assert rp.Reason.REPEATED_ADVERSE in decisions[1].reasons
    assert all(rp.Reason.STOPPED in d.reasons for d in decisions[2:])
    assert decisions[-1].state.status is rp.Status.STOPPED
    assert decisions[-1].prescription is None
    assert decisions[-1].state.adverse == 2


@pytest.mark.parametrize("preset", PRESETS)
def test_pain_after_climbing_regresses_then_stops(preset: str) -> None:
    # Pain 6 at 45 s: one step back to 30 s, then stopped at the second in a row.
    clean = 6  # the sixth clean session (at base) steps up to 45 s
    log = [rp.SessionOutcome()] * clean + [rp.SessionOutcome(pain=6)] * 3
    decisions = rp.replay(BUILTIN, rp.load_policy(preset), log)
    assert decisions[clean - 1].state.bout_seconds == 45
    assert [(d.action, d.state.bout_seconds) for d in decisions[clean:]] == [
        (REGRESS, 30),
        (STOP, 30),
        (STOP, 30),
    ]
    assert decisions[clean].explanation == "regressed 45 s → 30 s: pain 6/10"


@given(st.sampled_from(PRESETS).flatmap(rt.policies))
def test_a_clean_client_climbs_the_same_ladder_whatever_the_parameters(
    policy: rp.RulePolicy,
) -> None:
    # k clean sessions in a row step up; at 30 s the client stays until six sessions
    # at base are done (and k in a row); then k sessions at each level to 120 s.
    k = policy.successes_to_progress
    ladder = [15] * k + [30] * max(k, 6 - k)
    ladder += [b for b in range(45, 121, 15) for _ in range(k)]
    decisions = rp.replay(BUILTIN, policy, [rp.SessionOutcome()] * (2 * len(ladder)))
    assert _followed(decisions) == [(WALK, b) for b in ladder] + [(RUN, b) for b in ladder]
    assert decisions[len(ladder) - 1].action is ADVANCE
    assert decisions[-1].action is COMPLETE
    assert all(d.action is not COMPLETE for d in decisions[:-1])


@given(
    st.sampled_from(PRESETS).flatmap(rt.policies),
    st.integers(0, 10),
    st.data(),
)
def test_a_client_in_pain_never_gets_a_longer_bout_and_is_stopped(
    policy: rp.RulePolicy, clean: int, data: st.DataObject
) -> None:
    # After ``clean`` clean sessions (never enough to finish the walk stage), every
    # session hurts: above the policy's threshold.
    pain = data.draw(st.integers(policy.pain_threshold + 1, 10), label="pain")
    log = [rp.SessionOutcome()] * clean + [rp.SessionOutcome(pain=pain)] * 6
    decisions = rp.replay(BUILTIN, policy, log)
    hurting = decisions[clean:]
    bouts = [decisions[clean - 1].state.bout_seconds if clean else 15]
    bouts += [d.state.bout_seconds for d in hurting]
    assert all(later <= earlier for earlier, later in itertools.pairwise(bouts))
    until_stop = 1 if pain >= policy.stop_pain else policy.stop_after
    assert until_stop <= len(hurting)
    assert [d.action is STOP for d in hurting] == [i >= until_stop - 1 for i in range(6)]
    assert all(d.action in (REGRESS, HOLD) for d in hurting[: until_stop - 1])
    assert all(d.prescription is None for d in hurting[until_stop - 1 :])
