"""Output folders: one run at a time, no leftovers, a manifest written last, durable renames."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import retroprog
import retroprog._atomic
import retroprog_sim
from retroprog_sim import OutputFolderError, verify_output
from retroprog_sim import folder as _folder
from retroprog_sim.cli import cli
from retroprog_sim.present import files as _output
from retroprog_sim.present import plots as _plots

SMALL = ["--clients", "20", "--weeks", "2", "--no-progress"]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def one_line_error(result: Result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(autouse=True)
def _no_plots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_plots, "available", lambda: False)  # speed: see test_output.py


@pytest.fixture(scope="module")
def result() -> retroprog_sim.SimulationResult:
    spec = retroprog_sim.RunSpec(
        retroprog.load_protocol("retro-walk-run"),
        retroprog.load_policy("reference"),
        retroprog_sim.load_population("general"),
        clients=20,
        weeks=2,
        trace_clients=2,
    )
    return retroprog_sim.simulate(spec)


# -- the manifest ---------------------------------------------------------------------


def test_the_manifest_is_written_last_and_names_every_file(
    result: retroprog_sim.SimulationResult, tmp_path: Path
) -> None:
    written = _output.write_outputs(result, tmp_path)

    assert written[-1] == tmp_path / "manifest.json"
    manifest = verify_output(tmp_path)
    assert manifest["kind"] == "simulate"
    assert manifest["fingerprint"] == retroprog_sim.store.fingerprint(result.spec)
    assert [f["name"] for f in manifest["files"]] == [p.name for p in written[:-1]]
    for entry in manifest["files"]:
        assert entry["bytes"] == (tmp_path / entry["name"]).stat().st_size
        assert len(entry["sha256"]) == 64


def test_while_the_files_change_there_is_no_manifest(
    result: retroprog_sim.SimulationResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _output.write_outputs(result, tmp_path)
    real = _output._write_table

    def killed(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)  # clients.csv is new, summary.json too; the report is old
        raise KeyboardInterrupt

    monkeypatch.setattr(_output, "_write_table", killed)

    with pytest.raises(KeyboardInterrupt):
        _output.write_outputs(result, tmp_path)

    assert not (tmp_path / "manifest.json").exists()
    with pytest.raises(OutputFolderError, match=r"no manifest\.json"):
        verify_output(tmp_path)


def test_a_changed_or_missing_file_is_found(
    result: retroprog_sim.SimulationResult, tmp_path: Path
) -> None:
    _output.write_outputs(result, tmp_path, report=False)
    with (tmp_path / "clients.csv").open("a", encoding="utf-8") as handle:
        handle.write("1,2,3\n")

    with pytest.raises(OutputFolderError, match=r"clients\.csv changed after"):
        verify_output(tmp_path)
    (tmp_path / "clients.csv").unlink()
    with pytest.raises(OutputFolderError, match=r"clients\.csv is missing"):
        verify_output(tmp_path)
    (tmp_path / "manifest.json").write_text("[[[", encoding="utf-8")
    with pytest.raises(OutputFolderError, match="not valid JSON"):
        verify_output(tmp_path)


def test_files_of_the_previous_write_that_are_not_rewritten_are_removed(
    result: retroprog_sim.SimulationResult, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    _output.write_outputs(result, tmp_path)
    assert (tmp_path / "report.html").exists()

    written = _output.write_outputs(result, tmp_path, report=False)

    assert not (tmp_path / "report.html").exists()  # not of this write: gone
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"  # not ours: kept
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {p.name for p in written} | {"notes.txt"}
    verify_output(tmp_path)


def test_an_experiment_folder_has_a_manifest_too(tmp_path: Path) -> None:
    result = invoke("compare", "reference", "staircase", *SMALL, "--out", str(tmp_path))

    assert result.exit_code == 0, result.output
    manifest = verify_output(tmp_path)
    assert manifest["kind"] == "compare"
    names = [f["name"] for f in manifest["files"]]
    assert {"runs.csv", "report.html"} <= set(names)
    assert f"wrote {len(names) + 1} files" in result.stdout  # and the manifest
    assert "manifest.json" in result.stdout


def test_every_rename_is_followed_by_an_fsync_of_its_folder(
    result: retroprog_sim.SimulationResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    replace, fsync_folder = os.replace, retroprog._atomic.fsync_folder

    def renaming(source: Any, target: Any) -> None:
        replace(source, target)
        events.append(f"rename {Path(target).name}")

    def syncing(folder: Any) -> None:
        fsync_folder(folder)
        events.append(f"fsync {Path(folder)}")

    monkeypatch.setattr(os, "replace", renaming)
    monkeypatch.setattr(retroprog._atomic, "fsync_folder", syncing)

    written = _output.write_outputs(result, tmp_path)

    renames = [i for i, e in enumerate(events) if e.startswith("rename")]
    assert len(renames) == len(written)
    for i in renames:
        assert events[i + 1] == f"fsync {tmp_path}"


# -- claiming a folder for a run -------------------------------------------------------


def test_a_second_run_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    with _folder.claim(tmp_path):
        result = invoke("simulate", *SMALL, "--out", str(tmp_path))

    line = one_line_error(result)
    assert line == (
        f"retroprog: error: output folder {tmp_path}: is in use by another retroprog run "
        f"(pid {os.getpid()})"
    )
    assert not (tmp_path / "summary.json").exists()


def test_the_lock_is_released_and_removed_after_a_run(tmp_path: Path) -> None:
    first = invoke("simulate", *SMALL, "--out", str(tmp_path))
    second = invoke("simulate", *SMALL, "--out", str(tmp_path))

    assert (first.exit_code, second.exit_code) == (0, 0), second.output
    assert not (tmp_path / _folder.LOCK).exists()


def test_a_lock_left_by_a_killed_run_holds_nothing(tmp_path: Path) -> None:
    code = (
        f"import os, fcntl; fd = os.open({str(tmp_path / _folder.LOCK)!r}, os.O_RDWR | os.O_CREAT)"
    )
    code += "; fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'1\\n'); os._exit(9)"
    subprocess.run([sys.executable, "-c", code], check=False)
    assert (tmp_path / _folder.LOCK).exists()

    result = invoke("simulate", *SMALL, "--out", str(tmp_path))

    assert result.exit_code == 0, result.output


def test_a_run_in_another_process_is_refused_with_its_pid(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from retroprog_sim.folder import claim\n"
            "with claim(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        result = invoke("simulate", *SMALL, "--out", str(tmp_path))
    finally:
        holder.kill()
        holder.communicate()

    assert one_line_error(result).endswith(f"in use by another retroprog run (pid {holder.pid})")
    assert invoke("simulate", *SMALL, "--out", str(tmp_path)).exit_code == 0  # died: free


def test_leftover_temporary_files_are_removed_and_only_ours(tmp_path: Path) -> None:
    cells = tmp_path / "cells"
    cells.mkdir()
    ours = [
        tmp_path / ".report.html.k3j_9x2a.tmp",
        tmp_path / ".clients.csv.abcdefgh.tmp",
        cells / ".general_seed0_reference-1a2b3c4d-0123456789ab.json.zz99yy88.tmp",
    ]
    theirs = [
        tmp_path / ".notes.txt.abcdefgh.tmp",  # not a kind of file we write
        tmp_path / ".report.html.tmp",  # not our naming
        tmp_path / "report.html.abcdefgh.tmp",
        cells / "x.json",
    ]
    for path in ours + theirs:
        path.write_text("x", encoding="utf-8")
    (tmp_path / ".runs.csv.abcdefgh.tmp").mkdir()  # a folder is never removed

    result = invoke("compare", "reference", "staircase", *SMALL, "--out", str(tmp_path))

    assert result.exit_code == 0, result.output
    assert not any(p.exists() for p in ours)
    assert all(p.exists() for p in theirs)
    assert (tmp_path / ".runs.csv.abcdefgh.tmp").is_dir()


def test_an_output_folder_that_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "results"
    path.write_text("", encoding="utf-8")
    experiment = tmp_path / "e.toml"
    experiment.write_text(
        'clients = 10\nweeks = 1\npolicies = ["reference", "staircase"]\n'
        '[output]\ndir = "results"\n',
        encoding="utf-8",
    )

    line = one_line_error(invoke("compare", str(experiment)))

    assert line == f"retroprog: error: output folder {path}: is a file, not a folder"


def test_an_output_folder_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("", encoding="utf-8")

    line = one_line_error(invoke("simulate", *SMALL, "--out", str(tmp_path / "a-file" / "out")))

    assert line == (
        f"retroprog: error: output folder {tmp_path / 'a-file' / 'out'}: cannot be created: "
        "part of its path is a file"
    )


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_output_folder_is_named(tmp_path: Path) -> None:
    tmp_path.chmod(0o555)
    try:
        line = one_line_error(invoke("simulate", *SMALL, "--out", str(tmp_path)))
    finally:
        tmp_path.chmod(0o755)

    assert (
        line
        == f"retroprog: error: output folder {tmp_path}: cannot write in it (Permission denied)"
    )


def test_a_failed_write_names_the_folder_and_the_file_not_a_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = retroprog._atomic.write_atomic

    def full(path: Any, write: Any) -> None:
        if Path(path).name == "clients.csv":
            temporary = Path(path).parent / f".{Path(path).name}.a1b2c3d4.tmp"
            raise OSError(28, "No space left on device", str(temporary))
        real(path, write)

    monkeypatch.setattr(retroprog._atomic, "write_atomic", full)

    line = one_line_error(invoke("simulate", *SMALL, "--out", str(tmp_path)))

    assert line == (
        f"retroprog: error: output folder {tmp_path}: cannot write clients.csv "
        "(No space left on device)"
    )


def test_a_full_disk_without_a_file_name_names_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_args: Any, **_kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(retroprog._atomic, "write_atomic", full)

    line = one_line_error(
        invoke("compare", "reference", "staircase", *SMALL, "--out", str(tmp_path))
    )

    assert line == (
        f"retroprog: error: output folder {tmp_path}: cannot write the results "
        "(No space left on device)"
    )


# -- finished runs are named by their settings --------------------------------------------


def test_runs_of_different_settings_never_share_a_file(tmp_path: Path) -> None:
    base = ["compare", "reference", "staircase", "--clients", "10", "--no-progress"]
    invoke(*base, "--weeks", "1", "--out", str(tmp_path))
    one_week = sorted(p.name for p in (tmp_path / "cells").iterdir())
    experiment = retroprog_sim.Experiment(
        [retroprog_sim.PolicyEntry("reference"), retroprog_sim.PolicyEntry("staircase")],
        clients=10,
        weeks=2,
    )
    store = retroprog_sim.store.CellStore(tmp_path / "cells")
    names = [store.path(cell).name for cell in experiment.cells("compare")]

    assert len(one_week) == 2
    assert not set(names) & set(one_week)  # the same cells, other settings: other files
    for name in names:
        key, _, digest = name.removesuffix(".json").rpartition("-")
        assert len(digest) == 12
        assert any(other.startswith(key + "-") for other in one_week)


def test_the_manifest_is_json_for_any_reader(
    result: retroprog_sim.SimulationResult, tmp_path: Path
) -> None:
    _output.write_outputs(result, tmp_path, report=False)

    document = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))

    assert set(document) == {"format", "retroprog_version", "kind", "fingerprint", "files"}
    assert document["retroprog_version"] == retroprog.__version__


def test_a_folder_that_cannot_be_written_is_named_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.open

    def read_only(path: Any, *args: Any, **kwargs: Any) -> int:
        if Path(path).name == _folder.LOCK:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)

    line = one_line_error(invoke("simulate", *SMALL, "--out", str(tmp_path)))

    assert (
        line
        == f"retroprog: error: output folder {tmp_path}: cannot write in it (Permission denied)"
    )
