"""Bad inputs to the command line and the harness's Python API, one row each.

Every row of :data:`CLI` is one ``retroprog`` invocation.  An error must be
one line on stderr, ``retroprog: error: …``, naming the bad value or option
(a file's problems: their count, then one indented line each),
with exit code 2, no traceback, no escape sequence, and within a short time
(checked before any work); the rows whose point is that the command copes
(markup in labels, more workers than CPUs, Ctrl-C) say their exit code and what
they print.  :data:`API` does the same for the Python API: one exception, of
the library's own kind, with a message that names the limit or the value.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

import retroprog
import retroprog_sim
from retroprog.exceptions import InvalidValueError, RetroprogError
from retroprog_sim import executors as _run
from retroprog_sim import folder as _folder
from retroprog_sim.cli import cli, parse_value
from retroprog_sim.present import plots as _plots

#: A run small enough to take well under a second.
SMALL = ["--clients", "20", "--weeks", "2", "--no-progress"]
#: The most CPU seconds a refused input may take (the issue asks for one; this leaves room).
#: CPU time, not wall time, so that other work on a shared machine cannot fail a row.
QUICK = 2.0
#: A row still running after this many times its CPU budget in wall time hangs.
HANG = 10
ESC = "\x1b"
MARKUP_LABELS = ("[/closing]", "[bold red]x[/]")
TITLE = "\x1b]0;title\x07"
#: The same in a TOML string.
TITLE_TOML = "\\u001b]0;title\\u0007"

Setup = Callable[[Path, pytest.MonkeyPatch], contextlib.AbstractContextManager[Any]]


@attrs.frozen
class Row:
    """One invocation: its arguments (``{name}`` is a file of :func:`files`) and what it gives.

    :param expected: fragments of the error line (exit code 2) or of stdout (else).
    """

    args: tuple[str, ...]
    expected: tuple[str, ...]
    code: int = 2
    setup: Setup | None = None
    seconds: float = QUICK


def _sequence(n: int) -> str:
    return ",".join(str(i) for i in range(1, n + 1))


def _toml_list(n: int) -> str:
    return "[" + ", ".join(str(i) for i in range(1, n + 1)) + "]"


def _experiment(tmp: Path, name: str, text: str) -> None:
    (tmp / name).write_text(text, encoding="utf-8")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    """The files and folders the rows name, by placeholder."""
    two = 'policies = ["reference", "staircase"]\n'
    _experiment(tmp_path, "clients.toml", f"clients = 1000000000000\n{two}")
    _experiment(tmp_path, "weeks.toml", f"weeks = 1000000000\n{two}")
    _experiment(
        tmp_path,
        "grid.toml",
        '[[policies]]\nname = "reference"\n'
        f"grid.stop_after = {_toml_list(1000)}\n"
        f"grid.successes_to_progress = {_toml_list(1000)}\n",
    )
    _experiment(tmp_path, "seeds.toml", f"seeds = [{', '.join(map(str, range(20_001)))}]\n{two}")
    _experiment(
        tmp_path, "out-file.toml", f'clients = 10\nweeks = 1\n{two}[output]\ndir = "a-file"\n'
    )
    _experiment(
        tmp_path,
        "labels.toml",
        "clients = 20\nweeks = 2\n"
        f'populations = [{{ name = "general", label = "{TITLE_TOML}pop" }}]\n'
        + "".join(
            f'[[policies]]\nname = "{name}"\nlabel = "{label}"\n'
            for name, label in zip(("reference", "staircase"), MARKUP_LABELS, strict=True)
        ),
    )
    protocol = retroprog.load_protocol("retro-walk-run")
    stages = "".join(
        f'[[stages]]\nname = "{name}"\nactivity = "{s.name}"\n'
        f"base_min_seconds = {s.base_min_seconds}\n"
        f"base_max_seconds = {s.base_max_seconds}\nstep_seconds = {s.step_seconds}\n"
        f"target_seconds = {s.target_seconds}\n"
        for name, s in zip((f"{TITLE_TOML}walk", "[/closing]"), protocol.stages, strict=True)
    )
    _experiment(tmp_path, "stages.toml", f'schema = 1\nname = "[bold red]x[/]"\n{stages}')
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o555)
    locked = tmp_path / "locked"
    locked.mkdir()
    return {
        **{p.stem: str(p) for p in tmp_path.glob("*.toml")},
        "tmp": str(tmp_path),
        "a_file": str(tmp_path / "a-file"),
        "empty_log": str(tmp_path / "empty.jsonl"),
        "read_only": str(read_only),
        "locked": str(locked),
    }


@contextlib.contextmanager
def _locked(tmp: Path, _monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with _folder.claim(tmp / "locked"):
        yield


@contextlib.contextmanager
def _two_cpus(_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(_run, "cpu_count", lambda: 2)
    yield


@contextlib.contextmanager
def _unanswered(_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    pytest.importorskip("distributed")
    import distributed  # noqa: F401  (imported before the clock starts)

    monkeypatch.setattr(_run, "DASK_CONNECT_TIMEOUT", 0.2)
    yield


@contextlib.contextmanager
def _root_writes_anywhere(_tmp: Path, _monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if os.geteuid() == 0:
        pytest.skip("root may write in a read-only folder")
    yield


@contextlib.contextmanager
def _ctrl_c_in_the_report(_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def interrupted(*_args: Any, **_kwargs: Any) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("retroprog_sim.present.report.render_report", interrupted)
    yield


def _closed_port() -> int:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port: int = closed.getsockname()[1]
    return port


DEEP = "[" * 100_000
NEARLY_DEEP = "[" * 900
HUGE = "1" * 5000

CLI: dict[str, Row] = {
    # -- limits, in files and options ------------------------------------------------------
    "experiment file: clients = 10^12": Row(
        ("compare", "{clients}"),
        ("clients (line 1): must be at most 10 000 000", "got 1000000000000"),
    ),
    "experiment file: weeks = 10^9": Row(
        ("compare", "{weeks}"), ("weeks (line 1): must be at most 520", "got 1000000000")
    ),
    "experiment file: a grid of 10^6 cells": Row(
        ("sweep", "{grid}"), ("runs: an experiment has at most 10 000 runs", "got 1 000 000")
    ),
    "experiment file: 20 001 seeds": Row(
        ("compare", "{seeds}"), ("at most 10 000 runs", "got 40 002")
    ),
    "--clients 10^12": Row(
        ("simulate", "--clients", "1000000000000"), ("--clients", "1<=x<=10000000")
    ),
    "--weeks 10^9": Row(("simulate", "--weeks", "1000000000"), ("--weeks", "1<=x<=520")),
    "--clients with 5000 digits": Row(("simulate", "--clients", HUGE), ("--clients",)),
    "--grid of 10^6 cells": Row(
        (
            "sweep",
            "--grid",
            f"stop_after={_sequence(1000)}",
            "--grid",
            f"successes_to_progress={_sequence(1000)}",
        ),
        ("--grid", "at most 10 000 runs", "got 1 000 000"),
    ),
    # -- parameter values read as TOML -----------------------------------------------------
    "--param nested 100 000 deep": Row(
        ("simulate", "--param", f"stop_after={DEEP}"), ("--param", "at most 1000 characters")
    ),
    "--param nested 900 deep": Row(
        ("simulate", "--param", f"stop_after={NEARLY_DEEP}"), ("--param", "nested too deeply")
    ),
    "--param with a 5000-digit number": Row(
        ("simulate", "--param", f"stop_after={HUGE}"), ("--param", "at most 1000 characters")
    ),
    "--grid value nested deep": Row(
        ("sweep", "--grid", f"stop_after=1,{NEARLY_DEEP}"), ("--grid", "nested too deeply")
    ),
    "--population-param nested deep": Row(
        ("simulate", "--population-param", f"heterogeneity={NEARLY_DEEP}"),
        ("--population-param", "nested too deeply"),
    ),
    "compare --param nested deep": Row(
        ("compare", "reference", "staircase", "--param", f"stop_after={DEEP}"),
        ("--param", "at most 1000 characters"),
    ),
    # -- Dask and workers ------------------------------------------------------------------
    "--dask ::garbage::": Row(
        ("simulate", "--dask", "::garbage::"), ("--dask", "'::garbage::'", "not a Dask scheduler")
    ),
    "--dask with an unknown scheme": Row(
        ("simulate", "--dask", "foo://host:1"), ("--dask", "not a Dask scheduler")
    ),
    "--dask without a port": Row(
        ("simulate", "--dask", "scheduler"), ("--dask", "not a Dask scheduler")
    ),
    "--dask where nothing answers": Row(
        ("simulate", *SMALL, "--dask", f"127.0.0.1:{_closed_port()}"),
        ("dask: no Dask scheduler answers there within 0.2 s",),
        setup=_unanswered,
        seconds=5.0,
    ),
    "--workers 48 on 2 CPUs": Row(
        ("simulate", *SMALL, "--workers", "48"),
        ("goal rate",),
        code=0,
        setup=_two_cpus,
        seconds=30.0,
    ),
    # -- output folders --------------------------------------------------------------------
    "--out a file": Row(("simulate", *SMALL, "--out", "{a_file}"), ("--out", "is a file")),
    "output.dir of an experiment file is a file": Row(
        ("compare", "{out-file}"), ("output folder", "a-file: is a file, not a folder")
    ),
    "--out under a file": Row(
        ("simulate", *SMALL, "--out", "{a_file}/out"), ("part of its path is a file",)
    ),
    "--out read-only": Row(
        ("simulate", *SMALL, "--out", "{read_only}"),
        ("read-only: cannot write in it (Permission denied)",),
        setup=_root_writes_anywhere,
    ),
    "--out in use by another run": Row(
        ("simulate", *SMALL, "--out", "{locked}"),
        (f"locked: is in use by another retroprog run (pid {os.getpid()})",),
        setup=_locked,
    ),
    # -- text shown in the terminal --------------------------------------------------------
    "an escape sequence in an unknown policy's name (shown as repr)": Row(
        ("simulate", "--policy", f"{TITLE}nope"), ("unknown policy '\\x1b]0;title\\x07nope'",)
    ),
    "an escape sequence in a missing protocol file's name": Row(
        ("simulate", "--protocol", f"{{tmp}}/{TITLE}missing.toml"),
        ("/]0;titlemissing.toml", "cannot read"),
    ),
    "markup and escapes in policy and population labels (compare)": Row(
        ("compare", "{labels}"),
        (*MARKUP_LABELS, "]0;titlepop population"),
        code=0,
        seconds=30.0,
    ),
    "markup and escapes in labels (sweep)": Row(
        ("sweep", "{labels}"), (*MARKUP_LABELS, "]0;titlepop"), code=0, seconds=30.0
    ),
    "markup and escapes in stage and protocol names (simulate)": Row(
        ("simulate", *SMALL, "--protocol", "{stages}"),
        ("[bold red]x[/]: reference policy", "[/closing] target reached", "]0;titlewalk target"),
        code=0,
        seconds=30.0,
    ),
    "escapes in a stage name (next)": Row(
        ("next", "{empty_log}", "--protocol", "{stages}"),
        ("state:        active, ]0;titlewalk at 15 s",),
        code=0,
    ),
    # -- Ctrl-C ----------------------------------------------------------------------------
    "Ctrl-C while the report is written": Row(
        ("compare", "reference", "staircase", *SMALL, "--out", "{tmp}/out"),
        ("interrupted; 2 of 2 runs are finished and saved in", "run the same command again"),
        code=130,
        setup=_ctrl_c_in_the_report,
    ),
}


@pytest.mark.parametrize("row", CLI.values(), ids=CLI.keys())
def test_cli(
    row: Row, files: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_plots, "available", lambda: False)
    args = [arg.format(**files) for arg in row.args]
    with row.setup(tmp_path, monkeypatch) if row.setup else contextlib.nullcontext():
        started, cpu_started = time.monotonic(), time.process_time()
        result = CliRunner().invoke(cli, args)
        seconds = time.process_time() - cpu_started
        wall = time.monotonic() - started

    output = result.stdout + result.stderr
    assert result.exit_code == row.code, output
    assert isinstance(result.exception, (SystemExit, type(None))), result.exception
    assert "Traceback" not in output
    assert ESC not in output
    assert seconds < row.seconds
    assert wall < HANG * row.seconds, f"{wall:.1f} s: it hangs"
    if row.code == 0:
        for fragment in row.expected:
            assert fragment in result.stdout
        return
    head, *problems = result.stderr.splitlines()
    assert head.startswith("retroprog: error: ")
    found = re.search(r" (\d+) problems? in [a-z ]+:$", head)
    # one line; a file's problems follow their count, one indented line each
    assert len(problems) == (int(found.group(1)) if found else 0), result.stderr
    assert all(line.startswith("  ") for line in problems), result.stderr
    for fragment in row.expected:
        assert fragment in " ".join([head, *problems])
    assert result.stdout == ""


# -- the Python API ---------------------------------------------------------------------------


def _spec(**changes: Any) -> retroprog_sim.RunSpec:
    return retroprog_sim.RunSpec(
        retroprog.load_protocol("retro-walk-run"),
        retroprog.load_policy("reference"),
        retroprog_sim.load_population("general"),
        **changes,
    )


def _big_sweep() -> list[retroprog_sim.Cell]:
    grid = {"stop_after": list(range(1, 1001)), "successes_to_progress": list(range(1, 1001))}
    return retroprog_sim.Experiment([retroprog_sim.PolicyEntry("reference", grid=grid)]).cells(
        "sweep"
    )


def _executor(address: str) -> None:
    with _run.executor_for(dask=address):
        pass


def _claim(path: Path) -> None:
    with _folder.claim(path):
        pass


API: dict[str, tuple[Callable[[Path], object], type[Exception], str]] = {
    "RunSpec(clients=10**12)": (
        lambda _: _spec(clients=10**12),
        InvalidValueError,
        "clients: must be at most 10 000 000 (the most clients a run may have), got 1000000000000",
    ),
    "RunSpec(weeks=10**9)": (
        lambda _: _spec(weeks=10**9),
        InvalidValueError,
        "weeks: must be at most 520 (the most weeks a run may follow), got 1000000000",
    ),
    "Experiment.cells() of 10^6 cells": (
        lambda _: _big_sweep(),
        retroprog_sim.ExperimentFileError,
        "runs: an experiment has at most 10 000 runs, got 1 000 000",
    ),
    "experiment_from_dict with clients = 10^12": (
        lambda _: retroprog_sim.experiment_from_dict(
            {"policies": ["reference"], "clients": 10**12}
        ),
        retroprog_sim.ExperimentFileError,
        "clients: must be at most 10 000 000",
    ),
    "parse_value of 100 000 brackets": (
        lambda _: parse_value(DEEP),
        InvalidValueError,
        "value: must be at most 1000 characters long",
    ),
    "parse_value nested 900 deep": (
        lambda _: parse_value(NEARLY_DEEP),
        InvalidValueError,
        "value: is nested too deeply",
    ),
    "executor_for(dask='::garbage::')": (
        lambda _: _executor("::garbage::"),
        InvalidValueError,
        "dask: is not a Dask scheduler address",
    ),
    "claim() of a file": (
        lambda tmp: _claim(tmp / "a-file"),
        retroprog_sim.OutputFolderError,
        "a-file: is a file, not a folder",
    ),
    "verify_output() of a folder being written": (
        lambda tmp: retroprog_sim.verify_output(tmp),
        retroprog_sim.OutputFolderError,
        "no manifest.json",
    ),
}


@pytest.mark.parametrize(("call", "error", "message"), API.values(), ids=API.keys())
def test_api(
    call: Callable[[Path], object],
    error: type[Exception],
    message: str,
    files: dict[str, str],
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    with pytest.raises(error) as caught:
        call(tmp_path)

    assert time.monotonic() - started < QUICK
    assert isinstance(caught.value, RetroprogError)
    assert message in str(caught.value)
    lines = str(caught.value).splitlines()  # one line; a file's problems one line each
    problems = getattr(caught.value, "problems", ())
    assert len(lines) == 1 + len(problems)
