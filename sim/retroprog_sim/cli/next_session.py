"""``retroprog next``: a client's next prescription, and why, from the session log.

This command needs the core alone: nothing here loads the simulation engine.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import click

import retroprog

from ..present.terminal import clean
from .app import cli, examples
from .options import collect, param_option, policy_option, protocol_option
from .sessions import EXAMPLE, fields_help

__all__ = ["load", "next_", "show_next"]


def _help() -> str:
    example = json.dumps(EXAMPLE)
    return inspect.cleandoc(f"""Print the next prescription for a session log, and why.

    LOG.jsonl is the client's session log: one session a line, oldest first,
    each a JSON object with any of these fields (a field left out takes its
    default, a line without "schema" is the current schema; blank lines are
    skipped):

    \b
{fields_help(indent="    ")}

    \b
    Example line:
      {example}

    The log is replayed from the start through the policy, so a corrected or
    amended session (e.g. next-day pain added later) re-plans cleanly.  To
    record a session without writing JSON, use 'retroprog log add'.
    """)


@cli.command(
    "next",
    help=_help(),
    epilog=examples(
        "retroprog next client.jsonl",
        "retroprog next client.jsonl --policy pain-monitoring --json",
        "retroprog log add client.jsonl --pain 2 --show-next",
    ),
)
@click.argument("log", metavar="LOG.jsonl")
@protocol_option()
@policy_option()
@param_option()
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON object: action, prescription, reasons, explanation, state.",
)
def next_(  # noqa: D103 (its help is _help())
    log: str, protocol: str, policy: str, params: tuple[tuple[str, Any], ...], as_json: bool
) -> None:
    loaded = load(protocol, policy, params)  # a wrong name is said before the log is read
    show_next(retroprog.read_log(log), *loaded, as_json=as_json)


def load(
    protocol: str, policy: str, params: tuple[tuple[str, Any], ...]
) -> tuple[retroprog.ProgressionProtocol, retroprog.RegressionPolicy]:
    """The protocol and the policy the options name."""
    return retroprog.load_protocol(protocol), retroprog.load_policy(
        policy, **collect(params, "--param")
    )


def show_next(
    outcomes: list[retroprog.SessionOutcome],
    loaded_protocol: retroprog.ProgressionProtocol,
    loaded_policy: retroprog.RegressionPolicy,
    *,
    as_json: bool = False,
) -> None:
    """Print the next prescription after ``outcomes``, and why (as ``retroprog next``)."""
    decisions = retroprog.replay(loaded_protocol, loaded_policy, outcomes)
    if decisions:
        last = decisions[-1]
        action: str | None = last.action.value
        state, prescription = last.state, last.prescription
        reasons, explanation = list(last.reasons), last.explanation
    else:
        action, reasons = None, []
        state = retroprog.start(loaded_protocol)
        prescription = loaded_protocol.prescribe(state)
        explanation = "no sessions logged yet: start at the protocol's first stage"
    if as_json:
        document = {
            "action": action,
            "prescription": None if prescription is None else retroprog.to_dict(prescription),
            "reasons": reasons,
            "explanation": explanation,
            "state": retroprog.to_dict(state),
            "sessions": len(decisions),
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    lines = []
    if prescription is not None:
        lines.append(f"next session: {prescription}")
    elif state.status is retroprog.Status.STOPPED:
        lines.append("next session: none; the client is stopped (avoid the exercise and refer)")
    else:
        lines.append("next session: none; the protocol is complete")
    lines.append(f"why:          {explanation}")
    if action is not None:
        lines.append(f"decision:     {action} ({', '.join(reasons) or 'no reason codes'})")
    stage = loaded_protocol.stage(state.stage)
    where = stage.level_name(state.level) if stage.levels else f"{state.stage} at {state.level} s"
    lines.append(f"state:        {state.status}, {where}, {len(decisions)} session(s) logged")
    for line in lines:  # stage names come from the protocol file: no escape sequences
        click.echo(clean(line))
