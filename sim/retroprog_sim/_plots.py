"""Plots: time to goal (Kaplan–Meier) and bout length over time.

matplotlib is imported only inside the functions, and only its object-oriented
API is used (a :class:`~matplotlib.figure.Figure` drawn by the Agg canvas), so
importing this module costs nothing and no global backend is switched.  The
functions return figures; :mod:`retroprog_sim._output` writes them to disk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ._metrics import KaplanMeier

__all__ = ["MAX_BOUT_CLIENTS", "plot_bouts", "plot_time_to_goal"]

#: Traced clients drawn at most in one bout plot (more lines do not read).
MAX_BOUT_CLIENTS = 8

#: How decisions are marked on the bout plot: action → (marker, size, legend label).
_MARKS = {
    "advance": ("*", 170, "next stage"),
    "complete": ("D", 60, "goal reached"),
    "stop": ("X", 90, "stopped (avoid, refer)"),
}


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
    ax.set_ylabel("share reached goal")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", title="shaded: 95 % CI", title_fontsize="small")
    return figure


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
        bouts = [int(r["prescription"]["bout_seconds"]) for r in ordered]
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
