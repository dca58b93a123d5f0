"""Results on disk: JSON summaries, CSV (and Parquet) tables, traces, plots and a report.

Every file is written whole or not at all (a temporary file in the same folder,
fsync, then an atomic rename, and the folder fsynced), so a run that is
interrupted never leaves a half-written file behind; ``manifest.json``, written
last, names the files of one complete write (see :mod:`retroprog_sim._folder`).
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

import csv
import enum
import importlib.util
import io
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

import retroprog

from . import _format as fmt
from ._compare import Difference
from ._engine import ClientResult
from ._folder import start_writing, write_atomic, write_manifest, write_text_atomic
from ._metrics import KaplanMeier, goal_durations, kaplan_meier

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ._experiment import Cell, Experiment, ProtocolChoice
    from ._metrics import Summary
    from ._report import ReportGroup
    from ._run import SimulationResult
    from ._runner import ExperimentResult

__all__ = [
    "client_rows",
    "describe",
    "experiment_document",
    "experiment_tables",
    "json_text",
    "parquet_available",
    "plots_available",
    "report_groups",
    "summary_document",
    "summary_row",
    "time_to_goal",
    "write_atomic",
    "write_experiment",
    "write_outputs",
]

SUMMARY = "summary.json"
CLIENTS = "clients.csv"
TRACES = "traces.jsonl"
TIME_TO_GOAL = "time_to_goal.png"
BOUT_LENGTH = "bout_length.png"
EXPERIMENT_JSON = "experiment.json"
REPORT = "report.html"


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
    if attrs.has(type(value)):  # its public fields (private ones are caches)
        fields = attrs.fields(type(value))
        public = {f.name: getattr(value, f.name) for f in fields if not f.name.startswith("_")}
        return {"type": type(value).__name__, **_plain(public)}
    if hasattr(value, "item"):  # a numpy scalar
        return _plain(value.item())
    return str(value)


def describe(obj: object) -> Any:
    """Describe a protocol, policy or population as JSON values, for the record."""
    return _plain(obj) if attrs.has(type(obj)) else {"type": type(obj).__name__, "repr": repr(obj)}


def json_text(document: Any, *, indent: int | None = 2) -> str:
    """``document`` as JSON text (NaN written as ``null``), ending in a newline.

    ``indent=None`` writes it compactly, on one line.
    """
    separators = (",", ":") if indent is None else None
    text = json.dumps(
        _plain(document), indent=indent, separators=separators, ensure_ascii=False, allow_nan=False
    )
    return text + "\n"


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
        "protocol_settings": describe(spec.protocol),
        "policy_settings": describe(spec.policy),
        "population_settings": describe(spec.population),
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
    from ._store import fingerprint  # _store writes with this module's JSON

    folder = _folder(out_dir)
    spec = result.spec
    stage_names = [s.name for s in spec.protocol.stages]
    written: list[Path] = []
    previous = start_writing(folder)
    _write(folder / SUMMARY, json_text(summary_document(result)), written)
    header, rows = client_rows(result.clients, stage_names)
    _write_table(folder, CLIENTS.removesuffix(".csv"), header, rows, written)
    if result.traces:
        lines = (json.dumps(_plain(t), ensure_ascii=False, allow_nan=False) for t in result.traces)
        _write(folder / TRACES, "".join(line + "\n" for line in lines), written)
    if plots and plots_available():
        written += _run_plots(result, folder)
    if report:
        from ._report import ReportGroup, write_report

        policy, population = spec.policy.name, spec.population.name
        group = ReportGroup(
            f"{population} population, seed {spec.seed} ({spec.clients} clients)",
            ((policy, result),),
        )
        settings = {
            "protocol": spec.protocol.name,
            "policy": policy,
            "population": population,
            "clients": spec.clients,
            "weeks": spec.weeks,
            "seed": spec.seed,
            "sessions per week": spec.sessions_per_week,
            "coach": fmt.coach(spec.coach_capacity),
        }
        title = f"{spec.protocol.name}: the {policy} policy on the {population} population"
        written.append(
            write_report(folder / REPORT, title, [group], settings=settings, plots=plots)
        )
    manifest = write_manifest(
        folder, written, kind="simulate", fingerprint=fingerprint(spec), previous=previous
    )
    return [*written, manifest]


def _run_plots(result: SimulationResult, folder: Path) -> list[Path]:
    from ._plots import plot_run_bouts, plot_time_to_goal

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
    figure = plot_time_to_goal(
        curves, horizon_days=spec.days, title=f"Time to goal: {who}, {spec.clients} clients"
    )
    _save(folder / TIME_TO_GOAL, figure, written)
    bouts = plot_run_bouts(result, title=f"Bout length over time: {who}")
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
    _write(folder / f"{stem}.csv", _csv_text(header, rows), written)
    if not parquet_available():
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {}
    for name in header:
        values = [_plain(row.get(name)) for row in rows]
        try:
            columns[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed kinds in one column: text
            columns[name] = pa.array([None if v is None else _cell(v) for v in values])
    table = pa.table(columns)
    path = folder / f"{stem}.parquet"
    write_atomic(path, lambda handle: pq.write_table(table, handle))
    written.append(path)


def _header(rows: Sequence[Mapping[str, Any]], first: Sequence[str] = ()) -> list[str]:
    """Every key of ``rows`` in order of appearance, ``first`` first."""
    header = list(first)
    for row in rows:
        header += [key for key in row if key not in header]
    return header


def _cell_columns(cell: Cell) -> dict[str, Any]:
    return {
        "population": cell.population,
        "seed": cell.seed,
        "policy": cell.policy,
        **cell.parameters,
    }


def experiment_tables(
    result: ExperimentResult,
) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
    """An experiment's tables, by file stem: ``runs``, ``clients`` and (compare) ``differences``.

    Every row starts with its run's population, seed, policy label and grid values.
    """
    runs = []
    clients = []
    for cell, run in zip(result.cells, result.results, strict=True):
        columns = _cell_columns(cell)
        figures = summary_row(run.summary)
        figures["policy_name"] = figures.pop("policy")
        figures["population_name"] = figures.pop("population")
        del figures["seed"]
        runs.append({**columns, "label": cell.label, **figures})
        stages = [s.name for s in run.spec.protocol.stages]
        clients += [{**columns, **row} for row in client_rows(run.clients, stages)[1]]
    tables = {
        "runs": (_header(runs), runs),
        "clients": (_header(clients), clients),
    }
    if result.kind == "compare":
        differences = [
            {
                "population": population,
                "seed": seed,
                "policy": label,
                "baseline_policy": result.experiment.policies[0].label,
                **attrs.asdict(d),
            }
            for (population, seed), by_policy in result.differences.items()
            for label, found in by_policy.items()
            for d in found
        ]
        tables["differences"] = (_header(differences, _DIFFERENCE_HEADER), differences)
    return tables


_DIFFERENCE_HEADER = [
    "population",
    "seed",
    "policy",
    "baseline_policy",
    *(f.name for f in attrs.fields(Difference)),
]


def experiment_document(result: ExperimentResult) -> dict[str, Any]:
    """``experiment.json``'s content: the settings, every run's summary, the differences."""
    from ._store import versions  # _store writes with this module's JSON

    return {
        "retroprog_version": retroprog.__version__,
        "kind": result.kind,
        "experiment": result.experiment.settings(),
        "runs": [
            {
                "key": cell.key,
                "label": cell.label,
                **_cell_columns(cell),
                "parameters": cell.parameters,
                **summary_document(run),
                "versions": versions(run.spec),
            }
            for cell, run in zip(result.cells, result.results, strict=True)
        ],
        "differences": [
            {
                "population": population,
                "seed": seed,
                "policy": label,
                "differences": [attrs.asdict(d) for d in found],
            }
            for (population, seed), by_policy in result.differences.items()
            for label, found in by_policy.items()
        ],
    }


def report_groups(result: ExperimentResult) -> list[ReportGroup]:
    """The report's sections: one per population and seed, its runs side by side."""
    from ._report import ReportGroup

    groups = []
    for (population, seed), runs in result.groups().items():
        clients = runs[0][1].spec.clients
        groups.append(
            ReportGroup(
                f"{population} population, seed {seed} (the same {clients} clients in every run)",
                tuple((cell.label, run) for cell, run in runs),
                result.differences.get((population, seed), {}),
            )
        )
    return groups


def _report_settings(experiment: Experiment) -> dict[str, Any]:
    def protocol(choice: ProtocolChoice) -> str:
        text = Path(choice.source).name if choice.source.endswith(".toml") else choice.source
        extra = [f"{k}={v}" for k, v in choice.params.items()]
        extra += [f"{k} in {list(v)}" for k, v in choice.grid.items()]
        return f"{text} ({', '.join(extra)})" if extra else text

    def entry(label: str, name: str, params: Mapping[str, Any]) -> str:
        text = name if label == name else f"{label}: {name}"
        values = ", ".join(f"{k}={v}" for k, v in params.items())
        return f"{text} ({values})" if values else text

    policies = []
    for p in experiment.policies:
        text = entry(p.label, p.name, p.params)
        if p.grid:
            text += "; grid " + ", ".join(f"{k} in {list(v)}" for k, v in p.grid.items())
        if p.protocol is not None:
            text += f"; protocol {protocol(p.protocol)}"
        policies.append(text)
    return {
        "protocol": protocol(experiment.protocol),
        "policies": "; ".join(policies),
        "populations": "; ".join(entry(p.label, p.name, p.params) for p in experiment.populations),
        "clients per run": experiment.clients,
        "weeks": experiment.weeks,
        "seeds": ", ".join(str(s) for s in experiment.seeds),
        "sessions per week": experiment.sessions_per_week,
        "coach": fmt.coach(experiment.coach_capacity),
        "adverse event": fmt.adverse_event([experiment.adverse_pain]),
        "source": "" if experiment.source is None else str(experiment.source),
    }


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
    from ._store import experiment_fingerprint

    folder = _folder(out_dir)
    written: list[Path] = []
    previous = start_writing(folder)
    for stem, (header, rows) in experiment_tables(result).items():
        _write_table(folder, stem, header, rows, written)
    _write(folder / EXPERIMENT_JSON, json_text(experiment_document(result)), written)
    if report:
        from ._report import write_report

        experiment = result.experiment
        path = write_report(
            folder / REPORT,
            f"{experiment.name}: {'comparison' if result.kind == 'compare' else 'sweep'}",
            report_groups(result),
            description=experiment.description,
            settings=_report_settings(experiment),
            plots=plots,
        )
        written.append(path)
    manifest = write_manifest(
        folder,
        written,
        kind=result.kind,
        fingerprint=experiment_fingerprint(result.cells, result.kind),
        previous=previous,
    )
    return [*written, manifest]
