"""Files are written whole or not at all, and stay written after a power loss."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
        found = re.search(r"^Umask:\s*([0-7]+)", status, re.MULTILINE)
        if found:
            return int(found.group(1), 8)
    except OSError:
        pass
    mask = os.umask(0)  # elsewhere: the classic set-and-restore
    os.umask(mask)
    return mask


def fsync_folder(folder: str | os.PathLike[str]) -> None:
    """Flush ``folder``'s entries to disk, so that a rename in it survives a power loss.

    A no-op where folders cannot be opened (Windows).
    """
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - depends on the platform
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems cannot
        pass
    finally:
        os.close(fd)


def write_atomic(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> None:
    """Write a file whole or not at all.

    ``write`` fills a temporary file in the same folder (``.NAME.XXXXXXXX.tmp``),
    which is flushed to disk (fsync) and then renamed over ``path``
    (:func:`os.replace`); the folder is fsynced after the rename, so that the
    new file survives a power loss.  If anything fails the old file stays as it
    was.  The file gets the usual permissions (``0o666`` less the umask), not the
    private ones of a temporary file.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_folder(target.parent)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically, as :func:`write_atomic`."""
    data = text.encode("utf-8")
    write_atomic(path, lambda handle: handle.write(data))
