"""The fit report: each fitted parameter with its interval, and the model check.

One self-contained HTML page (the project's table macro and style), written
beside the fitted population: the population's parameters against the
prior's, the clinic's figures against the fitted population's simulations with
a verdict each, time to each stage's target (Kaplan–Meier against the
simulated band), and the logs' log-likelihood under the fit and each preset.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import retroprog
from retroprog.support import write_text_atomic

from . import plots as _plots
from .figures import Image, _png
from .plots import _figure
from .report import _environment
from .tables import Table

if TYPE_CHECKING:
    from ..fit.check import FitCheck
    from ..fit.estimate import FitResult

__all__ = ["render_fit_report", "write_fit_report"]


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def parameters_table(result: FitResult) -> Table:
    """Each population parameter: fitted value and 95 % interval, or why it was not fitted."""
    rows = []
    for p in result.parameters:
        interval = "—" if p.low is None else f"{p.low:.4g}–{p.high:.4g}"
        rows.append(
            (f"{p.name} ({p.part})", _number(p.estimate), interval, _number(p.prior), p.status)
        )
    return Table(
        "Each client parameter's median and spread across clients",
        ("parameter", "fitted", "95 % CI", f"prior ({result.prior.name})", "status"),
        tuple(rows),
        note=(
            "Spreads (sigma) are on the distribution's normal scale (log or logit). Intervals: "
            f"{result.interval}, on that scale. A weakly identified parameter is one the logs "
            "say little about per client: its interval is wide, and its value leans on the model."
        ),
        left=frozenset({4}),
    )


def verdicts_table(check: FitCheck) -> Table:
    """The clinic's figures against the simulated replicates', with a verdict each."""
    rows = []
    for v in check.verdicts:
        low, high = v.band
        rows.append((v.label, f"{v.observed:.1f}", f"{low:.1f}–{high:.1f}", v.words()))
    return Table(
        f"Your clinic's figures and the fitted population's ({check.replicates} simulated "
        "clinics of the same size, each with the fitted values drawn within their intervals)",
        ("figure", "your clinic", "simulated (95 % range)", "verdict"),
        tuple(rows),
        left=frozenset({3}),
    )


def stages_table(check: FitCheck) -> Table:
    """Per stage, whether the time to its target fits."""
    return Table(
        "Time to each stage's target (Kaplan–Meier against the simulated band)",
        ("stage", "verdict"),
        tuple(
            (name, words)
            for (name, *_), words in zip(check.stages, check.stage_verdicts, strict=True)
        ),
        left=frozenset({1}),
    )


def likelihoods_table(result: FitResult) -> Table:
    """The logs' log-likelihood under the fit and under each preset."""
    rows = [("fitted", f"{result.log_likelihood:.1f}", "0.0")]
    for name, value in sorted(result.preset_log_likelihoods.items(), key=lambda kv: -kv[1]):
        rows.append((name, f"{value:.1f}", f"{value - result.log_likelihood:.1f}"))
    return Table(
        "Log-likelihood of your logs under each population (higher explains them better)",
        ("population", "log-likelihood", "vs fitted"),
        tuple(rows),
        note="Estimated with the fit's importance sample; the presets' fixed parameters "
        "are taken as the prior's.",
    )


def stage_images(check: FitCheck, horizon: int) -> list[Image]:
    """One plot per stage: the clinic's curve and the simulated band."""
    if not _plots.available():
        return []
    from matplotlib.ticker import PercentFormatter

    images = []
    for name, km, grid, band in check.stages:
        figure, ax = _figure()
        low, high = np.percentile(band, [2.5, 97.5], axis=0)
        ax.fill_between(
            grid, low, high, step="post", alpha=0.25, label="fitted population (95 % range)"
        )
        xs, ys = _plots._steps(km.times, [1.0 - s for s in km.survival], horizon=float(horizon))
        ax.step(xs, ys, where="post", linewidth=2.0, color="black", label="your clinic")
        ax.set_xlim(0, horizon)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        ax.set_xlabel("days since the first session")
        ax.set_ylabel(f"share reached {name}'s target")
        ax.set_title(f"Time to {name}'s target")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
        images.append(
            Image(
                f"Time to {name}'s target",
                _png(figure),
                f"share of clients who reached {name}'s target by each day",
                "Kaplan–Meier: a client who had not reached it is counted until the last session.",
            )
        )
    return images


def render_fit_report(result: FitResult, check: FitCheck, *, title: str = "") -> str:
    """The fit report as one HTML document."""
    logs = result.logs
    notes = [f"Skipped {file}: {why}" for file, why in result.skipped]
    low_ess = int(np.sum(result.ess < 10))
    if low_ess:
        notes.append(
            f"{low_ess} of {logs.clients} clients have an effective sample size below 10: "
            "their part of the fit is rough (more draws would help)."
        )
    template = _environment().get_template("fit.html.j2")
    return template.render(
        title=title or f"Population fitted to {logs.clients} clients' logs",
        description=(
            f"{logs.clients} clients, {logs.sessions} sessions, replayed under "
            f"{result.protocol.name} with the {result.policy.name} policy "
            f"({result.sessions_per_week} sessions a week for {result.weeks} weeks); "
            f"shrunk towards {result.prior.name!r} as {result.weight:g} clients like these."
        ),
        version=retroprog.__version__,
        notes=notes,
        parameters=parameters_table(result),
        verdicts=verdicts_table(check),
        stages=stages_table(check),
        images=stage_images(check, logs.scheduled_days[-1] if logs.scheduled_days else 0),
        likelihoods=likelihoods_table(result),
    )


def write_fit_report(
    result: FitResult, check: FitCheck, path: str | os.PathLike[str], *, title: str = ""
) -> Path:
    """Write :func:`render_fit_report`'s HTML to ``path``, whole or not at all."""
    target = Path(path)
    write_text_atomic(target, render_fit_report(result, check, title=title))
    return target
