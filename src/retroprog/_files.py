"""Reading users' files and documents without hanging, crashing or guessing.

Every file retroprog reads on a user's behalf (protocols, experiments, session
logs) goes through :func:`read_text`, and every TOML or JSON text through
:func:`loads_toml` or :func:`loads_json`.  They refuse what would otherwise hang
(a FIFO with no writer), exhaust memory (``/dev/zero``, a huge file), overflow
the stack (deep nesting), take minutes (a TOML key with thousands of dotted
parts: ``tomllib`` is quadratic in them) or be read as something else (a JSON key
given twice, ``NaN``), each with one clear reason.

The limits are module constants, documented here:

* :data:`MAX_TOML_BYTES` — 512 KiB for a TOML file (a protocol, an experiment,
  a population); the article's protocol is 600 bytes;
* :data:`MAX_LOG_BYTES` — 16 MiB for a session log (JSON Lines), about 70 000
  sessions of one client;
* :data:`MAX_DEPTH` — 32 levels of nesting in a TOML or JSON document;
* :data:`MAX_DIGITS` — 4 300 digits in a number (Python's own limit for
  converting text to ``int``).

File errors are the caller's: ``error(label, [Problem("file", reason)])``, e.g.
:class:`~retroprog.exceptions.ProtocolFileError`; JSON problems are an
:class:`~retroprog.exceptions.InvalidValueError` for the field ``document``.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from .exceptions import InvalidValueError, Problem

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = [
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_LOG_BYTES",
    "MAX_TOML_BYTES",
    "FileError",
    "loads_json",
    "loads_toml",
    "read_text",
]

#: The largest TOML file read (protocols, experiments, populations): 512 KiB.
MAX_TOML_BYTES = 512 * 1024
#: The largest session log read: 16 MiB (about 70 000 sessions).
MAX_LOG_BYTES = 16 * 1024 * 1024
#: The deepest nesting of a TOML or JSON document; the document itself is level 1.
MAX_DEPTH = 32
#: The most digits of a number in a TOML or JSON document.
MAX_DIGITS = 4300

#: What builds the caller's error: ``error(label, problems)``, e.g. ``ProtocolFileError``.
FileError = Callable[[str, Sequence[Problem]], Exception]


def _refuse(error: FileError, label: str, reason: str) -> NoReturn:
    raise error(label, [Problem("file", reason)])


def _size(count: int) -> str:
    """``512 KiB``, ``16 MiB``, ``3 bytes``."""
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count} bytes"


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _check_regular(
    info: os.stat_result, max_bytes: int, too_big: str, *, label: str, error: FileError
) -> None:
    """Refuse a folder, anything but a regular file, and a file over ``max_bytes``."""
    if stat.S_ISDIR(info.st_mode):
        _refuse(error, label, "cannot read: a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "a special file")
        _refuse(error, label, f"cannot read: not a regular file ({kind})")
    if info.st_size > max_bytes:
        _refuse(error, label, f"{too_big} (it has {_size(info.st_size)})")


def read_text(path: str | os.PathLike[str], *, label: str, error: FileError, max_bytes: int) -> str:
    """The UTF-8 text of the regular file at ``path``, at most ``max_bytes`` long.

    Anything but a regular file is refused before it is opened (a device is not
    touched), and again on the open descriptor, in case the path changed in
    between; the file is opened without blocking (a FIFO with no writer does not
    hang) and read no further than ``max_bytes + 1`` bytes (a file that grows
    while it is read does not fill the memory).

    :param label: how errors name the file (e.g. the path as the user gave it).
    :param error: builds the error to raise, ``error(label, problems)``.
    :param max_bytes: the largest file accepted, e.g. :data:`MAX_TOML_BYTES`.
    :raises Exception: ``error(label, [Problem("file", reason)])`` when the file
        is missing or unreadable, a folder, not a regular file, larger than
        ``max_bytes``, or not UTF-8.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    too_big = f"cannot read: larger than {_size(max_bytes)}, the most retroprog reads"
    try:
        before = os.stat(path)
    except OSError as exc:
        _refuse(error, label, f"cannot read: {exc.strerror}")
    except ValueError:  # a NUL character in the path
        _refuse(error, label, "cannot read: the path holds a NUL character")
    _check_regular(before, max_bytes, too_big, label=label, error=error)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        _refuse(error, label, f"cannot read: {exc.strerror}")
    try:
        _check_regular(os.fstat(fd), max_bytes, too_big, label=label, error=error)
        chunks = []
        left = max_bytes + 1  # one byte more: a file that grew is still caught
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            _refuse(error, label, too_big)
    except OSError as exc:
        _refuse(error, label, f"cannot read: {exc.strerror}")
    finally:
        os.close(fd)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        _refuse(error, label, "cannot read: not UTF-8 text")


# --- TOML -----------------------------------------------------------------------------------

# The tokens that can change the nesting of a TOML document.  Line ends swallow the
# comments and blank lines after them; no pattern can re-scan a run it already failed on.
_END = r"(?:\#[^\n]*)?\n(?:[ \t\r\n]|\#[^\n]*)*|\#[^\n]*"
_KEY_TOKENS = re.compile(rf"{_END}|\"\"\"|'''|[\"'\[\]{{}}=,.]")
_ARRAY_TOKENS = re.compile(rf"{_END}|\"\"\"|'''|[\"'\[\]{{}}]")
_TABLE_TOKENS = re.compile(rf"{_END}|\"\"\"|'''|[\"'\[\]{{}},]")
_BASIC_STRING = re.compile(r'["\\\n]')
_MULTILINE_BASIC = re.compile(r'"""|\\')


def _after_string(text: str, pos: int, quote: str) -> int:
    """The position after the string whose opening ``quote`` ends at ``pos``."""
    if quote == "'":
        end = text.find("'", pos)
        newline = text.find("\n", pos)
        if end < 0 or 0 <= newline < end:  # unterminated: TOML refuses it
            return len(text) if newline < 0 else newline
        return end + 1
    if quote == '"':
        while True:
            found = _BASIC_STRING.search(text, pos)
            if found is None:
                return len(text)
            char = found.group()
            if char == "\\":
                pos = found.end() + 1
            elif char == '"':
                return found.end()
            else:  # unterminated: TOML refuses it
                return found.start()
    if quote == "'''":
        end = text.find("'''", pos)
        if end < 0:
            return len(text)
        pos = end + 3
    else:
        while True:
            found = _MULTILINE_BASIC.search(text, pos)
            if found is None:
                return len(text)
            if found.group() == "\\":
                pos = found.end() + 1
                continue
            pos = found.end()
            break
    for _ in range(2):  # up to two quotes before the closing ones belong to the string
        if text.startswith(quote[0], pos):
            pos += 1
    return pos


def toml_depth_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether the TOML ``text`` nests deeper than ``limit`` levels, found without parsing it.

    Levels are counted as the parsed document's: the document itself, each
    part of a table header's or a key's dotted name, each array and each
    inline table.  One pass over the text, stopping at the first level too
    deep.  Invalid TOML may be counted loosely: the parser refuses it anyway.
    One approximation: ``[[a.b]]`` counts ``a`` as one level even when ``a`` is
    itself an array of tables (two levels once parsed), so headers alone can
    nest up to twice the limit; the parser reads headers without recursion,
    and the limit still bounds the dotted parts it is slow on.
    """
    stack: list[tuple[bool, int]] = []  # open arrays and inline tables: (is a table, level)
    header = 1  # the level of the current [table]
    base, parts = 1, 1  # the key being read: its table's level, its dotted parts
    here = 1  # a new array or inline table opens one level below this
    in_key, in_header, fresh, array_header = True, False, True, False
    pos, size = 0, len(text)
    while pos < size:
        if in_key or in_header:
            tokens = _KEY_TOKENS
        elif stack and stack[-1][0]:
            tokens = _TABLE_TOKENS
        else:
            tokens = _ARRAY_TOKENS
        found = tokens.search(text, pos)
        if found is None:
            break
        token, pos = found.group(), found.end()
        first = token[0]
        if first in "\n#":
            if "\n" in token and not stack:  # a new line at the top: a key or a header
                in_key, in_header, fresh, base, parts = True, False, True, header, 1
            continue
        if first in "\"'":
            pos = _after_string(text, pos, token)
            fresh = False
            continue
        if in_header:
            if token == ".":
                parts += 1
            elif token == "]":
                header = 1 + parts + array_header
                in_key, in_header, fresh, base, parts = True, False, False, header, 1
            if 1 + parts + array_header > limit:
                return True
            continue
        if in_key:
            if token == ".":
                parts += 1
                if base + parts - 1 > limit:
                    return True
            elif token == "=":
                here, in_key = base + parts - 1, False
                if here > limit:
                    return True
            elif token == "[" and fresh and not stack:
                array_header = text.startswith("[", pos)
                pos += array_header
                in_key, in_header, parts = False, True, 1
            elif token == "}" and stack and stack[-1][0]:
                stack.pop()
                here, in_key = (stack[-1][1] if stack else here), False
            fresh = False
            continue
        if token in "[{":
            here += 1
            if here > limit:
                return True
            stack.append((token == "{", here))
            if token == "{":
                in_key, base, parts = True, here, 1
        elif token in "]}" and stack and stack[-1][0] == (token == "}"):
            stack.pop()
            if stack:
                here = stack[-1][1]
        elif token == "," and stack and stack[-1][0]:
            in_key, base, parts = True, stack[-1][1], 1
    return False


def loads_toml(text: str, *, label: str, error: FileError) -> dict[str, Any]:
    """Parse TOML ``text``, refusing what the parser would choke or hang on.

    :param label: how errors name the file.
    :param error: builds the error to raise, ``error(label, problems)``.
    :raises Exception: ``error(label, [Problem("file", reason)])`` when the text
        nests deeper than :data:`MAX_DEPTH` levels (checked before parsing), holds
        a number of more than :data:`MAX_DIGITS` digits, or is not valid TOML.
    """
    deep = f"is nested more than {MAX_DEPTH} levels deep"
    if toml_depth_exceeds(text):
        _refuse(error, label, deep)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        _refuse(error, label, f"not valid TOML: {exc}")
    except RecursionError:
        _refuse(error, label, deep)
    except ValueError:  # int() refused a number too long to convert
        _refuse(error, label, f"holds a number with more than {MAX_DIGITS} digits")


# --- JSON -----------------------------------------------------------------------------------


class _RefusedError(Exception):
    """Raised inside the JSON parser's hooks: the reason the document is refused."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) < len(pairs):
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                raise _RefusedError(f"gives the key {key!r} twice ({seen[key]!r}, then {value!r})")
            seen[key] = value
    return found


def _constant(name: str) -> NoReturn:
    raise _RefusedError(f"holds {name}, which is not a JSON number")


def _integer(digits: str) -> int:
    if len(digits) - digits.startswith("-") > MAX_DIGITS:
        raise _RefusedError(f"holds a number with more than {MAX_DIGITS} digits")
    return int(digits)


def _float(digits: str) -> float:
    value = float(digits)
    if not math.isfinite(value):
        shown = digits if len(digits) <= 20 else digits[:20] + "…"
        raise _RefusedError(f"holds a number too large for a float ({shown})")
    return value


_DECODER = json.JSONDecoder(
    object_pairs_hook=_object, parse_constant=_constant, parse_int=_integer, parse_float=_float
)


def _depth(value: Any) -> int:
    """How deeply ``value`` nests (a scalar: 0, ``[]``: 1, ``[[1]]``: 2), without recursion."""
    deepest = 0
    todo = [(value, 1)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, level)
        todo.extend((inner, level + 1) for inner in item)
    return deepest


def loads_json(text: str | bytes) -> Any:
    """Parse one JSON document strictly.

    Refused, each with its reason: text that is not JSON, a key given twice in
    one object, ``NaN`` and ``Infinity``, a number of more than
    :data:`MAX_DIGITS` digits or too large for a float, and nesting deeper than
    :data:`MAX_DEPTH` levels.

    >>> loads_json('{"pain": 2}')
    {'pain': 2}
    >>> loads_json('{"pain": 2, "pain": 9}')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    retroprog.exceptions.InvalidValueError: document: gives the key 'pain' twice (2, then 9), ...

    :raises ~retroprog.exceptions.InvalidValueError: for the field ``document``,
        with the start of the text as the value.
    """
    try:
        document = text if isinstance(text, str) else text.decode(json.detect_encoding(text))
    except UnicodeDecodeError:
        raise InvalidValueError("document", text[:60], "is not UTF-8 text") from None
    try:
        value = _DECODER.decode(document)
    except json.JSONDecodeError as exc:
        reason = f"is not JSON ({exc.msg})"
    except _RefusedError as exc:
        reason = str(exc)
    except RecursionError:
        reason = f"is nested more than {MAX_DEPTH} levels deep"
    else:
        brackets = document.count("[") + document.count("{")
        if brackets <= MAX_DEPTH or _depth(value) <= MAX_DEPTH:
            return value
        reason = f"is nested more than {MAX_DEPTH} levels deep"
    raise InvalidValueError("document", document[:60], reason) from None
