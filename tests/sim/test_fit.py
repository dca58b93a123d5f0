"""``retroprog fit``: a population fitted to session logs, and the model check."""

from __future__ import annotations

import json
import math
from random import Random
from typing import TYPE_CHECKING

import attrs
import numpy as np
import pytest
from click.testing import CliRunner

import retroprog as rp
from retroprog_sim import load_population
from retroprog_sim.cli import cli
from retroprog_sim.fit import LogsError, fit_population
from retroprog_sim.fit.block import sessions_block
from retroprog_sim.fit.check import check_fit, plausible_population
from retroprog_sim.model import core
from retroprog_sim.model.likelihood import replayed, sessions_log_likelihood
from retroprog_sim.model.population import PresetPopulation

if TYPE_CHECKING:
    from pathlib import Path

PROTOCOL, POLICY = "retro-walk-run", "reference"


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 clients of ``deconditioned`` over 16 weeks, with their truth."""
    folder = tmp_path_factory.mktemp("fit") / "logs"
    args = ["simulate", "--population", "deconditioned", "--clients", "120", "--seed", "1"]
    result = CliRunner().invoke(cli, [*args, "--logs", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def test_the_block_likelihood_equals_each_clients(logs: Path) -> None:
    protocol, policy = rp.load_protocol(PROTOCOL), rp.load_policy(POLICY)
    steps = [replayed(protocol, policy, rp.read_log(p)) for p in sorted(logs.glob("client-*"))[:8]]
    population = load_population("general")
    assert isinstance(population, PresetPopulation)
    rng = Random(5)
    draws = [[population.params(rng) for _ in range(6)] for _ in steps]
    block = core.block([p for row in draws for p in row])
    params = type(block)(**{k: v.reshape(len(steps), 6) for k, v in vars(block).items()})

    together = sessions_block(params, steps)

    one_by_one = np.array(
        [[sessions_log_likelihood(p, s) for p in row] for row, s in zip(draws, steps, strict=True)]
    )
    assert np.all(np.isfinite(together))
    np.testing.assert_allclose(together, one_by_one, rtol=1e-10)


def test_a_small_fit_recovers_the_true_population_within_its_intervals(logs: Path) -> None:
    # a light prior (2 clients), so that the intervals are about the logs, not the shrinkage
    result = fit_population(
        [logs], protocol=PROTOCOL, policy=POLICY, prior="general", weight=2.0, draws=128
    )

    truth = load_population("deconditioned")
    assert isinstance(truth, PresetPopulation)
    fitted = {(p.name, p.part): p for p in result.parameters}
    # what 120 clients' logs tell well: starting tolerances, attendance, balance
    for name in ("walk_tolerance", "run_tolerance", "attendance", "balance_risk"):
        p = fitted[(name, "median")]
        assert p.status == "fitted", p
        assert p.low is not None
        assert p.high is not None
        assert p.low <= truth.parameters[name].median <= p.high, p
    # and each is nearer the truth than the prior it started from
    for name in ("walk_tolerance", "run_tolerance"):
        p = fitted[(name, "median")]
        assert abs(math.log(p.estimate / truth.parameters[name].median)) < abs(
            math.log(p.prior / truth.parameters[name].median)
        )
    assert result.preset_log_likelihoods["deconditioned"] > result.preset_log_likelihoods["athlete"]
    assert result.log_likelihood > max(result.preset_log_likelihoods.values())


def test_a_fit_on_few_clients_stays_near_the_prior(logs: Path) -> None:
    files = sorted(logs.glob("client-*"))[:3]
    result = fit_population(files, protocol=PROTOCOL, policy=POLICY, prior="general", draws=64)

    kept = [p for p in result.parameters if p.status.startswith("kept")]
    assert kept  # three clients cannot tell everything
    for p in kept:
        assert p.estimate == p.prior
    # what the logs barely touch stays near the prior (shrinkage as 10 clients like
    # these: three quarters of the way back), and its interval says it is not known
    ceiling = {(p.name, p.part): p for p in result.parameters}[("walk_ceiling", "median")]
    assert abs(math.log(ceiling.estimate / 240.0)) < 0.25
    assert ceiling.low is None or ceiling.low <= 240.0 <= (ceiling.high or 0.0)


def test_logs_that_do_not_replay_are_named_by_file_and_line(tmp_path: Path, logs: Path) -> None:
    good = sorted(logs.glob("client-*"))[:4]
    folder = tmp_path / "clinic"
    folder.mkdir()
    for path in good:
        (folder / path.name).write_text(path.read_text())
    (folder / "broken.jsonl").write_text('{"schema": 2, "type": "SessionOutcome", "pain": 2.5}\n')
    lines = (folder / good[0].name).read_text().splitlines()
    undated = json.loads(lines[1])
    undated["day"] = None
    (folder / "undated.jsonl").write_text("\n".join([lines[0], json.dumps(undated)]) + "\n")

    with pytest.raises(LogsError) as info:
        fit_population([folder], protocol=PROTOCOL, policy=POLICY, draws=16, rounds=1)

    message = str(info.value)
    assert "broken.jsonl: line 1: pain" in message
    assert "undated.jsonl: line 2" in message
    skipped = fit_population(
        [folder], protocol=PROTOCOL, policy=POLICY, draws=16, rounds=1, skip_bad=True
    )
    assert skipped.logs.clients == 4
    assert {p.split("/")[-1] for p, _ in skipped.skipped} == {"broken.jsonl", "undated.jsonl"}


def test_the_cli_writes_an_ordinary_population_and_a_report(tmp_path: Path, logs: Path) -> None:
    out = tmp_path / "clinic.toml"
    files = [str(p) for p in sorted(logs.glob("client-*"))[:24]]
    result = CliRunner().invoke(
        cli, ["fit", *files, "--out", str(out), "--replicates", "2", "--prior", "deconditioned"]
    )

    assert result.exit_code == 0, result.output
    assert "24 clients' logs" in result.stdout
    html = (tmp_path / "clinic-report" / "report.html").read_text()
    for shown_text in ("Does it fit?", "deconditioned", "data:image/png"):
        assert shown_text in html
    # the fitted file loads as any population, by path and in an experiment file
    population = load_population(str(out))
    assert isinstance(population, PresetPopulation)
    assert population.name == "clinic"
    assert "fitted to 24 clients' logs" in str(population.parameters["walk_tolerance"].source)
    experiment = tmp_path / "experiment.toml"
    experiment.write_text(
        'name = "x"\nclients = 20\nweeks = 2\npopulations = ["clinic.toml"]\n'
        '[[policies]]\nname = "reference"\n[[policies]]\nname = "staircase"\n'
    )
    shown = CliRunner().invoke(cli, ["compare", str(experiment), "--json"])
    assert shown.exit_code == 0, shown.output
    assert '"population": "clinic"' in shown.stdout


def test_the_cli_reports_a_bad_log_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")

    result = CliRunner().invoke(cli, ["fit", str(bad), "--out", str(tmp_path / "x.toml")])

    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "bad.jsonl: line 1" in result.output
    assert not (tmp_path / "x.toml").exists()


def test_the_model_check_finds_the_truth_consistent_with_its_own_logs(logs: Path) -> None:
    result = fit_population(
        [logs], protocol=PROTOCOL, policy=POLICY, draws=16, rounds=1
    )  # only its logs
    truth = load_population("deconditioned")
    assert isinstance(truth, PresetPopulation)
    as_truth = attrs.evolve(result, population=truth, parameters=())  # nothing to draw

    # The bands are 95 % ranges of 20 replicates: a true model's logs fall outside one of
    # the five now and then (at seeds 1-8 of these logs, 4 or 5 fit, but 3 at seed 3).
    check = check_fit(as_truth, replicates=20, seed=9)

    assert [v.key for v in check.verdicts] == [
        "sessions",
        "adverse",
        "stopped",
        "left_early",
        "completed",
    ]
    assert sum(v.consistent for v in check.verdicts) >= 4
    assert len(check.stages) == len(rp.load_protocol(PROTOCOL).stages)


def test_a_parametric_bootstrap_gives_every_fitted_parameter_an_interval(logs: Path) -> None:
    files = sorted(logs.glob("client-*"))[:16]
    plain = fit_population(files, protocol=PROTOCOL, policy=POLICY, draws=16, rounds=1)

    result = fit_population(
        files, protocol=PROTOCOL, policy=POLICY, draws=16, rounds=1, bootstrap=2
    )

    assert "bootstrap" in result.interval
    assert "bootstrap" not in plain.interval
    for p, q in zip(result.parameters, plain.parameters, strict=True):
        assert (p.name, p.part, p.estimate, p.status) == (q.name, q.part, q.estimate, q.status)
        assert (p.low is None) == (q.low is None)
        if p.low is not None:
            assert p.high is not None
            assert p.low <= p.high
            assert (p.low, p.high) != (q.low, q.high)


def test_the_schedule_options_are_the_run_settings(tmp_path: Path, logs: Path) -> None:
    out = str(tmp_path / "x.toml")

    result = CliRunner().invoke(cli, ["fit", str(logs), "--out", out, "--weeks", "0"])

    assert result.exit_code == 2
    assert "--weeks" in result.output
    assert "1<=x<=520" in result.output


def test_the_model_check_draws_each_fitted_value_within_its_interval(logs: Path) -> None:
    files = sorted(logs.glob("client-*"))[:20]
    result = fit_population(files, protocol=PROTOCOL, policy=POLICY, draws=16, rounds=1)
    rng = np.random.default_rng(4)

    drawn = [plausible_population(result, rng) for _ in range(200)]

    for p in result.parameters:
        values = np.array([getattr(d.parameters[p.name], p.part) for d in drawn])
        if p.low is None or p.high is None:
            assert np.all(values == getattr(result.population.parameters[p.name], p.part))
        else:
            inside = np.mean((values >= p.low) & (values <= p.high))
            assert 0.85 <= inside <= 1.0, (p, inside)


def test_a_profile_the_logs_barely_bound_keeps_its_interval_within_reach() -> None:
    """A nearly flat profile (no shrinkage, a spread the logs cannot bound) ends finite.

    Its quadratic ends (1.96 / √curvature) were far enough to overflow ``exp``
    when the interval was turned into a spread (seen with ``--prior-weight 0``).
    """
    from retroprog_sim.fit.optimise import MAX_OFFSET, PROFILE_DROP, profile_interval

    def nearly_flat(phi: np.ndarray) -> float:  # bounded in φ₀, flat in φ₁ beyond 1e-12
        return float(phi[0] ** 2 + 1e-12 * np.tanh(phi[1]))

    phi = np.array([0.0, 1.0])
    low, high = profile_interval(
        nearly_flat, phi, nearly_flat(phi), 1, jac=False, curvature=0.0, fixed={}
    )
    assert (low, high) == (1.0 - MAX_OFFSET, 1.0 + MAX_OFFSET)
    assert math.isfinite(math.exp(high))
    low, high = profile_interval(
        nearly_flat, phi, nearly_flat(phi), 0, jac=False, curvature=2.0, fixed={}
    )
    end = math.sqrt(PROFILE_DROP)  # where φ₀² rises by the drop: a bounded profile is unchanged
    assert low == pytest.approx(-end, rel=1e-3)
    assert high == pytest.approx(end, rel=1e-3)


def test_the_information_holds_no_monte_carlo_noise_where_the_logs_say_nothing() -> None:
    """A parameter no log informs gets no information; an informed one, the exact amount.

    Each of 2 000 clients' logs is y = x₀ + N(0, 0.3²), with x ~ N(0, I): the
    logs say nothing about x₁, and about x₀'s mean exactly n / (1 + 0.3²).
    The curvature of the importance-sampled likelihood on a finite sample (64
    draws each, an effective sample of about 13), like the scores' outer
    products the fit used before, showed a good part of n / ESS of information
    about x₁'s mean.
    """
    from retroprog_sim.fit.objective import SessionsObjective
    from retroprog_sim.fit.proposals import mvn_logpdf

    rng = np.random.default_rng(0)
    n, k, d = 2000, 64, 2
    y = rng.normal(size=n) + 0.3 * rng.normal(size=n)
    x = 1.5 * rng.normal(size=(n, k, d))
    log_q = mvn_logpdf(x, np.zeros(d), np.full(d, 1.5), np.eye(d), 0.0)
    ll = -0.5 * ((y[:, None] - x[..., 0]) / 0.3) ** 2
    objective = SessionsObjective(
        x, log_q, ll, np.eye(d), np.zeros(2 * d), np.ones(d), np.zeros(2 * d)
    )
    phi = np.zeros(2 * d)
    information = np.diag(objective.information(phi))
    step = np.array([0.0, 1e-4, 0.0, 0.0])
    plain = (objective.data(phi + step)[1][1] - objective.data(phi - step)[1][1]) / 2e-4
    spurious = n / float(np.median(objective.ess(phi)))
    assert information[0] == pytest.approx(n / 1.09, rel=0.02)
    assert abs(information[1]) < 0.1 * spurious
    assert plain > 0.25 * spurious  # what the plain curvature saw
