"""Median microseconds per decision (``decide`` including the state update), per policy.

Run with ``python benchmarks/decide.py``.  Each policy first plays a realistic
session log — mostly clean sessions, some difficult, some adverse, a resume
after each stop and a new client after each completion — and the benchmark
then times ``policy.decide`` over the (state, outcome) pairs of that replay,
cycling through them: ``RUNS`` runs of ``DECISIONS`` decisions each, timed with
``time.perf_counter_ns``; the figure is the median run divided by its decisions.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from typing import TYPE_CHECKING

import retroprog
from retroprog import SessionOutcome

if TYPE_CHECKING:
    from collections.abc import Sequence

    from retroprog import ClientState, RegressionPolicy

RUNS = 21
DECISIONS = 20_000
#: distinct (state, outcome) pairs cycled through in each run
PAIRS = 2_000
TARGET_US = 10.0
SEED = 20240501


def _outcome(rng: random.Random, day: int, *, resume: bool) -> SessionOutcome:
    """One session from the mix: ~80 % clean, ~13 % difficult, ~7 % adverse."""
    roll = rng.random()
    if roll < 0.70:
        return SessionOutcome(day=day, resume=resume)
    if roll < 0.80:  # clean but with a little pain, some of it reported the next day
        pain = rng.randint(1, 2)
        next_day = rng.choice([None, 0, 1, pain])
        return SessionOutcome(day=day, pain=pain, next_day_pain=next_day, rpe=4, resume=resume)
    if roll < 0.93:  # difficulty
        kind = rng.randrange(4)
        if kind == 0:
            return SessionOutcome(day=day, completed=False, resume=resume)
        if kind == 1:
            return SessionOutcome(day=day, dizziness=True, resume=resume)
        if kind == 2:
            return SessionOutcome(day=day, rpe=8.5, resume=resume)
        return SessionOutcome(day=day, bouts_completed=0, resume=resume)
    kind = rng.randrange(4)  # adverse
    if kind == 0:
        return SessionOutcome(day=day, pain=rng.randint(3, 6), resume=resume)
    if kind == 1:
        return SessionOutcome(day=day, balance_losses=rng.randint(1, 2), resume=resume)
    if kind == 2:
        return SessionOutcome(day=day, form_breakdown=True, resume=resume)
    return SessionOutcome(day=day, pain=4, next_day_pain=rng.randint(3, 5), resume=resume)


def replay_pairs(
    protocol: retroprog.ProgressionProtocol, policy: RegressionPolicy, count: int, seed: int
) -> list[tuple[ClientState, SessionOutcome]]:
    """The (state before, outcome) pairs of ``count`` sessions played with ``policy``."""
    rng = random.Random(seed)
    pairs: list[tuple[ClientState, SessionOutcome]] = []
    state = protocol.start()
    day = 0
    while len(pairs) < count:
        day += rng.choice([1, 2, 2, 3, 3, 4, 7, 16])  # sessions ~3 a week, now and then a gap
        outcome = _outcome(rng, day, resume=state.status is retroprog.Status.STOPPED)
        pairs.append((state, outcome))
        state = policy.decide(protocol, state, outcome).state
        if state.status is retroprog.Status.COMPLETED:
            state, day = protocol.start(), 0  # the next client
    return pairs


def time_policy(
    protocol: retroprog.ProgressionProtocol,
    policy: RegressionPolicy,
    pairs: Sequence[tuple[ClientState, SessionOutcome]],
    *,
    runs: int,
    decisions: int,
) -> list[int]:
    """Nanoseconds of each run of ``decisions`` decisions."""
    work = [pairs[i % len(pairs)] for i in range(decisions)]
    decide = policy.decide
    for state, outcome in work[:1_000]:  # warm up
        decide(protocol, state, outcome)
    timings = []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(runs):
            start = time.perf_counter_ns()
            for state, outcome in work:
                decide(protocol, state, outcome)
            timings.append(time.perf_counter_ns() - start)
            gc.collect()
    finally:
        if gc_was_enabled:
            gc.enable()
    return timings


def mix(
    protocol: retroprog.ProgressionProtocol, pairs: Sequence[tuple[ClientState, SessionOutcome]]
) -> str:
    """How the timed sessions split as the reference policy judges them."""
    judge = retroprog.RulePolicy().judge
    counts = {"clean": 0, "difficult": 0, "adverse": 0}
    for state, outcome in pairs:
        adverse, difficulty, _ = judge(outcome, bouts=protocol.stage(state.stage).bouts)
        counts["adverse" if adverse else "difficult" if difficulty else "clean"] += 1
    return ", ".join(f"{k} {100 * v / len(pairs):.0f} %" for k, v in counts.items())


def main(argv: Sequence[str] | None = None) -> int:
    """Print the median µs per decision of each built-in policy, and all guards."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--decisions", type=int, default=DECISIONS)
    args = parser.parse_args(argv)

    protocol = retroprog.load_protocol("retro-walk-run")
    names = ("reference", "pain-monitoring", "staircase")
    policies: list[tuple[str, RegressionPolicy]] = [(n, retroprog.load_policy(n)) for n in names]
    policies.append(("reference+guards", retroprog.guarded(retroprog.load_policy("reference"))))

    print(
        f"retroprog {retroprog.__version__}, Python {sys.version.split()[0]}: "
        f"median of {args.runs} runs of {args.decisions:,} decisions, "
        f"cycling through {PAIRS:,} (state, outcome) pairs of each policy's own replay"
    )
    results: dict[str, float] = {}
    for label, policy in policies:
        pairs = replay_pairs(protocol, policy, PAIRS, SEED)
        timings = time_policy(protocol, policy, pairs, runs=args.runs, decisions=args.decisions)
        per_decision = [ns / args.decisions / 1_000 for ns in timings]
        results[label] = statistics.median(per_decision)
        # the pairs hold several clients one after another: decide each, not one replay
        actions = {policy.decide(protocol, state, outcome).action.value for state, outcome in pairs}
        print(
            f"{label:<18} {results[label]:6.2f} us/decision "
            f"(min {min(per_decision):.2f}, max {max(per_decision):.2f}; {mix(protocol, pairs)}; "
            f"actions seen: {', '.join(sorted(actions))})"
        )
    print(f"target: reference <= {TARGET_US:g} us")
    met = results["reference"] <= TARGET_US
    print(f"reference: {results['reference']:.2f} us — {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
