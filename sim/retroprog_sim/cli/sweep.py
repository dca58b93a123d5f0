"""``retroprog sweep``: policies over a grid of their parameters, populations and seeds."""

from __future__ import annotations

import itertools
from typing import Any

import click

import retroprog

from .app import cli, examples
from .options import GRID, RunOptions, collect, param_option, policy_option, run_options
from .running import run_experiment_command

__all__ = ["sweep"]


@cli.command(
    epilog=examples(
        "retroprog sweep experiment.toml --dask tcp://scheduler:8786",
        "retroprog sweep --grid stop_after=1,2,3 --grid successes_to_progress=2,3",
        "retroprog sweep --policy staircase --grid step_shrink=0.5,1.0 "
        "--population general --population athlete --clients 300",
    )
)
@click.argument("experiment_file", required=False, metavar="[EXPERIMENT.toml]")
@policy_option("The policy swept")
@param_option("A policy parameter fixed for every cell (repeatable; the value is read as TOML).")
@click.option(
    "--grid",
    "grid",
    multiple=True,
    type=GRID,
    metavar="KEY=V1,V2,...",
    help="A policy parameter and its values, split at commas (repeatable; every "
    "combination is a cell).",
)
@run_options(many_populations=True)
def sweep(
    run: RunOptions,
    experiment_file: str | None,
    policy: str,
    params: tuple[tuple[str, Any], ...],
    grid: tuple[tuple[str, tuple[Any, ...]], ...],
) -> None:
    """Run policies over a grid of their parameters, populations and seeds.

    Prints one row per cell.  Give the grid with options, or one experiment
    file (TOML) with a grid per policy.  With an output folder each finished
    cell is saved at once, and running the same command again after an
    interruption skips the finished cells.
    """
    if experiment_file is not None:
        ctx = click.get_current_context()
        for name, option in (("policy", "--policy"), ("params", "--param"), ("grid", "--grid")):
            if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE:
                raise click.UsageError(
                    f"{option} cannot be used with an experiment file: set it in {experiment_file}"
                )
        run_experiment_command(run, run.experiment_file(experiment_file, "sweep"), "sweep")
        return
    from ..experiment.check import too_many_runs
    from ..experiment.model import PolicyEntry

    fixed = collect(params, "--param")
    axes = collect(grid, "--grid")
    for key in axes:
        if key in fixed:
            raise click.UsageError(f"{key} is given both as --param and as --grid")
    experiment = run.experiment("sweep", [PolicyEntry(policy, params=fixed, grid=axes)])
    too_many = too_many_runs(experiment)  # counted before any cell is built
    if too_many is not None:
        raise click.UsageError(f"--grid: {too_many.message}")
    names = list(axes)
    for values in itertools.product(*axes.values()):  # every cell's policy is valid before running
        retroprog.load_policy(policy, **fixed, **dict(zip(names, values, strict=True)))
    for name in run.populations:
        run.population(name)
    retroprog.load_protocol(run.protocol)
    run_experiment_command(run, experiment, "sweep")
