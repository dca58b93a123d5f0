"""The HTML report: one self-contained page with tables and embedded plots.

A report holds groups of runs; the runs of a group met the same clients (one
population, one seed) and are compared with the group's first run.  Each group
gets a table of figures (one column per run, or one row per run when there are
many), the paired differences when given, and its plots as PNG images embedded
in the page (``data:`` URIs), so the file opens offline and can be mailed or
printed.  The page is rendered by Jinja2 with autoescaping: labels and titles
come from TOML files and are never trusted as HTML.
"""

from __future__ import annotations

import base64
import functools
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

import retroprog
from retroprog.exceptions import InvalidValueError
from retroprog.support import write_text_atomic

from . import _format as fmt
from . import _output
from .compare import Difference, stages_before_goal
from .execute import SimulationResult

if TYPE_CHECKING:
    import jinja2
    from matplotlib.figure import Figure

__all__ = ["MAX_CURVES", "MAX_RUN_FIGURES", "ReportGroup", "render_report", "write_report"]

#: Runs drawn at most as curves in one plot (time to goal, goal rate by week).
MAX_CURVES = 10

#: Figures of traced clients (bout length, staircase) at most per group; a run's come together.
MAX_RUN_FIGURES = 12

#: Up to this many runs a group's table has one column per run; beyond, one row per run.
_WIDE_TABLE_RUNS = 6

_NO_MATPLOTLIB = "plots need matplotlib: pip install 'retroprog[plot]'"
_PLOTS_OFF = "Plots were turned off for this report."


def _runs(
    runs: Iterable[tuple[str, SimulationResult]],
) -> tuple[tuple[str, SimulationResult], ...]:
    return tuple(runs)


def _check_runs(
    group: ReportGroup, attribute: attrs.Attribute[Any], runs: tuple[tuple[str, Any], ...]
) -> None:
    labels = [label for label, _ in runs]
    if not labels:
        raise InvalidValueError("runs", labels, "a report group needs at least one run")
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise InvalidValueError("runs", labels, f"labels must be unique: {', '.join(repeated)}")


@attrs.frozen
class ReportGroup:
    """Runs on the same clients (one population, one seed): compared with each other.

    :param title: the group's heading, e.g. ``"general population, seed 0"``.
    :param runs: (label, result) pairs with unique labels; the first is the baseline.
    :param differences: label → its paired differences from ``runs[0]``
        (see :func:`~retroprog_sim.paired_differences`); empty when not compared.
    """

    title: str
    runs: tuple[tuple[str, SimulationResult], ...] = attrs.field(
        converter=_runs, validator=_check_runs
    )
    differences: Mapping[str, Sequence[Difference]] = attrs.field(factory=dict)


# -- formatting --------------------------------------------------------------------------


def _setting(value: Any) -> str:
    """A setting's value as text: lists joined by commas, tables as ``key = value``."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Mapping):
        return "; ".join(f"{k} = {_setting(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(_setting(v) for v in value)
    return str(value)


def _mpl(text: str) -> str:
    """Text for matplotlib: a ``$`` is a dollar sign, never the start of mathtext."""
    return text.replace("$", r"\$")


def _listing(labels: Sequence[str]) -> str:
    return ", ".join(labels)


# -- what the template shows ----------------------------------------------------------------


@attrs.frozen
class _Table:
    """A table of text: ``header[0]`` heads the row labels, ``rows[i][0]`` is a row label."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


@attrs.frozen
class _Image:
    heading: str
    src: str
    alt: str
    caption: str = ""


@attrs.frozen
class _Group:
    title: str
    anchor: str
    baseline: str
    table: _Table
    differences: tuple[_Table, ...]
    images: tuple[_Image, ...]
    notes: tuple[str, ...]


# -- tables --------------------------------------------------------------------------------


def _summary_table(group: ReportGroup, *, show_threshold: bool) -> _Table:
    runs = group.runs
    stages: list[str] = []
    for _, result in runs:
        stages += [s for s in result.summary.stage_goal_rates if s not in stages]
    protocols = {result.summary.protocol for _, result in runs}
    lines: list[tuple[str, list[str]]] = [("policy", [r.summary.policy for _, r in runs])]
    if len(protocols) > 1:
        lines.append(("protocol", [r.summary.protocol for _, r in runs]))
    lines += [
        ("clients", [str(r.summary.clients) for _, r in runs]),
        (
            "sessions (missed)",
            [f"{r.summary.sessions} ({r.summary.missed_sessions})" for _, r in runs],
        ),
        ("goal rate: protocol completed", [fmt.pct(r.summary.goal_rate) for _, r in runs]),
    ]
    for stage in stages:
        values = []
        medians = []
        for _, r in runs:
            rate = r.summary.stage_goal_rates.get(stage)
            values.append("–" if rate is None else fmt.pct(rate))
            medians.append("–" if rate is None else fmt.day(r.summary.stage_median_days.get(stage)))
        lines.append((f"{stage} target reached", values))
        lines.append((f"median days to the {stage} target", medians))
    lines += [
        (
            "median days to goal (95 % CI)",
            [
                fmt.median(r.summary.median_days_to_goal, r.summary.median_days_to_goal_ci)
                for _, r in runs
            ],
        ),
        (
            "adverse events /100 sessions (95 % CI)",
            [
                fmt.rate_with_ci(
                    r.summary.adverse_events_per_100_sessions,
                    r.summary.adverse_events_per_100_sessions_ci,
                )
                for _, r in runs
            ],
        ),
    ]
    if show_threshold:
        lines.append(("adverse event: pain above", [f"{r.spec.adverse_pain}/10" for _, r in runs]))
    lines += [
        (
            "regressions /100 sessions",
            [fmt.num(r.summary.regressions_per_100_sessions) for _, r in runs],
        ),
        ("stop rate", [fmt.pct(r.summary.stop_rate) for _, r in runs]),
        ("dropout rate", [fmt.pct(r.summary.dropout_rate) for _, r in runs]),
    ]
    labels = [label for label, _ in runs]
    caption = "Figures of each run"
    if group.differences:
        caption += f" ({labels[0]} is the baseline)"
    if len(runs) <= _WIDE_TABLE_RUNS:
        return _Table(
            caption,
            ("", *labels),
            tuple((name, *values) for name, values in lines),
        )
    return _Table(
        caption,
        ("run", *(name for name, _ in lines)),
        tuple((label, *(values[i] for _, values in lines)) for i, label in enumerate(labels)),
    )


def _differences_table(label: str, baseline: str, differences: Sequence[Difference]) -> _Table:
    rows = tuple(
        (
            fmt.label(d.metric),
            fmt.compared(d.metric, d.baseline),
            fmt.compared(d.metric, d.other),
            fmt.compared(d.metric, d.difference, signed=True),
            fmt.interval(d.metric, d.ci_low, d.ci_high),
            fmt.reading(d.ci_low, d.ci_high),
        )
        for d in differences
    )
    return _Table(
        f"{label} − {baseline}, paired on the same clients",
        ("", baseline, label, "difference", "95 % CI", "reading"),
        rows,
        note="Rates differ in percentage points (pp), medians in days (d). "
        "A difference is clear when its 95 % CI (paired bootstrap) excludes 0; "
        "n/a: not defined, e.g. a median that was not reached.",
    )


# -- plots ---------------------------------------------------------------------------------


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _definition(adverse_pain: Iterable[int]) -> str:
    return f"adverse event: {fmt.adverse_event(adverse_pain)}"


def _time_to_goal_image(
    group: ReportGroup,
    shown: Sequence[tuple[str, SimulationResult]],
    left_out: str,
    *,
    stage: str | None = None,
) -> _Image:
    """Time to the goal, or to ``stage``'s target, one curve per run that has the stage."""
    from ._plots import plot_time_to_goal

    horizon = max(r.spec.days for _, r in group.runs)
    curves = {}
    medians = []
    for label, r in shown:
        names = [s.name for s in r.spec.protocol.stages]
        if stage is not None and stage not in names:
            continue
        index = None if stage is None else names.index(stage)
        km = _output.time_to_goal(r.clients, horizon=r.spec.days, stage=index)
        curves[_mpl(label)] = km
        medians.append(f"{label} {fmt.day(km.median)}")
    what = "goal" if stage is None else f"the {stage} target"
    done = "completed the protocol" if stage is None else f"passed the {stage} target"
    figure = plot_time_to_goal(
        curves,
        horizon_days=horizon,
        title=f"Time to {what}: {_mpl(group.title)}",
        ylabel="share reached goal" if stage is None else "share passed the target",
    )
    return _Image(
        f"Time to {what}",
        _png(figure),
        alt=f"Step curves of the share of clients who {done} by each day, "
        f"one per run, with 95 % bands. Median days: {'; '.join(medians)}.",
        caption=f"The share of clients who {done} by each day "
        "(Kaplan–Meier: clients who dropped out are censored, not counted as failures), "
        "with its 95 % confidence band; where a curve crosses the dotted line is the "
        "median." + left_out,
    )


def _goal_rate_image(
    group: ReportGroup, shown: Sequence[tuple[str, SimulationResult]], left_out: str
) -> _Image:
    from ._plots import plot_goal_rate_by_week

    curves = {_mpl(label): r.summary.goal_rate_by_week for label, r in shown}
    figure = plot_goal_rate_by_week(curves, title=f"Goal rate by week: {_mpl(group.title)}")
    at_end = "; ".join(
        f"{label} {fmt.pct(r.summary.goal_rate_by_week[-1])}"
        for label, r in shown
        if r.summary.goal_rate_by_week
    )
    return _Image(
        "Goal rate by week",
        _png(figure),
        alt="Lines of the share of clients who had completed the protocol by the end of "
        f"each week, one per run. At the last week: {at_end}.",
        caption="The share of all clients who had completed the protocol by the end of each "
        "week (clients who dropped out count as not completed)." + left_out,
    )


def _adverse_image(group: ReportGroup) -> _Image:
    from ._plots import plot_adverse_events

    runs = group.runs
    definition = _definition([r.spec.adverse_pain for _, r in runs])
    figures = {
        label: (
            r.summary.adverse_events_per_100_sessions,
            r.summary.adverse_events_per_100_sessions_ci,
        )
        for label, r in runs
    }
    figure = plot_adverse_events(
        {_mpl(label): value for label, value in figures.items()},
        title=f"Adverse events: {_mpl(group.title)}",
        definition=definition,
    )
    rates = "; ".join(f"{label} {fmt.rate_with_ci(*value)}" for label, value in figures.items())
    return _Image(
        "Adverse events",
        _png(figure),
        alt="Adverse events per 100 sessions with 95 % confidence intervals, one row per "
        f"run: {rates}.",
        caption="Adverse events per 100 sessions, with 95 % CIs (each client's sessions "
        f"counted together, as they are not independent); {definition}."
        + (f" The dotted line marks the first run, {runs[0][0]}." if len(runs) > 1 else ""),
    )


def _trace_figures(label: str, result: SimulationResult) -> list[tuple[Figure, _Image]]:
    """A run's bout plot and, for a shrinking staircase, its reversals (images unrendered)."""
    from ._plots import MAX_BOUT_CLIENTS, plot_reversals, plot_run_bouts

    out: list[tuple[Figure, _Image]] = []
    bouts = plot_run_bouts(result, title=f"Bout length over time: {_mpl(label)}")
    if bouts is not None:
        traced = len({int(row["client"]) for row in result.traces})
        out.append(
            (
                bouts,
                _Image(
                    f"Bout length over time: {label}",
                    "",
                    alt="Bout length prescribed at each session, by day, for traced clients "
                    f"of {label}; markers show the next stage, the goal, a stop and dropout.",
                    caption=f"Sample clients of {label} ({min(traced, MAX_BOUT_CLIENTS)} of "
                    f"{traced} traced): the bout prescribed at each session. "
                    "Dashed lines: the stages' targets.",
                ),
            )
        )
    staircase = plot_reversals(result.traces, title=f"Staircase: {_mpl(label)}")
    if staircase is not None:
        out.append(
            (
                staircase,
                _Image(
                    f"Staircase reversals: {label}",
                    "",
                    alt=f"Staircase of {label}: bout length by session for traced clients, "
                    "with the sessions where the direction reversed marked.",
                    caption="A staircase steps up after enough successes and down after a "
                    "failure; each reversal of direction (ringed) shrinks the step (shown "
                    "beside the ring), so the bout settles near what the client tolerates.",
                ),
            )
        )
    return out


def _group_images(group: ReportGroup) -> tuple[list[_Image], list[str]]:
    """A group's plots, rendered, and notes on what was left out."""
    runs = group.runs
    shown = runs[:MAX_CURVES]
    notes: list[str] = []
    left_out = ""
    if len(shown) < len(runs):
        rest = _listing([label for label, _ in runs[MAX_CURVES:]])
        left_out = f" Showing the first {MAX_CURVES} of {len(runs)} runs; left out: {rest}."
    stages = stages_before_goal(r.spec for _, r in runs)
    images = [
        *(_time_to_goal_image(group, shown, left_out, stage=stage) for stage in stages),
        _time_to_goal_image(group, shown, left_out),
        _goal_rate_image(group, shown, left_out),
        _adverse_image(group),
    ]
    traced = [(label, r) for label, r in runs if r.traces]
    drawn = 0
    for i, (label, result) in enumerate(traced):
        figures = _trace_figures(label, result)
        if drawn + len(figures) > MAX_RUN_FIGURES:
            rest = _listing([label for label, _ in traced[i:]])
            notes.append(
                f"Traced clients are drawn for the first {i} of {len(traced)} runs with "
                f"traces ({MAX_RUN_FIGURES} figures at most); left out: {rest}."
            )
            break
        images += [attrs.evolve(image, src=_png(figure)) for figure, image in figures]
        drawn += len(figures)
    return images, notes


# -- the page ------------------------------------------------------------------------------


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("retroprog_sim", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _default_settings(groups: Sequence[ReportGroup]) -> dict[str, Any]:
    """Settings read from the runs, for a report built without a settings mapping."""
    results = [r for group in groups for _, r in group.runs]

    def distinct(values: Sequence[Any]) -> Any:
        unique = list(dict.fromkeys(values))
        return unique[0] if len(unique) == 1 else unique

    if not results:
        return {}
    return {
        "protocol": distinct([r.summary.protocol for r in results]),
        "populations": distinct([r.summary.population for r in results]),
        "clients": distinct([r.summary.clients for r in results]),
        "weeks": distinct([r.summary.weeks for r in results]),
        "seeds": distinct([r.summary.seed for r in results]),
        "sessions_per_week": distinct([r.spec.sessions_per_week for r in results]),
    }


def render_report(
    title: str,
    groups: Sequence[ReportGroup],
    *,
    description: str = "",
    settings: Mapping[str, Any] | None = None,
    plots: bool = True,
) -> str:
    """The report as one HTML document (no external resources).

    :param title: the report's title.
    :param groups: the groups of runs, each on its own clients.
    :param description: a paragraph saying what the report is about (plain text).
    :param settings: how the runs were made, shown as a table (key → value);
        ``None``: the protocol, populations, clients, weeks and seeds of the runs.
    :param plots: draw the plots (when matplotlib is installed); else a note says why not.
    :returns: the HTML text; plots are embedded as PNG ``data:`` URIs.

    >>> from retroprog_sim import RunSpec, load_population, simulate
    >>> spec = RunSpec(
    ...     retroprog.load_protocol("retro-walk-run"),
    ...     retroprog.load_policy("reference"),
    ...     load_population("athlete"),
    ...     clients=20,
    ...     weeks=4,
    ... )
    >>> group = ReportGroup("athletes, seed 0", (("reference", simulate(spec)),))
    >>> html = render_report("A first look", [group], plots=False)
    >>> html.startswith("<!DOCTYPE html>"), '<th scope="col" class="num">reference</th>' in html
    (True, True)
    """
    thresholds = sorted({r.spec.adverse_pain for group in groups for _, r in group.runs})
    draw = plots and _output.plots_available()
    rendered: list[_Group] = []
    for i, group in enumerate(groups, start=1):
        baseline = group.runs[0][0]
        images: list[_Image] = []
        notes: list[str] = []
        if draw:
            images, notes = _group_images(group)
        else:
            notes.append(_NO_MATPLOTLIB if plots else _PLOTS_OFF)
        rendered.append(
            _Group(
                title=group.title,
                anchor=f"group-{i}",
                baseline=baseline,
                table=_summary_table(group, show_threshold=len(thresholds) > 1),
                differences=tuple(
                    _differences_table(label, baseline, differences)
                    for label, differences in group.differences.items()
                ),
                images=tuple(images),
                notes=tuple(notes),
            )
        )
    shown = settings if settings is not None else _default_settings(groups)
    template = _environment().get_template("report.html.j2")
    return template.render(
        title=title,
        description=description,
        version=retroprog.__version__,
        settings=[(str(key), _setting(value)) for key, value in shown.items()],
        threshold=fmt.threshold(thresholds),
        threshold_note=", shown per run in the tables" if len(thresholds) > 1 else "",
        groups=rendered,
        comparisons=any(group.differences for group in groups),
        several_runs=any(len(group.runs) > 1 for group in groups),
    )


def write_report(
    path: str | os.PathLike[str],
    title: str,
    groups: Sequence[ReportGroup],
    *,
    description: str = "",
    settings: Mapping[str, Any] | None = None,
    plots: bool = True,
) -> Path:
    """Write :func:`render_report`'s HTML to ``path``, whole or not at all.

    The parameters after ``path`` are :func:`render_report`'s.

    :returns: the path written.
    """
    target = Path(path)
    html = render_report(title, groups, description=description, settings=settings, plots=plots)
    write_text_atomic(target, html)
    return target
