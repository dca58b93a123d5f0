"""``retroprog check``: a policy against every safety invariant (Hypothesis)."""

from __future__ import annotations

from typing import Any

import click

import retroprog

from ..extras import MissingExtraError, require
from .app import EXIT_VIOLATION, cli, examples
from .options import PARAM_HELP, collect, param_option, protocol_option

__all__ = ["check"]


@cli.command(
    epilog=examples(
        "retroprog check reference",
        "retroprog check staircase --param successes_to_progress=1 --examples 500",
        "retroprog check mypolicies:cautious --protocol my-protocol.toml --seed 1",
    )
)
@click.argument("policy", metavar="POLICY")
@protocol_option("The progression protocol the policy is checked on")
@param_option(PARAM_HELP + " With MODULE:ATTRIBUTE they are passed to the factory.")
@click.option(
    "--examples",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    metavar="N",
    help="Outcome sequences tried (Hypothesis examples).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Try a different (still reproducible) set of sequences "
    "[default: the same derandomized search every run].",
)
def check(
    policy: str,
    protocol: str,
    params: tuple[tuple[str, Any], ...],
    examples: int,
    seed: int | None,
) -> None:
    """Check a policy against every safety invariant.

    Exits 0 when every invariant holds and 1 on a violation.  POLICY is a
    built-in or plug-in policy name, or MODULE:ATTRIBUTE naming a policy object,
    or a factory that --param values are passed to (the module is imported from
    the current folder or the installed packages).

    Hypothesis drives the policy through sequences of session outcomes and
    checks every decision (see the safety invariants in the docs); a violation
    is printed with the shrunk outcome sequence and the decision that broke it.
    """
    require("testing", "retroprog check")
    from retroprog.exceptions import PolicyViolation

    try:
        from retroprog.testing import check_policy
    except ImportError as exc:  # hypothesis is there, but something of it is not
        raise MissingExtraError("retroprog check", "testing", [exc.name or "hypothesis"]) from None

    loaded_protocol = retroprog.load_protocol(protocol)
    settings = collect(params, "--param")
    loaded = retroprog.load_policy(policy, **settings)
    what = loaded.name
    if settings:
        what += " with " + ", ".join(f"{key}={value!r}" for key, value in settings.items())
    try:
        check_policy(loaded, loaded_protocol, max_examples=examples, seed=seed)
    except PolicyViolation as violation:
        click.echo(f"FAIL: {what} breaks a safety invariant on {loaded_protocol.name}\n")
        click.echo(str(violation))
        raise click.exceptions.Exit(EXIT_VIOLATION) from None
    click.echo(
        f"PASS: {what} keeps every safety invariant on {loaded_protocol.name} ({examples} examples)"
    )
