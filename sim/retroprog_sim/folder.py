"""The output folder: one run at a time, no leftovers, and a manifest written last.

Every file is written whole or not at all (a temporary file, fsync, an atomic
rename) and the folder is fsynced after each rename, so a finished file
survives a power loss.  A folder of results is more than one file, though: a
write of the top-level results first removes ``manifest.json``, then writes
every file, and writes ``manifest.json`` last, naming the settings'
fingerprint and each file with its size and SHA-256.  A reader that finds the
manifest, and files that match it (:func:`verify_output`), holds the results
of one complete write; without it, the folder is being written, or a write was
interrupted (run the command again).

The command line also claims the folder for the whole run (:func:`claim`): a
lock (``.retroprog.lock``) that a second run on the same folder is refused by,
and the removal of temporary files that a killed run left behind.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import retroprog
from retroprog.exceptions import RetroprogError
from retroprog.support import fsync_folder, write_text_atomic

if sys.platform != "win32":
    import fcntl

__all__ = [
    "LOCK",
    "MANIFEST",
    "OutputFolderError",
    "claim",
    "remove_leftovers",
    "verify_output",
    "write_manifest",
]

#: The lock file that marks a folder in use by a run.
LOCK = ".retroprog.lock"
#: The file, written last, that names the files of one complete write.
MANIFEST = "manifest.json"
#: The manifest's format.
MANIFEST_FORMAT = 1
#: The subfolders whose temporary files a new run removes (besides the folder itself).
SUBFOLDERS = ("cells",)

#: A temporary file of :func:`retroprog.support.write_atomic`: ``.NAME.XXXXXXXX.tmp``,
#: for the kinds of files the harness writes.
_TEMPORARY = re.compile(r"\.[^/]+\.(json|jsonl|csv|parquet|png|html)\.[a-z0-9_]{8}\.tmp")
#: A file the harness writes at the top of a folder (what a manifest may name).
_OURS = re.compile(r"[^./\\][^/\\]*\.(json|jsonl|csv|parquet|png|html)")
#: Errors that say the disk, not one file, is at fault.
_DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EIO}


class OutputFolderError(RetroprogError, OSError):
    """An output folder cannot be used, or holds no complete results.

    :ivar folder: the folder, as the user gave it.
    :ivar reason: what is wrong with it.
    """

    def __init__(self, folder: str | os.PathLike[str], reason: str) -> None:
        self.folder = Path(folder)
        self.reason = reason
        super().__init__(f"output folder {self.folder}: {reason}")

    def __str__(self) -> str:  # OSError's would show its errno
        return str(self.args[0])


# -- the manifest --------------------------------------------------------------------------


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def start_writing(folder: Path) -> list[str]:
    """Remove the manifest before the results change; returns the files it named."""
    path = folder / MANIFEST
    try:
        previous = [entry["name"] for entry in _read_manifest(folder)["files"]]
    except (OutputFolderError, KeyError, TypeError):
        previous = []
    if path.exists():
        path.unlink()
        fsync_folder(folder)
    return previous


def write_manifest(
    folder: Path,
    written: Sequence[Path],
    *,
    kind: str,
    fingerprint: str,
    previous: Sequence[str] = (),
) -> Path:
    """Write ``manifest.json`` last: the files of one complete write, with their SHA-256.

    Files that ``previous`` (the last manifest) named and this write did not
    are removed first, so the folder holds one write's results only.
    """
    names = {path.name for path in written}
    for name in previous:
        stale = folder / name
        if name not in names and _OURS.fullmatch(name) and stale.is_file():
            stale.unlink()
    document = {
        "format": MANIFEST_FORMAT,
        "retroprog_version": retroprog.__version__,
        "kind": kind,
        "fingerprint": fingerprint,
        "files": [
            {"name": path.name, "bytes": path.stat().st_size, "sha256": _digest(path)}
            for path in written
        ],
    }
    path = folder / MANIFEST
    write_text_atomic(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        text = (folder / MANIFEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OutputFolderError(
            folder,
            f"no {MANIFEST}: the results are being written, or their writing was "
            "interrupted (run the command again)",
        ) from None
    except OSError as exc:
        raise OutputFolderError(folder, f"cannot read {MANIFEST} ({exc.strerror})") from None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise OutputFolderError(folder, f"{MANIFEST} is not valid JSON") from None
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise OutputFolderError(folder, f"{MANIFEST} is not a retroprog manifest")
    return document


def verify_output(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Check that ``folder`` holds the results of one complete write; return its manifest.

    The manifest (``manifest.json``, written last) must be there, and every
    file it names must have the size and SHA-256 it records.

    :raises OutputFolderError: saying what is missing or different.
    """
    where = Path(folder)
    document = _read_manifest(where)
    try:
        entries = [(str(e["name"]), int(e["bytes"]), str(e["sha256"])) for e in document["files"]]
    except (KeyError, TypeError, ValueError):
        raise OutputFolderError(where, f"{MANIFEST} is not a retroprog manifest") from None
    for name, size, sha256 in entries:
        path = where / name
        if "/" in name or not path.is_file():
            raise OutputFolderError(where, f"{name} is missing")
        if path.stat().st_size != size or _digest(path) != sha256:
            raise OutputFolderError(where, f"{name} changed after the results were written")
    return document


# -- claiming a folder for a run -----------------------------------------------------


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary files a killed run left in ``folder`` (and its ``cells/``).

    Only files named as the harness's atomic writer names them
    (``.NAME.XXXXXXXX.tmp``, for the kinds of files it writes) are removed.
    """
    removed: list[Path] = []
    for where in (folder, *(folder / sub for sub in SUBFOLDERS)):
        try:
            entries = list(os.scandir(where))
        except OSError:  # no such subfolder yet
            continue
        for entry in entries:
            if _TEMPORARY.fullmatch(entry.name) and stat.S_ISREG(
                entry.stat(follow_symlinks=False).st_mode
            ):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def _prepare(folder: Path) -> None:
    """Create ``folder``, or say in one line why it cannot be an output folder."""
    if folder.exists() and not folder.is_dir():
        raise OutputFolderError(folder, "is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OutputFolderError(folder, "cannot be created: part of its path is a file") from None
    except OSError as exc:
        raise OutputFolderError(
            folder, f"cannot be created ({exc.strerror or type(exc).__name__})"
        ) from None


def _lock(folder: Path) -> int | None:
    """Take the folder's lock, or say which run holds it; returns the lock file's descriptor.

    The lock is ``flock`` on :data:`LOCK`, which the holder removes when it is
    done; a lock taken on a file that was removed meanwhile is taken again.
    """
    if sys.platform == "win32":  # pragma: no cover - no flock: no lock
        return None
    path = folder / LOCK
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise OutputFolderError(
                folder, f"cannot write in it ({exc.strerror or type(exc).__name__})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OutputFolderError(folder, f"cannot be locked ({exc.strerror})") from None
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise OutputFolderError(folder, f"is in use by another retroprog run{who}") from None
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        if current is not None and os.path.samestat(os.fstat(fd), current):
            break
        os.close(fd)  # the run that held it has just removed it: lock the new one
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd


def _unlock(folder: Path, fd: int) -> None:
    """Remove the lock file, then release the lock (in this order: see :func:`_lock`)."""
    with contextlib.suppress(OSError):
        (folder / LOCK).unlink()
    os.close(fd)


def _writing_error(exc: OSError, folder: Path) -> OutputFolderError | None:
    """``exc`` as a fault of the output folder, if it is one (else ``None``)."""
    if isinstance(exc, OutputFolderError):
        return None
    name = None
    if exc.filename is not None:
        path = Path(os.fsdecode(exc.filename))
        try:
            relative = path.absolute().relative_to(folder.absolute())
        except ValueError:
            relative = None
        if relative is not None:
            name = _TEMPORARY_TARGET.sub(r"\1", str(relative))
    if name is None and exc.errno not in _DISK_ERRORS:
        return None
    what = f"cannot write {name}" if name and name != "." else "cannot write the results"
    return OutputFolderError(folder, f"{what} ({exc.strerror or type(exc).__name__})")


#: A temporary file's name, to say which file could not be written.
_TEMPORARY_TARGET = re.compile(r"(?:(?<=/)|^)\.([^/]+)\.[a-z0-9_]{8}\.tmp$")


@contextlib.contextmanager
def claim(folder: Path) -> Iterator[Path]:
    """Use ``folder`` for one run: created, locked, rid of leftovers.

    A folder in use by another run, a file, or a folder that cannot be written
    is refused at once with :class:`OutputFolderError`; so is, later, any
    failure to write in it (no space left, say), naming the folder given.  The
    lock is released when the block ends, or with the process, however it ends
    (a lock file left by a killed run holds no lock).
    """
    _prepare(folder)
    fd = _lock(folder)
    try:
        remove_leftovers(folder)
        try:
            yield folder
        except OSError as exc:
            error = _writing_error(exc, folder)
            if error is None:
                raise
            raise error from exc
    finally:
        if fd is not None:
            _unlock(folder, fd)
