"""``retroprog simulate``: one policy on a population."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import click

import retroprog

from ..folder import MANIFEST
from .app import EXIT_INTERRUPTED, INTERRUPTS, Stopped, cli, examples, interruptible
from .options import RunOptions, collect, param_option, policy_option, run_options
from .running import claimed, show

__all__ = ["simulate"]


@cli.command(
    epilog=examples(
        "retroprog simulate --policy staircase --population deconditioned --out results",
        "retroprog simulate --param stop_after=3 --population-param heterogeneity=0.5",
        "retroprog simulate --protocol couch-to-5k --population novice-runner --logs logs",
    )
)
@policy_option()
@param_option()
@run_options()
@click.option(
    "--logs",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write every client's session log (JSONL, as retroprog next reads) and "
    "truth.jsonl (each client's drawn parameters) into this folder.",
)
def simulate(
    run: RunOptions, policy: str, params: tuple[tuple[str, Any], ...], logs: Path | None
) -> None:
    """Simulate one policy on a population and print its figures."""
    from .. import execute
    from ..present import documents, files, tables

    spec = run.spec(retroprog.load_policy(policy, **collect(params, "--param")))
    if logs is not None:  # every client's sessions are kept, to be written as logs
        spec = attrs.evolve(
            spec, settings=attrs.evolve(spec.settings, trace_clients=spec.settings.clients)
        )
    out = run.out

    def stopped() -> Stopped:
        if out is None:
            return Stopped("interrupted", EXIT_INTERRUPTED)
        if (out / MANIFEST).exists():
            return Stopped(f"interrupted; the results are written in {out}", EXIT_INTERRUPTED)
        return Stopped(
            f"interrupted; {out} holds no complete results (no {MANIFEST}); "
            "run the same command again",
            EXIT_INTERRUPTED,
        )

    with claimed(out), interruptible(stopped):
        clients = spec.settings.clients
        with run.executor() as executor, run.progress_bar("simulating", clients) as bar:
            result = execute.simulate(spec, executor=executor, progress=bar)
        INTERRUPTS.check()
        if logs is not None:
            files.write_logs(result, logs)
        summary = result.summary
        caption = f"{summary.protocol}: {summary.policy} policy, {summary.population} population"
        caption += f" ({summary.weeks} weeks, seed {summary.seed})"
        show(
            run,
            out,
            write=lambda folder: files.write_outputs(result, folder),
            document=lambda: documents.summary_document(result),
            shown=lambda: [tables.runs_table(caption, [("", result)])],  # the caption names it
        )
