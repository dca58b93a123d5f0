"""Parameter recovery and wall time of ``retroprog fit``, and the issue's Done-when check.

Run with ``python benchmarks/fit.py`` (``--quick``: fewer repeats, no 1 000-client
repeats).  Prints:

(a) recovery: logs simulated from a known population (``deconditioned``,
    16 weeks, the reference policy on retro-walk-run) are fitted with the
    prior ``general`` (as 10 clients); for 50, 200 and 1 000 clients, each
    fitted population parameter's bias (on the normal scale: log or logit for
    a median, log for a spread; averaged over the repeats), its 95 %
    interval's median half-width (±, on the same scale), how often that
    interval holds the truth (coverage, per parameter and overall, for
    the fitted and the weakly identified apart) and how often it was weakly
    identified, with the median wall time of a fit, in-process and on 2 local
    workers.  Target: 1 000 clients × 16 weeks in under a minute.
    ``--repeats 8,4,2`` sets the repeats; ``--bootstrap N`` also fits the
    clinics of up to 200 clients with N bootstrap clinics (on 2 workers) and
    prints those intervals' coverage.
(b) Done-when: the 1 000-client fit, simulated afresh (4 000 clients, another
    seed), against ``deconditioned`` and ``general``: goal and stage-target
    rates, dropout, stops and adverse events; the fitted population should be
    within a few points of ``deconditioned`` and clearly nearer than ``general``.
"""

from __future__ import annotations

import argparse
import functools
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import retroprog
from retroprog_sim import RunSpec, load_population, simulate
from retroprog_sim.executors import executor_for
from retroprog_sim.fit import FittedParameter, fit_population
from retroprog_sim.fit.latent import to_latent
from retroprog_sim.model.population import PresetPopulation
from retroprog_sim.present.files import write_logs

PROTOCOL, POLICY, TRUTH, PRIOR = "retro-walk-run", "reference", "deconditioned", "general"
WEEKS = 16
#: The largest clinic whose fits are also bootstrapped (``--bootstrap N``).
BOOTSTRAP_UP_TO = 200


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


def _covers(truth: PresetPopulation, p: FittedParameter) -> bool:
    dist = truth.parameters[p.name]
    true = dist.median if p.part == "median" else dist.sigma
    return p.low is not None and p.high is not None and p.low <= true <= p.high


def _half_width(truth: PresetPopulation, p: FittedParameter) -> float:
    """Half the interval's width on the normal scale (as the bias)."""
    assert p.low is not None
    assert p.high is not None
    return 0.5 * (_error(truth, p.name, p.part, p.high) - _error(truth, p.name, p.part, p.low))


def _share(hits: list[bool]) -> str:
    return f"{sum(hits)}/{len(hits)}" + (f" = {sum(hits) / len(hits):.0%}" if hits else "")


def recovery(sizes: dict[int, int], folder: Path, bootstrap: int) -> object:
    truth = load_population(TRUTH)
    assert isinstance(truth, PresetPopulation)
    last = None
    for clients, repeats in sizes.items():
        errors: dict[tuple[str, str], list[float]] = {}
        hits: dict[tuple[str, str], list[bool]] = {}
        weak: dict[tuple[str, str], int] = {}
        widths: dict[tuple[str, str], list[float]] = {}
        boot_hits: dict[tuple[str, str], list[bool]] = {}
        by_status: dict[bool, list[bool]] = {}
        times, times_2, boot_times = [], [], []
        for seed in range(repeats):
            fit = functools.partial(
                fit_population,
                [_logs(folder, clients, seed)],
                protocol=PROTOCOL,
                policy=POLICY,
                prior=PRIOR,
                weeks=WEEKS,
            )
            start = time.perf_counter()
            result = fit()
            times.append(time.perf_counter() - start)
            if seed == 0:
                with executor_for(2) as executor:
                    start = time.perf_counter()
                    fit(executor=executor)
                    times_2.append(time.perf_counter() - start)
            if bootstrap and clients <= BOOTSTRAP_UP_TO:
                with executor_for(2) as executor:
                    start = time.perf_counter()
                    booted = fit(executor=executor, bootstrap=bootstrap)
                    boot_times.append(time.perf_counter() - start)
                for p in booted.parameters:
                    if p.low is not None and truth.parameters[p.name].kind != "fixed":
                        boot_hits.setdefault((p.name, p.part), []).append(_covers(truth, p))
            for p in result.parameters:
                if p.low is None or truth.parameters[p.name].kind == "fixed":
                    continue
                key = (p.name, p.part)
                errors.setdefault(key, []).append(_error(truth, p.name, p.part, p.estimate))
                hits.setdefault(key, []).append(_covers(truth, p))
                widths.setdefault(key, []).append(_half_width(truth, p))
                weak[key] = weak.get(key, 0) + (p.status != "fitted")
                by_status.setdefault(p.status == "fitted", []).append(_covers(truth, p))
            last = result
        covered = sum(sum(h) for h in hits.values())
        total = sum(len(h) for h in hits.values())
        print(
            f"\n(a) {clients} clients × 16 weeks, {repeats} repeat(s): "
            f"fit {statistics.median(times):.1f} s in-process, "
            f"{statistics.median(times_2):.1f} s on 2 workers; "
            f"coverage {covered}/{total} = {covered / max(total, 1):.0%} "
            f"(fitted {_share(by_status.get(True, []))}, "
            f"weakly identified {_share(by_status.get(False, []))})"
        )
        print(
            f"    {'parameter':28s} {'bias':>7s} {'rmse':>7s} {'±':>6s} "
            f"{'covered':>8s} {'weak':>5s}"
            + (f" {'bootstrap':>10s}" if boot_hits else "")
            + "  (normal scale)"
        )
        for key, errs in errors.items():
            name, part = key
            rmse = math.sqrt(statistics.fmean(e * e for e in errs))
            bias = statistics.fmean(errs)
            booted_text = ""
            if boot_hits:
                b = boot_hits.get(key, [])
                booted_text = f" {sum(b):>4d}/{len(b):<5d}"
            print(
                f"    {name + ' ' + part:28s} {bias:+7.3f} {rmse:7.3f} "
                f"{statistics.median(widths[key]):6.2f} "
                f"{sum(hits[key]):>4d}/{len(hits[key]):<3d} {weak.get(key, 0):>5d}" + booted_text
            )
        if boot_hits:
            b_cov = sum(sum(h) for h in boot_hits.values())
            b_tot = sum(len(h) for h in boot_hits.values())
            print(
                f"    bootstrap ({bootstrap} clinics, 2 workers, "
                f"{statistics.median(boot_times):.0f} s a fit): "
                f"coverage {b_cov}/{b_tot} = {b_cov / max(b_tot, 1):.0%}"
            )
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
    parser.add_argument(
        "--repeats", default=None, help="repeats at 50, 200 and 1 000 clients, e.g. 8,4,2"
    )
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        help="also bootstrap the fits of up to 200 clients with N clinics (slow)",
    )
    args = parser.parse_args()
    repeats: tuple[int, ...] = (2, 1, 1) if args.quick else (6, 3, 2)
    if args.repeats:
        repeats = tuple(int(r) for r in args.repeats.split(","))
    sizes = {size: r for size, r in zip((50, 200, 1000), repeats, strict=True) if r}
    with tempfile.TemporaryDirectory() as folder:
        result = recovery(sizes, Path(folder), args.bootstrap)
    done_when(result)


if __name__ == "__main__":
    main()
