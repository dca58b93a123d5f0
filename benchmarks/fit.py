"""Parameter recovery and wall time of ``retroprog fit``, and the issue's Done-when check.

Run with ``python benchmarks/fit.py`` (``--quick``: fewer repeats, no 1 000-client
repeats).  Prints:

(a) recovery: logs simulated from a known population (``deconditioned``,
    16 weeks, the reference policy on retro-walk-run) are fitted with the
    prior ``general`` (as 10 clients); for 50, 200 and 1 000 clients, each
    fitted population parameter's bias (on the normal scale: log or logit for
    a median, log for a spread; averaged over the repeats), and the share of
    fitted parameters whose 95 % interval holds the truth (coverage), with
    the median wall time of a fit, in-process and on 2 local workers.
    Target: 1 000 clients × 16 weeks in under a minute.
(b) Done-when: the 1 000-client fit, simulated afresh (4 000 clients, another
    seed), against ``deconditioned`` and ``general``: goal and stage-target
    rates, dropout, stops and adverse events; the fitted population should be
    within a few points of ``deconditioned`` and clearly nearer than ``general``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import retroprog
from retroprog_sim import RunSpec, load_population, simulate
from retroprog_sim.executors import executor_for
from retroprog_sim.fit import fit_population
from retroprog_sim.fit.latent import to_latent
from retroprog_sim.model.population import PresetPopulation
from retroprog_sim.present.files import write_logs

PROTOCOL, POLICY, TRUTH, PRIOR = "retro-walk-run", "reference", "deconditioned", "general"
WEEKS = 16


def _logs(folder: Path, clients: int, seed: int) -> Path:
    spec = RunSpec(
        retroprog.load_protocol(PROTOCOL),
        retroprog.load_policy(POLICY),
        load_population(TRUTH),
        clients=clients,
        weeks=WEEKS,
        seed=seed,
        trace_clients=clients,
    )
    target = folder / f"logs-{clients}-{seed}"
    write_logs(simulate(spec), target)
    return target


def _error(truth: PresetPopulation, name: str, part: str, value: float) -> float:
    dist = truth.parameters[name]
    if part == "median":
        return float(to_latent(dist.kind, value) - to_latent(dist.kind, dist.median))
    return math.log(value / dist.sigma)


def recovery(sizes: dict[int, int], folder: Path) -> object:
    truth = load_population(TRUTH)
    assert isinstance(truth, PresetPopulation)
    last = None
    for clients, repeats in sizes.items():
        errors: dict[tuple[str, str], list[float]] = {}
        covered = total = 0
        times, times_2 = [], []
        for seed in range(repeats):
            logs = _logs(folder, clients, seed)
            start = time.perf_counter()
            result = fit_population(
                [logs], protocol=PROTOCOL, policy=POLICY, prior=PRIOR, weeks=WEEKS
            )
            times.append(time.perf_counter() - start)
            if seed == 0:
                with executor_for(2) as executor:
                    start = time.perf_counter()
                    fit_population(
                        [logs],
                        protocol=PROTOCOL,
                        policy=POLICY,
                        prior=PRIOR,
                        weeks=WEEKS,
                        executor=executor,
                    )
                    times_2.append(time.perf_counter() - start)
            for p in result.parameters:
                if p.status != "fitted" or truth.parameters[p.name].kind == "fixed":
                    continue
                true = (
                    truth.parameters[p.name].median
                    if p.part == "median"
                    else (truth.parameters[p.name].sigma)
                )
                errors.setdefault((p.name, p.part), []).append(
                    _error(truth, p.name, p.part, p.estimate)
                )
                total += 1
                covered += p.low is not None and p.high is not None and p.low <= true <= p.high
            last = result
        print(
            f"\n(a) {clients} clients × 16 weeks, {repeats} repeat(s): "
            f"fit {statistics.median(times):.1f} s in-process, "
            f"{statistics.median(times_2):.1f} s on 2 workers; "
            f"coverage {covered}/{total} = {covered / max(total, 1):.0%}"
        )
        print(f"    {'parameter':28s} {'bias':>7s} {'rmse':>7s}  (normal scale; n fitted)")
        for (name, part), errs in errors.items():
            rmse = math.sqrt(statistics.fmean(e * e for e in errs))
            bias = statistics.fmean(errs)
            print(f"    {name + ' ' + part:28s} {bias:+7.3f} {rmse:7.3f}  ({len(errs)})")
        sys.stdout.flush()
    return last


def done_when(result: object) -> None:
    fitted = result.population  # type: ignore[attr-defined]
    protocol, policy = retroprog.load_protocol(PROTOCOL), retroprog.load_policy(POLICY)
    rows = {}
    for label, population in (
        ("fitted", fitted),
        (TRUTH, load_population(TRUTH)),
        (PRIOR, load_population(PRIOR)),
    ):
        with executor_for(2) as executor:
            run = simulate(
                RunSpec(protocol, policy, population, clients=4000, weeks=WEEKS, seed=77),
                executor=executor,
            )
        s = run.summary
        rows[label] = {
            **{f"{name} target %": 100 * rate for name, rate in s.stage_goal_rates.items()},
            "dropout %": 100 * s.dropout_rate,
            "stops %": 100 * s.stop_rate,
            "adverse /100": s.adverse_events_per_100_sessions,
        }
    print("\n(b) Done-when: fresh simulations, 4 000 clients each (seed 77)")
    keys = list(rows["fitted"])
    print(f"    {'figure':24s} " + " ".join(f"{k:>14s}" for k in rows))
    for key in keys:
        print(f"    {key:24s} " + " ".join(f"{rows[k][key]:14.1f}" for k in rows))
    far_fit = max(abs(rows["fitted"][k] - rows[TRUTH][k]) for k in keys)
    far_prior = max(abs(rows[PRIOR][k] - rows[TRUTH][k]) for k in keys)
    print(
        f"    largest gap to {TRUTH}: fitted {far_fit:.1f} points, {PRIOR} {far_prior:.1f} points"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = {50: 2, 200: 1, 1000: 1} if args.quick else {50: 6, 200: 3, 1000: 2}
    with tempfile.TemporaryDirectory() as folder:
        result = recovery(sizes, Path(folder))
    done_when(result)


if __name__ == "__main__":
    main()
