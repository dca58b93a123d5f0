"""JSON for every core type, through one cattrs converter, with a schema version."""

from __future__ import annotations

import datetime as dt
import json
import typing
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

from . import _validators as v
from ._decision import Action, Decision
from ._files import loads_json
from ._outcome import SessionOutcome
from ._plan import Segment
from ._protocol import StagedProtocol
from ._stage import Level, Prescription, Stage
from ._state import ClientState, Status
from .exceptions import InvalidValueError, RetroprogError, SchemaVersionError

__all__ = ["SCHEMA_VERSION", "converter", "from_dict", "from_json", "to_dict", "to_json"]

#: The schema version written into every document; newer documents are refused.
#: Schema 1 (before session plans) is still read: a state's ``bout_seconds`` is its
#: ``level``, and a prescription's ``bout_seconds``, ``bouts`` and ``rest_seconds``
#: are its simple plan.
SCHEMA_VERSION = 2

T = TypeVar("T")

#: The converter behind :func:`to_dict` and :func:`from_dict`, for apps that embed
#: retroprog's types in their own cattrs documents.
#:
#: It converts nothing: a JSON value reaches each class as it is, and the class's
#: own validation judges it, exactly as when the class is built in Python (``"5"``
#: is not a pain score, ``2.9`` is not a whole number, ``"false"`` is not a bool).
converter = cattrs.Converter(forbid_extra_keys=True)
converter.register_unstructure_hook(dt.date, dt.date.isoformat)


class _WrongValueError(InvalidValueError):
    """A JSON value of the wrong kind; :func:`from_dict` names the field it sat in."""

    def __init__(self, value: object, reason: str) -> None:
        super().__init__("value", value, reason)


def _as_is(value: Any, _: Any) -> Any:
    return value


# the classes' validators and converters judge scalars, enums, memory and reasons
for _scalar in (int, float, bool, str, Status, Action):
    converter.register_structure_hook(_scalar, _as_is)
converter.register_structure_hook_func(lambda cls: cls == dict[str, Any], _as_is)


def _structure_date(value: Any, _: type) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise _WrongValueError(value, "must be a date as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _WrongValueError(value, "must be a date as YYYY-MM-DD") from None


converter.register_structure_hook(dt.date, _structure_date)


def _is_tuple_of(cls: Any) -> bool:
    """``tuple[X, ...]``."""
    args = typing.get_args(cls)
    return typing.get_origin(cls) is tuple and len(args) == 2 and args[1] is Ellipsis


def _structure_tuple(value: Any, cls: Any) -> tuple[Any, ...]:
    """A JSON array as a tuple, item by item; anything else is refused, not iterated."""
    if type(value) is not list:
        raise _WrongValueError(value, "must be a JSON array")
    item_type = typing.get_args(cls)[0]
    items, errors = [], []
    for index, item in enumerate(value):
        try:
            items.append(converter.structure(item, item_type))
        except Exception as exc:
            note = IterableValidationNote(f"Structuring {cls} @ index {index}", index, item_type)
            exc.__notes__ = [*getattr(exc, "__notes__", []), note]
            errors.append(exc)
    if errors:
        raise IterableValidationError(f"While structuring {cls!r}", errors, cls)
    return tuple(items)


converter.register_structure_hook_func(_is_tuple_of, _structure_tuple)


def _objects(cls: type[T]) -> Callable[[Any, Any], T]:
    """The structure hook of an attrs class: a JSON object, or refused."""
    fields = make_dict_structure_fn(cls, converter)

    def structure(value: Any, _: Any) -> T:
        if type(value) is not dict:
            raise _WrongValueError(value, "must be a JSON object")
        return fields(value, cls)

    return structure


converter.register_structure_hook_factory(attrs.has, _objects)

_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        ClientState,
        Decision,
        Level,
        Prescription,
        Segment,
        SessionOutcome,
        Stage,
        StagedProtocol,
    )
}


def to_dict(obj: Any) -> dict[str, Any]:
    """``obj`` as a JSON-ready dict with ``schema`` and ``type`` keys.

    >>> to_dict(SessionOutcome(pain=3))["pain"]
    3
    """
    name = type(obj).__name__
    if _TYPES.get(name) is not type(obj):
        raise InvalidValueError(
            "type", name, f"is not a retroprog type ({', '.join(sorted(_TYPES))})"
        )
    return {"schema": SCHEMA_VERSION, "type": name, **converter.unstructure(obj)}


def from_dict(data: Any, cls: type[T]) -> T:
    """Rebuild a ``cls`` from :func:`to_dict`'s output, validating every field.

    A document goes through exactly the validation of building ``cls`` in
    Python: nothing is converted, truncated or parsed from text, and an error
    names the field (``state.level``, ``stages[1].target_seconds``) and
    its value.

    Schema-1 documents (written before session plans) are read as they were
    meant: a state's ``bout_seconds`` is its :attr:`~retroprog.ClientState.level`,
    and a prescription of ``bouts`` × ``bout_seconds`` with ``rest_seconds`` between
    is that simple plan (:meth:`Prescription.simple <retroprog.Prescription.simple>`);
    errors name the keys the document has.

    >>> old = {"schema": 1, "stage": "retro-walk", "bout_seconds": 30, "bouts": 2}
    >>> print(from_dict({**old, "rest_seconds": 60}, Prescription))
    retro-walk: 2 × 30 s, 60 s rest

    >>> from_dict({"schema": 1, "pain": 2.9}, SessionOutcome)
    Traceback (most recent call last):
    ...
    retroprog.exceptions.InvalidValueError: pain: must be a whole number between 0 and 10, got 2.9
    >>> from_dict({"schema": 1, "notes": "fine"}, SessionOutcome)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    retroprog.exceptions.InvalidValueError: notes: unknown key (known: completed, ...), got 'fine'

    :raises ~retroprog.exceptions.SchemaVersionError: no schema, or a newer one.
    :raises ~retroprog.exceptions.InvalidValueError: a field is missing, unknown or invalid.
    """
    if not isinstance(data, dict):
        raise InvalidValueError("document", data, "must be a JSON object")
    schema = data.get("schema")
    if type(schema) is not int or not 1 <= schema <= SCHEMA_VERSION:
        raise SchemaVersionError(schema, SCHEMA_VERSION)
    kind = data.get("type", cls.__name__)
    if kind != cls.__name__:
        raise InvalidValueError("type", kind, f"expected a {cls.__name__} document")
    fields = {k: v for k, v in data.items() if k not in ("schema", "type")}
    if schema == 1:
        try:
            return _structure(_from_schema_1(fields, cls), cls)
        except InvalidValueError as exc:
            raise _schema_1_names(exc) from None
    return _structure(fields, cls)


def _structure(fields: dict[str, Any], cls: type[T]) -> T:
    """``fields`` (a current document without ``schema`` and ``type``) as a ``cls``."""
    try:
        return converter.structure(fields, cls)
    except RetroprogError:
        raise
    except Exception as exc:
        found = _first_problem(exc, ())
        if found is not None:
            raise _named(*found, fields) from None
        messages = cattrs.transform_error(exc, path="")
        raise InvalidValueError(
            cls.__name__, fields, "; ".join(m.replace(" @ .", " @ ") for m in messages)
        ) from None


_Path = tuple[str | int, ...]

_PRESCRIPTION_1 = ("stage", "bout_seconds", "bouts", "rest_seconds")


def _from_schema_1(fields: dict[str, Any], cls: type[Any], where: str = "") -> dict[str, Any]:
    """A schema-1 document's fields as the current schema's (see :func:`from_dict`)."""
    if cls is ClientState:
        if "level" in fields:
            raise InvalidValueError(
                f"{where}level", fields["level"], "unknown key in a schema-1 document"
            )
        return {("level" if k == "bout_seconds" else k): v for k, v in fields.items()}
    if cls is Prescription:
        return _prescription_1(fields, where)
    if cls is Decision:
        upgraded = dict(fields)
        if type(fields.get("state")) is dict:
            upgraded["state"] = _from_schema_1(fields["state"], ClientState, "state.")
        if type(fields.get("prescription")) is dict:
            upgraded["prescription"] = _from_schema_1(
                fields["prescription"], Prescription, "prescription."
            )
        return upgraded
    return fields


def _prescription_1(fields: dict[str, Any], where: str) -> dict[str, Any]:
    """A schema-1 prescription (``bouts`` × ``bout_seconds``) as its simple plan."""
    for key, value in fields.items():
        if key not in _PRESCRIPTION_1:
            raise InvalidValueError(
                f"{where}{key}", value, f"unknown key (known: {', '.join(_PRESCRIPTION_1)})"
            )
    for key in ("stage", "bout_seconds"):
        if key not in fields:
            raise InvalidValueError(f"{where}{key}", fields, "required field missing")
    checks = {
        "stage": v.name,
        "bout_seconds": v.integer(1),
        "bouts": v.integer(1),
        "rest_seconds": v.optional(v.integer(0)),
    }
    for key, value in fields.items():
        try:
            v.check(key, checks[key], value)
        except InvalidValueError as exc:
            raise InvalidValueError(f"{where}{key}", value, exc.reason) from None
    plan = Prescription.simple(
        fields["stage"], fields["bout_seconds"], fields.get("bouts", 1), fields.get("rest_seconds")
    )
    simple = plan.segments
    segments = [{"activity": s.activity, "seconds": s.seconds, "effort": s.effort} for s in simple]
    return {"stage": plan.stage, "segments": segments, "level": None}


def _schema_1_names(exc: InvalidValueError) -> InvalidValueError:
    """``exc`` naming a state's level ``bout_seconds``, as a schema-1 document does."""
    field, reason = exc.field, exc.reason
    if "schema-1" in reason:
        return exc
    if field == "level" or field.endswith("state.level"):
        field = field.removesuffix("level") + "bout_seconds"
    elif reason.endswith(("@ level", "@ state.level")):
        reason = reason.removesuffix("level") + "bout_seconds"
    else:
        return exc
    return InvalidValueError(field, exc.value, reason)


def _first_problem(exc: BaseException, path: _Path) -> tuple[BaseException, _Path] | None:
    """The first error of ours (or unknown key) in cattrs's exception groups, and where."""
    for note in getattr(exc, "__notes__", ()):
        if isinstance(note, AttributeValidationNote):
            path = (*path, note.name)
        elif isinstance(note, IterableValidationNote):
            path = (*path, note.index)
    if isinstance(exc, (RetroprogError, ForbiddenExtraKeysError)):
        return exc, path
    for inner in getattr(exc, "exceptions", ()):
        found = _first_problem(inner, path)
        if found is not None:
            return found
    return None


def _dotted(path: _Path) -> str:
    """``stages[1].target_seconds``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _at(document: Any, path: _Path) -> Any:
    """The value at ``path`` in ``document``."""
    for part in path:
        document = document[part]
    return document


def _named(exc: BaseException, path: _Path, document: dict[str, Any]) -> BaseException:
    """``exc`` as an error that names the field by its full path in the document."""
    if isinstance(exc, ForbiddenExtraKeysError):
        where = _at(document, path)
        extra = [key for key in where if key in exc.extra_fields]
        known = ", ".join(f.name for f in attrs.fields(exc.cl) if f.init)
        if len(extra) == 1:
            field, value, reason = extra[0], where[extra[0]], f"unknown key (known: {known})"
        else:
            field = ", ".join(extra)
            value = {key: where[key] for key in extra}
            reason = f"unknown keys (known: {known})"
        return InvalidValueError(_dotted((*path, field)), value, reason)
    if isinstance(exc, _WrongValueError):
        return InvalidValueError(_dotted(path), exc.value, exc.reason)
    if isinstance(exc, InvalidValueError) and path:
        return InvalidValueError(_dotted((*path, exc.field)), exc.value, exc.reason)
    return exc


def to_json(obj: Any, *, indent: int | None = None) -> str:
    """``obj`` as a JSON document (see :func:`to_dict`).

    >>> print(to_json(Prescription.simple("retro-walk", 30), indent=1))
    {
     "schema": 2,
     "type": "Prescription",
     "stage": "retro-walk",
     "segments": [
      {
       "activity": "retro-walk",
       "seconds": 30,
       "effort": null
      }
     ],
     "level": null,
     "warmup_segments": 0,
     "cooldown_segments": 0
    }
    """
    return json.dumps(to_dict(obj), ensure_ascii=False, indent=indent)


def from_json(text: str | bytes, cls: type[T]) -> T:
    """Rebuild a ``cls`` from :func:`to_json`'s output.

    The text is read strictly (see :func:`from_dict`): a key given twice, ``NaN``,
    a number of thousands of digits or nesting deeper than 32 levels is refused.

    >>> from_json(to_json(SessionOutcome(pain=3)), SessionOutcome) == SessionOutcome(pain=3)
    True
    """
    return from_dict(loads_json(text), cls)
