"""Results on disk: JSON summaries, CSV (and Parquet) tables, traces, plots and a report.

Every file is written whole or not at all (a temporary file in the same folder,
fsync, then an atomic rename, and the folder fsynced), so a run that is
interrupted never leaves a half-written file behind; ``manifest.json``, written
last, names the files of one complete write (see :mod:`retroprog_sim.folder`).
Plots are drawn only when matplotlib is installed
(the ``plot`` extra); tables are also written as Parquet when pyarrow is (the
``parquet`` extra).

Layout of an output folder:

* a run (``retroprog simulate``): ``summary.json``, ``clients.csv``,
  ``traces.jsonl`` (when clients were traced), ``time_to_goal.png`` and
  ``bout_length.png`` (when traces exist), ``report.html``, ``manifest.json``;
* an experiment (``retroprog compare`` and ``retroprog sweep``): ``runs.csv``,
  ``clients.csv``, ``differences.csv`` (comparisons), ``experiment.json``,
  ``report.html``, ``manifest.json``, and the finished runs in ``cells/``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from retroprog import SessionOutcome, dumps_log, from_dict
from retroprog.support import write_atomic, write_text_atomic

from ..engine.spec import schedule
from ..folder import start_writing, write_manifest
from ..stats import time_to_goal
from ..store import experiment_fingerprint, fingerprint
from . import plots as _plots
from . import report as _report
from .documents import client_rows, experiment_document, experiment_tables, summary_document
from .plain import csv_cell, csv_text, json_text, plain
from .report import ReportGroup, experiment_settings, report_groups, run_settings

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..execute import SimulationResult
    from ..experiment import ExperimentResult

__all__ = [
    "TRUTH",
    "parquet_available",
    "write_atomic",
    "write_experiment",
    "write_logs",
    "write_outputs",
]


SUMMARY = "summary.json"


CLIENTS = "clients.csv"


TRACES = "traces.jsonl"


TIME_TO_GOAL = "time_to_goal.png"


BOUT_LENGTH = "bout_length.png"


EXPERIMENT_JSON = "experiment.json"


REPORT = "report.html"


def _write(path: Path, text: str, written: list[Path]) -> None:
    write_text_atomic(path, text)
    written.append(path)


def _save(path: Path, figure: Figure, written: list[Path]) -> None:
    write_atomic(path, lambda handle: figure.savefig(handle, format="png"))
    written.append(path)


@contextlib.contextmanager
def _writing(
    out_dir: str | os.PathLike[str], *, kind: str, fingerprint: str
) -> Iterator[tuple[Path, list[Path]]]:
    """Write one set of results into ``out_dir``: the folder, and the list of files written.

    The folder is created if missing and its manifest removed first; when the
    block ends without an error, ``manifest.json`` is written last, naming the
    files, and added to the list.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    previous = start_writing(folder)
    yield folder, written
    manifest = write_manifest(
        folder, written, kind=kind, fingerprint=fingerprint, previous=previous
    )
    written.append(manifest)


def write_outputs(
    result: SimulationResult,
    out_dir: str | os.PathLike[str],
    *,
    plots: bool = True,
    report: bool = True,
) -> list[Path]:
    """Write a run's files into ``out_dir`` (created if missing); returns their paths.

    ``summary.json``, ``clients.csv`` (and ``clients.parquet`` when pyarrow is
    installed), ``traces.jsonl`` when clients were traced; when ``plots`` and
    matplotlib is installed, ``time_to_goal.png`` (one curve per stage target)
    and ``bout_length.png`` (traced clients); and, with ``report``, the
    self-contained ``report.html``; last, ``manifest.json``, naming them all
    (removed first, so that while the files change there is none).
    """
    spec = result.spec
    stages = [s.name for s in spec.protocol.stages]
    with _writing(out_dir, kind="simulate", fingerprint=fingerprint(spec)) as (folder, written):
        _write(folder / SUMMARY, json_text(summary_document(result)), written)
        header, rows = client_rows(result.clients, stages)
        _write_table(folder, CLIENTS.removesuffix(".csv"), header, rows, written)
        if result.traces:
            lines = (
                json.dumps(plain(t), ensure_ascii=False, allow_nan=False) for t in result.traces
            )
            _write(folder / TRACES, "".join(line + "\n" for line in lines), written)
        if plots and _plots.available():
            written += _run_plots(result, folder)
        if report:
            policy, population = spec.policy.name, spec.population.name
            group = ReportGroup(
                f"{population} population, seed {spec.settings.seed} "
                f"({spec.settings.clients} clients)",
                ((policy, result),),
            )
            title = f"{spec.protocol.name}: the {policy} policy on the {population} population"
            path = _report.write_report(
                folder / REPORT, title, [group], settings=run_settings(result), plots=plots
            )
            written.append(path)
    return written


def _run_plots(result: SimulationResult, folder: Path) -> list[Path]:
    spec = result.spec
    stages = spec.protocol.stages
    curves = {}
    for i, stage in enumerate(stages):
        label = (
            f"{stage.name} completed"
            if stage.levels
            else f"{stage.name} target ({stage.target_seconds} s)"
        )
        if i == len(stages) - 1:
            label += ": the goal"
        curves[label] = time_to_goal(result.clients, horizon=spec.days, stage=i)
    who = f"{spec.policy.name} policy, {spec.population.name} population"
    written: list[Path] = []
    figure = _plots.plot_time_to_goal(
        curves,
        horizon_days=spec.days,
        title=f"Time to goal: {who}, {spec.settings.clients} clients",
    )
    _save(folder / TIME_TO_GOAL, figure, written)
    bouts = _plots.plot_run_bouts(result, title=f"Bout length over time: {who}")
    if bouts is not None:
        _save(folder / BOUT_LENGTH, bouts, written)
    return written


def parquet_available() -> bool:
    """Whether pyarrow is installed, so that tables are also written as Parquet."""
    return importlib.util.find_spec("pyarrow") is not None


def _write_table(
    folder: Path,
    stem: str,
    header: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    written: list[Path],
) -> None:
    """Write a table as ``stem.csv``, and as ``stem.parquet`` when pyarrow is installed."""
    _write(folder / f"{stem}.csv", csv_text(header, rows), written)
    if not parquet_available():
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {}
    for name in header:
        values = [plain(row.get(name)) for row in rows]
        try:
            columns[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed kinds in one column: text
            columns[name] = pa.array([None if v is None else csv_cell(v) for v in values])
    table = pa.table(columns)
    path = folder / f"{stem}.parquet"
    write_atomic(path, lambda handle: pq.write_table(table, handle))
    written.append(path)


def write_experiment(
    result: ExperimentResult,
    out_dir: str | os.PathLike[str],
    *,
    plots: bool = True,
    report: bool = True,
) -> list[Path]:
    """Write an experiment's results into ``out_dir``; returns the paths written.

    ``runs.csv`` (one row per run), ``clients.csv`` (every client of every
    run), for a comparison ``differences.csv`` (paired differences with
    bootstrap 95 % CIs) — each also as ``.parquet`` when pyarrow is installed —
    ``experiment.json`` (the settings and every run's full summary) and
    ``report.html`` (self-contained; plots when ``plots`` and matplotlib is
    installed), and last ``manifest.json``, naming them all (removed first, so
    that while the files change there is none).  The runs themselves are kept
    in ``cells/`` by :func:`~retroprog_sim.run_experiment`.
    """
    digest = experiment_fingerprint(result.cells, result.kind)
    with _writing(out_dir, kind=result.kind, fingerprint=digest) as (folder, written):
        for stem, (header, rows) in experiment_tables(result).items():
            _write_table(folder, stem, header, rows, written)
        _write(folder / EXPERIMENT_JSON, json_text(experiment_document(result)), written)
        if report:
            experiment = result.experiment
            path = _report.write_report(
                folder / REPORT,
                f"{experiment.name}: {'comparison' if result.kind == 'compare' else 'sweep'}",
                report_groups(result),
                description=experiment.description,
                settings=experiment_settings(experiment),
                plots=plots,
            )
            written.append(path)
    return written


#: The file of a ``--logs`` folder that holds each client's drawn parameters.
TRUTH = "truth.jsonl"


def write_logs(result: SimulationResult, logs_dir: str | os.PathLike[str]) -> list[Path]:
    """Write every client's session log, and the truth behind it, into ``logs_dir``.

    ``client-000001.jsonl`` for client 1 (the JSON Lines log that ``retroprog next``
    and :func:`retroprog.read_log` read; next-day pain amends its session), one
    file per client, and ``truth.jsonl``: one line per client with its drawn
    parameters (:class:`~retroprog_sim.ClientParams`), whether it dropped out, its
    status, and the run (protocol, policy and its parameters, population, seed,
    scheduled days), so that a fit can be tested against known truth.  The run
    must have traced every client.  Each file is written atomically.
    """
    spec, settings = result.spec, result.spec.settings
    folder = Path(logs_dir)
    folder.mkdir(parents=True, exist_ok=True)
    logs: dict[int, list[SessionOutcome]] = {r.client_id: [] for r in result.clients}
    for trace in result.traces:
        logs[trace["client"]].append(from_dict(trace["outcome"], SessionOutcome))
    written = []
    for client_id, log in logs.items():
        path = folder / f"client-{client_id:06d}.jsonl"
        write_text_atomic(path, dumps_log(log))
        written.append(path)
    policy = spec.policy
    run = {
        "protocol": spec.protocol.name,
        "policy": policy.name,
        "policy_settings": plain(policy) if attrs.has(type(policy)) else None,
        "population": spec.population.name,
        "seed": settings.seed,
        "scheduled_days": schedule(settings.weeks, settings.sessions_per_week),
    }
    lines = []
    for r in result.clients:
        client = spec.population.client(settings.seed, r.client_id)
        params: Any = getattr(client, "params", None)  # a plug-in's client may have none
        truth = {
            "client": r.client_id,
            "log": f"client-{r.client_id:06d}.jsonl",
            "params": attrs.asdict(params) if attrs.has(type(params)) else None,
            "dropped_out": r.dropout_day is not None,
            "status": r.status,
            **run,
        }
        lines.append(json.dumps(plain(truth), ensure_ascii=False, allow_nan=False) + "\n")
    write_text_atomic(folder / TRUTH, "".join(lines))
    written.append(folder / TRUTH)
    return written
