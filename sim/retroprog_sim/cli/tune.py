"""``retroprog tune``: search a policy's parameters under limits, safely; confirm the winner."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs
import click

from .app import EXIT_ERROR, EXIT_INTERRUPTED, INTERRUPTS, Stopped, cli, examples, interruptible
from .options import RunOptions, run_options
from .running import claimed, show

if TYPE_CHECKING:
    from ..present.tables import Table
    from ..tuning import TuneResult

__all__ = ["tune"]


@cli.command(
    epilog=examples(
        "retroprog tune tune.toml --out tuned --workers 2",
        "retroprog tune tune.toml --trials 100      continue the same study to 100 trials",
        "retroprog tune tune.toml --dask tcp://scheduler:8786",
    )
)
@click.argument("experiment_file", metavar="EXPERIMENT.toml")
@click.option(
    "--trials",
    type=click.IntRange(1),
    default=None,
    metavar="N",
    help="Trials in all (overrides the file's [tune] trials; a finished study continues).",
)
@run_options(many_populations=True)
def tune(run: RunOptions, experiment_file: str, trials: int | None) -> None:
    """Search a policy's parameters for the best objective under limits on figures.

    The experiment file's [tune] table says whose parameters are searched, over
    what space, for which objective and under which upper limits; the rest of
    the file (clients, weeks, seeds, populations, protocol, the baseline
    [[policies]] entry) means what it means for compare.  Every candidate is
    first checked against the safety invariants (a candidate that breaks one is
    never simulated), then simulated on the same training clients; the best
    feasible candidates are then compared with the baseline on fresh clients
    (confirm_seeds).  The study is kept in DIR/study.sqlite3: run the same
    command again to resume a stopped tuning.  Writes tune.json, tuned.toml (a
    [[policies]] entry, when a candidate passed confirmation) and report.html.
    """
    from ..present import tuning as present
    from ..tuning import STUDY
    from ..tuning import tune as run_tune

    experiment = run.experiment_file(experiment_file, "tune")
    if trials is not None and experiment.tune is not None:
        experiment = attrs.evolve(experiment, tune=attrs.evolve(experiment.tune, trials=trials))
    spec = experiment.tune
    assert spec is not None  # checked by the file's reader
    assert experiment.out is not None  # the file's folder by default
    out = experiment.out
    done = [0]

    def stopped(reason: str = "interrupted", code: int = EXIT_INTERRUPTED) -> Stopped:
        return Stopped(
            f"{reason}; {done[0]} of {spec.trials} trials are saved in {out / STUDY}; "
            "run the same command again to continue",
            code,
        )

    with claimed(out), interruptible(stopped):
        with (
            run.executor() as executor,
            run.progress_bar("tuning", spec.trials, unit="trials") as bar,
        ):

            def progress(finished: int, total: int, best: str) -> None:
                done[0] = finished
                bar(finished, total, best)

            try:
                result = run_tune(experiment, executor=executor, progress=progress)
            except Exception as exc:
                from .running import _worker_lost

                if INTERRUPTS.seen or not _worker_lost(exc):
                    raise
                raise stopped(
                    f"a worker was lost ({type(exc).__name__}: {exc})", EXIT_ERROR
                ) from None
        INTERRUPTS.check()
        if result.resumed:
            click.echo(
                f"resumed: {result.resumed} of {spec.trials} trials were already finished in "
                f"{out / STUDY}",
                err=True,
            )
        show(
            run,
            out,
            write=lambda folder: present.write_tune(result, folder),
            document=lambda: present.tune_document(result),
            shown=lambda: _shown(result),
        )


def _shown(result: TuneResult) -> Iterator[Table | None]:
    """The best candidates, then the confirmation."""
    from ..present import tuning as present

    first, confirmation = present.tune_tables(result)
    yield first
    yield None
    yield confirmation
    yield None
