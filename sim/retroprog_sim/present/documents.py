"""What the files say: the documents and rows of ``summary.json``, the CSV tables, and more.

Each function turns a run or an experiment into plain values (JSON objects,
table rows); :mod:`.files` writes them, and ``--json`` prints them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

import retroprog

from ..comparison import Difference
from ..engine.tally import ClientResult
from ..store import versions
from .plain import describe

if TYPE_CHECKING:
    from ..execute import SimulationResult
    from ..experiment import Cell, ExperimentResult
    from ..stats import Summary

__all__ = [
    "client_rows",
    "experiment_document",
    "experiment_tables",
    "summary_document",
    "summary_row",
]


def summary_document(result: SimulationResult) -> dict[str, Any]:
    """``summary.json``'s content: the summary's figures and what produced them."""
    spec = result.spec
    return {
        **result.summary.as_dict(),
        "retroprog_version": retroprog.__version__,
        "settings": {
            name: value
            for name, value in attrs.asdict(spec.settings).items()
            if name not in ("clients", "weeks", "seed")  # the summary's own
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
