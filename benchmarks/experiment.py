"""Figures of experiments: what saving runs costs, what resuming saves, report time.

Run with ``python benchmarks/experiment.py`` (``--quick``: fewer clients).  Prints:

(a) a sweep of 8 cells in-process, with no output folder (``out=None``) and with
    one (each finished run saved in ``cells/``): the cost of saving, as a ratio;
(b) the same sweep run again on the folder (every run reused from ``cells/``),
    against running it: what resuming saves, as a ratio;
(c) the size of a saved run per client (traces of 5 clients included);
(d) ``write_experiment`` with and without plots: the time to write the tables and
    the report of the 8 runs.

Each figure is the median of ``REPEATS`` runs, timed alternately in one process,
so that the ratios compare like with like on a shared machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from retroprog_sim import (
    Experiment,
    PolicyEntry,
    PopulationEntry,
    run_experiment,
    write_experiment,
)

if TYPE_CHECKING:
    from collections.abc import Callable

REPEATS = 5


def experiment(clients: int) -> Experiment:
    return Experiment(
        [PolicyEntry("staircase", grid={"successes_to_progress": [2, 3], "stop_after": [2, 3]})],
        populations=[PopulationEntry("general"), PopulationEntry("athlete")],
        clients=clients,
        weeks=16,
        seeds=[0],
        traces=5,
    )


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def measure(sweep: Experiment, folder: Path) -> tuple[float, ...]:
    """Seconds to run, run and save, rerun (reused), write tables, write the report; bytes."""
    cells = len(sweep.cells("sweep"))
    bare = timed(lambda: run_experiment(sweep, "sweep"))
    saving = timed(lambda: run_experiment(sweep, "sweep", out=folder))
    result = run_experiment(sweep, "sweep", out=folder)
    assert result.reused == cells
    resumed = timed(lambda: run_experiment(sweep, "sweep", out=folder))
    stored = sum(p.stat().st_size for p in (folder / "cells").iterdir())
    tables = timed(lambda: write_experiment(result, folder / "t", plots=False))
    reports = timed(lambda: write_experiment(result, folder / "r"))
    return bare, saving, resumed, tables, reports, float(stored)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 clients per run, not 500")
    args = parser.parse_args()
    clients = 100 if args.quick else 500
    sweep = experiment(clients)
    cells = len(sweep.cells("sweep"))
    print(
        f"a sweep of {cells} runs of {clients} clients, 16 weeks, in-process; medians of {REPEATS}"
    )

    bare: list[float] = []
    saving: list[float] = []
    resumed: list[float] = []
    tables: list[float] = []
    reports: list[float] = []
    sizes: list[float] = []
    for _ in range(REPEATS):
        folder = Path(tempfile.mkdtemp(prefix="retroprog-bench-"))
        try:
            figures = measure(sweep, folder)
        finally:
            shutil.rmtree(folder)
        for values, value in zip(
            (bare, saving, resumed, tables, reports), figures[:5], strict=True
        ):
            values.append(value)
        sizes.append(figures[5] / (cells * clients))

    def median(values: list[float]) -> float:
        return statistics.median(values)

    print(
        f"(a) run, no folder: {median(bare):.2f} s; saving each run: {median(saving):.2f} s; "
        f"ratio {median(saving) / median(bare):.3f}"
    )
    print(
        f"(b) rerun, every run reused: {median(resumed):.3f} s; "
        f"{median(bare) / median(resumed):.0f}× faster than running"
    )
    print(f"(c) a saved run: {median(sizes):.0f} bytes per client")
    print(
        f"(d) write_experiment: tables and report without plots {median(tables):.2f} s; "
        f"with plots {median(reports):.2f} s"
    )


if __name__ == "__main__":
    main()
