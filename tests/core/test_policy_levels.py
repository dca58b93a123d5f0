"""The policies and guards on levels: the sessions a level needs, the minimum at base before
leaving a stage (issue 11's hole), listed levels, and regressions across stages."""

from __future__ import annotations

import attrs

import retroprog as rp
from retroprog import ClientState, Level, SessionOutcome, Stage, StagedProtocol

REFERENCE = rp.load_policy("reference")
CLEAN = SessionOutcome()
COUCH_TO_5K = rp.load_protocol("couch-to-5k")
assert isinstance(COUCH_TO_5K, StagedProtocol)
ACROSS = attrs.evolve(COUCH_TO_5K, regress_across_stages=True)


def _explanations(
    protocol: rp.ProgressionProtocol,
    log: list[SessionOutcome],
    policy: rp.RegressionPolicy = REFERENCE,
    state: ClientState | None = None,
) -> list[str]:
    return [d.explanation for d in rp.replay(protocol, policy, log, state=state)]


# --- issue 11's hole: the minimum sessions at base before leaving the stage -----------------


def _base_is_target(stages: int) -> StagedProtocol:
    return StagedProtocol(
        "base-is-target",
        [
            Stage(name, base_min_seconds=30, base_max_seconds=30, target_seconds=30,
                  min_base_sessions=5)
            for name in ("retro-walk", "retro-run")[:stages]
        ],
    )  # fmt: skip


def test_a_clean_client_advances_only_after_the_minimum_sessions_at_base() -> None:
    # with 5 required sessions, a clean client once advanced after 2
    explanations = _explanations(_base_is_target(2), [CLEAN] * 5)

    assert explanations == [
        "held at 30 s: 1 of 2 successful sessions in a row",
        "held at 30 s: 2 of 5 sessions at base done",
        "held at 30 s: 3 of 5 sessions at base done",
        "held at 30 s: 4 of 5 sessions at base done",
        "advanced to retro-run at 30 s: 5 successful sessions at the 30 s retro-walk target",
    ]


def test_a_clean_client_completes_only_after_the_minimum_sessions_at_base() -> None:
    decisions = rp.replay(_base_is_target(1), REFERENCE, [CLEAN] * 5)

    assert [d.action.value for d in decisions] == ["hold"] * 4 + ["complete"]
    assert decisions[1].reasons == ("success", "base_sessions")


def test_the_minimum_at_base_holds_on_a_listed_stage_too() -> None:
    stage = Stage("week 1", levels=[Level("run 1 min")], min_base_sessions=3, sessions=1)
    decisions = rp.replay(StagedProtocol("one", [stage]), REFERENCE, [CLEAN] * 3)

    assert [d.explanation for d in decisions] == [
        "held at week 1: 1 of 3 sessions at base done",
        "held at week 1: 2 of 3 sessions at base done",
        "completed one: 3 successful sessions at week 1",
    ]


# --- the sessions a level needs ------------------------------------------------------------


def test_a_level_s_sessions_win_over_the_policy_s_successes_either_way() -> None:
    # couch-to-5k: weeks 1–4 need 3 (the reference policy asks 2), week 5's runs need 1
    state = ClientState("week 4", 1, sessions=9)
    decisions = rp.replay(COUCH_TO_5K, REFERENCE, [CLEAN] * 4, state=state)

    assert [(d.state.stage, d.state.level) for d in decisions] == [
        ("week 4", 1),
        ("week 4", 1),
        ("week 5", 1),
        ("week 5", 2),
    ]


def test_a_generated_stage_may_say_how_many_sessions_each_bout_needs() -> None:
    walk = Stage("retro-walk", min_base_sessions=0, sessions=3)
    decisions = rp.replay(StagedProtocol("p", [walk]), REFERENCE, [CLEAN] * 3)

    assert [d.state.level for d in decisions] == [15, 15, 30]
    assert decisions[1].explanation == "held at 15 s: 2 of 3 successful sessions in a row"


# --- listed levels: explanations name the plan ------------------------------------------------


def test_moving_between_listed_levels_names_the_plan() -> None:
    week_5 = ClientState("week 5", 2, sessions=13)
    log = [SessionOutcome(dizziness=True), CLEAN, SessionOutcome(bouts_completed=3)]

    assert _explanations(COUCH_TO_5K, log, state=week_5) == [
        "regressed to week 5 level 1: walk 5 min, 2 × (run 5 min, walk 3 min), run 5 min; dizzy",
        "progressed to week 5 level 2: walk 5 min, run 8 min, walk 5 min, run 8 min; "
        "1 successful session in a row at week 5 level 1",
        "regressed to week 5 level 1: walk 5 min, 2 × (run 5 min, walk 3 min), run 5 min; "
        "completed 3 of 4 segments",
    ]


def test_a_resume_restarts_a_listed_stage_at_its_first_level() -> None:
    stopped = ClientState("week 6", 3, status=rp.Status.STOPPED, sessions=17)
    resumed = SessionOutcome(resume=True, dizziness=True)
    (decision,) = rp.replay(COUCH_TO_5K, REFERENCE, [resumed], state=stopped)

    assert (decision.action, decision.state.level) == (rp.Action.REGRESS, 1)
    assert decision.explanation == (
        "regressed to week 6 level 1: walk 5 min, run 5 min, walk 3 min, run 8 min, walk 3 min, "
        "run 5 min; resumed at week 6 level 1; dizzy (already the first level)"
    )


def test_the_staircase_climbs_listed_levels_one_at_a_time() -> None:
    staircase = rp.load_policy("staircase")
    state = ClientState("week 5", 1, sessions=12)
    log = [CLEAN, SessionOutcome(rpe=9), CLEAN, CLEAN]
    decisions = rp.replay(COUCH_TO_5K, staircase, log, state=state)

    assert [d.state.level for d in decisions] == [2, 1, 2, 3]
    assert decisions[-1].state.memory["staircase.step"] == 1


# --- regressions across stages ---------------------------------------------------------------


def test_a_regression_at_a_stage_s_first_level_holds_by_default() -> None:
    state = ClientState("week 3", 1, sessions=6)

    assert _explanations(COUCH_TO_5K, [SessionOutcome(pain=3)], state=state) == [
        "held at week 3: pain 3/10 (already the first level)"
    ]


def test_a_protocol_may_send_a_regression_back_to_the_previous_week() -> None:
    state = ClientState("week 3", 1, sessions=6)
    log = [SessionOutcome(pain=3), CLEAN, CLEAN, CLEAN]
    decisions = rp.replay(ACROSS, REFERENCE, log, state=state)

    assert decisions[0].explanation == (
        "regressed to week 2: walk 5 min, 6 × (run 90 s, walk 2 min); "
        "pain 3/10 (back to week 2, the previous stage)"
    )
    assert decisions[0].action is rp.Action.REGRESS
    assert decisions[0].reasons == ("pain", "previous_stage")
    assert decisions[0].state.adverse == 1  # adverse sessions in a row go on counting
    assert [d.state.stage for d in decisions] == ["week 2", "week 2", "week 2", "week 3"]


def test_a_regression_across_stages_lands_on_the_previous_stage_s_last_level() -> None:
    state = ClientState("week 7", 1, sessions=18)
    (decision,) = rp.replay(ACROSS, REFERENCE, [SessionOutcome(dizziness=True)], state=state)

    assert (decision.state.stage, decision.state.level) == ("week 6", 3)
    assert decision.prescription is not None
    assert decision.prescription.plan == "walk 5 min, run 25 min"


def test_the_first_stage_has_nothing_below_it() -> None:
    assert _explanations(ACROSS, [SessionOutcome(dizziness=True)]) == [
        "held at week 1: dizzy (already the first level)"
    ]


def test_a_regression_across_generated_stages_names_the_bout() -> None:
    walk_run = rp.load_protocol("retro-walk-run")
    assert isinstance(walk_run, StagedProtocol)
    protocol = attrs.evolve(walk_run, regress_across_stages=True)
    state = ClientState("retro-run", 15, sessions=20)
    (decision,) = rp.replay(protocol, REFERENCE, [SessionOutcome(completed=False)], state=state)

    assert decision.explanation == (
        "regressed to retro-walk at 120 s: bouts not completed (back to retro-walk, the "
        "previous stage)"
    )
    # the stage was done: its sessions at base count, so the client can climb out again
    assert decision.state.base_sessions == 6
    again = rp.replay(protocol, REFERENCE, [CLEAN, CLEAN], state=decision.state)
    assert again[-1].action is rp.Action.ADVANCE


# --- guards on listed levels ----------------------------------------------------------------


def test_the_weekly_cap_leaves_a_listed_plan_alone() -> None:
    capped = rp.guarded(REFERENCE, rp.WeeklyCap(max_increase_seconds=1))
    log = [SessionOutcome(day=2 * i) for i in range(27)]

    decisions = rp.replay(COUCH_TO_5K, capped, log)

    assert decisions[-1].action is rp.Action.COMPLETE


def test_a_long_gap_steps_down_one_listed_level() -> None:
    gap = rp.guarded(REFERENCE, rp.GapRegress(max_gap_days=14))
    state = ClientState("week 5", 3, sessions=14, last_day=30)
    (decision,) = rp.replay(COUCH_TO_5K, gap, [SessionOutcome(day=60)], state=state)

    assert decision.state.level == 2
    assert decision.explanation == (
        "regressed to week 5 level 2: walk 5 min, run 8 min, walk 5 min, run 8 min; "
        "30 days since the last session (more than 14)"
    )


def test_one_step_cuts_a_skipped_listed_level() -> None:
    class Skipper:
        name = "skipper"
        pain_threshold = 2

        def decide(
            self, protocol: rp.ProgressionProtocol, state: ClientState, outcome: SessionOutcome
        ) -> rp.Decision:
            decision = REFERENCE.decide(protocol, state, outcome)
            if decision.action is not rp.Action.PROGRESS:
                return decision
            after = attrs.evolve(decision.state, level=3)
            return rp.Decision(
                rp.Action.PROGRESS, after, protocol.prescribe(after), ("skip",), "skipped"
            )

    policy = rp.guarded(Skipper(), rp.OneStep())
    (decision,) = rp.replay(COUCH_TO_5K, policy, [CLEAN], state=ClientState("week 5", 1))

    assert decision.state.level == 2
    assert decision.reasons[-1] == "guard_one_step"
    assert decision.explanation.startswith("progressed to week 5 level 2: walk 5 min, run 8 min")
    assert decision.explanation.endswith("one step at a time (the policy asked for week 5 level 3)")


def test_one_step_lets_a_regression_across_stages_through() -> None:
    policy = rp.guarded(REFERENCE, rp.OneStep())
    state = ClientState("week 3", 1, sessions=6)

    (decision,) = rp.replay(ACROSS, policy, [SessionOutcome(pain=3)], state=state)

    assert (decision.state.stage, decision.reasons) == ("week 2", ("pain", "previous_stage"))
