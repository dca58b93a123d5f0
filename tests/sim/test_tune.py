"""Tuning: the [tune] table, the safety gate, constraints, common random numbers, resume, outputs.

Small on purpose (tens of clients, a few weeks, a few trials, few Hypothesis
examples in the gate): these test what the tuner does, never the client
model's numbers.
"""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import optuna
import pytest
from click.testing import CliRunner, Result

import retroprog
import retroprog_sim
from retroprog_sim import (
    Experiment,
    ExperimentFileError,
    TuneSpec,
    cli,
    experiment_from_dict,
    load_experiment,
    tune,
    verify_output,
)
from retroprog_sim.comparison import figures
from retroprog_sim.execute import run_specs
from retroprog_sim.present import plots as _plots
from retroprog_sim.tuning import STUDY, study

confirm = importlib.import_module("retroprog_sim.tuning.confirm")

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - depends on the Python version
    import tomli as tomllib

#: Three candidates: each is checked once per process (the gate's verdicts are kept).
SPACE = {"successes_to_progress": [1, 3]}


def small(weeks: int = 6, **tune_changes: Any) -> Experiment:
    """A tiny tuning of the reference policy, in memory."""
    table = {
        "trials": 5,
        "batch": 2,
        "check_examples": 2,
        "confirm_seeds": [101],
        "space": SPACE,
        **tune_changes,
    }
    return experiment_from_dict(
        {"clients": 24, "weeks": weeks, "seeds": [1], "tune": table}, kind="tune"
    )


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli.cli, list(args))


@pytest.fixture(autouse=True)
def no_plots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_plots, "available", lambda: False)  # fast: no plots


# -- the [tune] table --------------------------------------------------------------


def test_every_problem_of_the_table_is_reported_at_once() -> None:
    data = {
        "seeds": [1, 2],
        "tune": {
            "policy": "reference",
            "trials": 0,
            "direction": "up",
            "objective": "happiness",
            "colour": "blue",
            "confirm_seeds": [2, 102, 102],
            "space": {
                "successes_to_progress": [3, 1],
                "no_such_parameter": [1, 2],
                "stop_after": [0, 2],
                "stop_pain": [8, 9],
            },
            "params": {"stop_pain": 9, "stop_after": 0},
            "constraints": {"adverse_events_per_100_sessions": "low", "joy": 1.0},
        },
    }
    with pytest.raises(ExperimentFileError) as caught:
        experiment_from_dict(data, kind="tune")
    keys = {problem.key for problem in caught.value.problems}
    assert keys >= {
        "tune.colour",
        "tune.trials",
        "tune.direction",
        "tune.objective",
        "tune.confirm_seeds",
        "tune.confirm_seeds[1]",
        "tune.space.successes_to_progress",
        "tune.space.no_such_parameter",
        "tune.space.stop_after",
        "tune.space.stop_pain",
        "tune.params.stop_after",
        "tune.constraints.adverse_events_per_100_sessions",
        "tune.constraints.joy",
    }
    message = str(caught.value)
    assert "seed 2 is also a training seed" in message
    assert "has no such parameter" in message


def test_a_value_refused_only_with_another_is_left_to_the_trial() -> None:
    # pain_threshold 0 is below the default settled_pain (2): refused per candidate,
    # not a problem of the file (the issue's own example searches [0, 3])
    experiment = small(space={"pain_threshold": [0, 3]})
    assert experiment.tune is not None
    assert experiment.tune.space["pain_threshold"].kind == "int"


def test_fixed_parameters_may_need_the_searched_ones() -> None:
    # settled_pain 5 is refused with the default pain_threshold (2), not with 5 to 7
    experiment = experiment_from_dict(
        {
            "policies": ["reference"],
            "tune": {
                "params": {"settled_pain": 5, "stop_pain": 9},
                "space": {"pain_threshold": [5, 7]},
            },
        },
        kind="tune",
    )
    assert experiment.tune is not None
    with pytest.raises(ExperimentFileError, match=r"tune\.params\.settled_pain"):
        experiment_from_dict(
            {
                "policies": ["reference"],
                "tune": {"params": {"settled_pain": 5}, "space": {"pain_threshold": [0, 3]}},
            },
            kind="tune",
        )


def test_the_baseline_is_the_tuned_policy_unless_the_file_names_one() -> None:
    experiment = small(params={"stop_after": 3})
    assert [(p.name, p.params) for p in experiment.policies] == [("reference", {"stop_after": 3})]
    with pytest.raises(ExperimentFileError, match="one baseline"):
        experiment_from_dict(
            {"policies": ["reference", "staircase"], "tune": {"space": SPACE}}, kind="tune"
        )
    with pytest.raises(ExperimentFileError, match=r"tune: missing"):
        experiment_from_dict({"policies": ["reference"]}, kind="tune")


def test_a_file_with_a_bad_table_is_one_problem_a_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[tune]\ntrials = -1\nspace = { successes_to_progress = [1, 3] }\n")
    result = invoke("tune", str(path))
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"retroprog: error: {path}: 1 problem in experiment:",
        "  tune.trials (line 2): must be a whole number ≥ 1 and at most 10 000, got -1",
    ]


# -- the safety gate ------------------------------------------------------------------


def test_unsafe_and_refused_candidates_are_recorded_and_never_simulated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    simulated: list[int] = []

    def spying(specs: Any, **kwargs: Any) -> Any:
        simulated.extend(spec.policy.pain_threshold for spec in specs)
        return run_specs(specs, **kwargs)

    monkeypatch.setattr(study, "run_specs", spying)
    # pain_threshold 4 is refused (below settled_pain 5); 6 and 7 declare more pain than
    # the ceiling of 5/10 allows (invariant 1).  The sampler's seed 2 tries all four.
    experiment = experiment_from_dict(
        {
            "clients": 24,
            "weeks": 6,
            "seeds": [1],
            "policies": ["reference"],
            "tune": {
                "seed": 2,
                "trials": 8,
                "batch": 4,
                "check_examples": 2,
                "confirm_seeds": [101],
                "params": {"stop_pain": 9, "settled_pain": 5},
                "space": {"pain_threshold": {"choices": [4, 5, 6, 7]}},
            },
        },
        kind="tune",
    )
    result = tune(experiment)
    for trial in result.trials:
        threshold = trial.params["pain_threshold"]
        if threshold == 4:
            assert trial.status == "refused"
            assert "settled_pain" in trial.reason
        elif threshold > 5:
            assert trial.status == "unsafe"
            assert trial.invariant == 1
            assert "invariant 1" in trial.reason
        else:
            assert trial.simulated
        if not trial.simulated:
            assert trial.figures == {}
            assert trial.objective is None
    assert {t.status for t in result.trials} == {"refused", "feasible", "unsafe"}
    assert set(simulated) == {5}


def test_a_policy_that_is_always_unsafe_is_never_simulated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).parents[2]))

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an unsafe candidate was simulated")

    monkeypatch.setattr(study, "run_specs", never)
    experiment = experiment_from_dict(
        {
            "clients": 10,
            "weeks": 4,
            "seeds": [1],
            "policies": ["reference"],
            "tune": {
                "policy": "tests.sim.unsafe_policies:ignoring_pain",
                "trials": 3,
                "check_examples": 2,
                "confirm_seeds": [101],
                "space": {"successes_to_progress": [1, 3]},
            },
        },
        kind="tune",
    )
    result = tune(experiment)
    assert [t.status for t in result.trials] == ["unsafe"] * 3
    assert result.confirmations == ()
    assert result.best is None
    assert result.confirmed is None


# -- constraints, the objective, common random numbers ---------------------------------


def test_the_best_keeps_every_limit_and_no_feasible_trial_beats_it() -> None:
    # 12 weeks: long enough for successes_to_progress to change what clients go through
    free = tune(small(12, trials=6, confirm_tries=1))
    simulated = [t for t in free.trials if t.simulated]
    rates = sorted({t.figures["adverse_events_per_100_sessions"] for t in simulated})
    assert len(rates) >= 2, "the candidates must differ for a limit to tell them apart"
    cap = (rates[0] + rates[-1]) / 2  # some candidates keep it, some do not
    capped = tune(
        small(12, trials=6, confirm_tries=1, constraints={"adverse_events_per_100_sessions": cap})
    )
    assert [t.params for t in capped.trials] != []
    for trial in capped.trials:
        if trial.simulated:
            keeps = trial.figures["adverse_events_per_100_sessions"] <= cap
            assert trial.status == ("feasible" if keeps else "infeasible")
    assert any(t.status == "infeasible" for t in capped.trials)
    best = capped.best
    assert best is not None
    assert best.figures["adverse_events_per_100_sessions"] <= cap
    feasible = [t for t in capped.trials if t.status == "feasible"]
    assert best.objective == max(t.objective or 0 for t in feasible)


def test_optuna_sees_the_same_constraints(tmp_path: Path) -> None:
    experiment = small(trials=4, constraints={"stop_rate": 0.5, "dropout_rate": 1.0})
    result = tune(experiment, out=tmp_path)
    loaded = optuna.load_study(study_name=result.study, storage=f"sqlite:///{tmp_path / STUDY}")
    for frozen, trial in zip(loaded.get_trials(), result.trials, strict=True):
        feasible = all(value <= 0 for value in frozen.constraints.values())
        assert feasible == (trial.status == "feasible")
        assert set(frozen.constraints) == {"safety", "stop_rate", "dropout_rate"}


def test_every_trial_meets_the_same_clients() -> None:
    experiment = small(trials=6, batch=3)
    result = tune(experiment)
    for trial in result.trials:
        if not trial.simulated:
            continue
        policy = retroprog.load_policy("reference", **trial.params)
        runs = run_specs(study.training_specs(experiment, policy))
        direct = figures(
            [c for run in runs for c in run.clients],
            horizon=runs[0].spec.days,
            stages=["retro-walk"],
        )
        assert json.dumps(direct) == json.dumps(trial.figures)
    again = tune(experiment)
    assert again.trials == result.trials  # the same seeds: the same candidates and figures


def test_a_repeated_candidate_shares_its_first_trial_s_figures() -> None:
    result = tune(small(trials=6))
    first: dict[int, Any] = {}
    for trial in result.trials:
        value = trial.params["successes_to_progress"]
        if value in first:
            assert trial.repeat_of == first[value].number
            assert trial.figures == first[value].figures
        else:
            assert trial.repeat_of is None
            first[value] = trial
    assert any(t.repeat_of is not None for t in result.trials)  # 6 trials, 3 candidates


def test_workers_do_not_change_the_result() -> None:
    from retroprog_sim import executor_for

    experiment = small(trials=4)
    with executor_for(2) as executor:
        parallel = tune(experiment, executor=executor)
    assert parallel.trials == tune(experiment).trials


# -- confirmation ------------------------------------------------------------------------


def test_confirmation_compares_with_the_baseline_on_fresh_clients() -> None:
    result = tune(small(trials=4, constraints={"stop_rate": 1.0}))
    confirmation = result.confirmations[0]
    assert confirmation.trial == result.trials[0] or confirmation.trial.status == "feasible"
    assert {seed for _, seed, *_ in confirmation.groups} == {101}
    (_, _, baseline, tuned, differences) = confirmation.groups[0]
    assert baseline.spec.seed == tuned.spec.seed == 101
    assert [c.client_id for c in baseline.clients] == [c.client_id for c in tuned.clients]
    assert tuned.spec.policy == retroprog.load_policy("reference", **confirmation.trial.params)
    (check,) = confirmation.checks
    assert check.figure == "stop_rate"
    assert check.holds == (check.ci_high <= 1.0)
    assert confirmation.objective.metric == "goal_rate"
    assert differences[0].metric == "goal_rate"


def test_a_candidate_that_fails_confirmation_is_reported_and_the_next_tried(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def too_high(*args: Any, **kwargs: Any) -> dict[str, tuple[float, float]]:
        return {"stop_rate": (0.0, 2.0)}  # every upper bound above the limit

    monkeypatch.setattr(confirm, "figure_cis", too_high)
    result = tune(small(trials=6, confirm_tries=2, constraints={"stop_rate": 1.0}))
    assert len(result.confirmations) == 2
    assert [c.passed for c in result.confirmations] == [False, False]
    assert result.confirmations[0].trial.number != result.confirmations[1].trial.number
    assert result.confirmed is None
    assert result.best is not None  # the best feasible, not confirmed
    retroprog_sim.write_tune(result, tmp_path)
    assert not (tmp_path / "tuned.toml").exists()
    document = json.loads((tmp_path / "tune.json").read_text())
    assert document["confirmation"]["confirmed"] is None
    assert document["best"]["confirmed"] is False


# -- resuming ----------------------------------------------------------------------------


def test_a_study_resumes_and_its_trial_count_continues(tmp_path: Path) -> None:
    first = tune(small(trials=3), out=tmp_path)
    assert first.resumed == 0
    assert [t.number for t in first.trials] == [0, 1, 2]
    more = tune(small(trials=5), out=tmp_path)
    assert more.resumed == 3
    assert [t.number for t in more.trials] == [0, 1, 2, 3, 4]
    assert more.trials[:3] == first.trials


def test_a_stopped_study_asks_its_unfinished_candidates_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def stops_second_time(specs: Any, **kwargs: Any) -> Any:
        calls.append(specs)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return run_specs(specs, **kwargs)

    monkeypatch.setattr(study, "run_specs", stops_second_time)
    experiment = small(trials=6, batch=1)
    with pytest.raises(KeyboardInterrupt):
        tune(experiment, out=tmp_path)
    storage = f"sqlite:///{tmp_path / STUDY}"
    name = study.study_name(experiment, experiment.tune)  # type: ignore[arg-type]
    stopped = optuna.load_study(study_name=name, storage=storage).get_trials()
    running = [t.params for t in stopped if t.state == optuna.trial.TrialState.RUNNING]
    done = [t for t in stopped if t.state == optuna.trial.TrialState.COMPLETE]
    assert running
    monkeypatch.setattr(study, "run_specs", run_specs)
    resumed = tune(experiment, out=tmp_path)
    assert resumed.resumed == len(done)
    assert len(resumed.trials) == 6
    later = [t.params for t in resumed.trials[len(done) :]]
    assert later[: len(running)] == running  # asked again first
    assert [t.number for t in resumed.trials] == sorted(t.number for t in resumed.trials)


def test_ctrl_c_on_the_command_line_says_how_to_continue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    path = tmp_path / "tune.toml"
    path.write_text(TUNE_FILE)
    monkeypatch.setattr(study, "run_specs", interrupted)
    result = invoke("tune", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 130
    assert "trials are saved in" in result.output
    assert "run the same command again" in result.output


# -- outputs -----------------------------------------------------------------------------

TUNE_FILE = textwrap.dedent(
    """
    name = "tiny-tuning"
    clients = 24
    weeks = 6
    seeds = [1]

    [tune]
    trials = 4
    batch = 2
    check_examples = 2
    confirm_seeds = [101]

    [tune.space]
    successes_to_progress = [1, 3]
    pain_threshold = [1, 2]

    [tune.constraints]
    stop_rate = 1.0
    """
)


def test_the_command_writes_tune_json_tuned_toml_and_the_report(tmp_path: Path) -> None:
    path = tmp_path / "tune.toml"
    path.write_text(TUNE_FILE)
    out = tmp_path / "out"
    result = invoke("tune", str(path), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "best feasible candidates" in result.output
    assert "Confirmation on fresh clients" in result.output
    document = json.loads((out / "tune.json").read_text())
    assert set(document) >= {"best", "confirmation", "trials"}
    best = document["best"]
    assert set(best) >= {"params", "objective", "constraints"}
    assert best["constraints"]["stop_rate"]["limit"] == 1.0
    assert len(document["trials"]) == 4
    assert document["confirmation"]["seeds"] == [101]
    tuned = tomllib.loads((out / "tuned.toml").read_text())
    (entry,) = tuned["policies"]
    assert entry["params"] == best["policy"]["params"]
    pasted = experiment_from_dict({"policies": tuned["policies"]})
    assert pasted.policies[0].load() == retroprog.load_policy("reference", **best["params"])
    html = (out / "report.html").read_text()
    for heading in ("Tuning", "Confirmation on fresh clients", "Trials: reference"):
        assert heading in html
    assert verify_output(out)["kind"] == "tune"
    # the same result from Python
    again = tune(load_experiment(path), out=tmp_path / "python")
    from retroprog_sim.present.tuning import tune_document

    from_python = json.loads(json.dumps(tune_document(again)))
    assert from_python["trials"] == document["trials"]
    assert from_python["best"] == best


def test_the_front_plot_marks_the_feasible_front() -> None:
    pytest.importorskip("matplotlib")
    from retroprog_sim.present.tuning import plot_front

    result = tune(small(trials=4, constraints={"adverse_events_per_100_sessions": 100.0}))
    figure = plot_front(result)
    assert figure is not None
    labels = [str(line.get_label()) for line in figure.axes[0].get_lines()]
    assert "feasible front" in labels
    assert any(label.startswith("limit") for label in labels)


def test_spec_round_trips_through_its_plain_form() -> None:
    spec = small().tune
    assert spec is not None
    plain = spec.plain()
    rebuilt = experiment_from_dict({"seeds": [1], "tune": plain}, kind="tune").tune
    assert rebuilt == spec
    assert isinstance(rebuilt, TuneSpec)
