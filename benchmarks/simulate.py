"""Figures of the SimPy harness, from one run: throughput, scaling, memory, CLI wall time.

Run with ``python benchmarks/simulate.py`` (``--quick``: fewer clients, for a fast
look).  Prints, each figure on one line with its target (DESIGN.md, "Figures"):

(a) client-sessions per second of :func:`retroprog_sim.simulate` (the reference
    policy, the general population, in-process) and of a bare SimPy loop that runs
    the same clients: the same ``population.client(seed, id)`` models, the same
    :func:`~retroprog_sim.schedule` days, the same attendance draws through
    ``model.attends``, and the same sessions (each client stops where the harness
    stopped it), with trivial logic — a session is counted, nothing else.  Both
    run block by block, one SimPy environment per block, timed alternately;
    the figures are the medians of the repeats.  Target: ratio ≥ 0.5.
(b) 2 local worker processes (``executor_for(2)``) against in-process, on
    100 000 clients (20 000 with ``--quick``).  Target ≥ 1.7×.
(c) peak memory per client: the ``tracemalloc`` peak of an in-process run of N
    clients divided by N, for two N; bounded means it does not grow with N.
(d) wall time of ``retroprog simulate`` with its defaults (1 000 clients, 16 weeks)
    and no ``--out``, as a subprocess of the console script.  Target ≤ 5 s.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING

import simpy

import retroprog
from retroprog_sim import RunSpec, executor_for, load_population, schedule, simulate

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Sequence

    from retroprog_sim import ClientResult, Population, SimulationResult

THROUGHPUT_CLIENTS = 2_000
WEEKS = 16
REPEATS = 5
SCALING_CLIENTS = 100_000
SCALING_CLIENTS_QUICK = 20_000
MEMORY_CLIENTS = (2_000, 20_000)
MEMORY_CLIENTS_QUICK = (1_000, 5_000)
CLI_REPEATS = 3

TARGET_RATIO = 0.5
TARGET_SPEEDUP = 1.7
TARGET_MEMORY_GROWTH = 1.25  # per-client peak at the larger N over that at the smaller
TARGET_MARGINAL_BYTES = 1024  # peak growth per extra client
TARGET_CLI_SECONDS = 5.0

#: The ``retroprog simulate`` defaults, for the fallback when the CLI is missing.
_FALLBACK = (
    "import retroprog; from retroprog_sim import RunSpec, load_population, simulate; "
    "simulate(RunSpec(retroprog.load_protocol('retro-walk-run'), "
    "retroprog.load_policy('reference'), load_population('general'), "
    "clients=1000, weeks=16, seed=0))"
)


def _spec(clients: int) -> RunSpec:
    return RunSpec(
        retroprog.load_protocol("retro-walk-run"),
        retroprog.load_policy("reference"),
        load_population("general"),
        clients=clients,
        weeks=WEEKS,
        seed=0,
    )


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _load() -> str:
    """The 1-minute load average, to judge how busy the machine was."""
    try:
        return f"load average {os.getloadavg()[0]:.2f}"
    except OSError:  # pragma: no cover - not on every platform
        return "load average unknown"


def _timed(run: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


# --- (a) the harness against a bare SimPy loop ---------------------------------------


def _bare_client(
    env: simpy.Environment,
    population: Population,
    seed: int,
    client_id: int,
    days: Sequence[int],
    quota: int | None,
    counts: list[int],
) -> Generator[simpy.Event, object, None]:
    """The harness's calendar with trivial logic: count attended sessions.

    ``quota``: the sessions after which the harness ended this client (stop,
    completion or dropout), ``None`` if it stayed in the programme.
    """
    model = population.client(seed, client_id)
    sessions = 0
    ended = False
    for day in days:
        if env.now < day:
            yield env.timeout(day - env.now)
        if ended or not model.attends(day):
            continue
        sessions += 1
        ended = sessions == quota
    counts.append(sessions)


def _bare_loop(spec: RunSpec, quotas: Sequence[int | None]) -> int:
    """Run the bare loop over ``spec``'s blocks; the number of sessions counted."""
    days = schedule(spec.weeks, spec.sessions_per_week)
    counts: list[int] = []
    for block in spec.blocks():
        env = simpy.Environment()
        for client_id in block:
            env.process(
                _bare_client(
                    env, spec.population, spec.seed, client_id, days, quotas[client_id], counts
                )
            )
        env.run()
    return sum(counts)


def _quota(result: ClientResult) -> int | None:
    ended = result.status != "active" or result.dropout_day is not None
    return result.sessions if ended else None


def throughput(clients: int, repeats: int) -> None:
    spec = _spec(clients)
    reference = simulate(spec)  # also warms up both code paths' imports and caches
    sessions = reference.summary.sessions
    quotas = [_quota(r) for r in reference.clients]
    bare_sessions = _bare_loop(spec, quotas)
    if bare_sessions != sessions:
        raise SystemExit(f"the bare loop ran {bare_sessions} sessions, the harness {sessions}")

    harness_times: list[float] = []
    bare_times: list[float] = []
    for _ in range(repeats):  # interleaved, so drifts in machine load hit both alike
        harness_times.append(_timed(lambda: simulate(spec)))
        bare_times.append(_timed(lambda: _bare_loop(spec, quotas)))
    harness = sessions / statistics.median(harness_times)
    bare = sessions / statistics.median(bare_times)
    ratio = harness / bare
    print(
        f"(a) harness:          {harness:10,.0f} client-sessions/s  "
        f"(median of {repeats}; {clients:,} clients × {WEEKS} weeks, {sessions:,} sessions)"
    )
    print(
        f"(a) bare SimPy loop:  {bare:10,.0f} client-sessions/s  "
        "(same clients, days, attendance draws and sessions; trivial logic)"
    )
    print(
        f"(a) harness / bare:   {ratio:10.2f}                     "
        f"target ≥ {TARGET_RATIO}  {_verdict(ratio >= TARGET_RATIO)}"
    )


# --- (b) two workers against one ------------------------------------------------------


def _two_workers(spec: RunSpec) -> SimulationResult:
    with executor_for(2) as executor:
        return simulate(spec, executor=executor)


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def scaling(clients: int) -> None:
    spec = _spec(clients)
    results: dict[str, SimulationResult] = {}
    cpu = _cpu_seconds()
    one = _timed(lambda: results.setdefault("one", simulate(spec)))
    cpu_one, cpu = _cpu_seconds() - cpu, _cpu_seconds()
    two = _timed(lambda: results.setdefault("two", _two_workers(spec)))
    cpu_two = _cpu_seconds() - cpu
    if results["one"].summary != results["two"].summary:
        raise SystemExit("2 workers gave another summary than 1")
    speedup = one / two
    print(
        f"(b) 1 worker {one:6.1f} s wall, {cpu_one:6.1f} s CPU; 2 workers {two:6.1f} s wall, "
        f"{cpu_two:6.1f} s CPU ({cpu_two / two:.2f} CPUs busy on average); "
        f"{clients:,} clients, {os.cpu_count()} CPUs"
    )
    print(
        f"(b) speed-up:         {speedup:10.2f}×                    "
        f"target ≥ {TARGET_SPEEDUP}×  {_verdict(speedup >= TARGET_SPEEDUP)}"
    )


# --- (c) peak memory per client -------------------------------------------------------


def _peak_bytes(spec: RunSpec) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        simulate(spec)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def memory(sizes: Sequence[int]) -> None:
    peaks = []
    for clients in sizes:
        peak = _peak_bytes(_spec(clients))
        peaks.append(peak)
        print(
            f"(c) peak memory:      {peak / clients:10,.0f} B/client      "
            f"({clients:,} clients, tracemalloc peak {peak / 2**20:.1f} MiB)"
        )
    (small, large), (small_peak, large_peak) = (sizes[0], sizes[-1]), (peaks[0], peaks[-1])
    growth = (large_peak / large) / (small_peak / small)
    marginal = (large_peak - small_peak) / (large - small)
    print(
        f"(c) per-client peak at {large:,} over {small:,} clients: {growth:.2f}×      "
        f"target ≤ {TARGET_MEMORY_GROWTH}× (bounded)  {_verdict(growth <= TARGET_MEMORY_GROWTH)}"
    )
    print(
        f"(c) marginal memory:  {marginal:10,.0f} B per extra client   "
        f"target ≤ {TARGET_MARGINAL_BYTES:,} B  {_verdict(marginal <= TARGET_MARGINAL_BYTES)}"
    )


# --- (d) the default command ----------------------------------------------------------


def _command() -> tuple[list[str], str]:
    """The console script, next to this interpreter if installed there, else on PATH."""
    beside = Path(sys.executable).with_name("retroprog")
    script = str(beside) if beside.exists() else shutil.which("retroprog")
    if script is not None:
        probe = subprocess.run(
            [script, "simulate", "--help"], capture_output=True, text=True, check=False
        )
        if probe.returncode == 0:
            return [script, "simulate"], "retroprog simulate"
    return [sys.executable, "-c", _FALLBACK], "python -c simulate(…) (the CLI is missing)"


def cli(repeats: int) -> None:
    command, label = _command()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{label} failed ({done.returncode}): {done.stderr.strip()}")
    wall = statistics.median(times)
    print(
        f"(d) {label}: {wall:5.2f} s wall (median of {repeats}, defaults, no --out)   "
        f"target ≤ {TARGET_CLI_SECONDS} s  {_verdict(wall <= TARGET_CLI_SECONDS)}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{SCALING_CLIENTS_QUICK:,} clients for (b) and fewer for (c)",
    )
    args = parser.parse_args(argv)
    print(
        f"Python {sys.version.split()[0]}, simpy {simpy.__version__}, {os.cpu_count()} CPUs, "
        f"{_load()}"
    )
    throughput(THROUGHPUT_CLIENTS, REPEATS)
    scaling(SCALING_CLIENTS_QUICK if args.quick else SCALING_CLIENTS)
    memory(MEMORY_CLIENTS_QUICK if args.quick else MEMORY_CLIENTS)
    cli(CLI_REPEATS)
    print(f"done; {_load()} (other work on the machine skews (a)–(d), (b) most)")


if __name__ == "__main__":
    main()
