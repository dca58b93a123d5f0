"""Reading users' files and documents: regular files only, bounded size and nesting."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retroprog._files import (
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_LOG_BYTES,
    MAX_TOML_BYTES,
    loads_json,
    loads_toml,
    read_text,
    toml_depth_exceeds,
)
from retroprog.exceptions import InvalidValueError, Problem, ProtocolFileError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


def _finishes(call: Callable[[], object], seconds: float = 5.0) -> BaseException | None:
    """Run ``call`` in a thread; the exception it raised, failing the test if it hangs."""
    raised: list[BaseException | None] = [None]

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # handed to the test
            raised[0] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    return raised[0]


def _read(path: str | os.PathLike[str], max_bytes: int = 100) -> str:
    return read_text(path, label="mine.toml", error=ProtocolFileError, max_bytes=max_bytes)


def _problem(call: Callable[[], object]) -> str:
    with pytest.raises(ProtocolFileError) as info:
        call()
    assert info.value.path == "mine.toml"
    (problem,) = info.value.problems
    assert problem.key == "file"
    return problem.message


# --- read_text ----------------------------------------------------------------------------


def test_the_documented_limits() -> None:
    assert (MAX_TOML_BYTES, MAX_LOG_BYTES, MAX_DEPTH, MAX_DIGITS) == (
        512 * 1024,
        16 * 1024 * 1024,
        32,
        4300,
    )


def test_a_regular_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text("name = 'é'\n", encoding="utf-8")

    assert _read(path) == "name = 'é'\n"
    assert _read(str(path), max_bytes=len("name = 'é'\n".encode())) == "name = 'é'\n"


def test_a_file_at_the_limit_is_read_one_byte_more_is_not(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_bytes(b"x" * 101)

    assert _problem(lambda: _read(path)) == (
        "cannot read: larger than 100 bytes, the most retroprog reads (it has 101 bytes)"
    )
    path.write_bytes(b"x" * 100)
    assert _read(path) == "x" * 100


def test_a_file_that_grows_while_it_is_read_is_cut_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.toml"
    path.write_bytes(b"x" * 5000)

    def small(real: Callable[[Any], os.stat_result]) -> Callable[[Any], os.stat_result]:
        def stat(target: Any) -> os.stat_result:  # what the file measured before it grew
            info = real(target)
            return os.stat_result((*info[:6], 10, *info[7:10]))

        return stat

    monkeypatch.setattr(os, "stat", small(os.stat))
    monkeypatch.setattr(os, "fstat", small(os.fstat))

    assert _problem(lambda: _read(path)) == (
        "cannot read: larger than 100 bytes, the most retroprog reads"
    )


def test_a_missing_file(tmp_path: Path) -> None:
    assert _problem(lambda: _read(tmp_path / "absent.toml")) == (
        "cannot read: No such file or directory"
    )


def test_a_folder(tmp_path: Path) -> None:
    assert _problem(lambda: _read(tmp_path)) == "cannot read: a folder, not a file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_without_a_writer_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)

    raised = _finishes(lambda: _read(fifo))

    assert isinstance(raised, ProtocolFileError)
    assert raised.problems == (Problem("file", "cannot read: not a regular file (a FIFO)"),)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_an_endless_device_is_refused_not_read() -> None:
    raised = _finishes(lambda: _read("/dev/zero", max_bytes=MAX_LOG_BYTES))

    assert isinstance(raised, ProtocolFileError)
    assert raised.problems == (
        Problem("file", "cannot read: not a regular file (a character device)"),
    )


def test_text_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"name = 'caf\xe9'\n")

    assert _problem(lambda: _read(path)) == "cannot read: not UTF-8 text"


def test_a_path_with_a_nul_character() -> None:
    assert _problem(lambda: _read("a\0b.toml")) == "cannot read: the path holds a NUL character"


# --- TOML ---------------------------------------------------------------------------------


def _depth(value: Any) -> int:
    """How deeply a parsed document nests: the document itself is level 1."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("x = 1", 1),
        ("x = [1]", 2),
        ("x.y = 1", 2),
        ("[a]\nx = 1", 2),
        ("[a.b]\nx = [[1]]", 5),
        ("x = {a.b = [1]}", 4),
        ("[[a]]\nx = 1", 3),
        ('x = "[[[[[[["', 1),
        ("x = '''a'''''\ny = [1]", 2),
        ('x = """a\\"""b"""\ny = [[1]]', 3),
        ("x = [ # [[[[\n  1]", 2),
        ("a = {}\nb = [{c = [1]}]", 4),
        ('"a.b.c" = [1]', 2),
        ("  [ a . b ]  # [[[\n  x = 1", 3),
    ],
)
def test_the_depth_is_counted_as_the_document_nests(text: str, depth: int) -> None:
    tomllib.loads(text)  # valid TOML

    assert not toml_depth_exceeds(text, depth)
    assert toml_depth_exceeds(text, depth - 1)


_KEYS = st.from_regex(r"[a-z]{1,3}", fullmatch=True) | st.sampled_from(['"a.b"', "'[x]'", '"{"'])


def _toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


_VALUES = st.recursive(
    st.sampled_from(["1", "1.5", '"]}"', "'[{'", "true", "1979-05-27"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=12,
)


@given(
    header=st.lists(_KEYS, max_size=4),
    key=st.lists(_KEYS, min_size=1, max_size=4),
    value=_VALUES,
)
def test_the_scan_agrees_with_the_parser(header: list[str], key: list[str], value: Any) -> None:
    lines = [f"[{'.'.join(header)}]"] if header else []
    text = "\n".join([*lines, f"{'.'.join(key)} = {_toml_value(value)}  # ]]", ""])
    try:
        depth = _depth(tomllib.loads(text))
    except tomllib.TOMLDecodeError:  # a key repeated in an inline table
        return

    assert not toml_depth_exceeds(text, depth)
    assert toml_depth_exceeds(text, depth - 1)


def _toml_problem(text: str) -> str:
    with pytest.raises(ProtocolFileError) as info:
        loads_toml(text, label="mine.toml", error=ProtocolFileError)
    (problem,) = info.value.problems
    return problem.message


@pytest.mark.parametrize(
    "text",
    [
        "a" + ".a" * 50_000 + " = 1",  # tomllib takes ~a minute on it
        "[" + "a." * 50_000 + "a]",
        "[[" + "a." * 50_000 + "a]]",
        "a = " + "[" * 100_000 + "]" * 100_000,  # RecursionError in tomllib
        "a = " + "{b = " * 100_000 + "1" + "}" * 100_000,
        "a = " + "[" * 32 + "]" * 32,  # one level too deep: the document is level 1
    ],
    ids=["dotted-key", "table-header", "array-table-header", "arrays", "inline-tables", "33"],
)
def test_deep_nesting_is_refused_before_parsing(text: str) -> None:
    started = time.perf_counter()

    assert _toml_problem(text) == "is nested more than 32 levels deep"
    assert time.perf_counter() - started < 1.0


def test_nesting_at_the_limit_is_read() -> None:
    assert loads_toml("a = " + "[" * 31 + "]" * 31, label="x", error=ProtocolFileError)


def test_a_number_too_long_to_convert() -> None:
    assert _toml_problem("a = " + "9" * 5000) == "holds a number with more than 4300 digits"


def test_invalid_toml() -> None:
    assert _toml_problem("a = ").startswith("not valid TOML: ")


# --- JSON ---------------------------------------------------------------------------------


def _json_problem(text: str | bytes) -> InvalidValueError:
    with pytest.raises(InvalidValueError) as info:
        loads_json(text)
    assert info.value.field == "document"
    return info.value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"pain": 2, "pain": 9}', "gives the key 'pain' twice (2, then 9)"),
        ('{"a": {"b": 1, "b": 1}}', "gives the key 'b' twice (1, then 1)"),
        ('{"pain": NaN}', "holds NaN, which is not a JSON number"),
        ('{"pain": Infinity}', "holds Infinity, which is not a JSON number"),
        ('{"pain": -Infinity}', "holds -Infinity, which is not a JSON number"),
        ('{"pain": 1e400}', "holds a number too large for a float (1e400)"),
        ('{"pain": ' + "9" * 4301 + "}", "holds a number with more than 4300 digits"),
        ('{"pain": -' + "9" * 4301 + "}", "holds a number with more than 4300 digits"),
        ("[" * 33 + "]" * 33, "is nested more than 32 levels deep"),
        ("[" * 100_000 + "]" * 100_000, "is nested more than 32 levels deep"),
        ('{"a": ' * 40 + "1" + "}" * 40, "is nested more than 32 levels deep"),
        ("{pain: 3", "is not JSON (Expecting property name enclosed in double quotes)"),
        (b'{"a": "caf\xe9"}', "is not UTF-8 text"),
    ],
    ids=[
        "duplicate-key",
        "duplicate-nested-key",
        "nan",
        "infinity",
        "minus-infinity",
        "float-overflow",
        "huge-integer",
        "huge-negative-integer",
        "33-levels",
        "100000-levels",
        "40-objects",
        "not-json",
        "not-utf8",
    ],
)
def test_refused_json(text: str | bytes, reason: str) -> None:
    error = _json_problem(text)

    assert error.reason == reason
    assert error.value == text[:60]


def test_json_at_the_limits_is_read() -> None:
    assert loads_json("[" * 32 + "]" * 32) == _nested(32)
    assert loads_json('{"a": ' + "9" * 4300 + "}") == {"a": int("9" * 4300)}
    assert loads_json(b'{"a": [1, 2.5, null, true, "x"]}') == {"a": [1, 2.5, None, True, "x"]}


def _nested(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels - 1):
        value = [value]
    return value
