"""Figures of a tuning: does the tuned policy keep the cap and match the best capped grid point?

Run with ``python benchmarks/tune.py`` (``--quick``: 200 clients, 20 trials;
``--workers N``: local workers, default 2).  It tunes the reference policy of
``examples/experiments/tune-reference.toml`` (the space of issue 15:
``successes_to_progress`` in [1, 3], ``pain_threshold`` in [0, 3]) for the goal
rate under a cap on adverse events alone (9 per 100 sessions), then:

(a) the tuning: trials by status, the best candidate, its confirmation, wall time;
(b) a grid sweep over the same space on the same training clients (the cells the
    policy refuses cannot run and are counted), its best point under the cap,
    wall time;
(c) both checked independently on fresh clients (seeds 201 and 202, used by
    neither): each one's adverse-event rate with its 95 % CI's upper bound
    against the cap, its goal rate, and the paired difference in goal rate
    (tuned − grid), so that "at least as well" means the difference's CI does
    not lie below 0.

The figures depend on the client model; rerun after it changes.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path
from typing import Any

import attrs

import retroprog
from retroprog_sim import (
    Experiment,
    PolicyEntry,
    executor_for,
    load_experiment,
    run_experiment,
    tune,
)
from retroprog_sim.comparison import figure_cis, figures, paired_differences, shared_stages
from retroprog_sim.engine.tally import ClientResult
from retroprog_sim.execute import run_specs
from retroprog_sim.tuning.study import training_specs

FILE = Path(__file__).parents[1] / "examples" / "experiments" / "tune-reference.toml"
CAP = 9.0
CAPPED = "adverse_events_per_100_sessions"
FRESH = (201, 202)


def setup(quick: bool) -> Experiment:
    experiment = load_experiment(FILE)
    assert experiment.tune is not None
    spec = attrs.evolve(
        experiment.tune, constraints={CAPPED: CAP}, trials=20 if quick else experiment.tune.trials
    )
    changes = {"clients": 200} if quick else {}
    return attrs.evolve(experiment.overridden(changes), tune=spec, out=None)


def grid(experiment: Experiment, workers: int) -> tuple[dict[str, Any] | None, float, int]:
    """The best grid point under the cap (pooled over the training seeds), the wall time."""
    spec = experiment.tune
    assert spec is not None
    axes = {
        name: list(range(int(d.low or 0), int(d.high or 0) + 1)) for name, d in spec.space.items()
    }
    points = [dict(zip(axes, values, strict=True)) for values in itertools.product(*axes.values())]
    valid = []
    for point in points:
        try:
            retroprog.load_policy(spec.policy, **spec.params, **point)
        except retroprog.exceptions.RetroprogError:
            continue
        valid.append(point)
    sweep = attrs.evolve(
        experiment,
        policies=[
            PolicyEntry(spec.policy, label=f"cell{i}", params={**spec.params, **point})
            for i, point in enumerate(valid)
        ],
        tune=None,
    )
    started = time.perf_counter()
    with executor_for(workers) as executor:
        result = run_experiment(sweep, "sweep", executor=executor)
    wall = time.perf_counter() - started
    stages = shared_stages(result.results[0].spec.protocol, result.results[0].spec.protocol)
    best: dict[str, Any] | None = None
    best_rate = -1.0
    print(f"  {'point':<48} {'goal rate':>9} {CAPPED:>32}")
    for i, point in enumerate(valid):
        runs = [
            r for c, r in zip(result.cells, result.results, strict=True) if c.policy == f"cell{i}"
        ]
        found = figures(
            [c for r in runs for c in r.clients], horizon=runs[0].spec.days, stages=stages
        )
        print(f"  {point!s:<48} {found['goal_rate']:9.3f} {found[CAPPED]:32.2f}")
        if found[CAPPED] <= CAP and found["goal_rate"] > best_rate:
            best, best_rate = point, found["goal_rate"]
    return best, wall, len(points) - len(valid)


def fresh(experiment: Experiment, params: dict[str, Any]) -> tuple[list[ClientResult], int]:
    spec = experiment.tune
    assert spec is not None
    policy = retroprog.load_policy(spec.policy, **spec.params, **params)
    runs = run_specs(training_specs(attrs.evolve(experiment, seeds=FRESH), policy))
    return [c for r in runs for c in r.clients], runs[0].spec.days


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    experiment = setup(args.quick)
    spec = experiment.tune
    assert spec is not None
    print(
        f"reference policy, {experiment.clients} clients x seeds {list(experiment.seeds)}, "
        f"{experiment.weeks} weeks; space {spec.plain()['space']}; cap {CAPPED} <= {CAP}"
    )
    print(f"(a) tuning: {spec.trials} trials, batches of {spec.batch}, {args.workers} workers")
    searched: list[float] = []

    def progress(done: int, total: int, best: str) -> None:
        if done == total and not searched:
            searched.append(time.perf_counter() - started)

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        with executor_for(args.workers) as executor:
            result = tune(experiment, out=folder, executor=executor, progress=progress)
        tune_wall = time.perf_counter() - started
    counts = {
        s: sum(t.status == s for t in result.trials)
        for s in ("feasible", "infeasible", "unsafe", "refused")
    }
    distinct = sum(t.repeat_of is None for t in result.trials)
    print(f"  trials: {counts}; distinct candidates: {distinct}")
    best = result.best
    assert best is not None, "no feasible candidate"
    print(
        f"  best: trial {best.number} {best.params}: goal rate {best.objective:.3f}, "
        f"{CAPPED} {best.figures[CAPPED]:.2f}"
    )
    for c in result.confirmations:
        checks = "; ".join(
            f"{k.figure} {k.value:.2f} (CI up to {k.ci_high:.2f}) "
            f"{'holds' if k.holds else 'BROKEN'}"
            for k in c.checks
        )
        print(
            f"  confirmation of trial {c.trial.number} on seeds {list(spec.confirm_seeds)}: "
            f"{checks}; goal rate {c.objective.other:.3f} vs baseline "
            f"{c.objective.baseline:.3f} (CI {c.objective.ci_low:+.3f} to "
            f"{c.objective.ci_high:+.3f}): {'passed' if c.passed else 'failed'}"
        )
    print(
        f"  wall time: {tune_wall:.1f} s (trials, gate included: {searched[0]:.1f} s; "
        f"importances and confirmation: {tune_wall - searched[0]:.1f} s)"
    )
    print("(b) grid sweep over the same space, the same training clients:")
    grid_best, grid_wall, refused = grid(experiment, args.workers)
    print(
        f"  {refused} grid points refused by the policy (not run); best under the cap: "
        f"{grid_best}; wall time: {grid_wall:.1f} s"
    )
    assert grid_best is not None, "no grid point keeps the cap"
    print(f"(c) on fresh clients (seeds {list(FRESH)}):")
    tuned_clients, horizon = fresh(experiment, best.params)
    grid_clients, _ = fresh(experiment, grid_best)
    protocol = experiment.protocol.load()
    stages = shared_stages(protocol, protocol)
    for label, clients in (("tuned", tuned_clients), ("grid best", grid_clients)):
        found = figures(clients, horizon=horizon, stages=stages)
        high = figure_cis(clients, horizon=horizon, stages=stages)[CAPPED][1]
        print(
            f"  {label:<9}: goal rate {found['goal_rate']:.3f}; {CAPPED} {found[CAPPED]:.2f} "
            f"(CI up to {high:.2f}): cap {'kept' if high <= CAP else 'NOT kept'}"
        )
    difference = next(
        d
        for d in paired_differences(
            grid_clients,
            tuned_clients,
            horizon=horizon,
            stages=stages,
        )
        if d.metric == "goal_rate"
    )
    verdict = "at least as well" if difference.ci_high >= 0 else "WORSE"
    print(
        f"  goal rate, tuned - grid best: {difference.difference:+.3f} "
        f"(95 % CI {difference.ci_low:+.3f} to {difference.ci_high:+.3f}): {verdict}"
    )
    print(
        f"wall time: tuning {tune_wall:.1f} s, grid {grid_wall:.1f} s "
        f"(tuning / grid = {tune_wall / grid_wall:.2f})"
    )


if __name__ == "__main__":
    main()
