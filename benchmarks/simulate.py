"""Figures of the SimPy harness, from one run: throughput, scaling, memory, CLI wall time.

Run with ``python benchmarks/simulate.py`` (``--quick``: fewer clients, for a fast
look; ``--million``: also the 1 000 000 clients × 16 weeks run).  Prints, each
figure on one line with its target (DESIGN.md, "Figures"), and every throughput
in client-sessions per second per core next to its ratio:

(a) client-sessions per second of :func:`retroprog_sim.simulate` (the reference
    policy, the general population, in-process: one core) against two bare
    SimPy loops that run the same clients' calendars with trivial logic (a
    session is counted, nothing else), one SimPy process per client, block by
    block, one environment per block:

    * **bare, no clients** — attendance is one draw per scheduled day from a
      single stream per block, at the rate the harness's clients attended: no
      client is built.  This is "SimPy doing nothing"; the target is measured
      against it.
    * **bare, with clients** — the same ``population.client(seed, id)`` models,
      the same :func:`~retroprog_sim.schedule` days, the same attendance draws
      through ``model.attends``, and the same sessions.

    In both, each client's process ends after the sessions at which the
    harness ended that client (stop, completion or dropout), as the harness
    stops stepping it.

    * **harness, clients one by one** — the harness again, with the same
      population seen as a plug-in without a block form
      (:class:`~retroprog_sim.engine.blocks.PerClientBlock`): what the array
      block (:class:`~retroprog_sim.ClientArrays`) gains; the same results.

    The four are timed in turn, round after round (so that drifts in machine
    load hit all alike); the figures are the medians of the rounds, in wall
    time and, less sensitive to other work on the machine, in this process's
    CPU time.  Target: harness / bare (no clients) ≥ 0.5 (moonshot ≥ 1).
(b) 2 local worker processes (``executor_for(2)``) against in-process, on
    50 000 clients (20 000 with ``--quick``), with the same results; the two
    are timed in turn, three rounds, and the medians compared.  The CPUs
    this process may use are printed, and before and after the runs, the CPU
    time two busy processes actually get for a second (other work on the machine
    takes the rest); the target (≥ 1.7×) is judged only when both times two
    CPUs were free.
(c) peak memory per client: the ``tracemalloc`` peak of an in-process run of N
    clients divided by N, for two N; bounded means it does not grow with N.
(d) wall time of ``retroprog simulate`` with its defaults (1 000 clients, 16 weeks)
    and no ``--out``, as a subprocess of the console script.  Target ≤ 5 s.
(e) with ``--million``: 1 000 000 clients × 16 weeks on 2 worker processes, its
    wall time, CPU time and the peak resident memory of this process and the
    largest of its finished children (the run's workers alone with ``--only e``:
    otherwise also (b)'s workers and (d)'s commands), with the CPUs two busy
    processes got before and after.  Target ≤ 3 minutes.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import simpy

import retroprog
from retroprog_sim import RunSpec, executor_for, load_population, schedule, simulate
from retroprog_sim.executors import cpu_count, local_workers

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Sequence

    from retroprog_sim import ClientModel, ClientResult, Population, SimulationResult

THROUGHPUT_CLIENTS = 2_000
WEEKS = 16
REPEATS = 7
SCALING_CLIENTS = 50_000
SCALING_REPEATS = 3
SCALING_CLIENTS_QUICK = 20_000
MILLION = 1_000_000
MEMORY_CLIENTS = (2_000, 20_000)
MEMORY_CLIENTS_QUICK = (1_000, 5_000)
CLI_REPEATS = 3

TARGET_RATIO = 0.5
TARGET_SPEEDUP = 1.7
#: CPUs two busy processes must get, before and after (b), for its target to be judged.
FREE_CPUS = 1.8
TARGET_MEMORY_GROWTH = 1.25  # per-client peak at the larger N over that at the smaller
TARGET_MARGINAL_BYTES = 1024  # peak growth per extra client
TARGET_CLI_SECONDS = 5.0
TARGET_MILLION_SECONDS = 180.0

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


class _OneByOne:
    """``population`` as a plug-in without a block form: the engine asks client by client."""

    def __init__(self, population: Population) -> None:
        self.population = population
        self.name = population.name

    def client(self, seed: int, client_id: int) -> ClientModel:
        return self.population.client(seed, client_id)


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


# --- (a) the harness against bare SimPy loops ----------------------------------------


def _bare_plain(
    env: simpy.Environment,
    days: Sequence[int],
    draw: Callable[[], float],
    attendance: float,
    quota: int | None,
    counts: list[int],
) -> Generator[simpy.Event, object, None]:
    """The calendar with trivial logic and no client: count attended sessions."""
    sessions = 0
    for day in days:
        if env.now < day:
            yield env.timeout(day - env.now)
        if draw() >= attendance:
            continue
        sessions += 1
        if sessions == quota:
            break
    counts.append(sessions)


def _bare_client(
    env: simpy.Environment,
    population: Population,
    seed: int,
    client_id: int,
    days: Sequence[int],
    quota: int | None,
    counts: list[int],
) -> Generator[simpy.Event, object, None]:
    """The harness's calendar and clients with trivial logic: count attended sessions.

    ``quota``: the sessions after which the harness ended this client (stop,
    completion or dropout), ``None`` if it stayed in the programme.
    """
    model = population.client(seed, client_id)
    sessions = 0
    for day in days:
        if env.now < day:
            yield env.timeout(day - env.now)
        if not model.attends(day):
            continue
        sessions += 1
        if sessions == quota:
            break
    counts.append(sessions)


def _bare_loop(
    spec: RunSpec, quotas: Sequence[int | None], *, clients: bool, attendance: float = 1.0
) -> int:
    """Run a bare loop over ``spec``'s blocks; the number of sessions counted.

    ``clients``: build each client and draw its attendance through it, else draw
    attendance from one stream per block, at the rate ``attendance``.
    """
    days = schedule(spec.weeks, spec.sessions_per_week)
    counts: list[int] = []
    for block in spec.blocks():
        env = simpy.Environment()
        draw = random.Random(block.start).random
        for client_id in block:
            quota = quotas[client_id]
            if clients:
                env.process(
                    _bare_client(env, spec.population, spec.seed, client_id, days, quota, counts)
                )
            else:
                env.process(_bare_plain(env, days, draw, attendance, quota, counts))
        env.run()
    return sum(counts)


def _quota(result: ClientResult) -> int | None:
    ended = result.status != "active" or result.dropout_day is not None
    return result.sessions if ended else None


def throughput(clients: int, repeats: int) -> None:
    spec = _spec(clients)
    reference = simulate(spec)  # also warms up every code path's imports and caches
    sessions = reference.summary.sessions
    quotas = [_quota(r) for r in reference.clients]
    with_clients = _bare_loop(spec, quotas, clients=True)
    if with_clients != sessions:
        raise SystemExit(f"the bare loop ran {with_clients} sessions, the harness {sessions}")
    missed = sum(r.missed for r in reference.clients)
    attended = sessions / (sessions + missed)  # the rate the harness's clients attended
    plain = _bare_loop(spec, quotas, clients=False, attendance=attended)
    one_by_one = attrs.evolve(spec, population=_OneByOne(spec.population))
    if simulate(one_by_one).clients != reference.clients:
        raise SystemExit("the harness gave other results client by client than as arrays")

    runs: dict[str, Callable[[], object]] = {
        "harness": lambda: simulate(spec),
        "bare, no clients": lambda: _bare_loop(spec, quotas, clients=False, attendance=attended),
        "bare, with clients": lambda: _bare_loop(spec, quotas, clients=True),
        "harness, one by one": lambda: simulate(one_by_one),
    }
    counted = dict.fromkeys(runs, sessions)
    counted["bare, no clients"] = plain
    times: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):  # in turn, round after round: load drifts hit all alike
        for name, run in runs.items():
            started = time.process_time()
            times[name].append(_timed(run))
            cpu[name].append(time.process_time() - started)
    rate = {name: counted[name] / statistics.median(times[name]) for name in runs}
    per_cpu = {name: counted[name] / statistics.median(cpu[name]) for name in runs}
    harness = rate["harness"]
    print(
        f"(a) harness:                {harness:10,.0f} client-sessions/s/core  "
        f"(median of {repeats} rounds; {clients:,} clients × {WEEKS} weeks, "
        f"{sessions:,} sessions, spread {_spread(times['harness'])}; "
        f"{per_cpu['harness']:,.0f} per CPU second)"
    )
    for name, note in (
        (
            "bare, no clients",
            f"{plain:,} sessions; one attendance stream per block at {attended:.3f}",
        ),
        ("bare, with clients", "same clients, days, attendance draws and sessions"),
        ("harness, one by one", "the clients asked one by one, not as arrays"),
    ):
        ratio = harness / rate[name]
        target = (
            f"target ≥ {TARGET_RATIO}  {_verdict(ratio >= TARGET_RATIO)}"
            if name == "bare, no clients"
            else "(for comparison)"
        )
        print(
            f"(a) {name + ':':<23}{rate[name]:10,.0f} client-sessions/s/core  "
            f"harness / it {ratio:5.2f}  {target}  ({note}, spread {_spread(times[name])}; "
            f"{per_cpu[name]:,.0f} per CPU second, harness / it "
            f"{per_cpu['harness'] / per_cpu[name]:.2f} in CPU time)"
        )


def _spread(times: Sequence[float]) -> str:
    """The rounds' spread around their median, e.g. ``±4 %``."""
    median = statistics.median(times)
    return f"±{100 * (max(times) - min(times)) / 2 / median:.0f} %"


# --- (b) two workers against one ------------------------------------------------------


def _spin(until: tuple[float, float]) -> float:
    """Busy from ``until[0]`` to ``until[1]`` (wall clock); the CPU seconds it got."""
    start, end = until
    while time.time() < start:
        time.sleep(0.001)
    cpu = time.process_time()
    while time.time() < end:
        pass
    return time.process_time() - cpu


def cpus_free(workers: int, seconds: float = 1.0) -> float:
    """How many CPUs ``workers`` busy processes actually get, together, for ``seconds``."""
    with ProcessPoolExecutor(workers) as pool:
        start = time.time() + 0.5  # every worker started, then all spin at once
        cpu = sum(pool.map(_spin, [(start, start + seconds)] * workers))
    return cpu / seconds


def _two_workers(spec: RunSpec) -> SimulationResult:
    with executor_for(2) as executor:
        return simulate(spec, executor=executor)


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def scaling(clients: int, repeats: int) -> None:
    usable = cpu_count()
    workers = local_workers(2)
    before = cpus_free(2) if usable >= 2 else float(usable)
    print(
        f"(b) CPUs: {usable} usable by this process, {os.cpu_count()} in the machine; "
        f"two busy processes got {before:.2f} CPUs for a second ({_load()})"
    )
    spec = _spec(clients)
    runs: dict[str, Callable[[], SimulationResult]] = {
        "1 worker ": lambda: simulate(spec),
        f"{workers} workers": lambda: _two_workers(spec),
    }
    results: dict[str, SimulationResult] = {}
    times: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):  # in turn, round after round: load drifts hit both alike
        for name, run in runs.items():
            gc.collect()
            started, wall_started = _cpu_seconds(), time.perf_counter()
            results[name] = run()
            times[name].append(time.perf_counter() - wall_started)
            cpu[name].append(_cpu_seconds() - started)
    one, many = results.values()
    if one.clients != many.clients:
        raise SystemExit(f"{workers} workers gave other client results than 1")
    after = cpus_free(2) if usable >= 2 else float(usable)
    sessions = one.summary.sessions
    wall = {name: statistics.median(times[name]) for name in runs}
    for (name, seconds), cores in zip(wall.items(), (1, workers), strict=True):
        busy = statistics.median(cpu[name]) / seconds
        print(
            f"(b) {name} {seconds:6.1f} s wall (median of {repeats}, spread "
            f"{_spread(times[name])}), {statistics.median(cpu[name]):6.1f} s CPU, "
            f"{sessions / seconds / cores:10,.0f} client-sessions/s/core "
            f"({clients:,} clients; {busy:.2f} CPUs busy on average)"
        )
    speedup = wall["1 worker "] / wall[f"{workers} workers"]
    free = min(before, after)
    verdict = (
        _verdict(speedup >= TARGET_SPEEDUP)
        if free >= FREE_CPUS and workers == 2
        else f"not judged: two busy processes got {before:.2f} CPUs before, {after:.2f} after"
    )
    print(
        f"(b) speed-up:         {speedup:10.2f}×  (the same client results)  "
        f"target ≥ {TARGET_SPEEDUP}×  {verdict}"
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


# --- (e) a million clients ------------------------------------------------------------


def million(clients: int) -> None:
    usable = cpu_count()
    before = cpus_free(2) if usable >= 2 else float(usable)
    spec = _spec(clients)
    results: dict[str, SimulationResult] = {}
    cpu = _cpu_seconds()
    wall = _timed(lambda: results.setdefault("run", _two_workers(spec)))
    cpu = _cpu_seconds() - cpu
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10  # KiB on Linux
    # (read before the check below: a process forked from this one now counts its pages)
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**10
    after = cpus_free(2) if usable >= 2 else float(usable)
    sessions = results["run"].summary.sessions
    print(
        f"(e) {clients:,} clients × {WEEKS} weeks, 2 workers: {wall:6.1f} s wall, "
        f"{cpu:6.1f} s CPU ({cpu / wall:.2f} CPUs busy on average), "
        f"{sessions / cpu:10,.0f} client-sessions per CPU second; peak RSS {own:,.0f} MiB here "
        f"(every client's result), {worker:,.0f} MiB in the largest finished child   "
        f"target ≤ {TARGET_MILLION_SECONDS:.0f} s  {_verdict(wall <= TARGET_MILLION_SECONDS)}"
    )
    print(
        f"(e) two busy processes got {before:.2f} CPUs before, {after:.2f} after ({_load()}); "
        f"on two free CPUs the run's CPU time would take about {cpu / 2:.0f} s"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{SCALING_CLIENTS_QUICK:,} clients for (b) and fewer for (c)",
    )
    parser.add_argument(
        "--million", action="store_true", help=f"also (e): {MILLION:,} clients on 2 workers"
    )
    parser.add_argument(
        "--only", default="abcd", help="the figures to measure, e.g. ``ab`` (default: abcd)"
    )
    args = parser.parse_args(argv)
    print(
        f"Python {sys.version.split()[0]}, simpy {simpy.__version__}, "
        f"{cpu_count()} of {os.cpu_count()} CPUs usable, "
        f"{_load()}"
    )
    if "a" in args.only:
        throughput(THROUGHPUT_CLIENTS, REPEATS)
    if "b" in args.only:
        scaling(SCALING_CLIENTS_QUICK if args.quick else SCALING_CLIENTS, SCALING_REPEATS)
    if "c" in args.only:
        memory(MEMORY_CLIENTS_QUICK if args.quick else MEMORY_CLIENTS)
    if "d" in args.only:
        cli(CLI_REPEATS)
    if args.million or "e" in args.only:
        million(MILLION)
    print(f"done; {_load()} (other work on the machine skews (a)–(d), (b) most)")


if __name__ == "__main__":
    main()
