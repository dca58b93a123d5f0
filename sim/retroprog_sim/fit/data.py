"""A clinic's session logs, read and replayed once, as the arrays a fit needs.

Every log is read (:func:`retroprog.read_log`) and replayed under the protocol
and policy (:func:`~retroprog_sim.model.likelihood.replayed`); what does not
depend on a client's parameters (each session's dose, day and outcome, the
attendance and dropout counts) is kept as NumPy arrays padded to the longest
log, so that the likelihood of every client at every draw is one block.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs
import numpy as np
import numpy.typing as npt

import retroprog
from retroprog import ProgressionProtocol, RegressionPolicy
from retroprog.exceptions import InvalidValueError, RetroprogError, SessionLogError

from ..model import core
from ..model.likelihood import Step, replayed

__all__ = ["ClinicLogs", "LogsError", "read_logs"]

Array = npt.NDArray[np.float64]


class LogsError(RetroprogError, ValueError):
    """Session logs that cannot be read or replayed: every problem, by file and line.

    :ivar problems: ``(file, "line N: what")`` pairs, in the order found.
    """

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        shown = "; ".join(f"{path}: {what}" for path, what in self.problems[:20])
        more = len(self.problems) - 20
        tail = f"; and {more} more" if more > 0 else ""
        super().__init__(
            f"{len(self.problems)} problem(s) in the session logs (--skip-bad skips "
            f"the logs at fault): {shown}{tail}"
        )


def _log_files(sources: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The log files named, a folder giving its ``*.jsonl`` files (not ``truth.jsonl``)."""
    found: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            found += sorted(p for p in path.glob("*.jsonl") if p.name != "truth.jsonl")
        else:
            found.append(path)
    return found


def _line_numbers(path: Path) -> list[int]:
    """The line number of each session of a log (blank lines are skipped by the reader)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _replay(
    path: Path, protocol: ProgressionProtocol, policy: RegressionPolicy
) -> tuple[list[Step], list[str]]:
    try:
        log = retroprog.read_log(path)
    except SessionLogError as exc:
        return [], [str(problem) for problem in exc.problems]
    try:
        return replayed(protocol, policy, log), []
    except (InvalidValueError, ValueError) as exc:
        field = str(getattr(exc, "field", ""))
        index = int(field[4:].split("]")[0]) if field.startswith("log[") else None
        if index is None and field.startswith("outcomes["):
            index = int(field[9:].split("]")[0])
        lines = _line_numbers(path)
        where = f"line {lines[index]}" if index is not None and index < len(lines) else "log"
        reason = getattr(exc, "reason", None) or str(exc)
        return [], [f"{where}: does not replay under {protocol.name}/{policy.name}: {reason}"]


@attrs.frozen
class ClinicLogs:
    """Replayed logs as arrays: one row per client, one column per session (padded).

    Sessions past a client's last are padded with its last day and no load
    (``mask`` false), which leaves the model's state as it was.

    :param files: each client's log file.
    :param steps: each client's replayed sessions.
    :param scheduled_days: the schedule the logs followed (attendance and dropout).
    """

    files: tuple[Path, ...]
    steps: tuple[tuple[Step, ...], ...]
    scheduled_days: tuple[int, ...]

    @property
    def clients(self) -> int:
        """The number of clients (logs)."""
        return len(self.steps)

    @property
    def sessions(self) -> int:
        """The number of logged sessions, all clients."""
        return sum(len(s) for s in self.steps)

    def subset(self, rows: Sequence[int]) -> ClinicLogs:
        """The logs of the clients at ``rows``."""
        return ClinicLogs(
            tuple(self.files[i] for i in rows),
            tuple(self.steps[i] for i in rows),
            self.scheduled_days,
        )

    def attendance_counts(self) -> tuple[Array, Array, Array]:
        """Per client: sessions attended, days missed, days left after the last session.

        Days missed are scheduled days before the last session without one;
        days left count for a client still active after its last session.
        """
        attended, missed, after = [], [], []
        for steps in self.steps:
            last = steps[-1].day if steps else -1
            before = sum(1 for d in self.scheduled_days if d <= last)
            attended.append(len(steps))
            missed.append(max(before - len(steps), 0))
            active = not steps or steps[-1].active
            after.append(sum(1 for d in self.scheduled_days if d > last) if active else 0)
        return tuple(np.array(x, dtype=float) for x in (attended, missed, after))  # type: ignore[return-value]

    def dropout_counts(self) -> tuple[Array, Array, Array, Array]:
        """Per client: sessions survived, whether the last was bad, whether it was active after.

        Ordinary and bad sessions survived are those after which an active
        client went on (all but the last).
        """
        ordinary, bad, last_bad, active = [], [], [], []
        for steps in self.steps:
            flags = [_bad(s) for s in steps if s.active]
            survived = flags[:-1] if steps and steps[-1].active else flags
            ordinary.append(sum(1 for f in survived if not f))
            bad.append(sum(1 for f in survived if f))
            last_bad.append(bool(steps) and _bad(steps[-1]))
            active.append(bool(steps) and steps[-1].active)
        return tuple(  # type: ignore[return-value]
            np.array(x, dtype=float) for x in (ordinary, bad, last_bad, active)
        )


def _bad(step: Step) -> bool:
    o = step.outcome
    draw = core.Draw(
        o.pain,
        -1 if o.next_day_pain is None else o.next_day_pain,
        o.balance_losses,
        o.dizziness,
        o.form_breakdown,
        o.completed,
        0,
    )
    return bool(core.dropout_chance(_ONE, draw) > _ONE.dropout_hazard)


class _Unit:
    """Parameters under which the model's dropout chance doubles after a bad session."""

    dropout_hazard = 0.25
    dropout_after_bad = 2.0


_ONE = _Unit()  # the model says which sessions are bad (core.dropout_chance), not this module


def read_logs(
    sources: Iterable[str | os.PathLike[str]],
    *,
    protocol: ProgressionProtocol,
    policy: RegressionPolicy,
    scheduled_days: Sequence[int],
    skip_bad: bool = False,
) -> tuple[ClinicLogs, list[tuple[str, str]]]:
    """Read and replay every log; the problems of those that fail, by file and line.

    :raises LogsError: a log that cannot be read or replayed (all of them
        listed), unless ``skip_bad``; or no log at all.
    """
    files = _log_files(sources)
    problems: list[tuple[str, str]] = []
    kept: list[Path] = []
    steps: list[tuple[Step, ...]] = []
    for path in files:
        if not path.is_file():
            problems.append((str(path), "no such file"))
            continue
        replay, found = _replay(path, protocol, policy)
        if found:
            problems += [(str(path), what) for what in found]
        elif replay:
            kept.append(path)
            steps.append(tuple(replay))
    if problems and not skip_bad:
        raise LogsError(problems)
    if not steps:
        raise LogsError([*problems, ("LOGS", "no session log with a session in it")])
    return ClinicLogs(tuple(kept), tuple(steps), tuple(scheduled_days)), problems
