"""Where a key is in a TOML file: a light scan of the text, for problems' line numbers.

``tomllib`` gives values, not positions, so this reads the lines itself:
table headers (``[output]``, ``[[policies]]``, ``[policies.params]``) and
``key = value`` lines (dotted keys too), and maps each dotted key
(``policies[2].params.stop_after``, tables numbered from 1) to the line where
it is written.  A key inside an inline table or an array (``params = {
stop_after = 0 }``, ``seeds = [1, -2]``) is found at the line of the key that
holds it.  Multi-line strings and arrays are skipped over, not parsed; the
scan only ever informs an error message, so a line it cannot place is left
out rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from retroprog.exceptions import Problem

__all__ = ["key_lines", "line_of", "with_lines"]

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY = rf"(?:{_BARE}|{_QUOTED})(?:\s*\.\s*(?:{_BARE}|{_QUOTED}))*"
_ARRAY_TABLE = re.compile(rf"^\s*\[\[\s*({_KEY})\s*\]\]\s*(?:#.*)?$")
_TABLE = re.compile(rf"^\s*\[\s*({_KEY})\s*\]\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"^\s*({_KEY})\s*=\s*(.*)$")


def _parts(key: str) -> list[str]:
    """A dotted TOML key's parts, quotes removed."""
    found = re.findall(rf"{_BARE}|{_QUOTED}", key)
    return [p[1:-1] if p[:1] in "\"'" else p for p in found]


def key_lines(text: str) -> dict[str, int]:
    r"""Each key's dotted path → its line (counted from 1), as far as a light scan can tell.

    >>> lines = key_lines('clients = 5\n[[policies]]\nname = "a"\n[[policies]]\nname = "b"\n')
    >>> lines["clients"], lines["policies[2]"], lines["policies[2].name"]
    (1, 4, 5)
    """
    lines: dict[str, int] = {}
    counts: dict[str, int] = {}
    table = ""
    open_string: str | None = None  # inside a multi-line string: its closing quotes
    depth = 0  # inside a multi-line array or inline table
    for number, line in enumerate(text.splitlines(), start=1):
        if open_string is not None:
            if open_string in line:
                open_string = None
            continue
        if depth > 0:
            depth = max(depth + _balance(line), 0)
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = _ARRAY_TABLE.match(line)
        if found:
            name = _table_path(_parts(found.group(1)), counts, array=True)
            lines.setdefault(name, number)
            table = name
            continue
        found = _TABLE.match(line)
        if found:
            table = _table_path(_parts(found.group(1)), counts, array=False)
            lines.setdefault(table, number)
            continue
        found = _ASSIGN.match(line)
        if found:
            path = ".".join([*([table] if table else []), *_parts(found.group(1))])
            lines.setdefault(path, number)
            value = found.group(2)
            for quotes in ('"""', "'''"):
                if value.lstrip().startswith(quotes) and value.count(quotes) == 1:
                    open_string = quotes
            if open_string is None:
                depth = max(_balance(value), 0)
    return lines


def _table_path(parts: Sequence[str], counts: dict[str, int], *, array: bool) -> str:
    """``policies.params`` after the second ``[[policies]]`` → ``policies[2].params``."""
    path = ""
    for i, part in enumerate(parts):
        plain = f"{path}.{part}" if path else part
        last = i == len(parts) - 1
        if last and array:
            counts[plain] = counts.get(plain, 0) + 1
            path = f"{plain}[{counts[plain]}]"
        elif plain in counts:  # a table inside the latest element of an array of tables
            path = f"{plain}[{counts[plain]}]"
        else:
            path = plain
    return path


def _balance(text: str) -> int:
    """Opening minus closing brackets and braces outside strings and comments."""
    depth = 0
    quote: str | None = None
    escaped = False
    for char in text:
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return depth


def line_of(key: str, lines: Mapping[str, int]) -> int | None:
    """The line of ``key``, or of the nearest key that holds it; ``None`` if not written.

    >>> line_of("policies[2].params.stop_after", {"policies[2]": 4, "policies[2].params": 6})
    6
    """
    parts = re.split(r"(?=\[)|\.", key)
    while parts:
        candidate = ".".join(parts).replace(".[", "[")
        if candidate in lines:
            return lines[candidate]
        parts.pop()
    return None


def with_lines(problems: Sequence[Problem], text: str) -> list[Problem]:
    """``problems`` with the line of each key in ``text`` (TOML), where it can be found.

    They come in the file's order; those of no line (a missing key, the file as
    a whole) after the others, in the order found.
    """
    lines = key_lines(text)
    placed = [
        problem
        if problem.line is not None
        else Problem(problem.key, problem.message, line_of(problem.key, lines))
        for problem in problems
    ]
    return sorted(placed, key=lambda p: (p.line is None, p.line or 0))
