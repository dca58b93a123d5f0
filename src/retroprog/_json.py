"""JSON for every core type, through one cattrs converter, with a schema version."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, TypeVar

import cattrs

from ._decision import Decision
from ._outcome import SessionOutcome
from ._protocol import StagedProtocol
from ._stage import Prescription, Stage
from ._state import ClientState
from .exceptions import InvalidValueError, RetroprogError, SchemaVersionError

__all__ = ["SCHEMA_VERSION", "converter", "from_dict", "from_json", "to_dict", "to_json"]

#: The schema version written into every document; newer documents are refused.
SCHEMA_VERSION = 1

T = TypeVar("T")

#: The converter behind :func:`to_dict` and :func:`from_dict`, for apps that embed
#: retroprog's types in their own cattrs documents.
converter = cattrs.Converter(forbid_extra_keys=True)
converter.register_unstructure_hook(dt.date, dt.date.isoformat)


def _structure_date(value: Any, _: type) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise InvalidValueError("date", value, "must be a date as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidValueError("date", value, "must be a date as YYYY-MM-DD") from None


converter.register_structure_hook(dt.date, _structure_date)

_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (ClientState, Decision, Prescription, SessionOutcome, Stage, StagedProtocol)
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

    :raises ~retroprog.exceptions.SchemaVersionError: no schema, or a newer one.
    :raises ~retroprog.exceptions.InvalidValueError: a field is missing, unknown or invalid.
    """
    if not isinstance(data, dict):
        raise InvalidValueError("document", data, "must be a JSON object")
    schema = data.get("schema")
    if schema != SCHEMA_VERSION:
        raise SchemaVersionError(schema, SCHEMA_VERSION)
    kind = data.get("type", cls.__name__)
    if kind != cls.__name__:
        raise InvalidValueError("type", kind, f"expected a {cls.__name__} document")
    fields = {k: v for k, v in data.items() if k not in ("schema", "type")}
    try:
        return converter.structure(fields, cls)
    except RetroprogError:
        raise
    except Exception as exc:
        ours = _our_error(exc)
        if ours is not None:  # a validator's own error, wrapped by cattrs: it names the field
            raise ours from None
        messages = cattrs.transform_error(exc, path="")
        raise InvalidValueError(
            cls.__name__, fields, "; ".join(m.replace(" @ .", " @ ") for m in messages)
        ) from None


def _our_error(exc: BaseException) -> RetroprogError | None:
    """The first retroprog error inside cattrs's (possibly nested) exception groups."""
    if isinstance(exc, RetroprogError):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        found = _our_error(inner)
        if found is not None:
            return found
    return None


def to_json(obj: Any, *, indent: int | None = None) -> str:
    """``obj`` as a JSON document (see :func:`to_dict`).

    >>> print(to_json(Prescription("retro-walk", 30), indent=1))
    {
     "schema": 1,
     "type": "Prescription",
     "stage": "retro-walk",
     "bout_seconds": 30,
     "bouts": 1,
     "rest_seconds": null
    }
    """
    return json.dumps(to_dict(obj), ensure_ascii=False, indent=indent)


def from_json(text: str | bytes, cls: type[T]) -> T:
    """Rebuild a ``cls`` from :func:`to_json`'s output.

    >>> from_json(to_json(SessionOutcome(pain=3)), SessionOutcome) == SessionOutcome(pain=3)
    True
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidValueError("document", exc.doc[:60], f"is not JSON ({exc.msg})") from None
    return from_dict(data, cls)
