"""Results in a notebook: ``to_pandas()`` data frames and ``_repr_html_`` tables.

The tables are the report's (one :class:`~.tables.Table` model, rendered by
the same Jinja2 macro), so a figure reads the same in a notebook, the terminal
and ``report.html``.  pandas is optional: ``to_pandas()`` without it says in
one line what to install.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ..extras import require

if TYPE_CHECKING:
    import pandas

    from ..comparison import Comparison
    from ..experiment import ExperimentResult
    from ..stats import Summary
    from .tables import Table

__all__ = [
    "comparison_frame",
    "comparison_html",
    "experiment_frame",
    "experiment_html",
    "frame",
    "summary_frame",
    "summary_html",
    "tables_html",
]

#: How a notebook shows the tables (the report's look, without its page).
_STYLE = (
    "<style>.retroprog table{border-collapse:collapse;margin:.4rem 0 1rem}"
    ".retroprog th,.retroprog td{padding:.2rem .6rem;border-bottom:1px solid #e3e6ea}"
    ".retroprog .num{text-align:right;font-variant-numeric:tabular-nums}"
    ".retroprog caption{text-align:left;color:#555}"
    ".retroprog .small{color:#555;font-size:.85em;max-width:50rem}</style>"
)


def frame(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None
) -> pandas.DataFrame:
    """Rows as a pandas DataFrame (pandas is needed: the ``pandas`` extra)."""
    require("pandas", "to_pandas()")
    import pandas

    return pandas.DataFrame(list(rows), columns=list(columns) if columns is not None else None)


def summary_frame(summary: Summary) -> pandas.DataFrame:
    """A summary's figures as a one-row DataFrame (the columns of ``runs.csv``)."""
    from .documents import summary_row

    return frame([summary_row(summary)])


def comparison_frame(comparison: Comparison) -> pandas.DataFrame:
    """A comparison's paired differences: one row per policy and metric, with the reading."""
    from ..comparison import Difference
    from . import format as fmt

    baseline = comparison.runs[0].spec.policy.name
    rows = [
        {
            "policy": label,
            "baseline_policy": baseline,
            **attrs.asdict(d),
            "reading": fmt.reading(d.ci_low, d.ci_high, d.metric),
        }
        for label, found in comparison.differences.items()
        for d in found
    ]
    columns = ["policy", "baseline_policy", *(f.name for f in attrs.fields(Difference))]
    return frame(rows, [*columns, "reading"])


def experiment_frame(result: ExperimentResult, table: str = "runs") -> pandas.DataFrame:
    """One of an experiment's tables (``runs``, ``clients``, ``differences``) as a DataFrame."""
    from .documents import experiment_tables

    tables = experiment_tables(result)
    if table not in tables:
        from retroprog.exceptions import InvalidValueError

        raise InvalidValueError("table", table, f"must be one of {', '.join(tables)}")
    header, rows = tables[table]
    return frame(rows, header)


@functools.cache
def _macro() -> Any:
    from .report import _environment

    return _environment().get_template("_table.html.j2").module.table  # type: ignore[attr-defined]


def tables_html(tables: Iterable[Table | None]) -> str:
    """Tables as one HTML fragment, styled like the report."""
    parts = [str(_macro()(t)) for t in tables if t is not None]
    return f'{_STYLE}<div class="retroprog">{"".join(parts)}</div>'


def summary_html(summary: Summary) -> str:
    """A summary's figures as the report's table."""
    from .tables import Table, summary_figures

    lines = summary_figures([summary])
    caption = (
        f"{summary.protocol}: {summary.policy} policy, {summary.population} population "
        f"({summary.clients} clients, {summary.weeks} weeks, seed {summary.seed})"
    )
    return tables_html(
        [Table(caption, ("", summary.policy), tuple((name, *v) for _, name, v in lines))]
    )


def comparison_html(comparison: Comparison) -> str:
    """A comparison's runs and paired differences, as the report's tables."""
    from .tables import comparison_tables

    return tables_html(comparison_tables(comparison))


def experiment_html(result: ExperimentResult) -> str:
    """An experiment's tables, as the terminal shows them, in HTML."""
    from .tables import result_tables

    return tables_html(result_tables(result))
