"""Plots: time to goal, goal rate by week, adverse events, bout length and staircases.

matplotlib is imported only inside the functions, and only its object-oriented
API is used (a :class:`~matplotlib.figure.Figure` drawn by the Agg canvas), so
importing this module costs nothing and no global backend is switched.  The
functions return figures; :mod:`.files` writes them to disk, :mod:`.figures` embeds them
in the report.
"""

from __future__ import annotations

import importlib.util
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..execute import SimulationResult
    from ..stats import KaplanMeier

__all__ = [
    "MAX_BOUT_CLIENTS",
    "MAX_REVERSAL_CLIENTS",
    "available",
    "plot_adverse_events",
    "plot_bouts",
    "plot_goal_rate_by_week",
    "plot_reversals",
    "plot_run_bouts",
    "plot_time_to_goal",
    "share_by_day",
    "share_top",
]

#: Traced clients drawn at most in one bout plot (more lines do not read).
MAX_BOUT_CLIENTS = 8

#: Traced clients drawn at most in one staircase plot (one panel each).
MAX_REVERSAL_CLIENTS = 3

#: The trace memory keys of a shrinking staircase (see ``retroprog.RulePolicy.step_shrink``).
_REVERSALS = "staircase.reversals"
_STEP = "staircase.step"

#: How decisions are marked on the bout plot: action → (marker, size, legend label).
_MARKS = {
    "advance": ("*", 170, "next stage"),
    "complete": ("D", 60, "goal reached"),
    "stop": ("X", 90, "stopped (avoid, refer)"),
}


def available() -> bool:
    """Whether matplotlib is installed, so that plots can be drawn."""
    return importlib.util.find_spec("matplotlib") is not None


def prescribed_bout(prescription: Mapping[str, Any]) -> int:
    """The bout of a traced prescription: a simple plan's bout, or a plan's longest work segment.

    Reads the prescription documents of both schemas (``bout_seconds`` before session plans).
    """
    segments = prescription.get("segments")
    if segments is None:
        return int(prescription["bout_seconds"])
    return max(int(s["seconds"]) for s in segments if str(s["activity"]).casefold() != "rest")


def _figure() -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9.0, 5.0), dpi=120, layout="constrained")
    return figure, figure.add_subplot()


def _steps(
    times: Sequence[float], values: Sequence[float], *, horizon: float
) -> tuple[list[float], list[float]]:
    """Make a step curve from ``(0, 0)`` that jumps at each time and runs on to ``horizon``."""
    xs = [0.0, *times]
    ys = [0.0, *values]
    if xs[-1] < horizon:
        xs.append(horizon)
        ys.append(ys[-1])
    return xs, ys


#: The tops a share axis may have: the smallest that holds the data (with room) is used.
_SHARE_TOPS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)


def share_top(highest: float) -> float:
    """The top of a share axis (0–1) that shows ``highest`` with a little room above it.

    A plot of a 5.7 % goal rate is not 95 % empty: its axis ends at 10 %.

    >>> share_top(0.057), share_top(0.67), share_top(0.0), share_top(0.95)
    (0.1, 0.8, 0.05, 1.0)
    """
    wanted = max(highest, 0.0) * 1.08
    return next((top for top in _SHARE_TOPS if top >= wanted), 1.0)


def share_by_day(
    days: Sequence[float | None], *, total: int, horizon: float
) -> tuple[list[float], list[float]]:
    """The share of all ``total`` clients who reached a goal by each day, as a step curve.

    ``days`` holds the day each client reached it (``None``: not reached);
    clients who dropped out simply never reach it, so this is the share the
    tables give, unlike a Kaplan–Meier curve.
    """
    reached = sorted(d for d in days if d is not None)
    times = sorted(set(reached))
    counts = [sum(1 for d in reached if d <= t) for t in times]
    return _steps(times, [c / total if total else 0.0 for c in counts], horizon=horizon)


def plot_time_to_goal(
    curves: Mapping[str, KaplanMeier],
    *,
    horizon_days: int,
    title: str,
    ylabel: str = "share reached goal",
    shares: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
) -> Figure:
    """Plot the share of clients who reached the goal by each day, one colour per label.

    Each curve is 1 − S(t) of a Kaplan–Meier estimate (clients lost to dropout
    are censored, not counted as failures), drawn as a solid step curve with
    its 95 % confidence band.  ``shares`` (label → the step curve of
    :func:`share_by_day`) adds, dashed in the same colour, the share of *all*
    clients (dropouts count as not reached): the figure the tables give, which
    ends below the Kaplan–Meier curve when clients drop out.  The share axis
    ends just above the highest value drawn (see :func:`share_top`); the dotted
    line at 50 % (where a curve crosses it is the median) is drawn when in view.
    """
    from matplotlib.lines import Line2D
    from matplotlib.ticker import PercentFormatter

    figure, ax = _figure()
    horizon = float(horizon_days)
    highest = 0.0
    handles: list[Any] = []
    for label, km in curves.items():
        xs, reached = _steps(km.times, [1.0 - s for s in km.survival], horizon=horizon)
        _, low = _steps(km.times, [1.0 - u for u in km.upper], horizon=horizon)
        _, high = _steps(km.times, [1.0 - lo for lo in km.lower], horizon=horizon)
        (line,) = ax.step(xs, reached, where="post", label=label, linewidth=1.8)
        ax.fill_between(xs, low, high, step="post", alpha=0.18, color=line.get_color(), linewidth=0)
        handles.append(line)
        highest = max(highest, *high)
        share = (shares or {}).get(label)
        if share is not None:
            ax.step(
                share[0],
                share[1],
                where="post",
                color=line.get_color(),
                linewidth=1.4,
                linestyle=(0, (4, 2)),
            )
            highest = max(highest, *share[1]) if share[1] else highest
    top = share_top(highest)
    if top >= 0.5:
        ax.axhline(0.5, color="0.6", linestyle=":", linewidth=1)
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, top)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0 if top >= 0.1 else 1))
    ax.set_xlabel("days since the first session")
    ax.set_ylabel(ylabel)
    figure.suptitle(title)
    ax.grid(alpha=0.3)
    styles = [
        Line2D([], [], color="0.3", linewidth=1.8, label="Kaplan–Meier, dropouts censored"),
        Line2D([], [], color="0.3", alpha=0.25, linewidth=8, label="its 95 % CI"),
    ]
    if shares:
        styles.append(
            Line2D(
                [],
                [],
                color="0.3",
                linewidth=1.4,
                linestyle=(0, (4, 2)),
                label="share of all clients (as in the tables)",
            )
        )
    ax.legend(
        handles=handles + styles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize="small",
        frameon=False,
    )
    return figure


def plot_run_bouts(result: SimulationResult, *, title: str) -> Figure | None:
    """:func:`plot_bouts` of a run's traces, with its stages' targets and its dropouts."""
    dropouts: dict[int, int | None] = {}
    for client in result.clients:  # pooled runs repeat ids: the first run's come first
        dropouts.setdefault(client.client_id, client.dropout_day)
    return plot_bouts(
        result.traces,
        title=title,
        targets={
            s.name: s.prescription(s.last_level).longest_work_seconds
            if s.levels
            else s.target_seconds
            for s in result.spec.protocol.stages
        },
        dropouts={client: day for client, day in dropouts.items() if day is not None},
    )


def _bout(row: Mapping[str, Any]) -> int:
    """The bout (s) a trace row prescribed (see :func:`prescribed_bout`)."""
    return prescribed_bout(row["prescription"])


def _stage(row: Mapping[str, Any]) -> str:
    """The stage a trace row's session was at."""
    return str(row["prescription"].get("stage", ""))


#: How each stage's line is drawn, by the stage's place in the protocol.
_STAGE_STYLES: tuple[Any, ...] = ("-", (0, (5, 1.5)), (0, (1.5, 1.2)), (0, (6, 1.5, 1.5, 1.5)))


def plot_bouts(
    traces: Sequence[Mapping[str, Any]],
    *,
    title: str,
    targets: Mapping[str, int] | None = None,
    dropouts: Mapping[int, int] | None = None,
    max_clients: int = MAX_BOUT_CLIENTS,
) -> Figure | None:
    """Plot bout length over time for the first ``max_clients`` traced clients, one panel each.

    In each client's panel the bout prescribed at each session (a dot) is held
    until the next, in the colour and line style of its stage; the line breaks
    where the client moves on to the next stage (a star, and a dotted line), so
    that starting the next stage over at its base reads as what it is, not as a
    fall.  Reaching the goal and a stop are marked, and so is dropout when
    ``dropouts`` (client → day) is given; each panel's title says how the
    client ended.  Thin dashed lines show the stages' targets.  Returns
    ``None`` when there are no traces.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    by_client: dict[int, list[Mapping[str, Any]]] = {}
    for row in traces:
        client = int(row["client"])
        if client in by_client or len(by_client) < max_clients:
            by_client.setdefault(client, []).append(row)
    if not by_client:
        return None
    stages = list(targets or {})
    for rows in by_client.values():
        stages += [stage for stage in map(_stage, rows) if stage not in stages]
    colour = {stage: f"C{i % 10}" for i, stage in enumerate(stages)}
    style = {stage: _STAGE_STYLES[i % len(_STAGE_STYLES)] for i, stage in enumerate(stages)}
    count = len(by_client)
    columns = 1 if count == 1 else 2
    rows_of_panels = -(-count // columns)
    figure = Figure(figsize=(9.0, 1.1 + 1.75 * rows_of_panels), dpi=120, layout="constrained")
    axes = figure.subplots(rows_of_panels, columns, squeeze=False, sharex=True, sharey=True)
    top = max((*(targets or {}).values(), *(_bout(r) for rs in by_client.values() for r in rs)))
    seen: set[str] = set()
    for ax, (client, rows) in zip(axes.flat, sorted(by_client.items()), strict=False):
        ordered = sorted(rows, key=lambda r: int(r["session"]))
        runs: list[list[Mapping[str, Any]]] = []
        for row in ordered:
            if runs and _stage(runs[-1][-1]) == _stage(row):
                runs[-1].append(row)
            else:
                runs.append([row])
        for i, run in enumerate(runs):
            stage = _stage(run[0])
            days = [int(r["day"]) for r in run]
            bouts = [_bout(r) for r in run]
            ax.step(
                days,
                bouts,
                where="post",
                color=colour[stage],
                linestyle=style[stage],
                linewidth=1.5,
            )
            ax.plot(days, bouts, "o", markersize=2.3, color=colour[stage])
            if i:
                ax.axvline(days[0], color="0.55", linestyle=":", linewidth=1)
        ending = "still in the programme at the end"
        for row in ordered:
            mark = _MARKS.get(str(row["action"]))
            if mark is not None:
                symbol, size, label = mark
                ax.scatter(
                    [int(row["day"])],
                    [_bout(row)],
                    marker=symbol,
                    s=size * 0.7,
                    color=colour[_stage(row)],
                    edgecolors="black",
                    zorder=3,
                )
                seen.add(label)
                if row["action"] == "complete":
                    ending = f"goal reached on day {row['day']}"
                elif row["action"] == "stop":
                    ending = f"stopped on day {row['day']}"
        dropout = (dropouts or {}).get(client)
        if dropout is not None:
            ax.plot(
                [dropout], [_bout(ordered[-1])], marker="|", markersize=12, color="black", mew=2
            )
            seen.add("dropped out")
            ending = f"dropped out on day {dropout}"
        for stage, target in (targets or {}).items():
            ax.axhline(target, color=colour[stage], linestyle="--", linewidth=0.8, alpha=0.6)
        ax.set_title(f"client {client}: {ending}", fontsize="small", loc="left")
        ax.grid(alpha=0.3)
    for ax in axes.flat[count:]:
        ax.set_visible(False)
        axes[-2, columns - 1].xaxis.set_tick_params(labelbottom=True)  # the panel above it
    for ax in axes[:, 0]:
        ax.set_ylabel("bout (s)")
    for ax in axes[-1, :]:
        ax.set_xlabel("day")
    axes[0, 0].set_ylim(0, top * 1.12)
    axes[0, 0].set_xlim(left=0)
    handles: list[Any] = [
        Line2D(
            [],
            [],
            color=colour[stage],
            linestyle=style[stage],
            marker="o",
            markersize=3,
            label=stage,
        )
        for stage in stages
    ]
    if len(stages) > 1:
        handles.append(Line2D([], [], color="0.55", linestyle=":", label="next stage starts"))
    handles += [
        Line2D(
            [],
            [],
            linestyle="",
            marker=symbol,
            markersize=9 if symbol != "*" else 12,
            markerfacecolor="0.75",
            markeredgecolor="black",
            label=label,
        )
        for symbol, _, label in _MARKS.values()
        if label in seen
    ]
    if "dropped out" in seen:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="",
                marker="|",
                markersize=12,
                mew=2,
                color="black",
                label="dropped out",
            )
        )
    if targets:
        handles.append(
            Line2D([], [], color="0.4", linestyle="--", linewidth=0.8, label="a stage's target")
        )
    figure.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(len(handles), 4),
        fontsize="small",
        frameon=False,
    )
    figure.suptitle(title)
    return figure


def plot_goal_rate_by_week(curves: Mapping[str, Sequence[float]], *, title: str) -> Figure:
    """Plot the share of clients who completed the protocol by the end of each week.

    One line per label, with a dot at each week: ``curve[w]`` is the share who had
    completed by the end of week ``w + 1`` (as
    :attr:`~retroprog_sim.Summary.goal_rate_by_week`).  Unlike the Kaplan–Meier
    curve, clients who dropped out count as not completed.

    :param curves: label → the share (0–1) at the end of each week.
    :param title: the figure's title.
    """
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    figure, ax = _figure()
    weeks = 0
    for label, curve in curves.items():
        xs = list(range(1, len(curve) + 1))
        ax.plot(xs, list(curve), marker="o", markersize=3.5, linewidth=1.6, label=label)
        weeks = max(weeks, len(curve))
    ax.set_xlim(0.5, max(weeks, 1) + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    top = share_top(max((max(curve, default=0.0) for curve in curves.values()), default=0.0))
    ax.set_ylim(0, top)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0 if top >= 0.1 else 1))
    ax.set_xlabel("week")
    ax.set_ylabel("share who completed the protocol")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if curves:
        ax.legend(loc="upper left")
    return figure


def plot_adverse_events(
    values: Mapping[str, tuple[float, tuple[float, float]]], *, title: str, definition: str
) -> Figure:
    """Plot adverse events per 100 sessions with their 95 % CIs, one row per label.

    A point and a horizontal error bar per row, the first label on top; with
    several rows a dotted line marks the first label's rate (the baseline).  A row whose CI is
    undefined (NaN) gets its point only.  The figure grows with the number of
    rows, so it reads with one row or forty.

    :param values: label → (events per 100 sessions, (CI low, CI high)).
    :param title: the figure's title.
    :param definition: what counts as an adverse event, shown under the title.
    """
    from matplotlib.figure import Figure

    rows = list(values.items())
    figure = Figure(figsize=(9.0, 1.7 + 0.3 * len(rows)), dpi=120, layout="constrained")
    ax = figure.add_subplot()
    for y, (_, (rate, (low, high))) in enumerate(rows):
        if math.isnan(rate):
            continue
        if math.isnan(low) or math.isnan(high):
            ax.plot([rate], [y], "o", color="C0")
        else:
            ax.errorbar(
                [rate],
                [y],
                xerr=[[max(rate - low, 0.0)], [max(high - rate, 0.0)]],
                fmt="o",
                color="C0",
                ecolor="C0",
                elinewidth=1.6,
                capsize=3,
            )
    if len(rows) > 1 and not math.isnan(rows[0][1][0]):
        ax.axvline(rows[0][1][0], color="0.6", linestyle=":", linewidth=1)
    ax.set_yticks(range(len(rows)), [label for label, _ in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)  # the first row on top
    ax.set_xlim(0, ax.get_xlim()[1] * 1.05)  # room for the last cap
    ax.set_xlabel("adverse events per 100 sessions (bars: 95 % CI)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(definition, fontsize="small", color="0.35")
    figure.suptitle(title)
    return figure


def _staircases(
    traces: Sequence[Mapping[str, Any]], max_clients: int
) -> dict[int, list[Mapping[str, Any]]]:
    """Up to ``max_clients`` traced clients whose rows carry staircase memory, by client id.

    Clients with a reversal come first (a staircase that never turned shows little).
    """
    by_client: dict[int, list[Mapping[str, Any]]] = {}
    for row in traces:
        by_client.setdefault(int(row["client"]), []).append(row)
    turned: list[int] = []
    straight: list[int] = []
    for client, rows in sorted(by_client.items()):
        counts = [(row.get("memory") or {}).get(_REVERSALS) for row in rows]
        if any(count for count in counts):
            turned.append(client)
        elif any(count is not None for count in counts):
            straight.append(client)
    chosen = sorted((turned + straight)[:max_clients])
    return {c: sorted(by_client[c], key=lambda r: int(r["session"])) for c in chosen}


def plot_reversals(
    traces: Sequence[Mapping[str, Any]],
    *,
    title: str,
    max_clients: int = MAX_REVERSAL_CLIENTS,
) -> Figure | None:
    """Plot a staircase: bout length by session, with its reversals marked.

    One panel per traced client (up to ``max_clients`` whose trace rows carry the
    staircase memory ``staircase.reversals``, those with a reversal first): the
    bout prescribed at each session, held until the next, with a ring on each
    session whose decision reversed the direction (the count of reversals went
    up), labelled with the step that follows it (``staircase.step``).  A dotted
    line marks the start of the next stage, where the staircase starts over.
    Returns ``None`` when no row has staircase memory (the policy is not a
    shrinking staircase).

    :param traces: trace rows (see :attr:`~retroprog_sim.SimulationResult.traces`).
    :param title: the figure's title.
    :param max_clients: panels at most.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    clients = _staircases(traces, max_clients)
    if not clients:
        return None
    figure = Figure(figsize=(9.0, 1.4 + 2.1 * len(clients)), dpi=120, layout="constrained")
    axes = figure.subplots(len(clients), 1, squeeze=False, sharex=True)[:, 0]
    stage_change = False
    for ax, (client, rows) in zip(axes, clients.items(), strict=True):
        sessions = [int(r["session"]) for r in rows]
        bouts = [_bout(r) for r in rows]
        ax.step(sessions, bouts, where="post", color="C0", linewidth=1.4)
        ax.plot(sessions, bouts, "o", markersize=2.5, color="C0")
        xs: list[int] = []
        ys: list[int] = []
        previous = 0
        stage = rows[0]["prescription"].get("stage")
        for row, session, bout in zip(rows, sessions, bouts, strict=True):
            memory = row.get("memory") or {}
            count = int(memory.get(_REVERSALS, 0))  # the memory starts over at a new stage
            if row["prescription"].get("stage") != stage:
                stage = row["prescription"].get("stage")
                ax.axvline(session, color="0.5", linestyle=":", linewidth=1)
                stage_change = True
            if count > previous:
                xs.append(session)
                ys.append(bout)
                step = memory.get(_STEP)
                if step is not None:
                    ax.annotate(
                        f"{step} s",
                        xy=(session, bout),
                        xytext=(0, 8),
                        textcoords="offset points",
                        ha="center",
                        fontsize="x-small",
                        color="C3",
                    )
            previous = count
        ax.scatter(
            xs,
            ys,
            s=90,
            facecolors="none",
            edgecolors="C3",
            linewidths=1.6,
            zorder=3,
            gid="reversals",
        )
        ax.set_ylim(0, max(bouts) * 1.25)
        ax.set_ylabel("bout (s)")
        reversals = f"{len(xs)} reversal" + ("" if len(xs) == 1 else "s")
        ax.set_title(f"client {client}: {reversals}", fontsize="small", loc="left")
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("session")
    handles = [
        Line2D([], [], color="C0", marker="o", markersize=3, label="bout prescribed"),
        Line2D(
            [],
            [],
            linestyle="",
            marker="o",
            markersize=9,
            markerfacecolor="none",
            markeredgecolor="C3",
            label="reversal (label: the step after it)",
        ),
    ]
    if stage_change:
        handles.append(Line2D([], [], color="0.5", linestyle=":", label="next stage"))
    figure.legend(handles=handles, loc="outside upper right", fontsize="small", frameon=False)
    figure.suptitle(title)
    return figure
