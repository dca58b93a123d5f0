"""``retroprog describe NAME``: a protocol, policy, population or guard, and its parameters.

Everything shown is read off the loaded object: its parameters (attrs fields)
with their defaults, types and the lines of its class's docstring that say
what they mean; a protocol's stages.  Needs the core alone (a population is
read without running anything).
"""

from __future__ import annotations

import difflib
import inspect
import json
from collections.abc import Mapping
from typing import Any

import attrs
import click

import retroprog
from retroprog.exceptions import RetroprogError, UnknownPluginError
from retroprog.plugins import GUARDS, POLICIES, POPULATIONS, PROTOCOLS, available

from ..present import terminal
from ..present.parameters import Parameter, parameters, protocol_table, text
from ..present.tables import Table
from .app import cli, examples
from .sessions import plain

__all__ = ["describe", "description"]

#: What each kind is called on the command line, and its entry-point group.
_KINDS = {"protocol": PROTOCOLS, "policy": POLICIES, "population": POPULATIONS, "guard": GUARDS}


def _load(kind: str, name: str) -> Any:
    if kind == "protocol":
        return retroprog.load_protocol(name)
    if kind == "policy":
        return retroprog.load_policy(name)
    if kind == "guard":
        return retroprog.load_guard(name)
    from ..model.population import load_population

    return load_population(name)


_PLURAL = {"protocol": "protocols", "policy": "policies", "population": "populations"}
_PLURAL["guard"] = "guards"


def _find(name: str, kind: str | None) -> tuple[str, Any]:
    """The kind and object ``name`` is: the first kind that has it, or ``kind``.

    A name is looked up among each kind's built-ins and plug-ins; a file is a
    protocol; ``MODULE:ATTR`` is whatever kind of object it gives.
    """
    kinds = [kind] if kind is not None else list(_KINDS)
    if kind is None and name.endswith(".toml"):
        kinds = ["protocol"]
    elif kind is None and ":" not in name:
        kinds = [each for each in kinds if name in available(_KINDS[each])] or kinds
    first: RetroprogError | None = None
    for each in kinds:
        try:
            return each, _load(each, name)
        except UnknownPluginError:
            continue
        except RetroprogError as exc:  # e.g. MODULE:ATTR that is another kind of object
            first = first or exc
    if first is not None and len(kinds) == 1:
        raise first
    known = {each: sorted(available(_KINDS[each])) for each in kinds}
    listing = "; ".join(
        f"{_PLURAL[each]}: {', '.join(names) or 'none'}" for each, names in known.items()
    )
    what = kind or "protocol, policy, population or guard"
    close = difflib.get_close_matches(name, [n for names in known.values() for n in names], n=1)
    guess = f"; did you mean {close[0]!r}?" if close else ""
    raise click.UsageError(f"no {what} {name!r}{guess} ({listing})")


def _summary(obj: Any) -> str:
    """The first paragraph of the object's class docstring, as plain text."""
    doc = inspect.cleandoc(type(obj).__doc__ or "")
    return plain(" ".join(doc.split("\n\n")[0].split()))


def _population_parameters(population: Any) -> list[Parameter]:
    """A population's parameters, as ``--population-param`` takes them (nested ones flat).

    A population of stated distributions (a preset or a file) takes its
    ``heterogeneity`` and each client parameter's median, shown with its spread.
    """
    distributions = getattr(population, "parameters", None)
    if isinstance(distributions, Mapping):
        from ..model.params import ClientParams
        from ..present.parameters import field_docs

        docs = field_docs(ClientParams)
        out = [p for p in parameters(population) if p.name == "heterogeneity"]
        for name, d in distributions.items():
            spread = "" if d.kind == "fixed" else f", σ {d.sigma:g}"
            shown = f"{docs.get(name, '')} (the median client's; {d.kind}{spread})"
            out.append(Parameter(name, d.median, d.median, "float", shown.strip()))
        return out
    out = []
    for p in parameters(population):
        out += parameters(p.value) if attrs.has(type(p.value)) else [p]
    return out


def description(kind: str, name: str, obj: Any) -> dict[str, Any]:
    """What ``describe`` shows, as a JSON-ready dict."""
    spec = available(_KINDS[kind]).get(name)
    # the defaults are this object's own values: what it does when nothing is given
    found = _population_parameters(obj) if kind == "population" else parameters(obj)
    document: dict[str, Any] = {
        "kind": kind,
        "name": str(getattr(obj, "name", name)),
        "source": spec.source
        if spec is not None
        else ("file" if name.endswith(".toml") else "code"),
        "where": spec.value if spec is not None else name,
        "description": getattr(obj, "description", "") or _summary(obj),
        "parameters": [
            {
                "name": p.name,
                "default": p.value,
                "type": p.type,
                "doc": plain(p.doc),
            }
            for p in found
            if kind != "protocol"
        ],
    }
    if kind == "protocol":
        document["stages"] = [
            {p.name: p.value for p in parameters(stage, skip=())} for stage in obj.stages
        ]
    return document


@cli.command(
    epilog=examples(
        "retroprog describe reference          a policy's parameters and their defaults",
        "retroprog describe retro-walk-run     a protocol's stages",
        "retroprog describe general --json     a population's parameters, as JSON",
        "retroprog describe my-protocol.toml   a protocol file",
    )
)
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice(list(_KINDS)),
    default=None,
    help="What NAME is, when a name is used by more than one kind  [default: the first found].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the description as JSON.")
def describe(name: str, kind: str | None, as_json: bool) -> None:
    """Describe a protocol, policy, population or guard: its parameters, defaults and meaning.

    NAME is a built-in or plug-in name (see 'retroprog plugins'), a protocol
    file, or MODULE:ATTR.  A policy's parameters are given to 'simulate',
    'compare' and 'next' as --param KEY=VALUE, a population's as
    --population-param KEY=VALUE.
    """
    found_kind, obj = _find(name, kind)
    document = description(found_kind, name, obj)
    if as_json:
        click.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))
        return
    lines = [f"{document['kind']} {document['name']} ({document['source']}: {document['where']})"]
    if document["description"]:
        lines.append(document["description"])
    for line in lines:
        click.echo(terminal.clean(line))
    click.echo()
    if found_kind == "protocol":
        terminal.echo_table(protocol_table(obj))
        return
    if not document["parameters"]:
        click.echo("It takes no parameters.")
        return
    given = {"policy": " (give them as --param KEY=VALUE)"}
    given["population"] = " (give them as --population-param KEY=VALUE)"
    table = Table(
        f"Parameters{given.get(found_kind, '')}",
        ("parameter", "default", "type", "meaning"),
        tuple((p["name"], text(p["default"]), p["type"], p["doc"]) for p in document["parameters"]),
        left=frozenset({2, 3}),
    )
    terminal.echo_table(table)
