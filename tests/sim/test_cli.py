"""The ``retroprog`` command line: commands, defaults, outputs and one-line errors."""

from __future__ import annotations

import csv
import importlib
import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import EntryPoint, PackageNotFoundError, distribution
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from click.testing import CliRunner, Result

import retroprog
import retroprog_sim
from retroprog import SessionOutcome
from retroprog.exceptions import InvalidValueError
from retroprog_sim.cli import cli, parse_value
from retroprog_sim.cli.progress import ProgressBar as _ProgressBar
from retroprog_sim.present import files as _output
from retroprog_sim.present import plots as _plots

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SUMMARY_KEYS = {
    "clients",
    "sessions",
    "goal_rate",
    "median_days_to_goal",
    "adverse_events_per_100_sessions",
    "stop_rate",
    "dropout_rate",
    "seed",
    "protocol",
    "policy",
    "population",
    "weeks",
    "retroprog_version",
}
SMALL = ["--clients", "30", "--weeks", "4"]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def json_output(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # handled, not a crash
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("retroprog: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


def small_spec(**changes: Any) -> retroprog_sim.RunSpec:
    spec = retroprog_sim.RunSpec(
        retroprog.load_protocol("retro-walk-run"),
        retroprog.load_policy("reference"),
        retroprog_sim.load_population("general"),
        clients=30,
        weeks=4,
    )
    return attrs.evolve(spec, **changes)


# -- values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("3", 3), ("0.5", 0.5), ("true", True), ('"x"', "x"), ("fast", "fast"), ("-2", -2)],
)
def test_parameter_values_are_read_as_toml(text: str, value: object) -> None:
    parsed = parse_value(text)

    assert parsed == value
    assert type(parsed) is type(value)


def test_a_number_too_long_to_read_is_a_clear_error() -> None:
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)  # as PYTHONINTMAXSTRDIGITS=640 would
    try:
        with pytest.raises(InvalidValueError, match="cannot be read"):
            parse_value("1" * 700)
    finally:
        sys.set_int_max_str_digits(limit)


# -- simulate ------------------------------------------------------------------------


def test_simulate_defaults_reach_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[retroprog_sim.RunSpec] = []
    real = retroprog_sim.simulate

    def spy(spec: retroprog_sim.RunSpec, **kwargs: Any) -> retroprog_sim.SimulationResult:
        seen.append(spec)  # run a small copy: the defaults are what is checked
        small = attrs.evolve(spec.settings, clients=20, weeks=2)
        return real(attrs.evolve(spec, settings=small), **kwargs)

    monkeypatch.setattr("retroprog_sim.execute.simulate", spy)

    result = invoke("simulate", "--no-progress")

    assert result.exit_code == 0, result.output
    (spec,) = seen
    assert spec.protocol.name == "retro-walk-run"
    assert spec.policy.name == "reference"
    assert spec.policy == retroprog.load_policy("reference")
    assert spec.population.name == "general"
    assert (spec.clients, spec.weeks, spec.seed) == (1000, 26, 0)
    assert (spec.sessions_per_week, spec.coach_capacity, spec.trace_clients) == (3, None, 0)


def test_simulate_prints_the_summary_table() -> None:
    summary = retroprog_sim.simulate(small_spec()).summary

    result = invoke("simulate", *SMALL)

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "retro-walk-run: reference policy, general population" in out
    for label in (
        "goal rate",
        "median days to goal",
        "adverse events /100 sessions",
        "dropout rate",
    ):
        assert label in out
    assert f"{summary.sessions} ({summary.missed_sessions})" in out
    assert f"{100 * summary.stop_rate:.1f} %" in out
    assert f"{summary.adverse_events_per_100_sessions:.1f}" in out


def test_simulate_json_is_the_summary_of_the_same_run() -> None:
    expected = retroprog_sim.simulate(
        small_spec(policy=retroprog.load_policy("staircase", stop_after=3), seed=7)
    ).summary

    result = invoke(
        "simulate",
        *SMALL,
        "--seed",
        "7",
        "--policy",
        "staircase",
        "--param",
        "stop_after=3",
        "--json",
    )

    document = json_output(result)
    assert document["policy"] == "staircase"
    assert document["policy_settings"]["stop_after"] == 3
    for key, value in expected.as_dict().items():
        assert document[key] == (list(value) if isinstance(value, tuple) else value), key


def test_population_parameters_reach_the_population() -> None:
    result = invoke(
        "simulate",
        *SMALL,
        "--population",
        "athlete",
        "--population-param",
        "heterogeneity=0.5",
        "--json",
    )

    document = json_output(result)
    assert document["population"] == "athlete"
    assert document["population_settings"]["heterogeneity"] == 0.5


def test_json_mode_never_shows_progress() -> None:
    result = invoke("simulate", *SMALL, "--progress", "--json")

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    json.loads(result.stdout)


def test_the_progress_bar_waits_before_it_shows(capsys: pytest.CaptureFixture[str]) -> None:
    with _ProgressBar("simulating", 10, enabled=True, delay=60.0) as quiet:
        quiet(10, 10)  # a run that ends before the delay prints nothing
    with _ProgressBar("simulating", 10, enabled=True, delay=0.0) as shown:
        shown(10, 10)
    with _ProgressBar("simulating", 10, enabled=False, delay=0.0) as disabled:
        disabled(10, 10)

    assert capsys.readouterr().err.count("10/10 clients") == 1


def test_progress_shows_on_stderr_when_asked() -> None:
    result = invoke("simulate", *SMALL, "--progress")

    assert result.exit_code == 0, result.output
    assert "simulating" in result.stderr
    assert "30/30" in result.stderr
    assert "simulating" not in result.stdout


def test_out_writes_summary_clients_and_traces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_plots, "available", lambda: False)  # plots: tested below
    out = tmp_path / "new" / "folder"

    result = invoke("simulate", *SMALL, "--out", str(out), "--trace", "3")

    assert result.exit_code == 0, result.output
    assert f"to {out}" in result.stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary) >= SUMMARY_KEYS
    assert (summary["clients"], summary["weeks"], summary["seed"]) == (30, 4, 0)
    assert summary["retroprog_version"] == retroprog.__version__
    rows = read_csv(out / "clients.csv")
    assert [int(r["client_id"]) for r in rows] == list(range(30))
    assert {"goal_day_retro-walk", "goal_session_retro-walk", "goal_day_retro-run"} <= set(rows[0])
    assert sum(int(r["sessions"]) for r in rows) == summary["sessions"]
    traces = [json.loads(line) for line in (out / "traces.jsonl").read_text().splitlines()]
    assert {t["client"] for t in traces} <= {0, 1, 2}
    assert len(traces) == sum(int(r["sessions"]) for r in rows[:3])
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_out_traces_a_few_clients_by_default(tmp_path: Path) -> None:
    result = invoke("simulate", *SMALL, "--out", str(tmp_path))

    assert result.exit_code == 0, result.output
    traces = [json.loads(line) for line in (tmp_path / "traces.jsonl").read_text().splitlines()]
    sessions = [int(r["sessions"]) for r in read_csv(tmp_path / "clients.csv")]
    assert {t["client"] for t in traces} == {i for i in range(5) if sessions[i]}
    if _plots.available():
        assert (tmp_path / "time_to_goal.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (tmp_path / "bout_length.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- errors --------------------------------------------------------------------------


@pytest.fixture
def logs(tmp_path: Path) -> dict[str, str]:
    bad = tmp_path / "bad.jsonl"
    good = retroprog.to_json(SessionOutcome(pain=1))
    bad.write_text(f"{good}\nnot json\n{good}\n", encoding="utf-8")
    a_file = tmp_path / "a-file"
    a_file.write_text("", encoding="utf-8")
    return {
        "missing": str(tmp_path / "missing.jsonl"),
        "bad": str(bad),
        "dir": str(tmp_path),
        "file": str(a_file),
    }


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["simulate", "--policy", "nope"], ["unknown policy 'nope'", "reference"]),
        (["simulate", "--param", "nope=1"], ["nope", "no such parameter"]),
        (["simulate", "--param", "stop_after=0"], ["stop_after", "got 0"]),
        (["simulate", "--param", "pain_threshold=11"], ["pain_threshold"]),
        (["simulate", "--param", "stop_after"], ["KEY=VALUE"]),
        (["simulate", "--param", "stop_after=2", "--param", "stop_after=3"], ["twice"]),
        (["simulate", "--population", "nope"], ["unknown population 'nope'"]),
        (["simulate", "--population-param", "heterogeneity=-1"], ["heterogeneity"]),
        (["simulate", "--population-param", "nope=1"], ["nope"]),
        (["simulate", "--protocol", "missing.toml"], ["missing.toml"]),
        (["simulate", "--clients", "0"], ["--clients"]),
        (["simulate", "--bogus"], ["--bogus"]),
        (["simulate", "--out", "{file}"], ["--out"]),
        (["compare", "reference"], ["at least two"]),
        (["compare", "reference", "reference"], ["different policies"]),
        (["compare", "reference", "staircase", "--param", "cautious.stop_after=2"], ["cautious"]),
        (["compare", "reference", "nope"], ["unknown policy 'nope'"]),
        (["sweep", "--grid", "stop_after=1,0"], ["stop_after", "got 0"]),
        (["sweep", "--grid", "stop_after=1", "--param", "stop_after=2"], ["both"]),
        (["next", "{missing}"], ["missing.jsonl", "cannot read"]),
        (["next", "{dir}"], ["cannot read"]),
        (["next", "{bad}"], ["bad.jsonl", "line 2"]),
        (["next", "{bad}", "--policy", "nope"], ["unknown policy 'nope'"]),
        (["nope"], ["nope"]),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    args: list[str], fragments: list[str], logs: dict[str, str]
) -> None:
    result = invoke(*(arg.format(**logs) for arg in args))

    assert_one_line_error(result, *(f.format(**logs) for f in fragments))
    assert result.stdout == ""


def test_an_os_error_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> list[Path]:
        raise PermissionError(13, "Permission denied", str(tmp_path / "summary.json"))

    monkeypatch.setattr(_output, "write_outputs", refuse)

    result = invoke("simulate", *SMALL, "--out", str(tmp_path))

    assert_one_line_error(result, "summary.json", "Permission denied")


# -- next ----------------------------------------------------------------------------

LOG = [
    SessionOutcome(day=0),
    SessionOutcome(day=2),
    SessionOutcome(day=4, pain=3, next_day_pain=1),
    SessionOutcome(day=7),
    SessionOutcome(day=9, balance_losses=1),
    SessionOutcome(day=11, rpe=4),
]


@pytest.mark.parametrize(
    ("policy", "params"),
    [("reference", {}), ("pain-monitoring", {}), ("staircase", {"successes_to_progress": 1})],
)
def test_next_gives_the_prescription_of_replay(
    tmp_path: Path, policy: str, params: dict[str, int]
) -> None:
    path = tmp_path / "client.jsonl"
    retroprog.write_log(path, LOG)
    protocol = retroprog.load_protocol("retro-walk-run")
    expected = retroprog.replay(protocol, retroprog.load_policy(policy, **params), LOG)[-1]
    options = [f"--param={k}={v}" for k, v in params.items()]

    document = json_output(invoke("next", str(path), "--policy", policy, *options, "--json"))
    text = invoke("next", str(path), "--policy", policy, *options)

    assert expected.prescription is not None
    assert document["action"] == expected.action.value
    assert document["prescription"] == retroprog.to_dict(expected.prescription)
    assert document["reasons"] == list(expected.reasons)
    assert document["explanation"] == expected.explanation
    assert document["state"] == retroprog.to_dict(expected.state)
    assert text.exit_code == 0
    assert f"next session: {expected.prescription}" in text.stdout
    assert expected.explanation in text.stdout


def test_next_on_an_empty_log_is_the_start(tmp_path: Path) -> None:
    path = tmp_path / "new.jsonl"
    path.write_text("", encoding="utf-8")
    protocol = retroprog.load_protocol("retro-walk-run")
    start = retroprog.start(protocol)

    document = json_output(invoke("next", str(path), "--json"))

    assert document["action"] is None
    assert document["prescription"] == retroprog.to_dict(protocol.prescribe(start))
    assert document["state"] == retroprog.to_dict(start)


def test_next_after_a_stop_has_no_prescription(tmp_path: Path) -> None:
    path = tmp_path / "stopped.jsonl"
    retroprog.write_log(path, [SessionOutcome(pain=8)])

    result = invoke("next", str(path))

    assert result.exit_code == 0, result.output
    assert "next session: none" in result.stdout
    assert "stop" in result.stdout


# -- plugins -------------------------------------------------------------------------


def _plugins() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = json_output(invoke("plugins", "--json"))
    return rows


def test_plugins_lists_the_built_ins() -> None:
    rows = {(r["kind"], r["name"]): r for r in _plugins()}

    for key in [
        ("protocol", "retro-walk-run"),
        ("policy", "reference"),
        ("policy", "pain-monitoring"),
        ("policy", "staircase"),
        ("population", "general"),
        ("population", "athlete"),
    ]:
        assert rows[key]["status"] == "ok", key
    assert rows[("policy", "reference")]["source"] == "built-in"
    table = invoke("plugins")
    assert "pain-monitoring" in table.stdout
    assert "built-in" in table.stdout


def test_plugins_lists_the_example_plugin() -> None:
    try:
        distribution("retroprog-example-plugin")
    except PackageNotFoundError:  # pragma: no cover - depends on the environment
        pytest.skip("the example plug-in (examples/plugin) is not installed")

    rows = {(r["kind"], r["name"]): r for r in _plugins()}

    assert rows[("policy", "cautious")]["source"] == "retroprog-example-plugin"
    assert rows[("policy", "cautious")]["status"] == "ok"
    assert rows[("protocol", "retro-walk-only")]["status"] == "ok"
    population = rows[("population", "older-adults")]
    assert population == {
        "kind": "population",
        "name": "older-adults",
        "source": "retroprog-example-plugin",
        "value": "retroprog_example_plugin.populations:older_adults",
        "status": "ok",
        "error": "",
    }
    table = invoke("plugins").stdout
    assert "cautious" in table
    assert "older-adults" in table


def test_simulate_runs_the_example_plugin_population() -> None:
    try:
        distribution("retroprog-example-plugin")
    except PackageNotFoundError:  # pragma: no cover - depends on the environment
        pytest.skip("the example plug-in (examples/plugin) is not installed")
    population = retroprog_sim.load_population("older-adults", heterogeneity=0.5)
    expected = retroprog_sim.simulate(small_spec(population=population)).summary

    result = invoke(
        "simulate",
        *SMALL,
        "--population",
        "older-adults",
        "--population-param",
        "heterogeneity=0.5",
        "--json",
    )

    document = json_output(result)
    assert document["population"] == "older-adults"
    assert document["population_settings"]["heterogeneity"] == 0.5
    assert document["population_settings"]["parameters"]["walk_tolerance"]["median"] == 25.0
    for key, value in expected.as_dict().items():
        assert document[key] == (list(value) if isinstance(value, tuple) else value), key


POPULATION_MODULE = """\
import attrs

from retroprog_sim import PRESETS

POP = attrs.evolve(PRESETS["general"], name="mine").evolve(walk_tolerance=90.0)


def made(heterogeneity=1.0):
    return attrs.evolve(PRESETS["general"], name="made", heterogeneity=heterogeneity)
"""


@pytest.fixture
def population_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``mymodule.py`` in the current folder, defining a population and a factory."""
    (tmp_path / "mymodule.py").write_text(POPULATION_MODULE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    importlib.invalidate_caches()
    yield "mymodule"
    sys.modules.pop("mymodule", None)


@pytest.mark.usefixtures("population_module")
def test_simulate_takes_a_population_as_module_attr() -> None:
    document = json_output(invoke("simulate", *SMALL, "--population", "mymodule:POP", "--json"))

    assert document["population"] == "mine"
    assert document["population_settings"]["parameters"]["walk_tolerance"]["median"] == 90.0


@pytest.mark.usefixtures("population_module")
def test_a_population_factory_takes_the_population_params() -> None:
    args = ["--population", "mymodule:made", "--population-param", "heterogeneity=0", "--json"]
    document = json_output(invoke("simulate", *SMALL, *args))

    assert document["population"] == "made"
    assert document["population_settings"]["heterogeneity"] == 0


@pytest.mark.usefixtures("population_module")
def test_population_params_for_a_population_object_are_one_line() -> None:
    result = invoke(
        "simulate", *SMALL, "--population", "mymodule:POP", "--population-param", "attendance=1"
    )

    assert_one_line_error(result, "attendance", "(an object, not a factory)")


def test_plugins_reports_a_broken_plugin_and_lists_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import retroprog._registry as registry

    real = registry._entry_points
    broken = EntryPoint("broken", "retroprog_no_such_module:policy", "retroprog.policies")

    def with_broken(group: str) -> list[EntryPoint]:
        return [*real(group), broken] if group == "retroprog.policies" else real(group)

    monkeypatch.setattr(registry, "_entry_points", with_broken)

    result = invoke("plugins")
    rows = {(r["kind"], r["name"]): r for r in _plugins()}

    assert result.exit_code == 0
    assert rows[("policy", "broken")]["status"] == "broken"
    assert "ModuleNotFoundError" in rows[("policy", "broken")]["error"]
    assert rows[("policy", "reference")]["status"] == "ok"
    assert "broken" in result.stdout
    assert "ModuleNotFoundError" in result.stdout


# -- compare and sweep ----------------------------------------------------------------


def test_compare_prints_paired_differences() -> None:
    spec = small_spec()
    expected = retroprog_sim.compare(
        spec, [retroprog.load_policy("reference"), retroprog.load_policy("staircase")]
    )

    text = invoke("compare", "reference", "staircase", *SMALL)
    document = json_output(invoke("compare", "reference", "staircase", *SMALL, "--json"))

    assert text.exit_code == 0, text.output
    assert "staircase − reference, paired on the same clients" in text.stdout
    assert "bootstrap 95 % CI" in text.stdout
    (goal,) = [d for d in expected.differences["staircase"] if d.metric == "goal_rate"]
    assert f"{100 * goal.difference:+.1f} pp" in text.stdout
    (found,) = document["differences"]
    assert (found["population"], found["policy"]) == ("general", "staircase")
    for got, want in zip(found["differences"], expected.differences["staircase"], strict=True):
        assert got["metric"] == want.metric
        for field in ("baseline", "other", "difference", "ci_low", "ci_high"):
            value = getattr(want, field)
            assert got[field] == (None if value != value else value), (want.metric, field)


def test_compare_params_apply_to_all_or_to_one_policy() -> None:
    result = invoke(
        "compare",
        "reference",
        "staircase",
        *SMALL,
        "--param",
        "stop_after=3",
        "--param",
        "staircase.stop_after=1",
        "--param",
        "reference.rpe_threshold=6.5",
        "--json",
    )

    reference, staircase = json_output(result)["runs"]
    assert reference["policy_settings"]["stop_after"] == 3
    assert reference["policy_settings"]["rpe_threshold"] == 6.5
    assert staircase["policy_settings"]["stop_after"] == 1
    assert staircase["policy_settings"]["rpe_threshold"] == 7.0


def test_compare_out_writes_the_experiment_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_plots, "available", lambda: False)  # see test_output.py
    result = invoke(
        "compare", "reference", "pain-monitoring", "staircase", *SMALL, "--out", str(tmp_path)
    )

    assert result.exit_code == 0, result.output
    runs = read_csv(tmp_path / "runs.csv")
    assert [r["policy"] for r in runs] == ["reference", "pain-monitoring", "staircase"]
    rows = read_csv(tmp_path / "differences.csv")
    assert len(rows) == 2 * 6  # two policies against the baseline, six metrics
    assert {r["policy"] for r in rows} == {"pain-monitoring", "staircase"}
    assert {r["baseline_policy"] for r in rows} == {"reference"}
    assert len(list((tmp_path / "cells").iterdir())) == 3
    assert "staircase" in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert f"wrote {len(list(tmp_path.glob('*.*')))} files to {tmp_path}" in result.stdout


def test_sweep_prints_and_writes_one_row_per_cell(tmp_path: Path) -> None:
    result = invoke(
        "sweep",
        "--grid",
        "stop_after=1,3",
        "--grid",
        "successes_to_progress=2,3",
        "--population",
        "general",
        "--population",
        "athlete",
        "--clients",
        "15",
        "--weeks",
        "3",
        "--out",
        str(tmp_path),
    )

    assert result.exit_code == 0, result.output
    rows = read_csv(tmp_path / "runs.csv")
    assert len(rows) == 2 * 2 * 2
    assert list(rows[0])[:5] == [
        "population",
        "seed",
        "policy",
        "stop_after",
        "successes_to_progress",
    ]
    cell = next(r for r in rows if r["stop_after"] == "3" and r["population"] == "athlete")
    expected = retroprog_sim.simulate(
        small_spec(
            clients=15,
            weeks=3,
            population=retroprog_sim.load_population("athlete"),
            policy=retroprog.load_policy(
                "reference", stop_after=3, successes_to_progress=int(cell["successes_to_progress"])
            ),
        )
    ).summary
    assert float(cell["goal_rate_retro-walk"]) == expected.stage_goal_rates["retro-walk"]
    assert int(cell["sessions"]) == expected.sessions
    body = result.stdout.split("─" * 10, 1)[1]
    assert body.count("general") == 4
    assert body.count("athlete") == 4


# -- the real command ---------------------------------------------------------------


def _command() -> list[str]:
    script = shutil.which("retroprog")
    return [script] if script else [sys.executable, "-m", "retroprog_sim"]


def test_the_console_script_runs(tmp_path: Path) -> None:
    out = tmp_path / "tmp"
    env = {**os.environ, "COLUMNS": "100"}

    done = subprocess.run(
        [*_command(), "simulate", *SMALL, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "goal rate" in done.stdout
    assert {"summary.json", "clients.csv", "traces.jsonl"} <= {p.name for p in out.iterdir()}
    assert json.loads((out / "summary.json").read_text())["clients"] == 30


def test_python_m_gives_one_line_errors() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "retroprog_sim", "simulate", "--policy", "nope"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("retroprog: error: unknown policy 'nope'")
    assert len(done.stderr.splitlines()) == 1


def test_every_command_has_help() -> None:
    for command in ("simulate", "compare", "sweep", "plugins", "next"):
        result = invoke(command, "--help")
        assert result.exit_code == 0, command
        assert "Usage: retroprog" in result.stdout
    assert "POLICY.KEY=VALUE" in invoke("compare", "--help").stdout
