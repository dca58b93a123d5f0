"""``retroprog fit``: a population fitted to a clinic's session logs, and its model check."""

from __future__ import annotations

from pathlib import Path

import click

from .app import cli, examples
from .options import (
    executor_options,
    policy_option,
    protocol_option,
    setting_options,
    with_options,
)

__all__ = ["ROUGH_BOOTSTRAP", "fit"]

#: Fewer bootstrap clinics than this give rough intervals (the terminal says so).
ROUGH_BOOTSTRAP = 20


@cli.command(
    epilog=examples(
        "retroprog fit logs/ --protocol retro-walk-run --policy reference --out clinic.toml",
        "retroprog fit logs/*.jsonl --prior deconditioned --workers 2 --out clinic.toml",
        "retroprog simulate --population clinic.toml --policy staircase",
    )
)
@click.argument("logs", nargs=-1, required=True, type=click.Path(path_type=Path))
@protocol_option("The protocol the logs followed")
@policy_option("The policy that prescribed the logged sessions")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    metavar="FILE.toml",
    help="Write the fitted population here (an ordinary population file).",
)
@click.option(
    "--prior",
    default="general",
    show_default=True,
    metavar="NAME",
    help="The population to start from and shrink towards (a preset or a file).",
)
@click.option(
    "--prior-weight",
    type=click.FloatRange(min=0.0),
    default=10.0,
    show_default=True,
    metavar="CLIENTS",
    help="How strongly to shrink towards the prior, in clients like the logs'.",
)
@click.option(
    "--name",
    default=None,
    metavar="NAME",
    help="The fitted population's name (default: the output file's stem).",
)
@click.option(
    "--report",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Write the model-checking report here (default: FILE-report/).",
)
@click.option(
    "--replicates",
    type=click.IntRange(min=2),
    default=20,
    show_default=True,
    help="Simulated clinics, each as many clients as the logs, for the model check.",
)
@click.option(
    "--skip-bad", is_flag=True, help="Skip logs that do not replay (listed in the report)."
)
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="N",
    help="Intervals from N simulated clinics fitted again (a parametric bootstrap; "
    "N fits more); 0: Wald intervals from the logs.",
)
@with_options(*setting_options("weeks", "sessions_per_week", "seed"), *executor_options())
def fit(
    logs: tuple[Path, ...],
    protocol: str,
    policy: str,
    out: Path,
    prior: str,
    prior_weight: float,
    weeks: int,
    sessions_per_week: int,
    name: str | None,
    report: Path | None,
    replicates: int,
    skip_bad: bool,
    bootstrap: int,
    seed: int,
    workers: int,
    dask: str | None,
) -> None:
    """Fit a population to session logs (files, or folders of *.jsonl) and check the fit.

    The logs are replayed under the protocol and policy; each client parameter's
    median and spread across clients is fitted by maximum marginal likelihood,
    shrunk towards --prior; what the logs cannot tell stays the prior's and is
    named.  The report sets your clinic's figures beside the fitted population's
    simulations, with a verdict for each.
    """
    import retroprog
    from retroprog.support import write_text_atomic

    from ..executors import executor_for
    from ..fit.check import check_fit
    from ..fit.parameters import FIXED, WEAK
    from ..fit.population import fit_population
    from ..model.population import population_toml
    from ..present.fit_report import write_fit_report

    if 0 < bootstrap < ROUGH_BOOTSTRAP:
        click.echo(
            f"retroprog: note: --bootstrap {bootstrap}: intervals from fewer than "
            f"{ROUGH_BOOTSTRAP} clinics are rough (their ends are the refits' extremes)",
            err=True,
        )
    with executor_for(workers, dask) as executor:
        result = fit_population(
            logs,
            protocol=retroprog.load_protocol(protocol),
            policy=retroprog.load_policy(policy),
            prior=prior,
            weeks=weeks,
            sessions_per_week=sessions_per_week,
            name=name or _name(out),
            weight=prior_weight,
            seed=seed,
            executor=executor,
            skip_bad=skip_bad,
            bootstrap=bootstrap,
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out, population_toml(result.population))
        check = check_fit(result, replicates=replicates, seed=seed + 1, executor=executor)
    folder = report if report is not None else out.with_name(out.stem + "-report")
    folder.mkdir(parents=True, exist_ok=True)
    page = write_fit_report(result, check, folder / "report.html")
    fitted = sum(p.low is not None for p in result.parameters)
    click.echo(
        f"fitted {fitted} population parameters to {result.logs.clients} clients' logs "
        f"({result.logs.sessions} sessions): {out}"
    )
    weak = [f"{p.name} ({p.part})" for p in result.parameters if p.status == WEAK]
    if weak:
        click.echo(
            "  weakly identified (the logs say little about them per client; "
            f"their intervals are wide): {', '.join(weak)}"
        )
    for p in result.parameters:
        if p.low is None and p.status != FIXED:
            click.echo(f"  {p.name} ({p.part}): {p.status}")
    for file, why in result.skipped:
        click.echo(f"  skipped {file}: {why}")
    for v in check.verdicts:
        click.echo(f"  {v.label}: {v.words()}")
    click.echo(f"report: {page}")


def _name(out: Path) -> str:
    import re

    stem = re.sub(r"[^a-z0-9-]+", "-", out.stem.lower()).strip("-")
    return stem or "fitted"
