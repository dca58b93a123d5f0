"""What a policy, guard, protocol or population is made of: its parameters, read off the object.

The report shows every run's policy and protocol with these, and ``retroprog
describe`` prints them.  A parameter is an attrs field that ``__init__`` takes:
its value, its default, its type and the line of the class's docstring that
documents it (``:param NAME: …``).  This module needs the core alone.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

import retroprog

from .tables import WIDE_LABEL_LENGTH, Table

__all__ = [
    "WIDE_POLICIES",
    "Parameter",
    "field_docs",
    "parameters",
    "policies_table",
    "policy_parameters",
    "preset_defaults",
    "protocol_table",
    "summary_line",
    "text",
]

_PARAM = re.compile(r"^\s*:param\s+(\w+):\s*(.*)$")


def field_docs(cls: type) -> dict[str, str]:
    """Each ``:param NAME: text`` of ``cls``'s docstring (and its bases'), as one line each.

    >>> field_docs(retroprog.Stage)["bouts"]
    'bouts per session.'
    """
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        current: str | None = None
        for line in inspect.cleandoc(klass.__doc__ or "").splitlines():
            found = _PARAM.match(line)
            if found:
                current = found.group(1)
                docs[current] = found.group(2).strip()
            elif current is not None and line.startswith((" ", "\t")) and line.strip():
                docs[current] += " " + line.strip()
            else:
                current = None
    return docs


@attrs.frozen
class Parameter:
    """One parameter of an object.

    :param name: the keyword it is given by.
    :param value: its value in this object.
    :param default: its default (``attrs.NOTHING`` when it has none).
    :param type: its type, as written in the class.
    :param doc: what it means (the class docstring's ``:param`` line).
    """

    name: str
    value: Any
    default: Any
    type: str
    doc: str

    @property
    def changed(self) -> bool:
        """Whether the value differs from the default."""
        return self.default is attrs.NOTHING or self.value != self.default


def _type(annotation: Any) -> str:
    if isinstance(annotation, str):
        return annotation
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


def parameters(
    obj: Any, *, defaults: Mapping[str, Any] | None = None, skip: Sequence[str] = ("name",)
) -> list[Parameter]:
    """The parameters of an attrs instance, in field order (``name`` left out).

    ``defaults`` replaces the class's defaults, e.g. with a named preset's.

    >>> [p.name for p in parameters(retroprog.load_policy("reference"))][:3]
    ['settled_pain', 'pain_threshold', 'stop_pain']
    """
    if not attrs.has(type(obj)):
        return []
    docs = field_docs(type(obj))
    out = []
    for field in attrs.fields(type(obj)):
        if not field.init or field.name in skip:
            continue
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = attrs.NOTHING
        if defaults is not None and field.name in defaults:
            default = defaults[field.name]
        out.append(
            Parameter(
                field.alias or field.name,
                getattr(obj, field.name),
                default,
                _type(field.type),
                docs.get(field.name, ""),
            )
        )
    return out


def text(value: Any) -> str:
    """A parameter's value as written in a TOML file: ``2``, ``0.5``, ``true``, ``"x"``."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return value
    if (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(v, retroprog.Segment) for v in value)
    ):  # a plan (a warm-up, a cool-down): as plan text
        return retroprog.plan_text(value)
    if (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(v, retroprog.Level) for v in value)
    ):  # a stage's levels: each plan, with the sessions it needs when it says
        return "; ".join(
            retroprog.plan_text(level.segments)
            + ("" if level.sessions is None else f" (× {level.sessions})")
            for level in value
        )
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(text(v) for v in value) + "]"
    return str(value)


def preset_defaults(policy: Any) -> dict[str, Any] | None:
    """The parameters of the named policy ``policy.name`` as loaded without any, if it loads."""
    name = getattr(policy, "name", None)
    if not isinstance(name, str):
        return None
    try:
        plain: Any = retroprog.load_policy(name)
    except Exception:  # a plug-in that fails, or a name made up: the class defaults
        return None
    if type(plain) is not type(policy) or not attrs.has(type(plain)):
        return None
    return attrs.asdict(plain, recurse=False)


def _parts(policy: Any) -> Iterator[tuple[str, Any]]:
    """A policy and its guards (a guarded policy), each with what it is called."""
    inner = getattr(policy, "policy", None)
    guards = getattr(policy, "guards", None)
    if isinstance(policy, retroprog.GuardedPolicy) and inner is not None:
        yield "", inner
        for guard in guards or ():
            yield f"{guard.name}.", guard
    else:
        yield "", policy


def policy_parameters(policy: Any) -> list[tuple[str, Parameter]]:
    """Every parameter of a policy and of its guards: (prefix, parameter)."""
    out = []
    for prefix, part in _parts(policy):
        defaults = preset_defaults(part) if not prefix else None
        out += [(prefix, p) for p in parameters(part, defaults=defaults)]
    return out


def summary_line(policy: Any) -> str:
    """``name (a=1, b=2)``: the parameters that differ from the named policy's own."""
    changed = [
        f"{prefix}{p.name}={text(p.value)}" for prefix, p in policy_parameters(policy) if p.changed
    ]
    return f"{policy.name} ({', '.join(changed)})" if changed else str(policy.name)


#: Up to this many policies the table has a column per policy; beyond, a row per policy.
WIDE_POLICIES = 6


def policies_table(policies: Sequence[tuple[str, Any]]) -> Table:
    """Every parameter of each labelled policy.

    Up to :data:`WIDE_POLICIES` policies with short labels: a row per parameter,
    a column per policy, and what the parameter means; a value that differs from
    the named policy's default is marked ``*``.  More policies, or long labels (a
    sweep's cells): a row per policy with the parameters that vary, the others
    said in the note.
    """
    columns: list[dict[str, str]] = []
    order: list[str] = []
    docs: dict[str, str] = {}
    for _, policy in policies:
        values = {}
        for prefix, p in policy_parameters(policy):
            key = prefix + p.name
            if key not in order:
                order.append(key)
                docs[key] = p.doc
            values[key] = text(p.value) + (" *" if p.changed else "")
        columns.append(values)
    names = tuple(str(getattr(policy, "name", policy)) for _, policy in policies)
    labels = [label for label, _ in policies]
    if len(policies) <= WIDE_POLICIES and max(map(len, labels), default=0) <= WIDE_LABEL_LENGTH:
        rows = tuple(
            (key, *(values.get(key, "–") for values in columns), docs[key]) for key in order
        )
        return Table(
            "Policies: every parameter (* differs from the named policy's default)",
            ("parameter", *(label for label, _ in policies), "meaning"),
            (("policy", *names, "the built-in or plug-in it is"), *rows),
            left=frozenset({len(policies) + 1}),
        )
    varying = [k for k in order if len({values.get(k, "–") for values in columns}) > 1]
    same = [f"{k} = {columns[0].get(k, '–')}" for k in order if k not in varying]
    return Table(
        "Policies: the parameters that vary (* differs from the named policy's default)",
        ("run", "policy", *varying),
        tuple(
            (label, name, *(values.get(k, "–") for k in varying))
            for (label, _), name, values in zip(policies, names, columns, strict=True)
        ),
        note=("The same in every run: " + "; ".join(same) + ".") if same else "",
        left=frozenset({1}),
    )


def protocol_table(protocol: Any) -> Table:
    """A protocol's stages, one row each, with every field of a stage.

    Plans read as plan text; a plan part that no stage has (levels, a warm-up,
    a cool-down) has no column.
    """
    stages = list(getattr(protocol, "stages", ()))
    if not stages or not attrs.has(type(stages[0])):
        return Table(f"Protocol {protocol.name}", ("stage",), tuple((s.name,) for s in stages))
    values = [{p.name: p.value for p in parameters(stage)} for stage in stages]
    # a plan part no stage has (levels, a warm-up, a cool-down) is not a column
    fields = [name for name in values[0] if name != "name" and any(v[name] != () for v in values)]
    header = ("stage", *(name.replace("_", " ") for name in fields))
    rows = tuple(
        (stage.name, *(text(v[name]) for name in fields))
        for stage, v in zip(stages, values, strict=True)
    )
    description = getattr(protocol, "description", "")
    caption = f"Protocol {protocol.name}" + (f": {description}" if description else "")
    return Table(caption, header, rows)
