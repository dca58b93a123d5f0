"""Bad inputs to the core, one row each: protocol and experiment files, session logs,
JSON documents and calls of the Python API.

Every row gives exactly one error of retroprog's own kind, whose message names the
file and what is wrong with it, or the line, field or argument and the value.  The
rows whose point is that nothing hangs (a FIFO, ``/dev/zero``, deep nesting, a key
of 50 000 dotted parts that ``tomllib`` takes a minute over) are refused before
anything is read or parsed: each row runs in a thread that must finish within
:data:`QUICK` seconds, so a hang fails the row instead of stalling the suite.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

import retroprog as rp
import retroprog_sim
from retroprog._files import MAX_LOG_BYTES, MAX_TOML_BYTES
from retroprog.exceptions import (
    FileProblemsError,
    InvalidArgumentError,
    InvalidValueError,
    ProtocolFileError,
    SessionLogError,
)

#: The most seconds a refused input may take (the issue asks for one; this leaves room).
QUICK = 2.0

WALK_RUN = rp.load_protocol("retro-walk-run")
REFERENCE = rp.load_policy("reference")
STATE = rp.ClientState("retro-walk", 60, sessions=10, base_sessions=6, last_day=12)
SESSION = rp.SessionOutcome()
MAY_3 = dt.date(2024, 5, 3)

#: What one bad input is made of in a scratch folder (``None`` for an API call).
Make = Callable[[Path], Any]


@attrs.frozen
class Row:
    """One bad input, what is done with it, and the one error it must give.

    :param make: builds the input in a scratch folder and returns it (a path).
    :param call: what is done with the input.
    :param error: the exact type of the error.
    :param message: the error's text; ``{path}`` stands for the input's path, and a
        message ending in ``…`` is the start of the text.
    """

    make: Make
    call: Callable[[Any], object]
    error: type[Exception]
    message: str


# --- making files -------------------------------------------------------------------------


def _file(name: str, content: str | bytes) -> Make:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    return make


def _fifo(name: str) -> Make:
    def make(folder: Path) -> Path:
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        path = folder / name
        os.mkfifo(path)
        return path

    return make


def _folder(name: str) -> Make:
    def make(folder: Path) -> Path:
        path = folder / name
        path.mkdir()
        return path

    return make


def _device(_: Path) -> Path:
    path = Path("/dev/zero")
    if not path.exists():
        pytest.skip("no /dev/zero here")
    return path


def _oversize(name: str, size: int) -> Make:
    def make(folder: Path) -> Path:
        path = folder / name
        with path.open("wb") as file:
            file.truncate(size)  # sparse: refused from its size, never read
        return path

    return make


def _missing(name: str) -> Make:
    return lambda folder: folder / name


def _nothing(_: Path) -> None:
    return None


# --- the inputs ---------------------------------------------------------------------------

#: TOML whose nesting or numbers the parser would choke or hang on, and what is said.
DEEP_TOML: dict[str, tuple[str | bytes, str]] = {
    "deep-arrays": (
        "stages = " + "[" * 100_000 + "]" * 100_000,
        "is nested more than 32 levels deep",
    ),
    "deep-inline-tables": (
        "defaults = " + "{a = " * 50_000 + "1" + "}" * 50_000,
        "is nested more than 32 levels deep",
    ),
    "deep-dotted-key": ("a" + ".a" * 50_000 + " = 1", "is nested more than 32 levels deep"),
    "deep-table-header": ("[" + "a." * 50_000 + "a]", "is nested more than 32 levels deep"),
    "33-levels": ("a = " + "[" * 32 + "]" * 32, "is nested more than 32 levels deep"),
    "huge-integer": ("schema = " + "9" * 5_000, "holds a number with more than 4300 digits"),
    "not-toml": ("name = ", "not valid TOML: …"),
    "bad-utf8": (b'name = "caf\xe9"\n', "cannot read: not UTF-8 text"),
}

#: Files that are not what a file should be, and what is said.
SPECIAL_FILES: dict[str, tuple[Callable[[str], Make], str]] = {
    "fifo": (_fifo, "cannot read: not a regular file (a FIFO)"),
    "folder": (_folder, "cannot read: a folder, not a file"),
    "dev-zero": (lambda _: _device, "cannot read: not a regular file (a character device)"),
    "missing": (_missing, "cannot read: No such file or directory"),
}


def _line(**changes: Any) -> str:
    """A session-log line: a clean session on day 2, with ``changes`` (…: drop the key)."""
    document = {**rp.to_dict(rp.SessionOutcome(day=2)), **changes}
    return json.dumps({k: v for k, v in document.items() if v is not ...})


#: Bad second lines of a session log (the first is a clean session on day 1), and what is said.
LOG_LINES = {
    "resume-false": (_line(resume="false"), "resume: must be true or false, got 'false'"),
    "pain-2.9": (_line(pain=2.9), "pain: must be a whole number between 0 and 10, got 2.9"),
    "completed-false": (_line(completed="false"), "completed: must be true or false, got 'false'"),
    "pain-text": (_line(pain="5"), "pain: must be a whole number between 0 and 10, got '5'"),
    "pain-true": (_line(pain=True), "pain: must be a whole number between 0 and 10, got True"),
    "balance-losses-0.9": (
        _line(balance_losses=0.9),
        "balance_losses: must be a whole number ≥ 0, got 0.9",
    ),
    "next-day-pain-2.99": (
        _line(next_day_pain=2.99),
        "next_day_pain: must be a whole number between 0 and 10, got 2.99",
    ),
    "rpe-text": (_line(rpe="5"), "rpe: must be a finite number between 0 and 10, got '5'"),
    "day-3.0": (_line(day=3.0), "day: must be a whole number ≥ 0, got 3.0"),
    "date-not-a-date": (
        _line(day=None, date="2024-02-30"),
        "date: must be a date as YYYY-MM-DD, got '2024-02-30'",
    ),
    "unknown-key": (_line(notes="felt fine"), "notes: unknown key (known: completed, …"),
    # a session line may leave its schema out (hand-written); a document of another type not
    "no-schema-not-a-session": (
        _line(schema=..., type="ClientState"),
        "schema: the document has no schema version (expected 2)",
    ),
    "schema-true": (_line(schema=True), "schema: document schema True is not supported …"),
    "duplicate-key": (
        _line()[:-1] + ', "pain": 9}',
        "gives the key 'pain' twice (0, then 9)",
    ),
    "deep-nesting": (
        _line()[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "is nested more than 32 levels deep",
    ),
    "huge-number": (
        _line()[:-1] + ', "x": ' + "9" * 5_000 + "}",
        "holds a number with more than 4300 digits",
    ),
    "nan": (_line()[:-1] + ', "rpe": NaN}', "holds NaN, which is not a JSON number"),
    "infinity": (_line()[:-1] + ', "rpe": Infinity}', "holds Infinity, which is not a JSON number"),
    "float-overflow": (
        _line()[:-1] + ', "rpe": 1e999}',
        "holds a number too large for a float (1e999)",
    ),
    "day-backwards": (_line(day=0), "day: is before the previous session (day 1), got 0"),
    "not-json": ('{"schema": 1, "pain": ', "is not JSON (Expecting value)"),
    "not-an-object": ("[1, 2]", "document: must be a JSON object, got [1, 2]"),
}


def _protocol_rows() -> dict[str, Row]:
    def load(path: Path) -> object:
        return rp.load_protocol(path)

    head = "{path}: 1 problem in protocol: file: "
    rows = {
        name: Row(_file("protocol.toml", text), load, ProtocolFileError, head + reason)
        for name, (text, reason) in DEEP_TOML.items()
    }
    rows |= {
        name: Row(make("protocol.toml"), load, ProtocolFileError, head + reason)
        for name, (make, reason) in SPECIAL_FILES.items()
    }
    rows["oversize"] = Row(
        _oversize("protocol.toml", MAX_TOML_BYTES + 1),
        load,
        ProtocolFileError,
        head + "cannot read: larger than 512 KiB, the most retroprog reads (it has 524289 bytes)",
    )
    rows["target-45.9"] = Row(
        _file(
            "protocol.toml", 'name = "x"\n[[stages]]\nname = "retro-walk"\ntarget_seconds = 45.9\n'
        ),
        load,
        ProtocolFileError,
        "{path}: 1 problem in protocol: stages[0].target_seconds: "
        "must be a whole number between 1 and 86400, got 45.9",
    )
    rows["plan-missing-duration"] = Row(
        _file(
            "protocol.toml",
            'name = "x"\n[[stages]]\nname = "week 1"\n'
            'levels = ["walk 5 min, 8 × (run 60 s, walk)"]\n',
        ),
        load,
        ProtocolFileError,
        "{path}: 1 problem in protocol: stages[0].levels[0].plan: at character 32: "
        "expected a duration after 'walk', e.g. '90 s', '3 min' or '2 min 30 s'",
    )
    return rows


def _experiment_rows() -> dict[str, Row]:
    def load(path: Path) -> object:
        return retroprog_sim.load_experiment(path)

    head = "{path}: 1 problem in experiment: file: "
    error = retroprog_sim.ExperimentFileError
    rows = {
        name: Row(_file("experiment.toml", text), load, error, head + reason)
        for name, (text, reason) in DEEP_TOML.items()
    }
    rows |= {
        name: Row(make("experiment.toml"), load, error, head + reason)
        for name, (make, reason) in SPECIAL_FILES.items()
    }
    rows["oversize"] = Row(
        _oversize("experiment.toml", MAX_TOML_BYTES + 1),
        load,
        error,
        head + "cannot read: larger than 512 KiB, the most retroprog reads (it has 524289 bytes)",
    )
    return rows


def _log_rows() -> dict[str, Row]:
    first = rp.to_json(rp.SessionOutcome(day=1))
    rows = {
        name: Row(
            _file("client.jsonl", f"{first}\n{line}\n"),
            rp.read_log,
            SessionLogError,
            "{path}: 1 problem in session log: line 2: " + reason,
        )
        for name, (line, reason) in LOG_LINES.items()
    }
    head = "{path}: 1 problem in session log: file: "
    rows |= {
        name: Row(make("client.jsonl"), rp.read_log, SessionLogError, head + reason)
        for name, (make, reason) in SPECIAL_FILES.items()
    }
    rows["oversize"] = Row(
        _oversize("client.jsonl", MAX_LOG_BYTES + 1),
        rp.read_log,
        SessionLogError,
        head + "cannot read: larger than 16 MiB, the most retroprog reads (it has 16777217 bytes)",
    )
    rows["bad-utf8"] = Row(
        _file("client.jsonl", f"{first}\n".encode() + b'{"note": "caf\xe9"}\n'),
        rp.read_log,
        SessionLogError,
        head + "cannot read: not UTF-8 text",
    )
    rows["every-bad-line-at-once"] = Row(
        _file(
            "client.jsonl",
            "\n".join([first, _line(pain=2.9), _line(resume="false"), _line(day=0), ""]),
        ),
        rp.read_log,
        SessionLogError,
        "{path}: 3 problems in session log: "
        "line 2: pain: must be a whole number between 0 and 10, got 2.9; "
        "line 3: resume: must be true or false, got 'false'; "
        "line 4: day: is before the previous session (day 1), got 0",
    )
    return rows


def _document(value: Any, **changes: Any) -> Make:
    """``value``'s JSON document with ``changes``, as text."""
    return lambda _: json.dumps({**rp.to_dict(value), **changes})


_DECISION = rp.replay(WALK_RUN, REFERENCE, [rp.SessionOutcome()])[0]
_DECISION_STATE = rp.to_dict(_DECISION)["state"]


def _from_json(cls: type[Any]) -> Callable[[Any], object]:
    return lambda text: rp.from_json(text, cls)


#: JSON documents (an app's stored state, outcome or decision), and what is said.
DOCUMENT_ROWS = {
    "state-level-45.9": Row(
        _document(STATE, level=45.9),
        _from_json(rp.ClientState),
        InvalidValueError,
        "level: must be a whole number ≥ 1, got 45.9",
    ),
    "schema-1-state-bout-seconds-45.9": Row(
        lambda _: json.dumps(
            {"schema": 1, "type": "ClientState", "stage": "retro-walk", "bout_seconds": 45.9}
        ),
        _from_json(rp.ClientState),
        InvalidValueError,
        "bout_seconds: must be a whole number ≥ 1, got 45.9",
    ),
    "state-status-number": Row(
        _document(STATE, status=1),
        _from_json(rp.ClientState),
        InvalidValueError,
        "status: must be one of active, stopped, completed, got 1",
    ),
    "state-memory-list": Row(
        _document(STATE, memory=[]),
        _from_json(rp.ClientState),
        InvalidValueError,
        "memory: must be a mapping of names to JSON values, got []",
    ),
    "outcome-resume-false": Row(
        _document(SESSION, resume="false"),
        _from_json(rp.SessionOutcome),
        InvalidValueError,
        "resume: must be true or false, got 'false'",
    ),
    "decision-state-level-45.9": Row(
        _document(_DECISION, state={**_DECISION_STATE, "level": 45.9}),
        _from_json(rp.Decision),
        InvalidValueError,
        "state.level: must be a whole number ≥ 1, got 45.9",
    ),
    "decision-plan-text": Row(
        _document(_DECISION, prescription={"stage": "retro-walk", "segments": "walk 5 min"}),
        _from_json(rp.Decision),
        InvalidValueError,
        "prescription.segments: must be a JSON array, got 'walk 5 min'",
    ),
    "decision-reasons-text": Row(
        _document(_DECISION, reasons="success"),
        _from_json(rp.Decision),
        InvalidValueError,
        "reasons: must be a JSON array, got 'success'",
    ),
    "protocol-stage-target-text": Row(
        _document(WALK_RUN, stages=[{"name": "retro-walk", "target_seconds": "120"}]),
        _from_json(rp.StagedProtocol),
        InvalidValueError,
        "stages[0].target_seconds: must be a whole number between 1 and 86400, got '120'",
    ),
    "duplicate-key": Row(
        lambda _: rp.to_json(SESSION)[:-1] + ', "resume": true}',
        _from_json(rp.SessionOutcome),
        InvalidValueError,
        "document: gives the key 'resume' twice (False, then True), got …",
    ),
    "deep-nesting": Row(
        lambda _: "[" * 100_000 + "]" * 100_000,
        _from_json(rp.ClientState),
        InvalidValueError,
        "document: is nested more than 32 levels deep, got …",
    ),
    "huge-number": Row(
        lambda _: '{"schema": 1, "pain": ' + "9" * 5_000 + "}",
        _from_json(rp.SessionOutcome),
        InvalidValueError,
        "document: holds a number with more than 4300 digits, got …",
    ),
    "nan": Row(
        lambda _: '{"schema": 1, "rpe": NaN}',
        _from_json(rp.SessionOutcome),
        InvalidValueError,
        'document: holds NaN, which is not a JSON number, got \'{"schema": 1, "rpe": NaN}\'',
    ),
}


def _replay(outcomes: Any, **kwargs: Any) -> Callable[[Any], object]:
    return lambda _: rp.replay(WALK_RUN, REFERENCE, outcomes, **kwargs)


#: Calls of the Python API, and what is said.
API_ROWS = {
    "decide-outcome-none": Row(
        _nothing,
        lambda _: REFERENCE.decide(WALK_RUN, STATE, None),  # type: ignore[arg-type]
        InvalidArgumentError,
        "outcome: must be a SessionOutcome, got None",
    ),
    "decide-outcome-dict": Row(
        _nothing,
        lambda _: REFERENCE.decide(WALK_RUN, STATE, {"pain": 3}),  # type: ignore[arg-type]
        InvalidArgumentError,
        "outcome: must be a SessionOutcome, got {'pain': 3}",
    ),
    "decide-state-none": Row(
        _nothing,
        lambda _: REFERENCE.decide(WALK_RUN, None, SESSION),  # type: ignore[arg-type]
        InvalidArgumentError,
        "state: must be a ClientState (a new client's is start(protocol)), got None",
    ),
    "decide-protocol-name": Row(
        _nothing,
        lambda _: REFERENCE.decide("retro-walk-run", STATE, SESSION),  # type: ignore[arg-type]
        InvalidArgumentError,
        "protocol: must be a ProgressionProtocol "
        "(for one by name, use load_protocol('retro-walk-run')), got 'retro-walk-run'",
    ),
    "guarded-decide-outcome-none": Row(
        _nothing,
        lambda _: rp.guarded(REFERENCE).decide(WALK_RUN, STATE, None),  # type: ignore[arg-type]
        InvalidArgumentError,
        "outcome: must be a SessionOutcome, got None",
    ),
    "decide-day-backwards": Row(
        _nothing,
        lambda _: REFERENCE.decide(WALK_RUN, STATE, rp.SessionOutcome(day=10)),
        InvalidValueError,
        "day: is before the previous session (day 12), got 10",
    ),
    "guarded-decide-day-backwards": Row(
        _nothing,
        lambda _: rp.guarded(REFERENCE).decide(WALK_RUN, STATE, rp.SessionOutcome(day=10)),
        InvalidValueError,
        "day: is before the previous session (day 12), got 10",
    ),
    "load-protocol-number": Row(
        _nothing,
        lambda _: rp.load_protocol(123),  # type: ignore[arg-type]
        InvalidArgumentError,
        "source: must be a protocol's name or the path of a TOML file, got 123",
    ),
    "load-policy-number": Row(
        _nothing,
        lambda _: rp.load_policy(123),  # type: ignore[arg-type]
        InvalidArgumentError,
        "name: must be a policy's name (built-in: reference, pain-monitoring, staircase), got 123",
    ),
    "load-guard-number": Row(
        _nothing,
        lambda _: rp.load_guard(123),  # type: ignore[arg-type]
        InvalidArgumentError,
        "name: must be a guard's name (no-progress-after-adverse, one-step, gap, weekly-cap), "
        "got 123",
    ),
    "guarded-guard-name": Row(
        _nothing,
        lambda _: rp.guarded(REFERENCE, "one-step"),  # type: ignore[arg-type]
        InvalidArgumentError,
        "guards[0]: must be a Guard (for one by name, use load_guard('one-step')), got 'one-step'",
    ),
    "guarded-policy-name": Row(
        _nothing,
        lambda _: rp.guarded("reference"),  # type: ignore[arg-type]
        InvalidArgumentError,
        "policy: must be a RegressionPolicy (for one by name, use load_policy('reference')), "
        "got 'reference'",
    ),
    "replay-none-session": Row(
        _nothing,
        _replay([SESSION, None]),
        InvalidArgumentError,
        "outcomes[1]: must be a SessionOutcome, got None",
    ),
    "replay-one-session-not-a-list": Row(
        _nothing,
        _replay(SESSION),
        InvalidArgumentError,
        "outcomes: must be a sequence of SessionOutcome, got SessionOutcome(…",
    ),
    "replay-policy-name": Row(
        _nothing,
        lambda _: rp.replay(WALK_RUN, "reference", []),  # type: ignore[arg-type]
        InvalidArgumentError,
        "policy: must be a RegressionPolicy (for one by name, use load_policy('reference')), "
        "got 'reference'",
    ),
    "replay-dates-backwards": Row(
        _nothing,
        _replay([rp.SessionOutcome(date=MAY_3), rp.SessionOutcome(date=MAY_3.replace(day=1))]),
        InvalidValueError,
        "outcomes[1].date: is before the previous session (2024-05-03), got '2024-05-01'",
    ),
    "replay-days-backwards-weekly-cap": Row(
        _nothing,
        lambda _: rp.replay(
            WALK_RUN,
            rp.guarded(REFERENCE, rp.WeeklyCap()),
            [rp.SessionOutcome(day=100 - d) for d in range(7)],
        ),
        InvalidValueError,
        "outcomes[1].day: is before the previous session (day 100), got 99",
    ),
    "start-protocol-name": Row(
        _nothing,
        lambda _: rp.start("retro-walk-run"),  # type: ignore[arg-type]
        InvalidArgumentError,
        "protocol: must be a ProgressionProtocol "
        "(for one by name, use load_protocol('retro-walk-run')), got 'retro-walk-run'",
    ),
    "read-log-number": Row(
        _nothing,
        lambda _: rp.read_log(123),  # type: ignore[arg-type]
        InvalidArgumentError,
        "path: must be a path to a session log (JSON Lines), got 123",
    ),
    "outcome-pain-2.9": Row(
        _nothing,
        lambda _: rp.SessionOutcome(pain=2.9),  # type: ignore[arg-type]
        InvalidValueError,
        "pain: must be a whole number between 0 and 10, got 2.9",
    ),
}

TABLE: dict[str, Row] = {
    **{f"protocol-file/{k}": v for k, v in _protocol_rows().items()},
    **{f"experiment-file/{k}": v for k, v in _experiment_rows().items()},
    **{f"session-log/{k}": v for k, v in _log_rows().items()},
    **{f"json-document/{k}": v for k, v in DOCUMENT_ROWS.items()},
    **{f"api/{k}": v for k, v in API_ROWS.items()},
}


def _raised_within(
    call: Callable[[], object], seconds: float
) -> tuple[BaseException | None, float]:
    """What ``call`` raised and how long it took; fails if it is still running after ``seconds``."""
    raised: list[BaseException | None] = [None]

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # handed to the test
            raised[0] = exc

    started = time.perf_counter()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s: it hangs"
    return raised[0], time.perf_counter() - started


@pytest.mark.parametrize("row", TABLE.values(), ids=TABLE.keys())
def test_a_bad_input_gives_one_clear_error_at_once(row: Row, tmp_path: Path) -> None:
    made = row.make(tmp_path)

    raised, seconds = _raised_within(lambda: row.call(made), QUICK)

    assert type(raised) is row.error, repr(raised)
    expected = row.message.replace("{path}", str(made))
    message = str(raised)
    if isinstance(raised, FileProblemsError):  # a head line, then one line per problem
        head, *lines = message.split("\n")
        assert len(lines) == len(raised.problems)
        assert all(line.startswith("  ") and "\n" not in line for line in lines)
        message = " ".join([head, "; ".join(line.removeprefix("  ") for line in lines)])
    else:
        assert "\n" not in message  # one line
    if expected.endswith("…"):
        assert message.startswith(expected[:-1]), message
    else:
        assert message == expected
    assert seconds < QUICK


def test_the_table_covers_every_kind_of_input() -> None:
    kinds = {key.split("/")[0] for key in TABLE}

    assert kinds == {"protocol-file", "experiment-file", "session-log", "json-document", "api"}
    assert len(TABLE) >= 80
