"""Running from the command line: the output folder claimed, Ctrl-C handled, results shown.

``compare`` and ``sweep`` are experiments; :func:`run_experiment_command`
runs one, saving each finished run, then writes and prints its results.
The heavy parts of the harness are imported only when a run starts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..folder import claim
from ..present import terminal
from ..present.terminal import clean
from .app import EXIT_ERROR, EXIT_INTERRUPTED, INTERRUPTS, Stopped, interruptible
from .options import RunOptions

if TYPE_CHECKING:
    from rich.console import Console

    from ..experiment.model import Cell, Experiment, Kind
    from ..present.tables import Table

__all__ = ["claimed", "experiment_argument", "run_experiment_command", "show", "written"]


def claimed(out: Path | None) -> contextlib.AbstractContextManager[Any]:
    """The output folder, claimed for this run (see :func:`retroprog_sim.folder.claim`)."""
    return contextlib.nullcontext() if out is None else claim(out)


def run_experiment_command(run: RunOptions, experiment: Experiment, kind: Kind) -> None:
    """Run an experiment (saving each finished run), then write and print its results."""
    from ..experiment.run import CELLS, run_experiment
    from ..present import documents, files, tables

    cells = experiment.cells(kind)
    out = experiment.out
    saved: list[Cell] = []
    reused: list[Cell] = []

    def finished(cell: Cell, from_store: bool) -> None:
        (reused if from_store else saved).append(cell)

    def stopped(reason: str = "interrupted", code: int = EXIT_INTERRUPTED) -> Stopped:
        done = len(saved) + len(reused)
        if out is None:
            message = f"{reason}; nothing was saved (give --out DIR to keep finished runs)"
        else:
            message = (
                f"{reason}; {done} of {len(cells)} runs are finished and saved in "
                f"{out / CELLS}; run the same command again to finish the rest"
            )
        return Stopped(message, code)

    total = sum(cell.spec.settings.clients for cell in cells)
    description = "comparing" if kind == "compare" else "sweeping"
    with claimed(out), interruptible(stopped):
        try:
            with run.executor() as executor, run.progress_bar(description, total) as bar:
                result = run_experiment(
                    experiment, kind, executor=executor, progress=bar, finished=finished
                )
        except Exception as exc:
            if INTERRUPTS.seen or not _worker_lost(exc):
                raise
            raise stopped(f"a worker was lost ({type(exc).__name__}: {exc})", EXIT_ERROR) from None
        INTERRUPTS.check()
        if reused and out is not None:
            click.echo(
                clean(
                    f"resumed: {len(reused)} of {len(cells)} runs were already finished in "
                    f"{out / CELLS}"
                ),
                err=True,
            )
        show(
            run,
            out,
            write=lambda folder: files.write_experiment(result, folder),
            document=lambda: documents.experiment_document(result),
            shown=lambda: tables.result_tables(result),
        )


def show(
    run: RunOptions,
    out: Path | None,
    *,
    write: Callable[[Path], list[Path]],
    document: Callable[[], Any],
    shown: Callable[[], Iterable[Table | None]],
) -> None:
    """Write the results into ``out`` (if given), then print them: JSON, or the tables.

    ``shown`` gives the tables in order, ``None`` for a blank line between them.
    """
    from ..present.plain import json_text

    paths = write(out) if out is not None else []
    INTERRUPTS.check()
    if run.as_json:
        click.echo(json_text(document()), nl=False)
        return
    console = terminal.console()
    for table in shown():
        if table is None:
            console.print()
        else:
            terminal.print_table(console, table)
    if out is not None:
        written(console, out, paths)


def _worker_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says a worker process died (a process pool's or Dask's)."""
    from concurrent.futures import BrokenExecutor

    return isinstance(exc, BrokenExecutor) or type(exc).__name__ == "KilledWorker"


def experiment_argument(args: Sequence[str]) -> str | None:
    """The experiment file, when the arguments are one ``.toml`` file."""
    if len(args) == 1 and (args[0].endswith(".toml") or Path(args[0]).is_file()):
        return args[0]
    return None


def written(console: Console, out: Path, paths: Sequence[Path]) -> None:
    """Say which files (and folders) were written into ``out``."""
    entries: list[str] = []
    for path in paths:
        parts = path.relative_to(out).parts
        entry = parts[0] + ("/" if len(parts) > 1 else "")
        if entry not in entries:
            entries.append(entry)
    message = f"wrote {len(paths)} files to {out}: {', '.join(entries)}"
    console.print(terminal.text(message), soft_wrap=True)
