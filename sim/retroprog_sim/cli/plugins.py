"""``retroprog plugins``: protocols, policies and populations, built-in and plug-in."""

from __future__ import annotations

import json

import click

from retroprog.exceptions import PluginError
from retroprog.plugins import GROUPS, load_all

from ..present import terminal
from ..present.tables import Table
from .app import cli

__all__ = ["plugins"]


_KINDS = {
    "retroprog.protocols": "protocol",
    "retroprog.policies": "policy",
    "retroprog.populations": "population",
}


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON on stdout.")
def plugins(as_json: bool) -> None:
    """List protocols, policies and populations, built-in and plug-in.

    A plug-in that fails to load is listed with its error; the others still work.
    """
    rows: list[dict[str, str]] = []
    for group in GROUPS:
        report = load_all(group)
        kind = _KINDS.get(group, group)
        for name, spec in report.specs.items():
            error = report.broken.get(name) if name not in report.loaded else None
            rows.append(
                {
                    "kind": kind,
                    "name": name,
                    "source": spec.source,
                    "value": spec.value,
                    "status": "ok" if error is None else "broken",
                    "error": "" if error is None else _plugin_error(error),
                }
            )
        for name, error in report.broken.items():
            if name in report.loaded:  # an entry point that clashes with a built-in
                rows.append(
                    {
                        "kind": kind,
                        "name": name,
                        "source": "entry point",
                        "value": "",
                        "status": "broken",
                        "error": _plugin_error(error),
                    }
                )
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(
        "Protocols, policies and populations",
        ("kind", "name", "source", "status"),
        tuple(
            (
                row["kind"],
                row["name"],
                row["source"],
                "ok" if row["status"] == "ok" else f"broken: {row['error']}",
            )
            for row in rows
        ),
        left=frozenset({1, 2, 3}),
    )
    terminal.echo_table(table)


def _plugin_error(error: PluginError) -> str:
    cause = error.error
    return f"{type(cause).__name__}: {cause}"
