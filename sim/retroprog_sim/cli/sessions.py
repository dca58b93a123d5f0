"""A session log's fields, for help texts and for the options of ``retroprog log``.

Everything here is read off :class:`retroprog.SessionOutcome` (its fields,
their defaults and the lines of its docstring), so the help and the options
never drift from what a log line may hold.  Needs the core alone.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import attrs
import click

import retroprog

from ..present.parameters import field_docs

__all__ = ["EXAMPLE", "FIELD_KINDS", "fields_help", "given", "outcome_options", "plain", "recorded"]

#: How each field's value is written on a log line.
FIELD_KINDS = {
    "completed": "true/false",
    "bouts_completed": "whole number ≥ 0",
    "pain": "0–10",
    "balance_losses": "whole number ≥ 0",
    "dizziness": "true/false",
    "form_breakdown": "true/false",
    "rpe": "number 0–10",
    "next_day_pain": "0–10",
    "day": "whole number ≥ 0",
    "date": '"YYYY-MM-DD"',
    "resume": "true/false",
}

#: A log line a coach might write by hand (it is parsed by a test).
EXAMPLE = {"pain": 2, "balance_losses": 1, "next_day_pain": 1, "date": "2025-03-04"}


def _default(field: attrs.Attribute[Any]) -> str:
    value = field.default
    if value is None:
        return "none"
    return json.dumps(value)


def plain(text: str) -> str:
    """Docstring text without reST markup: ``:meth:`amend``` → ``amend``, ````day```` → ``day``.

    >>> plain("amends it (see :meth:`amend`); give ``day`` or ``date``")
    'amends it (see amend); give day or date'
    """
    return re.sub(r"``([^`]*)``", r"\1", re.sub(r":\w+:`~?([^`]*)`", r"\1", text))


def fields_help(indent: str = "  ") -> str:
    """The fields of a log line, one a line, with their values, defaults and meaning."""
    docs = {name: plain(text) for name, text in field_docs(retroprog.SessionOutcome).items()}
    fields = attrs.fields(retroprog.SessionOutcome)
    width = max(len(f.name) for f in fields)
    lines = []
    for field in fields:
        what = f"{FIELD_KINDS.get(field.name, '')}, default {_default(field)}"
        lines.append(f"{indent}{field.name:<{width}}  {what}: {docs.get(field.name, '')}")
    return "\n".join(lines)


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date as YYYY-MM-DD") from None


def outcome_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add an option for each field of a session (all unset unless given)."""
    docs = {name: plain(text) for name, text in field_docs(retroprog.SessionOutcome).items()}

    def about(name: str) -> str:
        text = docs.get(name, "")
        return text[:1].upper() + text[1:]

    options = [
        click.option("--pain", type=click.IntRange(0, 10), metavar="0-10", help=about("pain")),
        click.option(
            "--balance-losses",
            type=click.IntRange(min=0),
            metavar="N",
            help=about("balance_losses"),
        ),
        click.option("--dizziness/--no-dizziness", default=None, help=about("dizziness")),
        click.option(
            "--form-breakdown/--no-form-breakdown", default=None, help=about("form_breakdown")
        ),
        click.option("--rpe", type=click.FloatRange(0, 10), metavar="0-10", help=about("rpe")),
        click.option(
            "--next-day-pain",
            type=click.IntRange(0, 10),
            metavar="0-10",
            help=about("next_day_pain"),
        ),
        click.option(
            "--complete/--incomplete",
            "completed",
            default=None,
            help="Every prescribed bout was completed (the default), or not.",
        ),
        click.option(
            "--bouts-completed",
            type=click.IntRange(min=0),
            metavar="N",
            help=about("bouts_completed"),
        ),
        click.option("--day", type=click.IntRange(min=0), metavar="N", help=about("day")),
        click.option("--date", metavar="YYYY-MM-DD", callback=_date, help=about("date")),
        click.option("--resume", is_flag=True, default=None, help=about("resume")),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def given(values: dict[str, Any]) -> dict[str, Any]:
    """The session fields among ``values`` that were given."""
    return {name: value for name, value in values.items() if value is not None}


def recorded(outcome: retroprog.SessionOutcome) -> str:
    """What a session says, in words: the fields that differ from a clean session."""
    defaults = retroprog.SessionOutcome()
    parts = []
    for field in attrs.fields(retroprog.SessionOutcome):
        value = getattr(outcome, field.name)
        if value == getattr(defaults, field.name):
            continue
        if field.name == "completed":
            parts.append("not completed")
        elif value is True:
            parts.append(field.name.replace("_", " "))
        elif field.name in ("pain", "next_day_pain"):
            parts.append(f"{field.name.replace('_', ' ')} {value}/10")
        else:
            parts.append(f"{field.name.replace('_', ' ')} {value}")
    return ", ".join(parts) if parts else "a clean session"
