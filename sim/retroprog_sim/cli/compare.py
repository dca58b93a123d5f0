"""``retroprog compare``: policies on the same clients, each compared with the first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

import retroprog

from .app import cli, examples
from .options import RunOptions, collect, param_option, run_options
from .running import experiment_argument, run_experiment_command

__all__ = ["compare", "split_params"]


def split_params(
    pairs: Sequence[tuple[str, Any]], names: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Each policy's parameters: ``KEY=V`` for all, ``POLICY.KEY=V`` for one (it wins)."""
    shared = collect(((k, v) for k, v in pairs if "." not in k), "--param")
    own: dict[str, list[tuple[str, Any]]] = {name: [] for name in names}
    for key, value in pairs:
        if "." in key:
            policy, _, param = key.rpartition(".")
            if policy not in own:
                raise click.UsageError(
                    f"--param {key}: {policy!r} is not one of the compared policies "
                    f"({', '.join(names)})"
                )
            own[policy].append((param, value))
    return {name: {**shared, **collect(own[name], f"--param {name}.")} for name in names}


@cli.command(
    epilog=examples(
        "retroprog compare experiment.toml --workers 2",
        "retroprog compare reference pain-monitoring staircase --out results",
        "retroprog compare reference cautious --param reference.stop_after=3",
    )
)
@click.argument("policies", nargs=-1, required=True, metavar="EXPERIMENT.toml | POLICY POLICY...")
@param_option(
    "A policy parameter (repeatable): KEY=VALUE sets it for every policy, "
    "POLICY.KEY=VALUE for that policy only (and wins over KEY=VALUE). "
    'The value is read as TOML: 3, 0.5, true, "text".',
    metavar="[POLICY.]KEY=VALUE",
)
@run_options(many_populations=True)
def compare(
    run: RunOptions, policies: tuple[str, ...], params: tuple[tuple[str, Any], ...]
) -> None:
    """Run policies on the same clients; compare each with the first.

    Each client meets every policy with the same luck (randomness from (seed,
    client id)), so the paired differences, with bootstrap 95 % CIs, come from
    the policies and not from chance.  Give the policies by name, or one
    experiment file (TOML) that names the protocol, policies, populations,
    clients, weeks, seeds and output folder.  With an output folder each
    finished run is saved at once, and running the same command again after an
    interruption skips the finished runs.
    """
    path = experiment_argument(policies)
    if path is not None:
        if params:
            raise click.UsageError(
                f"--param cannot be used with an experiment file: set it in {path}"
            )
        run_experiment_command(run, run.experiment_file(path, "compare"), "compare")
        return
    if len(policies) < 2:
        raise click.UsageError("compare needs at least two policies, or an experiment file")
    if len(set(policies)) < len(policies):
        raise click.UsageError(
            "compare needs different policies; to compare one policy with different "
            "parameters, write an experiment file with a label for each (see the docs, "
            "'Experiment files'), or use sweep"
        )
    settings = split_params(params, policies)
    loaded = [retroprog.load_policy(name, **settings[name]) for name in policies]
    names = [p.name for p in loaded]
    if len(set(names)) < len(names):
        raise click.UsageError(f"the policies' names clash ({', '.join(names)})")
    from ..experiment.model import PolicyEntry

    entries = [PolicyEntry(name, params=settings[name]) for name in policies]
    run_experiment_command(run, run.experiment("compare", entries), "compare")
