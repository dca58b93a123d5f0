"""Ctrl-C at any moment of a run exits with code 130 and says how to resume.

Each phase of ``simulate`` and ``compare`` (running, saving a run, writing the
tables, the plots, the report and the manifest, printing) is interrupted in
turn, in-process (a function of that phase raises ``KeyboardInterrupt``) and in
a real process that gets SIGINT while it waits in that phase, even inside a
finalizer, where Python would print "Exception ignored" and carry on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from retroprog_sim import verify_output
from retroprog_sim.cli import cli
from retroprog_sim.present import files as _output
from retroprog_sim.present import plots as _plots

SMALL = ["--clients", "20", "--weeks", "2", "--no-progress"]
COMPARE = ["compare", "reference", "staircase", *SMALL]
SIMULATE = ["simulate", *SMALL]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def interrupted_line(result: Result) -> str:
    assert result.exit_code == 130, result.output
    assert "Traceback" not in result.output
    assert "Exception ignored" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def resume(out: Path, saved: int) -> str:
    return (
        f"retroprog: error: interrupted; {saved} of 2 runs are finished and saved in "
        f"{out / 'cells'}; run the same command again to finish the rest"
    )


def incomplete(out: Path) -> str:
    return (
        f"retroprog: error: interrupted; {out} holds no complete results (no manifest.json); "
        "run the same command again"
    )


def raising_on_call(number: int) -> Any:
    """A stand-in for a function that raises ``KeyboardInterrupt`` on its ``number``-th call."""
    calls = []

    def wrap(real: Any) -> Any:
        def stand_in(*args: Any, **kwargs: Any) -> Any:
            calls.append(1)
            if len(calls) == number:
                raise KeyboardInterrupt
            return real(*args, **kwargs)

        return stand_in

    return wrap


#: phase: (module, function, call that is interrupted, runs saved by then)
COMPARE_PHASES = {
    "running": ("retroprog_sim.execute", "_run_block", 2, 1),
    "saving a run": ("retroprog_sim.store.CellStore", "save", 1, 0),
    "writing the tables": ("retroprog_sim.present.files", "_write_table", 2, 2),
    "drawing the plots": ("retroprog_sim.present.report", "render_report", 1, 2),
    "writing the manifest": ("retroprog_sim.present.files", "write_manifest", 1, 2),
    "printing": ("retroprog_sim.present.terminal", "print_table", 1, 2),
}


def _patch(monkeypatch: pytest.MonkeyPatch, where: str, name: str, call: int) -> None:
    module_name, _, owner = where.partition(".CellStore")
    target: Any = __import__(module_name, fromlist=["_"])
    if owner or where.endswith("CellStore"):
        target = target.CellStore
    monkeypatch.setattr(target, name, raising_on_call(call)(getattr(target, name)))


@pytest.mark.parametrize("phase", COMPARE_PHASES)
def test_ctrl_c_in_each_phase_of_a_comparison(
    phase: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where, name, call, saved = COMPARE_PHASES[phase]
    _patch(monkeypatch, where, name, call)

    result = invoke(*COMPARE, "--out", str(tmp_path))

    assert interrupted_line(result) == resume(tmp_path, saved)
    if phase != "printing":
        assert not (tmp_path / "manifest.json").exists()
    monkeypatch.undo()
    monkeypatch.setattr(_plots, "available", lambda: False)
    again = invoke(*COMPARE, "--out", str(tmp_path))
    assert again.exit_code == 0, again.output
    verify_output(tmp_path)


SIMULATE_PHASES = {
    "running": ("retroprog_sim.execute", "_run_block", 1),
    "writing the tables": ("retroprog_sim.present.files", "_write_table", 1),
    "drawing the plots": ("retroprog_sim.present.files", "_run_plots", 1),
    "writing the report": ("retroprog_sim.present.report", "write_report", 1),
    "writing the manifest": ("retroprog_sim.present.files", "write_manifest", 1),
}


@pytest.mark.parametrize("phase", SIMULATE_PHASES)
def test_ctrl_c_in_each_phase_of_a_run(
    phase: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where, name, call = SIMULATE_PHASES[phase]
    _patch(monkeypatch, where, name, call)

    result = invoke(*SIMULATE, "--out", str(tmp_path))

    assert interrupted_line(result) == incomplete(tmp_path)


def test_ctrl_c_while_printing_a_run_says_its_results_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_plots, "available", lambda: False)
    _patch(monkeypatch, "retroprog_sim.present.terminal", "print_table", 1)

    result = invoke(*SIMULATE, "--out", str(tmp_path))

    assert (
        interrupted_line(result)
        == f"retroprog: error: interrupted; the results are written in {tmp_path}"
    )
    verify_output(tmp_path)


def test_ctrl_c_without_an_output_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    _patch(monkeypatch, "retroprog_sim.execute", "_run_block", 1)

    assert interrupted_line(invoke(*SIMULATE)) == "retroprog: error: interrupted"


def test_an_error_after_ctrl_c_is_the_interruption(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library that turns KeyboardInterrupt into its own error (as matplotlib once did)."""
    from retroprog_sim.cli import app as cli_module

    def broken(*_args: Any, **_kwargs: Any) -> None:
        cli_module.INTERRUPTS.seen = True  # Ctrl-C was pressed...
        raise RuntimeError("the figure is in an undefined state")  # ...and became this

    monkeypatch.setattr("retroprog_sim.present.report.render_report", broken)

    result = invoke(*COMPARE, "--out", str(tmp_path))

    assert interrupted_line(result) == resume(tmp_path, 2)


class _SigintInFinalizer:
    """An object whose finalizer gets Ctrl-C, where Python can only print and drop it."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):  # the handler runs between bytecodes, here
            pass


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="signals need it"
)
def test_ctrl_c_lost_in_a_finalizer_is_not_forgotten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = _output._write_table

    def with_garbage(*args: Any, **kwargs: Any) -> None:
        _SigintInFinalizer()  # collected at once: Ctrl-C inside __del__
        real(*args, **kwargs)

    monkeypatch.setattr(_output, "_write_table", with_garbage)

    result = invoke(*COMPARE, "--out", str(tmp_path))

    assert interrupted_line(result) == resume(tmp_path, 2)  # at the end of the phase


# -- real SIGINT, in a process of its own -------------------------------------------------

_SCRIPT = """
import os, sys, time
import retroprog_sim.present.report, retroprog_sim.present.terminal
import retroprog_sim.execute, retroprog_sim.cli

phase, args = sys.argv[1], sys.argv[2:]


def ready():
    print("ready", flush=True)
    time.sleep(30)  # until Ctrl-C


def pausing(module, name):
    real = getattr(module, name)

    def stand_in(*a, **k):
        ready()
        return real(*a, **k)

    setattr(module, name, stand_in)


class PausesWhenCollected:
    def __del__(self):
        ready()


if phase == "running":
    pausing(retroprog_sim.execute, "_run_block")
elif phase == "report":
    pausing(retroprog_sim.present.report, "render_report")
elif phase == "printing":
    pausing(retroprog_sim.present.terminal, "print_table")
elif phase == "finalizer":
    real = retroprog_sim.present.report.render_report

    def render(*a, **k):
        PausesWhenCollected()
        return real(*a, **k)

    retroprog_sim.present.report.render_report = render
retroprog_sim.cli.cli.main(args, prog_name="retroprog")
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGINT to a process")
@pytest.mark.parametrize(
    ("phase", "saved"), [("running", 0), ("report", 2), ("finalizer", 2), ("printing", 2)]
)
def test_sigint_in_a_real_process(phase: str, saved: int, tmp_path: Path) -> None:
    args = [*COMPARE, "--out", str(tmp_path)]
    script = textwrap.dedent(_SCRIPT)
    with subprocess.Popen(
        [sys.executable, "-c", script, phase, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    ) as process:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, stderr
    assert stderr == resume(tmp_path, saved) + "\n"
