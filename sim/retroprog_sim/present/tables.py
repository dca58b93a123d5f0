"""One table model for the terminal and the report: runs' figures, differences, sweeps.

A :class:`Table` is text only: the terminal draws it with rich
(:func:`~.terminal.print_table`), the report with its HTML template.  The
builders here are the one place where a run's figures are chosen, named
(:func:`.format.label`) and written (:mod:`.format`), so that a metric reads
the same wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from . import format as fmt

if TYPE_CHECKING:
    from ..comparison import Comparison, Difference
    from ..execute import SimulationResult
    from ..experiment import ExperimentResult
    from ..stats import Summary

__all__ = [
    "WIDE_LABEL_LENGTH",
    "WIDE_TABLE_RUNS",
    "Table",
    "comparison_tables",
    "differences_table",
    "figures",
    "result_tables",
    "runs_table",
    "summary_figures",
    "sweep_table",
]

#: Up to this many runs a table has one column per run; beyond, one row per run.
WIDE_TABLE_RUNS = 6

#: Labels longer than this make a table of runs one row per run (columns would not fit).
WIDE_LABEL_LENGTH = 24


@attrs.frozen
class Table:
    """A table of text: ``header[0]`` heads the row labels, ``rows[i][0]`` is a row label.

    :param caption: what the table shows (its title).
    :param header: the columns' headings.
    :param rows: the rows, each as long as the header.
    :param note: how to read it, shown under it.
    :param left: the columns (after the first) whose text is read, not compared:
        aligned left.
    """

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""
    left: frozenset[int] = frozenset()


#: A run's figure: its key (a metric, or ``policy``, ``clients``…), label, and text per run.
Figure = tuple[str, str, list[str]]


def figures(
    runs: Sequence[tuple[str, SimulationResult]], *, show_threshold: bool = False
) -> list[Figure]:
    """Every figure of each run, in the order they are shown.

    Protocols with other stages have other rows (``–`` where a run has no such
    stage); ``show_threshold`` adds each run's adverse-event threshold, for
    runs that differ in it.
    """
    thresholds = [r.spec.settings.adverse_pain for _, r in runs] if show_threshold else None
    return summary_figures([r.summary for _, r in runs], thresholds=thresholds)


def summary_figures(
    summaries: Sequence[Summary], *, thresholds: Sequence[int] | None = None
) -> list[Figure]:
    """:func:`figures` of summaries alone (``thresholds``: each one's adverse-event pain)."""
    stages: list[str] = []
    for s in summaries:
        stages += [stage for stage in s.stage_goal_rates if stage not in stages]
    lines: list[Figure] = [("policy", "policy", [s.policy for s in summaries])]
    if len({s.protocol for s in summaries}) > 1:
        lines.append(("protocol", "protocol", [s.protocol for s in summaries]))
    lines += [
        ("clients", "clients", [str(s.clients) for s in summaries]),
        (
            "sessions",
            "sessions (missed)",
            [f"{s.sessions} ({s.missed_sessions})" for s in summaries],
        ),
        ("goal_rate", fmt.label("goal_rate"), [fmt.pct(s.goal_rate) for s in summaries]),
    ]
    for stage in stages:
        rates = [s.stage_goal_rates.get(stage) for s in summaries]
        medians = [s.stage_median_days.get(stage) for s in summaries]
        target, median = f"{stage}_target_rate", f"{stage}_median_days"
        lines.append((target, fmt.label(target), ["–" if r is None else fmt.pct(r) for r in rates]))
        lines.append(
            (
                median,
                fmt.label(median),
                ["–" if r is None else fmt.day(m) for r, m in zip(rates, medians, strict=True)],
            )
        )
    lines += [
        (
            "median_days_to_goal",
            f"{fmt.label('median_days_to_goal')} (95 % CI)",
            [fmt.median(s.median_days_to_goal, s.median_days_to_goal_ci) for s in summaries],
        ),
        (
            "adverse_events_per_100_sessions",
            f"{fmt.label('adverse_events_per_100_sessions')} (95 % CI)",
            [
                fmt.rate_with_ci(
                    s.adverse_events_per_100_sessions, s.adverse_events_per_100_sessions_ci
                )
                for s in summaries
            ],
        ),
    ]
    if thresholds is not None:
        shown = [f"{threshold}/10" for threshold in thresholds]
        lines.append(("adverse_pain", "adverse event: pain above", shown))
    lines += [
        (
            "regressions_per_100_sessions",
            fmt.label("regressions_per_100_sessions"),
            [fmt.num(s.regressions_per_100_sessions) for s in summaries],
        ),
        ("stop_rate", fmt.label("stop_rate"), [fmt.pct(s.stop_rate) for s in summaries]),
        ("dropout_rate", fmt.label("dropout_rate"), [fmt.pct(s.dropout_rate) for s in summaries]),
    ]
    return lines


def runs_table(
    caption: str,
    runs: Sequence[tuple[str, SimulationResult]],
    *,
    show_threshold: bool = False,
    note: str = "",
) -> Table:
    """Each run's :func:`figures`: a column per run, or a row per run when there are many."""
    lines = figures(runs, show_threshold=show_threshold)
    labels = [label for label, _ in runs]
    if len(runs) <= WIDE_TABLE_RUNS and max(map(len, labels), default=0) <= WIDE_LABEL_LENGTH:
        return Table(
            caption,
            ("", *labels),
            tuple((name, *values) for _, name, values in lines),
            note,
        )
    return Table(
        caption,
        ("run", *(name for _, name, _ in lines)),
        tuple((label, *(values[i] for _, _, values in lines)) for i, label in enumerate(labels)),
        note,
    )


def differences_table(
    label: str, baseline: str, differences: Sequence[Difference], *, pooled: bool = False
) -> Table:
    """One run's paired differences from the baseline run, with the figures compared.

    ``pooled``: the differences are pooled over seeds (the mean of each seed's,
    with a bootstrap that resamples clients within each seed), and the table says so.
    """
    rows = tuple(
        (
            fmt.label(d.metric),
            fmt.compared(d.metric, d.baseline),
            fmt.compared(d.metric, d.other),
            fmt.compared(d.metric, d.difference, signed=True),
            fmt.interval(d.metric, d.ci_low, d.ci_high),
            fmt.reading(d.ci_low, d.ci_high, d.metric),
        )
        for d in differences
    )
    how = (
        "pooled over the seeds: the mean of each seed's paired difference"
        if pooled
        else "paired on the same clients"
    )
    note = (
        "Rates differ in percentage points (pp), medians in days (d). "
        "A difference is clear when its paired bootstrap 95 % CI excludes 0; better or "
        "worse where the direction is known (a higher goal or target rate is better; fewer "
        "adverse events, regressions, stops and dropouts are better), sooner or later for "
        "days; n/a: not defined, e.g. a median that was not reached."
    )
    if pooled:
        note += (
            " Pooled: each figure is the mean over the seeds, and the CI comes from a "
            "bootstrap that resamples clients within each seed, keeping each client's "
            "pair of runs together."
        )
    return Table(
        f"{label} − {baseline}, {how}",
        ("", baseline, label, "difference", "95 % CI", "reading"),
        rows,
        note=note,
        left=frozenset({5}),
    )


#: The figures a sweep shows for each cell (and every stage's target before the goal).
_SWEPT = (
    "goal_rate",
    "median_days_to_goal",
    "adverse_events_per_100_sessions",
    "stop_rate",
    "dropout_rate",
)


def sweep_table(result: ExperimentResult) -> Table:
    """A sweep: one row per cell, its grid values and the headline figures."""
    from ..comparison import stages_before_goal

    cells, runs = result.cells, result.results
    names = list(dict.fromkeys(name for cell in cells for name in cell.parameters))
    first = runs[0].summary
    several = len(result.experiment.policies) > 1
    experiment = result.experiment
    policies = ", ".join(dict.fromkeys(cell.policy for cell in cells))
    heading = experiment.name if experiment.source is not None else first.protocol
    keys = [f"{stage}_target_rate" for stage in stages_before_goal(r.spec for r in runs)]
    keys += _SWEPT
    labelled = [(cell.label, run) for cell, run in zip(cells, runs, strict=True)]
    lines = {key: (name, values) for key, name, values in figures(labelled)}
    header = (
        *(["policy"] if several else []),
        *names,
        "population",
        "seed",
        *(lines[key][0] if key in lines else fmt.label(key) for key in keys),
    )
    rows = tuple(
        (
            *([cell.policy] if several else []),
            *(str(cell.parameters.get(name, "")) for name in names),
            cell.population,
            str(cell.seed),
            *(lines[key][1][i] if key in lines else "–" for key in keys),
        )
        for i, cell in enumerate(cells)
    )
    return Table(
        f"{heading}: {policies} {'policies' if several else 'policy'}, "
        f"{first.clients} clients per cell ({first.weeks} weeks)",
        header,
        rows,
        note="target reached: the share who passed the stage's target; goal: completing "
        "the protocol; not reached: fewer than half completed.",
    )


def result_tables(result: ExperimentResult) -> list[Table | None]:
    """An experiment's tables: a sweep's; or per group, its runs and each one's differences.

    ``None`` marks a break between groups (a blank line in the terminal).
    """
    if result.kind == "sweep":
        return [sweep_table(result)]
    out: list[Table | None] = []
    for (population, seed), runs in result.groups().items():
        first = runs[0][1].summary
        caption = (
            f"{first.protocol}: {population} population, the same {first.clients} "
            f"clients for every policy ({first.weeks} weeks, seed {seed})"
        )
        out.append(runs_table(caption, [(cell.label, run) for cell, run in runs]))
        baseline = runs[0][0].label
        for label, differences in result.differences[population, seed].items():
            out += [None, differences_table(label, baseline, differences)]
        out.append(None)
    return out


def comparison_tables(comparison: Comparison) -> list[Table]:
    """A comparison's runs side by side, and each policy's differences from the first."""
    runs = [(run.spec.policy.name, run) for run in comparison.runs]
    first = comparison.runs[0].summary
    tables = [
        runs_table(
            f"{first.protocol}: {first.population} population, the same {first.clients} "
            f"clients for every policy ({first.weeks} weeks, seed {first.seed})",
            runs,
        )
    ]
    baseline = runs[0][0]
    for label, differences in comparison.differences.items():
        tables.append(differences_table(label, baseline, differences))
    return tables
