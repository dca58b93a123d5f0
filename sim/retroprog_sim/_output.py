"""Results on disk: summary JSON, one CSV row per client, traces, and plots.

Every file is written whole or not at all (a temporary file in the same folder,
fsync, then an atomic rename), so a run that is interrupted never leaves a
half-written ``summary.json`` behind.  Plots are drawn only when matplotlib is
installed (the ``plot`` extra).

Layout of an output folder:

* a run (``retroprog simulate``): ``summary.json``, ``clients.csv``,
  ``traces.jsonl`` (when clients were traced), ``time_to_goal.png`` and
  ``bout_length.png`` (when traces exist);
* a comparison: one such folder per policy, plus ``comparison.json``,
  ``comparison.csv`` and a combined ``time_to_goal.png``;
* a sweep: ``sweep.csv`` and ``sweep.json``, one row per cell.
"""

from __future__ import annotations

import csv
import enum
import importlib.util
import io
import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

import retroprog
from retroprog._atomic import write_atomic, write_text_atomic

from ._compare import Difference
from ._engine import ClientResult
from ._metrics import KaplanMeier, goal_durations, kaplan_meier

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ._compare import Comparison
    from ._metrics import Summary
    from ._run import SimulationResult

__all__ = [
    "client_rows",
    "comparison_rows",
    "json_text",
    "plots_available",
    "summary_document",
    "summary_row",
    "sweep_rows",
    "time_to_goal",
    "write_atomic",
    "write_comparison",
    "write_outputs",
    "write_sweep",
]

SUMMARY = "summary.json"
CLIENTS = "clients.csv"
TRACES = "traces.jsonl"
TIME_TO_GOAL = "time_to_goal.png"
BOUT_LENGTH = "bout_length.png"
COMPARISON_JSON = "comparison.json"
COMPARISON_CSV = "comparison.csv"
SWEEP_CSV = "sweep.csv"
SWEEP_JSON = "sweep.json"


def plots_available() -> bool:
    """Whether matplotlib is installed, so that plots can be drawn."""
    return importlib.util.find_spec("matplotlib") is not None


# -- plain values ----------------------------------------------------------------


def _plain(value: Any) -> Any:
    """``value`` as JSON values: NaN and infinities become ``None``, attrs classes dicts."""
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if attrs.has(type(value)):
        return {"type": type(value).__name__, **_plain(attrs.asdict(value, recurse=False))}
    if hasattr(value, "item"):  # a numpy scalar
        return _plain(value.item())
    return str(value)


def _describe(obj: object) -> Any:
    """Describe a policy or population as JSON values, for the record."""
    return _plain(obj) if attrs.has(type(obj)) else {"type": type(obj).__name__, "repr": repr(obj)}


def json_text(document: Any) -> str:
    """``document`` as indented JSON text (NaN written as ``null``), ending in a newline."""
    return json.dumps(_plain(document), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv_text(header: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in header])
    return buffer.getvalue()


def _write(path: Path, text: str, written: list[Path]) -> None:
    write_text_atomic(path, text)
    written.append(path)


def _save(path: Path, figure: Figure, written: list[Path]) -> None:
    write_atomic(path, lambda handle: figure.savefig(handle, format="png"))
    written.append(path)


def _folder(out_dir: str | os.PathLike[str]) -> Path:
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _slug(name: str) -> str:
    """Make a folder name for a policy: letters, digits, ``.``, ``_`` and ``-`` only."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip(".")
    return slug or "policy"


# -- documents and rows ------------------------------------------------------------


def summary_document(result: SimulationResult) -> dict[str, Any]:
    """``summary.json``'s content: the summary's figures and what produced them."""
    spec = result.spec
    return {
        **result.summary.as_dict(),
        "retroprog_version": retroprog.__version__,
        "settings": {
            "sessions_per_week": spec.sessions_per_week,
            "coach_capacity": spec.coach_capacity,
            "trace_clients": spec.trace_clients,
            "adverse_pain": spec.adverse_pain,
            "block_size": spec.block_size,
        },
        "policy_settings": _describe(spec.policy),
        "population_settings": _describe(spec.population),
    }


def summary_row(summary: Summary) -> dict[str, Any]:
    """Flatten a summary's headline figures into one row (for sweeps and tables)."""
    low, high = summary.median_days_to_goal_ci
    row: dict[str, Any] = {
        "protocol": summary.protocol,
        "policy": summary.policy,
        "population": summary.population,
        "seed": summary.seed,
        "weeks": summary.weeks,
        "clients": summary.clients,
        "sessions": summary.sessions,
        "missed_sessions": summary.missed_sessions,
        "goal_rate": summary.goal_rate,
        "median_days_to_goal": summary.median_days_to_goal,
        "median_days_to_goal_ci_low": low,
        "median_days_to_goal_ci_high": high,
        "adverse_events_per_100_sessions": summary.adverse_events_per_100_sessions,
        "regressions_per_100_sessions": summary.regressions_per_100_sessions,
        "stop_rate": summary.stop_rate,
        "dropout_rate": summary.dropout_rate,
    }
    for stage, rate in summary.stage_goal_rates.items():
        row[f"goal_rate_{stage}"] = rate
    return row


_CLIENT_FIELDS = [
    f.name for f in attrs.fields(ClientResult) if f.name not in ("goal_days", "goal_sessions")
]


def client_rows(
    results: Sequence[ClientResult], stage_names: Sequence[str]
) -> tuple[list[str], list[dict[str, Any]]]:
    """``clients.csv``'s header and rows: one row per client, goal columns per stage."""
    header = [*_CLIENT_FIELDS, "stopped", "goal_day"]
    for stage in stage_names:
        header += [f"goal_day_{stage}", f"goal_session_{stage}"]
    rows = []
    for r in results:
        row: dict[str, Any] = {name: getattr(r, name) for name in _CLIENT_FIELDS}
        row["stopped"] = r.stopped
        row["goal_day"] = r.goal_day
        for stage, day, session in zip(stage_names, r.goal_days, r.goal_sessions, strict=True):
            row[f"goal_day_{stage}"] = day
            row[f"goal_session_{stage}"] = session
        rows.append(row)
    return header, rows


def time_to_goal(
    results: Sequence[ClientResult], *, horizon: int, stage: int | None = None
) -> KaplanMeier:
    """Kaplan–Meier time to the goal (or to stage ``stage``'s target), as in the summary.

    A client who did not reach it is censored at dropout, else at the horizon.
    """
    return kaplan_meier(*goal_durations(results, stage, horizon))


# -- writers -------------------------------------------------------------------------


def write_outputs(
    result: SimulationResult, out_dir: str | os.PathLike[str], *, plots: bool = True
) -> list[Path]:
    """Write a run's files into ``out_dir`` (created if missing); returns their paths.

    ``summary.json``, ``clients.csv``, ``traces.jsonl`` when clients were traced,
    and, when ``plots`` and matplotlib is installed, ``time_to_goal.png`` (one
    curve per stage target) and ``bout_length.png`` (traced clients).
    """
    folder = _folder(out_dir)
    spec = result.spec
    stage_names = [s.name for s in spec.protocol.stages]
    written: list[Path] = []
    _write(folder / SUMMARY, json_text(summary_document(result)), written)
    header, rows = client_rows(result.clients, stage_names)
    _write(folder / CLIENTS, _csv_text(header, rows), written)
    if result.traces:
        lines = (json.dumps(_plain(t), ensure_ascii=False, allow_nan=False) for t in result.traces)
        _write(folder / TRACES, "".join(line + "\n" for line in lines), written)
    if plots and plots_available():
        written += _run_plots(result, folder)
    return written


def _run_plots(result: SimulationResult, folder: Path) -> list[Path]:
    from ._plots import plot_bouts, plot_time_to_goal

    spec = result.spec
    stages = spec.protocol.stages
    curves = {}
    for i, stage in enumerate(stages):
        label = f"{stage.name} target ({stage.target_seconds} s)"
        if i == len(stages) - 1:
            label += ": the goal"
        curves[label] = time_to_goal(result.clients, horizon=spec.days, stage=i)
    who = f"{spec.policy.name} policy, {spec.population.name} population"
    written: list[Path] = []
    figure = plot_time_to_goal(
        curves, horizon_days=spec.days, title=f"Time to goal: {who}, {spec.clients} clients"
    )
    _save(folder / TIME_TO_GOAL, figure, written)
    bouts = plot_bouts(
        result.traces,
        title=f"Bout length over time: {who}",
        targets={s.name: s.target_seconds for s in stages},
        dropouts={r.client_id: r.dropout_day for r in result.clients if r.dropout_day is not None},
    )
    if bouts is not None:
        _save(folder / BOUT_LENGTH, bouts, written)
    return written


def comparison_rows(comparison: Comparison) -> list[dict[str, Any]]:
    """``comparison.csv``'s rows: one per (policy, metric), against the baseline."""
    baseline = comparison.runs[0].spec.policy.name
    return [
        {"policy": policy, "baseline_policy": baseline, **attrs.asdict(d)}
        for policy, differences in comparison.differences.items()
        for d in differences
    ]


_COMPARISON_HEADER = [
    "policy",
    "baseline_policy",
    *(f.name for f in attrs.fields(Difference)),
]


def write_comparison(
    comparison: Comparison, out_dir: str | os.PathLike[str], *, plots: bool = True
) -> list[Path]:
    """Write a comparison into ``out_dir``; returns the paths written.

    One sub-folder per policy (see :func:`write_outputs`), ``comparison.json`` and
    ``comparison.csv`` with every paired difference and its bootstrap 95 % CI, and
    a combined ``time_to_goal.png`` with one curve per policy.
    """
    folder = _folder(out_dir)
    written: list[Path] = []
    for run in comparison.runs:
        written += write_outputs(run, folder / _slug(run.spec.policy.name), plots=plots)
    first = comparison.runs[0]
    document = {
        "retroprog_version": retroprog.__version__,
        "protocol": first.summary.protocol,
        "population": first.summary.population,
        "clients": first.summary.clients,
        "weeks": first.summary.weeks,
        "seed": first.summary.seed,
        "baseline": first.spec.policy.name,
        "policies": [run.spec.policy.name for run in comparison.runs],
        "folders": {run.spec.policy.name: _slug(run.spec.policy.name) for run in comparison.runs},
        "summaries": {run.spec.policy.name: run.summary.as_dict() for run in comparison.runs},
        "differences": {
            policy: [attrs.asdict(d) for d in differences]
            for policy, differences in comparison.differences.items()
        },
    }
    _write(folder / COMPARISON_JSON, json_text(document), written)
    _write(
        folder / COMPARISON_CSV, _csv_text(_COMPARISON_HEADER, comparison_rows(comparison)), written
    )
    if plots and plots_available():
        from ._plots import plot_time_to_goal

        spec = first.spec
        figure = plot_time_to_goal(
            {
                run.spec.policy.name: time_to_goal(run.clients, horizon=spec.days)
                for run in comparison.runs
            },
            horizon_days=spec.days,
            title=f"Time to goal by policy: {spec.population.name} population, "
            f"{spec.clients} clients",
        )
        _save(folder / TIME_TO_GOAL, figure, written)
    return written


def sweep_rows(
    cells: Sequence[tuple[Mapping[str, Any], SimulationResult]],
) -> tuple[list[str], list[dict[str, Any]]]:
    """``sweep.csv``'s header and rows: the cell's parameters, then its figures."""
    header: list[str] = []
    rows = []
    for params, result in cells:
        row = {**summary_row(result.summary), **params}
        for name in row:
            if name not in header:
                header.append(name)
        rows.append(row)
    # the cell's parameters first, in grid order; then the figures
    first = list(cells[0][0]) if cells else []
    header = first + [h for h in header if h not in first]
    return header, rows


def write_sweep(
    cells: Sequence[tuple[Mapping[str, Any], SimulationResult]], out_dir: str | os.PathLike[str]
) -> list[Path]:
    """Write a sweep into ``out_dir``: ``sweep.csv`` and ``sweep.json``, one row per cell."""
    folder = _folder(out_dir)
    header, rows = sweep_rows(cells)
    written: list[Path] = []
    _write(folder / SWEEP_CSV, _csv_text(header, rows), written)
    document = {
        "retroprog_version": retroprog.__version__,
        "cells": [
            {"parameters": dict(params), "summary": result.summary.as_dict()}
            for params, result in cells
        ],
    }
    _write(folder / SWEEP_JSON, json_text(document), written)
    return written
