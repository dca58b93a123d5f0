"""The progress bar of long runs: on stderr, after a second, never with ``--json``."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["PROGRESS_DELAY", "ProgressBar"]


#: Seconds a run takes before its progress bar appears.
PROGRESS_DELAY = 1.0


class ProgressBar:
    """A rich progress bar on stderr; a callable for :func:`simulate`'s ``progress``.

    It appears only once the run has taken :data:`PROGRESS_DELAY` seconds (at once
    when ``delay`` is 0), so short runs print nothing.  On a terminal it is redrawn
    in place and removed at the end; elsewhere (a log file) only its final state
    is printed, once.
    """

    def __init__(
        self, description: str, total: int, *, enabled: bool, delay: float, unit: str = "clients"
    ) -> None:
        self._description = description
        self._total = total
        self._unit = unit
        self._note = ""
        self._done = 0
        self._enabled = enabled
        self._delay = delay
        self._lock = threading.Lock()
        self._closed = False
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._timer: threading.Timer | None = None
        self._started = time.monotonic()

    def __enter__(self) -> ProgressBar:
        self._started = time.monotonic()
        if self._enabled and self._delay <= 0:
            self._show()
        elif self._enabled:
            self._timer = threading.Timer(self._delay, self._show)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            if self._progress is not None:
                self._progress.stop()

    def __call__(self, done: int, total: int, note: str | None = None) -> None:
        """Show ``done`` of ``total`` (clients, or the bar's unit), and ``note`` after them."""
        with self._lock:
            self._done, self._total = done, total
            self._note = self._note if note is None else note
            if self._progress is not None and self._task is not None:
                self._progress.update(self._task, completed=done, total=total, note=self._note)

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        with self._lock:
            if self._closed:
                return
            console = Console(stderr=True)
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(self._unit),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[note]}"),
                console=console,
                transient=console.is_terminal,
                get_time=time.monotonic,
            )
            self._task = self._progress.add_task(
                self._description, total=self._total, completed=self._done, note=self._note
            )
            for task in self._progress.tasks:  # time the whole run, not just since the bar showed
                task.start_time = self._started
            self._progress.start()
