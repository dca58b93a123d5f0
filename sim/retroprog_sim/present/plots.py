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


def plot_time_to_goal(
    curves: Mapping[str, KaplanMeier],
    *,
    horizon_days: int,
    title: str,
    ylabel: str = "share reached goal",
) -> Figure:
    """Plot the share of clients who reached the goal by each day, one curve per label.

    Each curve is 1 − S(t) of a Kaplan–Meier estimate (clients lost to dropout
    are censored, not counted as failures), drawn as a step curve with its 95 %
    confidence band.
    """
    from matplotlib.ticker import PercentFormatter

    figure, ax = _figure()
    horizon = float(horizon_days)
    for label, km in curves.items():
        xs, reached = _steps(km.times, [1.0 - s for s in km.survival], horizon=horizon)
        _, low = _steps(km.times, [1.0 - u for u in km.upper], horizon=horizon)
        _, high = _steps(km.times, [1.0 - lo for lo in km.lower], horizon=horizon)
        (line,) = ax.step(xs, reached, where="post", label=label, linewidth=1.8)
        ax.fill_between(xs, low, high, step="post", alpha=0.18, color=line.get_color(), linewidth=0)
    ax.axhline(0.5, color="0.6", linestyle=":", linewidth=1)
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_xlabel("days since the first session")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", title="shaded: 95 % CI", title_fontsize="small")
    return figure


def plot_run_bouts(result: SimulationResult, *, title: str) -> Figure | None:
    """:func:`plot_bouts` of a run's traces, with its stages' targets and its dropouts."""
    return plot_bouts(
        result.traces,
        title=title,
        targets={
            s.name: s.prescription(s.last_level).longest_work_seconds
            if s.levels
            else s.target_seconds
            for s in result.spec.protocol.stages
        },
        dropouts={r.client_id: r.dropout_day for r in result.clients if r.dropout_day is not None},
    )


def plot_bouts(
    traces: Sequence[Mapping[str, Any]],
    *,
    title: str,
    targets: Mapping[str, int] | None = None,
    dropouts: Mapping[int, int] | None = None,
    max_clients: int = MAX_BOUT_CLIENTS,
) -> Figure | None:
    """Plot bout length over time for the first ``max_clients`` traced clients.

    One line per client: the bout prescribed at each session (a dot), held until
    the next.  Moving to the next stage, reaching the goal and a stop are marked;
    so is dropout when ``dropouts`` (client → day) is given.  Dashed lines show
    the stages' targets.  Returns ``None`` when there are no traces.
    """
    from matplotlib.lines import Line2D

    by_client: dict[int, list[Mapping[str, Any]]] = {}
    for row in traces:
        client = int(row["client"])
        if client in by_client or len(by_client) < max_clients:
            by_client.setdefault(client, []).append(row)
    if not by_client:
        return None
    figure, ax = _figure()
    client_handles: list[Any] = []
    seen: set[str] = set()
    top = 0
    for client, rows in sorted(by_client.items()):
        ordered = sorted(rows, key=lambda r: int(r["session"]))
        days = [int(r["day"]) for r in ordered]
        bouts = [prescribed_bout(r["prescription"]) for r in ordered]
        top = max(top, *bouts)
        (line,) = ax.step(days, bouts, where="post", linewidth=1.4, label=f"client {client}")
        colour = line.get_color()
        ax.plot(days, bouts, "o", markersize=2.5, color=colour)
        client_handles.append(line)
        for row, day, bout in zip(ordered, days, bouts, strict=True):
            mark = _MARKS.get(str(row["action"]))
            if mark is not None:
                symbol, size, label = mark
                ax.scatter(
                    [day], [bout], marker=symbol, s=size, color=colour, edgecolors="black", zorder=3
                )
                seen.add(label)
        dropout = (dropouts or {}).get(client)
        if dropout is not None and days:
            ax.plot([dropout], [bouts[-1]], marker="|", markersize=14, color="black", mew=2)
            seen.add("dropped out")
    by_target: dict[int, list[str]] = {}
    for stage, target in (targets or {}).items():
        by_target.setdefault(target, []).append(stage)
    for target, stages in by_target.items():
        top = max(top, target)
        ax.axhline(target, color="0.5", linestyle="--", linewidth=1)
        ax.annotate(
            f"target {target} s ({', '.join(stages)})",
            xy=(0, target),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize="small",
            color="0.35",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
        )
    marks = [
        Line2D(
            [],
            [],
            linestyle="",
            marker=symbol,
            markersize=9 if symbol != "*" else 13,
            markerfacecolor="0.75",
            markeredgecolor="black",
            label=label,
        )
        for symbol, _, label in _MARKS.values()
        if label in seen
    ]
    if "dropped out" in seen:
        marks.append(
            Line2D(
                [],
                [],
                linestyle="",
                marker="|",
                markersize=14,
                mew=2,
                color="black",
                label="dropped out",
            )
        )
    ax.set_ylim(0, top * 1.1)
    ax.set_xlim(left=0)
    ax.set_xlabel("day")
    ax.set_ylabel("bout length (s)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(
        handles=client_handles + marks,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize="small",
        frameon=False,
    )
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
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
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
        bouts = [prescribed_bout(r["prescription"]) for r in rows]
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
