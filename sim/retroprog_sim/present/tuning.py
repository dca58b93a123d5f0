"""A tuning's results: ``tune.json``, ``tuned.toml``, its tables, its plot and its report.

Layout of a tuning's output folder (``retroprog tune``): ``study.sqlite3``
(the Optuna study, kept so that the tuning resumes), ``tune.json`` (the best
candidate, the confirmation, every trial), ``tuned.toml`` (the confirmed
candidate as a ``[[policies]]`` entry, only when one passed confirmation),
``report.html`` and ``manifest.json``.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import format as fmt
from . import plots as _plots
from .plain import json_text
from .report import ReportGroup, ReportSection, experiment_settings
from .tables import Table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..experiment.tuning import TuneSpec
    from ..tuning import Confirmation, Trial, TuneResult
    from .figures import Image

__all__ = [
    "TUNED",
    "TUNE_JSON",
    "confirmation_table",
    "importance_table",
    "plot_front",
    "report_parts",
    "trials_table",
    "tune_document",
    "tune_tables",
    "tuned_toml",
    "write_tune",
]

#: The tuning's results.
TUNE_JSON = "tune.json"
#: The confirmed candidate, ready to paste into an experiment file.
TUNED = "tuned.toml"


def _spec(result: TuneResult) -> TuneSpec:
    assert result.experiment.tune is not None
    return result.experiment.tune


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


def _trial(trial: Trial) -> dict[str, Any]:
    return {
        "number": trial.number,
        "params": trial.params,
        "status": trial.status,
        "objective": _finite(trial.objective),
        "figures": {k: _finite(v) for k, v in trial.figures.items()},
        "reason": trial.reason,
        "invariant": trial.invariant,
        "repeat_of": trial.repeat_of,
    }


def _confirmation(confirmation: Confirmation) -> dict[str, Any]:
    objective = confirmation.objective
    return {
        "trial": confirmation.trial.number,
        "params": confirmation.trial.params,
        "passed": confirmation.passed,
        "constraints": {
            c.figure: {
                "limit": c.limit,
                "value": _finite(c.value),
                "ci_high": _finite(c.ci_high),
                "holds": c.holds,
            }
            for c in confirmation.checks
        },
        "objective": {
            "figure": objective.metric,
            "baseline": _finite(objective.baseline),
            "tuned": _finite(objective.other),
            "difference": _finite(objective.difference),
            "ci": [_finite(objective.ci_low), _finite(objective.ci_high)],
            "clear": confirmation.clear,
            "worse": confirmation.worse,
        },
    }


def tune_document(result: TuneResult) -> dict[str, Any]:
    """``tune.json``: the best candidate, its confirmation, every trial, the settings.

    ``best`` is the confirmed candidate, else the best feasible one (``null``
    when none was feasible); its ``constraints`` are the training figures
    against their limits.  ``confirmation.confirmed`` is the trial that passed,
    or ``null``.
    """
    spec = _spec(result)
    best = result.best
    document: dict[str, Any] = {
        "schema": 1,
        "study": result.study,
        "experiment": result.experiment.settings(),
        "objective": {"figure": spec.objective, "direction": spec.direction},
        "best": None,
        "confirmation": {
            "seeds": list(spec.confirm_seeds),
            "baseline": result.experiment.policies[0].label,
            "confirmed": None if result.confirmed is None else result.confirmed.trial.number,
            "tried": [_confirmation(c) for c in result.confirmations],
        },
        "importances": result.importances,
        "trials": [_trial(t) for t in result.trials],
    }
    if best is not None:
        document["best"] = {
            "trial": best.number,
            "params": best.params,
            "policy": {"name": spec.policy, "params": {**spec.params, **best.params}},
            "objective": _finite(best.objective),
            "constraints": {
                name: {
                    "limit": limit,
                    "value": _finite(best.figures[name]),
                    "holds": best.figures[name] <= limit,
                }
                for name, limit in spec.constraints.items()
            },
            "confirmed": result.confirmed is not None,
        }
    return document


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml(value: Any) -> str:
    """A TOML value (a string, number or boolean; JSON's forms are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml(key)


def tuned_toml(result: TuneResult) -> str | None:
    """``tuned.toml``: the confirmed candidate as a ``[[policies]]`` entry; ``None`` if none passed.

    The comment above it says where it comes from and what it was confirmed on.
    """
    confirmed = result.confirmed
    if confirmed is None:
        return None
    spec = _spec(result)
    params = {**spec.params, **confirmed.trial.params}
    source = result.experiment.source or result.experiment.name
    checks = "; ".join(
        f"{c.figure} {fmt.num(c.value, 3)} (95 % CI up to {fmt.num(c.ci_high, 3)}) ≤ {c.limit:g}"
        for c in confirmed.checks
    )
    objective = confirmed.objective
    lines = [
        f"# Tuned by retroprog tune from {source} (trial {confirmed.trial.number}).",
        f"# Confirmed on seeds {', '.join(map(str, spec.confirm_seeds))} against "
        f"{result.experiment.policies[0].label}: {checks or 'no constraints'}.",
        f"# {spec.objective}: {fmt.num(objective.other, 3)} against "
        f"{fmt.num(objective.baseline, 3)} (difference "
        f"{fmt.interval(objective.metric, objective.ci_low, objective.ci_high)}, "
        f"{'clear' if confirmed.clear else 'not clear'}).",
        "[[policies]]",
        f"name = {_toml(spec.policy)}",
        f"label = {_toml(spec.policy + ' tuned')}",
        "params = { " + ", ".join(f"{_toml_key(k)} = {_toml(v)}" for k, v in params.items()) + " }",
        "",
    ]
    return "\n".join(lines)


def _value(metric: str, value: float | None) -> str:
    return "–" if value is None else fmt.compared(metric, value)


def trials_table(result: TuneResult, trials: Sequence[Trial] | None = None) -> Table:
    """One row per trial: its parameters, status, objective and constrained figures."""
    spec = _spec(result)
    shown = list(result.trials if trials is None else trials)
    names = list(spec.space)
    limits = list(spec.constraints)
    rows = tuple(
        (
            str(t.number),
            *(str(t.params.get(n, "")) for n in names),
            t.status + (f" (= {t.repeat_of})" if t.repeat_of is not None else ""),
            _value(spec.objective, t.objective),
            *(_value(n, t.figures.get(n)) for n in limits),
            t.reason,
        )
        for t in shown
    )
    return Table(
        f"Trials: {spec.policy}, {spec.objective} ({spec.direction})",
        ("trial", *names, "status", fmt.label(spec.objective), *map(fmt.label, limits), "why"),
        rows,
        note="feasible: simulated, every limit kept; infeasible: simulated, a limit broken; "
        "unsafe: broke a safety invariant, never simulated; refused: the policy refused the "
        "parameters, never simulated; (= N): the same parameters as trial N, the same figures. "
        "Figures are of every training client together.",
        left=frozenset({len(names) + 1, len(names) + 3 + len(limits)}),
    )


def confirmation_table(result: TuneResult) -> Table:
    """One row per candidate confirmed: each limit's CI upper bound, and the objective."""
    spec = _spec(result)
    baseline = result.experiment.policies[0].label
    limits = list(spec.constraints)
    rows = []
    for c in result.confirmations:
        objective = c.objective
        reading = "clearly better" if c.clear else "clearly worse" if c.worse else "not clear"
        rows.append(
            (
                str(c.trial.number),
                ", ".join(f"{k}={v}" for k, v in c.trial.params.items()),
                *(
                    f"{_value(k.figure, k.value)} (≤ {_value(k.figure, k.ci_high)}) "
                    f"{'holds' if k.holds else 'BROKEN'}"
                    for k in c.checks
                ),
                f"{_value(spec.objective, objective.other)} vs "
                f"{_value(spec.objective, objective.baseline)}",
                fmt.interval(objective.metric, objective.ci_low, objective.ci_high),
                reading,
                "passed" if c.passed else "failed",
            )
        )
    header = (
        "trial",
        "parameters",
        *(f"{fmt.label(n)} ≤ {spec.constraints[n]:g}" for n in limits),
        f"{fmt.label(spec.objective)}: tuned vs {baseline}",
        "difference 95 % CI",
        "improvement",
        "confirmation",
    )
    return Table(
        f"Confirmation on fresh clients (seeds {', '.join(map(str, spec.confirm_seeds))}), "
        f"against {baseline}",
        header,
        tuple(rows),
        note="Each limit is shown as value (upper bound of its 95 % CI): it holds when the "
        "upper bound is at or below the limit. The objective's difference is paired on the "
        "same clients; the improvement is clear when its CI excludes 0. A candidate passes "
        f"when every limit holds and it is not clearly worse; at most {spec.confirm_tries} "
        "candidates are tried, best first.",
        left=frozenset({1, len(limits) + 4, len(limits) + 5}),
    )


def importance_table(result: TuneResult) -> Table | None:
    """Each searched parameter's importance for the objective; ``None`` when not known."""
    if not result.importances:
        return None
    return Table(
        f"Parameter importances for {fmt.label(_spec(result).objective)}",
        ("parameter", "importance"),
        tuple((name, f"{value:.2f}") for name, value in result.importances.items()),
        note=f"PED-ANOVA (Optuna) over the {_distinct(result)} distinct simulated candidates: "
        "how much each parameter sets the better candidates apart from the rest. With few "
        "candidates it is a rough guide; read it with the trials table.",
    )


def _distinct(result: TuneResult) -> int:
    return sum(t.simulated and t.repeat_of is None for t in result.trials)


def plot_front(result: TuneResult) -> Figure | None:
    """The objective against the first constrained figure, every simulated trial, the front marked.

    The feasible front: the feasible candidates no other feasible candidate
    beats on both the objective and the constrained figure.  ``None`` without
    a constraint or a simulated trial.
    """
    spec = _spec(result)
    if not spec.constraints:
        return None
    figure_name, limit = next(iter(spec.constraints.items()))
    shown = [
        t for t in result.trials if t.simulated and t.repeat_of is None and t.objective is not None
    ]
    if not shown:
        return None
    sign = 1.0 if spec.direction == "maximize" else -1.0
    feasible = [t for t in shown if t.status == "feasible"]
    front = [
        t
        for t in feasible
        if not any(
            sign * (o.objective or 0) >= sign * (t.objective or 0)
            and o.figures[figure_name] <= t.figures[figure_name]
            and (o.objective, o.figures[figure_name]) != (t.objective, t.figures[figure_name])
            for o in feasible
        )
    ]
    figure, axes = _plots._figure()

    def points(trials: Sequence[Trial]) -> tuple[list[float], list[float]]:
        return [t.figures[figure_name] for t in trials], [t.objective or 0.0 for t in trials]

    infeasible = [t for t in shown if t.status == "infeasible"]
    if infeasible:
        axes.plot(*points(infeasible), "x", color="#c0392b", label="infeasible")
    if feasible:
        axes.plot(*points(feasible), "o", color="#7f8c8d", label="feasible")
    if front:
        ordered = sorted(front, key=lambda t: t.figures[figure_name])
        axes.plot(*points(ordered), "o-", color="#1f6fb2", label="feasible front")
    confirmed = result.confirmed
    if confirmed is not None:
        axes.plot(
            *points([confirmed.trial]), "*", markersize=16, color="#e0a800", label="confirmed"
        )
    axes.axvline(limit, color="#555555", linestyle="--", label=f"limit {limit:g}")
    axes.set_xlabel(fmt.label(figure_name))
    axes.set_ylabel(fmt.label(spec.objective))
    axes.set_title(f"Every simulated candidate: {fmt.label(spec.objective)} against its limit")
    axes.legend(loc="best")
    return figure


def _front_image(result: TuneResult) -> Image | None:
    from .figures import Image, _png

    figure = plot_front(result)
    if figure is None:
        return None
    spec = _spec(result)
    name = next(iter(spec.constraints))
    return Image(
        f"{fmt.label(spec.objective)} against {fmt.label(name)}",
        _png(figure),
        f"Scatter plot of {fmt.label(spec.objective)} against {fmt.label(name)} for each "
        "simulated candidate, the limit as a dashed line and the feasible front joined.",
        "Each point is a candidate on the training clients; candidates turned away by the "
        "safety gate are not drawn (they were never simulated).",
    )


def report_parts(
    result: TuneResult, *, plots: bool = True
) -> tuple[list[ReportSection], list[ReportGroup]]:
    """The report's tuning section and its groups: the confirmation's runs, side by side.

    The groups are those of the candidate that passed (else the last one
    tried): per population and confirmation seed, the baseline's run and the
    candidate's on the same clients, with their paired differences.
    """
    spec = _spec(result)
    counts = {s: sum(t.status == s for t in result.trials) for s in _STATUSES}
    text = (
        f"{len(result.trials)} trials of {spec.policy}'s parameters "
        f"({', '.join(f'{n} {s}' for s, n in counts.items() if n)}), each candidate first "
        "checked against every safety invariant, then simulated on the same training clients "
        f"(seeds {', '.join(map(str, result.experiment.seeds))}). The best feasible candidates "
        "were then compared with the baseline on fresh clients."
    )
    tables = [t for t in (confirmation_table(result), importance_table(result)) if t]
    tables.append(trials_table(result))
    images = []
    notes = []
    if plots and _plots.available():
        image = _front_image(result)
        if image is not None:
            images.append(image)
    if result.confirmed is None:
        notes.append(
            "No candidate passed confirmation: tuned.toml was not written. "
            + ("" if result.confirmations else "No candidate was feasible on the training clients.")
        )
    section = ReportSection("Tuning", text, tuple(tables), tuple(images), tuple(notes))
    groups = []
    shown = result.confirmed or (result.confirmations[-1] if result.confirmations else None)
    if shown is not None:
        baseline = result.experiment.policies[0].label
        for population, seed, base, run, differences in shown.groups:
            groups.append(
                ReportGroup(
                    f"Confirmation: {population} population, seed {seed} "
                    f"(trial {shown.trial.number} against {baseline}, the same clients)",
                    ((baseline, base), ("tuned", run)),
                    {"tuned": differences},
                )
            )
    return [section], groups


_STATUSES = ("feasible", "infeasible", "unsafe", "refused")


def tune_tables(result: TuneResult, *, top: int = 10) -> list[Table]:
    """What the terminal shows: the best feasible candidates, and the confirmation."""
    from ..tuning import ranked

    spec = _spec(result)
    best = ranked(result.trials, spec.direction)[:top]
    shown = trials_table(result, best)
    counts = ", ".join(
        f"{n} {s}" for s in _STATUSES if (n := sum(t.status == s for t in result.trials))
    )
    shown = type(shown)(
        f"The {len(best)} best feasible candidates of {len(result.trials)} trials ({counts})",
        shown.header,
        shown.rows,
        shown.note,
        shown.left,
    )
    return [shown, confirmation_table(result)]


def write_tune(
    result: TuneResult, out_dir: str | os.PathLike[str], *, plots: bool = True
) -> list[Path]:
    """Write a tuning's results into ``out_dir``: ``tune.json``, ``tuned.toml``, the report.

    ``tuned.toml`` only when a candidate passed confirmation (an old one is
    removed otherwise); ``manifest.json`` last.  The study itself
    (``study.sqlite3``) is written as the trials finish, by :func:`~retroprog_sim.tune`.
    """
    from . import report as _report
    from .files import _write, _writing

    with _writing(out_dir, kind="tune", fingerprint=result.study) as (folder, written):
        _write(folder / TUNE_JSON, json_text(tune_document(result)), written)
        toml = tuned_toml(result)
        if toml is None:
            (folder / TUNED).unlink(missing_ok=True)
        else:
            _write(folder / TUNED, toml, written)
        sections, groups = report_parts(result, plots=plots)
        experiment = result.experiment
        written.append(
            _report.write_report(
                folder / "report.html",
                f"{experiment.name}: tuning",
                groups,
                description=experiment.description,
                settings={**experiment_settings(experiment), **_tune_settings(_spec(result))},
                plots=plots,
                sections=sections,
            )
        )
    return written


def _tune_settings(spec: TuneSpec) -> Mapping[str, str]:
    return {
        "tuned policy": spec.policy
        + (f" ({', '.join(f'{k}={v}' for k, v in spec.params.items())})" if spec.params else ""),
        "searched": "; ".join(f"{name} in {d.plain()}" for name, d in spec.space.items()),
        "objective": f"{spec.direction} {spec.objective}",
        "limits": "; ".join(f"{k} ≤ {v:g}" for k, v in spec.constraints.items()) or "none",
        "trials": f"{spec.trials} (batches of {spec.batch}, sampler seed {spec.seed})",
        "safety gate": f"check_policy, {spec.check_examples} examples after its targeted pass",
        "confirmation seeds": ", ".join(map(str, spec.confirm_seeds)),
    }
