"""Field validators that raise :class:`~retroprog.exceptions.InvalidValueError`.

They are plain attrs validators, cheap enough for the decision hot path, and
reusable outside attrs (the protocol loader calls them on raw TOML values to
collect every problem of a file at once).
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from .exceptions import InvalidValueError

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def with_json_schema(check: Validator, schema: dict[str, Any]) -> Validator:
    """``check``, carrying the JSON Schema of the values it accepts (see :func:`json_schema`).

    For a validator made elsewhere, so that its file's published schema says
    what it checks.
    """
    check.__dict__["json_schema"] = schema
    return check


def json_schema(validator: Validator | None) -> dict[str, Any]:
    """The JSON Schema of what ``validator`` accepts (``{}``: not said), for editors.

    Each validator here carries it, made with the check from the same bounds, so
    a file's published schema never drifts from what loading it checks.

    >>> from retroprog.support import integer, json_schema, optional
    >>> json_schema(optional(integer(0, 10)))
    {'type': ['integer', 'null'], 'minimum': 0, 'maximum': 10}
    """
    return dict(getattr(validator, "json_schema", {}))


def integer(lo: int, hi: int | None = None) -> Validator:
    """A whole number (not a bool) in ``[lo, hi]`` (``hi`` None: no upper bound)."""
    reason = (
        f"must be a whole number between {lo} and {hi}"
        if hi is not None
        else (f"must be a whole number ≥ {lo}")
    )

    def check(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if type(value) is not int or value < lo or (hi is not None and value > hi):
            raise InvalidValueError(attribute.name, value, reason)

    bounds = {"minimum": lo} | ({} if hi is None else {"maximum": hi})
    return with_json_schema(check, {"type": "integer", **bounds})


def number(lo: float, hi: float | None = None) -> Validator:
    """A finite real number (int or float, not bool, not NaN) in ``[lo, hi]``."""
    reason = (
        f"must be a finite number between {lo:g} and {hi:g}"
        if hi is not None
        else (f"must be a finite number ≥ {lo:g}")
    )

    def check(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if (
            type(value) not in (int, float)
            or not math.isfinite(value)
            or value < lo
            or (hi is not None and value > hi)
        ):
            raise InvalidValueError(attribute.name, value, reason)

    bounds = {"minimum": lo} | ({} if hi is None else {"maximum": hi})
    return with_json_schema(check, {"type": "number", **bounds})


def positive(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A finite real number above 0."""
    if type(value) not in (int, float) or not math.isfinite(value) or value <= 0:
        raise InvalidValueError(attribute.name, value, "must be a finite number above 0")


def optional(inner: Validator) -> Validator:
    """``None``, or a value that ``inner`` accepts."""

    def check(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            inner(inst, attribute, value)

    schema = json_schema(inner)
    return with_json_schema(check, {**schema, "type": [schema.get("type", "object"), "null"]})


def flag(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """``True`` or ``False``, nothing that merely looks like one."""
    if type(value) is not bool:
        raise InvalidValueError(attribute.name, value, "must be true or false")


def name(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A non-empty name without surrounding spaces, e.g. ``retro-walk``."""
    if type(value) is not str or not value or value.strip() != value:
        raise InvalidValueError(attribute.name, value, "must be a non-empty name")


def text(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Any string."""
    if type(value) is not str:
        raise InvalidValueError(attribute.name, value, "must be a string")


with_json_schema(positive, {"type": "number", "exclusiveMinimum": 0})
with_json_schema(flag, {"type": "boolean"})
with_json_schema(name, {"type": "string", "minLength": 1, "pattern": r"^\S(.*\S)?$"})
with_json_schema(text, {"type": "string"})


def instance(cls: type) -> Validator:
    """An instance of ``cls``."""

    def check(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, cls):
            raise InvalidValueError(attribute.name, value, f"must be a {cls.__name__}")

    return check


#: The per-field checks of the hot classes (see :func:`hot_checks`).
_HOT: dict[type, dict[str, Validator]] = {}


def hot_checks(cls: type, checks: dict[str, Validator]) -> dict[str, Validator]:
    """Record ``checks`` as ``cls``'s per-field validators, and return them.

    A hot class checks every field in one fast expression instead of attrs
    validators, and runs ``checks`` (:func:`raise_first`) only to name the
    culprit; :func:`field_validators` finds them here.
    """
    _HOT[cls] = checks
    return checks


def field_validators(cls: type) -> dict[str, Validator | None]:
    """Each field of an attrs class ``cls`` given to it when built, with its validator.

    >>> from retroprog import SessionOutcome
    >>> from retroprog.support import field_validators, json_schema
    >>> json_schema(field_validators(SessionOutcome)["pain"])
    {'type': 'integer', 'minimum': 0, 'maximum': 10}
    """
    hot = _HOT.get(cls, {})
    return {f.name: hot.get(f.name, f.validator) for f in attrs.fields(cls) if f.init}


def raise_first(inst: Any, checks: dict[str, Validator]) -> None:
    """Run ``checks`` (field name → validator) on ``inst`` and raise the first problem.

    Hot classes check every field in one fast expression and call this only when
    that expression fails, to find the field to blame.
    """
    fields = attrs.fields_dict(type(inst))
    for field_name, check in checks.items():
        check(inst, fields[field_name], getattr(inst, field_name))


def check(name: str, validator: Validator, value: Any) -> None:
    """Run ``validator`` on a value that is not an attrs field (e.g. a function's argument)."""
    validator(None, types.SimpleNamespace(name=name), value)  # type: ignore[arg-type]


T = TypeVar("T")

#: An argument of an evolver that was not given: the field keeps its value.
_SAME: Any = object()


def evolver(cls: type[T]) -> Callable[..., T]:
    """``attrs.evolve`` for a hot type: ``evolve(inst, **changes)``, as fast as a positional call.

    The core's transitions build a new state from the last one many times per
    decision; ``attrs.evolve`` reads the class's fields on every call, and a
    positional call (fast) says nothing of which value is which.  The function
    made here takes the changes as keywords only, one per field (made from the
    class's fields, so it never drifts from them), and calls ``cls``
    positionally; the new instance is validated as any other.

    >>> from retroprog import ClientState
    >>> evolve = evolver(ClientState)
    >>> evolve(ClientState("retro-walk", 15), level=30, successes=0).level
    30
    """
    fields = [f for f in attrs.fields(cls) if f.init]  # type: ignore[arg-type]
    params = ", ".join(f"{f.alias}=_SAME" for f in fields)
    args = ", ".join(f"inst.{f.name} if {f.alias} is _SAME else {f.alias}" for f in fields)
    namespace: dict[str, Any] = {"cls": cls, "_SAME": _SAME}
    exec(f"def evolve(inst, *, {params}):\n    return cls({args})\n", namespace)
    evolve: Callable[..., T] = namespace["evolve"]
    evolve.__doc__ = f"A copy of a {cls.__name__} with the fields given changed."
    return evolve


def problem(field: attrs.Attribute[Any], value: Any) -> str | None:
    """What ``field``'s validator says of ``value`` (``"reason, got value"``), or ``None``.

    For checking raw file values one by one, collecting every problem.
    """
    assert field.validator is not None  # every field checked this way has one
    try:
        field.validator(None, field, value)
    except InvalidValueError as exc:
        return f"{exc.reason}, got {value!r}"
    return None


#: A field of a trusted constructor that takes its default from a factory.
_FACTORY: Any = object()


def _slot_setters(cls: type, fields: list[attrs.Attribute[Any]]) -> dict[str, Any]:
    """Each field's slot setter: the member descriptor's ``__set__``, which frozen skips."""
    setters = {}
    for field in fields:
        slot = cls.__dict__.get(field.name)
        slot = getattr(slot, "slot", slot)  # a descriptor wrapping the slot (Decision's text)
        setters[f"_set_{field.name}"] = slot.__set__  # type: ignore[union-attr]
    return setters


def trusted(cls: type[T]) -> Callable[..., T]:
    """A constructor of ``cls`` for values the library built itself: nothing checked.

    The public constructor of a hot type converts and validates every field;
    a value the library computed from values already validated (a state's
    counters plus one, an outcome a simulated client drew) need not pay for it
    again.  The function made here takes every field as a keyword (with the
    class's defaults) and sets the instance's slots directly: no converter,
    no validator, no ``__attrs_post_init__``.  Give it only values that the
    public constructor would accept unchanged; a property test holds the two
    to equal results.

    >>> from retroprog import SessionOutcome
    >>> from retroprog.support import trusted
    >>> trusted(SessionOutcome)(pain=2, day=3) == SessionOutcome(pain=2, day=3)
    True
    """
    fields = list(attrs.fields(cls))  # type: ignore[arg-type]
    if not all(f.init for f in fields):
        raise TypeError(f"{cls.__name__} has fields outside __init__: not a hot value type")
    namespace: dict[str, Any] = {"_new": object.__new__, "cls": cls, "_FACTORY": _FACTORY}
    namespace.update(_slot_setters(cls, fields))
    params, body = [], ["    self = _new(cls)"]
    for field in fields:
        default = field.default
        if default is attrs.NOTHING:
            params.append(field.alias)
        elif isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            namespace[f"_factory_{field.name}"] = default.factory
            params.append(f"{field.alias}=_FACTORY")
            body.append(
                f"    if {field.alias} is _FACTORY:\n"
                f"        {field.alias} = _factory_{field.name}()"
            )
        else:
            namespace[f"_default_{field.name}"] = default
            params.append(f"{field.alias}=_default_{field.name}")
        body.append(f"    _set_{field.name}(self, {field.alias})")
    body.append("    return self")
    exec(f"def make(*, {', '.join(params)}):\n" + "\n".join(body) + "\n", namespace)
    make: Callable[..., T] = namespace["make"]
    make.__doc__ = f"A {cls.__name__} from trusted values (nothing checked)."
    return make
