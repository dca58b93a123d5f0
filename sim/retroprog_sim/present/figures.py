"""The report's figures: plots of a group's runs, as PNG images embedded in the page.

matplotlib is imported only when a figure is drawn (see :mod:`.plots`); each
figure comes with an alternative text that says what it shows in words.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import attrs

from ..comparison import stages_before_goal
from ..stats import time_to_goal
from . import format as fmt

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..execute import SimulationResult
    from .report import ReportGroup

__all__ = ["MAX_CURVES", "MAX_RUN_FIGURES", "Image", "group_images"]


#: Runs drawn at most as curves in one plot (time to a stage's target, to the goal).
MAX_CURVES = 10


#: Figures of traced clients (bout length, staircase) at most per group; a run's come together.
MAX_RUN_FIGURES = 12


def _mpl(text: str) -> str:
    """Text for matplotlib: a ``$`` is a dollar sign, never the start of mathtext."""
    return text.replace("$", r"\$")


def _listing(labels: Sequence[str]) -> str:
    return ", ".join(labels)


@attrs.frozen
class Image:
    """A figure of the report: its heading, the PNG as a ``data:`` URI, and its texts."""

    heading: str
    src: str
    alt: str
    caption: str = ""


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
) -> Image:
    """Time to the goal, or to ``stage``'s target, one colour per run that has the stage.

    Solid: Kaplan–Meier (dropouts censored); dashed: the share of all clients,
    the tables' figure.  The caption gives both at the end, and says why they differ.
    """
    from .plots import plot_time_to_goal, share_by_day

    horizon = max(r.spec.days for _, r in group.runs)
    curves = {}
    shares = {}
    medians = []
    ends = []
    for label, r in shown:
        names = [s.name for s in r.spec.protocol.stages]
        if stage is not None and stage not in names:
            continue
        index = None if stage is None else names.index(stage)
        km = time_to_goal(r.clients, horizon=r.spec.days, stage=index)
        days = [c.goal_days[-1 if index is None else index] for c in r.clients]
        curves[_mpl(label)] = km
        shares[_mpl(label)] = share_by_day(days, total=len(r.clients), horizon=float(horizon))
        medians.append(f"{label} {fmt.day(km.median)}")
        share = sum(d is not None for d in days) / len(days) if days else math.nan
        dropout = r.summary.dropout_rate
        ends.append(
            f"{label}: {fmt.pct(share)} of all clients, {fmt.pct(km.event_rate_by(horizon))} "
            f"by Kaplan–Meier ({fmt.pct(dropout)} dropped out)"
        )
    what = "goal" if stage is None else f"the {stage} target"
    done = "completed the protocol" if stage is None else f"passed the {stage} target"
    figure = plot_time_to_goal(
        curves,
        horizon_days=horizon,
        title=f"Time to {what}: {_mpl(group.title)}",
        ylabel="share reached goal" if stage is None else "share passed the target",
        shares=shares,
    )
    return Image(
        f"Time to {what}",
        _png(figure),
        alt=f"Step curves of the share of clients who {done} by each day, one colour per "
        f"run: solid, Kaplan–Meier with 95 % bands; dashed, the share of all clients. "
        f"Median days: {'; '.join(medians)}. At the end: {'; '.join(ends)}.",
        caption=f"The share of clients who {done} by each day. Dashed: the share of all "
        "clients, the figure in the tables (a client who dropped out counts as not reached). "
        "Solid, with its 95 % band: the Kaplan–Meier estimate, which counts a client who "
        'dropped out as "not yet" up to that day and so estimates the share had nobody '
        "dropped out; it ends higher when clients drop out. The median days come from it "
        "(where it crosses 50 %). At the end of the "
        f"{horizon} days: {'; '.join(ends)}." + left_out,
    )


def _adverse_image(group: ReportGroup) -> Image:
    from .plots import plot_adverse_events

    runs = group.runs
    definition = _definition([r.spec.settings.adverse_pain for _, r in runs])
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
    return Image(
        "Adverse events",
        _png(figure),
        alt="Adverse events per 100 sessions with 95 % confidence intervals, one row per "
        f"run: {rates}.",
        caption="Adverse events per 100 sessions, with 95 % CIs (each client's sessions "
        f"counted together, as they are not independent); {definition}."
        + (f" The dotted line marks the first run, {runs[0][0]}." if len(runs) > 1 else ""),
    )


def _trace_figures(label: str, result: SimulationResult) -> list[tuple[Figure, Image]]:
    """A run's bout plot and, for a shrinking staircase, its reversals (images unrendered)."""
    from .plots import MAX_BOUT_CLIENTS, plot_reversals, plot_run_bouts

    out: list[tuple[Figure, Image]] = []
    bouts = plot_run_bouts(result, title=f"Bout length over time: {_mpl(label)}")
    if bouts is not None:
        traced = len({int(row["client"]) for row in result.traces})
        out.append(
            (
                bouts,
                Image(
                    f"Bout length over time: {label}",
                    "",
                    alt="Bout length prescribed at each session, by day, one panel per traced "
                    f"client of {label}, coloured by stage; markers show the next stage, the "
                    "goal, a stop and dropout.",
                    caption=f"Sample clients of {label} ({min(traced, MAX_BOUT_CLIENTS)} of "
                    f"{traced} traced), one panel each: the bout prescribed at each session, "
                    "in its stage's colour and line style. Moving on to the next stage (a star, "
                    "then a dotted line) starts that stage over at its base, so the bout drops "
                    "there by design; dashed lines: the stages' targets.",
                ),
            )
        )
    staircase = plot_reversals(result.traces, title=f"Staircase: {_mpl(label)}")
    if staircase is not None:
        out.append(
            (
                staircase,
                Image(
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


def group_images(group: ReportGroup) -> tuple[list[Image], list[str]]:
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
