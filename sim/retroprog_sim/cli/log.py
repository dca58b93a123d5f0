"""``retroprog log``: record a session in a client's log without writing JSON.

``log add`` appends a session, ``log amend`` changes the last one (next-day
pain arrives the morning after).  The log is checked as ``retroprog next``
reads it (every line, and days or dates in order) and rewritten whole or not
at all, so a log is never left with half a line.  Needs the core alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import retroprog

from ..present.terminal import clean
from .app import cli, examples
from .next_session import load, show_next
from .options import param_option, policy_option, protocol_option
from .sessions import given, outcome_options, recorded

__all__ = ["add", "amend", "log"]


@cli.group(
    epilog=examples(
        "retroprog log add client.jsonl --pain 2 --date 2025-03-04",
        "retroprog log amend client.jsonl --next-day-pain 4",
        "retroprog log add client.jsonl --balance-losses 1 --show-next",
    )
)
def log() -> None:
    """Record sessions in a client's session log (JSON Lines), one option per field."""


def _read(path: Path) -> list[retroprog.SessionOutcome]:
    return retroprog.read_log(path) if path.exists() else []


def _write(path: Path, outcomes: list[retroprog.SessionOutcome], what: str) -> None:
    """Check the log as ``next`` reads it, then write it whole; a problem names ``what``."""
    text = retroprog.dumps_log(outcomes)
    try:
        retroprog.loads_log(text, source=str(path))  # days or dates in order
    except retroprog.exceptions.SessionLogError as exc:
        problems = "; ".join(p.message for p in exc.problems)
        raise click.ClickException(f"{path}: {what} cannot be recorded: {problems}") from None
    retroprog.write_log(path, outcomes)


def _next_options(command: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--show-next",
                is_flag=True,
                help="Then print the next prescription and why (as retroprog next).",
            ),
            protocol_option("With --show-next, the protocol"),
            policy_option("With --show-next, the policy"),
            param_option(),
        ]
    ):
        command = option(command)
    return command


@log.command()
@click.argument("path", metavar="LOG.jsonl", type=click.Path(dir_okay=False, path_type=Path))
@outcome_options
@_next_options
def add(
    path: Path,
    show_next: bool,
    protocol: str,
    policy: str,
    params: tuple[tuple[str, Any], ...],
    **fields: Any,
) -> None:
    """Append one session to LOG.jsonl (created if missing).

    Give what happened; anything not given is a clean, completed session's
    value (no pain, no balance loss...).  Next-day pain may be given now or
    later with 'retroprog log amend'.
    """
    loaded = load(protocol, policy, params) if show_next else None  # a wrong name: nothing written
    outcome = retroprog.SessionOutcome(**given(fields))
    outcomes = [*_read(path), outcome]
    _write(path, outcomes, f"session {len(outcomes)}")
    click.echo(clean(f"recorded session {len(outcomes)} in {path}: {recorded(outcome)}"))
    _after(path, outcomes, loaded)


@log.command()
@click.argument("path", metavar="LOG.jsonl", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--session",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="The session to amend, counted from 1  [default: the last].",
)
@outcome_options
@_next_options
def amend(
    path: Path,
    session: int | None,
    show_next: bool,
    protocol: str,
    policy: str,
    params: tuple[tuple[str, Any], ...],
    **fields: Any,
) -> None:
    """Change fields of the last session (or --session N), e.g. --next-day-pain 4."""
    changes = given(fields)
    loaded = load(protocol, policy, params) if show_next else None
    if not changes:
        raise click.UsageError("give at least one field to change, e.g. --next-day-pain 4")
    if not path.exists():
        raise click.UsageError(f"{path} does not exist: record a session with 'retroprog log add'")
    outcomes = _read(path)
    if not outcomes:
        raise click.UsageError(f"{path} has no session to amend")
    number = len(outcomes) if session is None else session
    if number > len(outcomes):
        raise click.BadParameter(
            f"{path} has {len(outcomes)} session(s), got {number}", param_hint="--session"
        )
    outcomes = retroprog.amend_log(outcomes, number - 1, **changes)
    _write(path, outcomes, f"session {number}")
    click.echo(clean(f"amended session {number} in {path}: {recorded(outcomes[number - 1])}"))
    _after(path, outcomes, loaded)


def _after(
    path: Path,
    outcomes: list[retroprog.SessionOutcome],
    loaded: tuple[retroprog.ProgressionProtocol, retroprog.RegressionPolicy] | None,
) -> None:
    if loaded is not None:
        show_next(outcomes, *loaded)
    else:
        click.echo(clean(f"the next prescription: retroprog next {path}"))
