"""``retroprog simulate``: one policy on a population."""

from __future__ import annotations

from typing import Any

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
    )
)
@policy_option()
@param_option()
@run_options()
def simulate(run: RunOptions, policy: str, params: tuple[tuple[str, Any], ...]) -> None:
    """Simulate one policy on a population and print its figures."""
    from .. import execute
    from ..present import documents, files, tables

    spec = run.spec(retroprog.load_policy(policy, **collect(params, "--param")))
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
