"""Plain values: any result as JSON values and CSV cells, the same in every file.

Used by the files of an output folder and by the store of finished runs alike,
so this module depends on nothing else of the harness.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

__all__ = ["csv_cell", "csv_text", "describe", "json_text", "plain"]


def plain(value: Any) -> Any:
    """``value`` as JSON values: NaN and infinities become ``None``, attrs classes dicts."""
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if attrs.has(type(value)):  # its public fields (private ones are caches)
        fields = attrs.fields(type(value))
        public = {f.name: getattr(value, f.name) for f in fields if not f.name.startswith("_")}
        return {"type": type(value).__name__, **plain(public)}
    if hasattr(value, "item"):  # a numpy scalar
        return plain(value.item())
    return str(value)


def describe(obj: object) -> Any:
    """Describe a protocol, policy or population as JSON values, for the record."""
    return plain(obj) if attrs.has(type(obj)) else {"type": type(obj).__name__, "repr": repr(obj)}


def json_text(document: Any, *, indent: int | None = 2) -> str:
    """``document`` as JSON text (NaN written as ``null``), ending in a newline.

    ``indent=None`` writes it compactly, on one line.
    """
    separators = (",", ":") if indent is None else None
    text = json.dumps(
        plain(document), indent=indent, separators=separators, ensure_ascii=False, allow_nan=False
    )
    return text + "\n"


def csv_cell(value: Any) -> str:
    """``value`` as a CSV cell: empty for ``None``, ``true``/``false`` for booleans."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_text(header: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """A CSV table: ``header``, then each row's cells in the header's order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(row.get(name)) for name in header])
    return buffer.getvalue()
