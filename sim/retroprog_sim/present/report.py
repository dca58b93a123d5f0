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

import functools
import os
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

import retroprog
from retroprog.exceptions import InvalidValueError
from retroprog.support import install_hint, write_text_atomic

from ..comparison import Difference
from ..execute import SimulationResult
from ..settings import SETTINGS, RunSettings
from . import format as fmt
from . import plots as _plots
from .figures import Image, group_images
from .tables import Table, differences_table, runs_table

if TYPE_CHECKING:
    import jinja2

    from ..experiment import Experiment, ExperimentResult, ProtocolChoice

__all__ = [
    "ReportGroup",
    "ReportSection",
    "experiment_settings",
    "render_report",
    "report_groups",
    "run_settings",
    "settings_shown",
    "write_report",
]


def _no_matplotlib() -> str:
    return f"plots need matplotlib: {install_hint('plot')}"


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


def _groups(groups: Iterable[ReportGroup]) -> tuple[ReportGroup, ...]:
    return tuple(groups)


@attrs.frozen
class ReportGroup:
    """Runs on the same clients (one population, one seed): compared with each other.

    A group may also pool several seeds: its runs are then each run's clients of
    every seed together (see ``execute.pooled_run``), its differences the pooled
    paired differences (:func:`~retroprog_sim.pooled_differences`),
    and ``per_seed`` the groups of the single seeds, whose tables the report
    shows in a folded section.

    :param title: the group's heading, e.g. ``"general population, seed 0"``.
    :param runs: (label, result) pairs with unique labels; the first is the baseline.
    :param differences: label → its paired differences from ``runs[0]``
        (see :func:`~retroprog_sim.paired_differences`); empty when not compared.
    :param per_seed: the groups of each seed, when this group pools them.
    """

    title: str
    runs: tuple[tuple[str, SimulationResult], ...] = attrs.field(
        converter=_runs, validator=_check_runs
    )
    differences: Mapping[str, Sequence[Difference]] = attrs.field(factory=dict)
    per_seed: tuple[ReportGroup, ...] = attrs.field(default=(), converter=_groups)


@attrs.frozen
class ReportSection:
    """A section of the report before its groups of runs: tables, images and notes.

    :param title: its heading.
    :param text: a paragraph saying how to read it (plain text).
    :param tables: its tables, in order.
    :param images: its figures, in order.
    :param notes: notes shown highlighted under them.
    """

    title: str
    text: str = ""
    tables: tuple[Table, ...] = ()
    images: tuple[Image, ...] = ()
    notes: tuple[str, ...] = ()


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


@attrs.frozen
class _Group:
    title: str
    anchor: str
    baseline: str
    table: Table
    differences: tuple[Table, ...]
    images: tuple[Image, ...]
    notes: tuple[str, ...]
    per_seed: tuple[_Group, ...] = ()


def _tables(
    group: ReportGroup, *, anchor: str, show_threshold: bool, pooled: bool = False
) -> _Group:
    """A group's figures and differences, without plots."""
    baseline = group.runs[0][0]
    which = "every seed's clients together" if pooled else ""
    caption = "Figures of each run" + (f" ({which})" if which else "")
    if group.differences:
        caption += f"; {baseline} is the baseline"
    return _Group(
        title=group.title,
        anchor=anchor,
        baseline=baseline,
        table=runs_table(caption, group.runs, show_threshold=show_threshold),
        differences=tuple(
            differences_table(label, baseline, differences, pooled=pooled)
            for label, differences in group.differences.items()
        ),
        images=(),
        notes=(),
    )


def _policies_and_protocols(groups: Sequence[ReportGroup]) -> tuple[list[Table], list[Table]]:
    """A table of every policy's parameters, and one per protocol with its stages."""
    from .parameters import policies_table, protocol_table

    policies: dict[str, Any] = {}
    protocols: dict[str, Any] = {}
    for group in groups:
        for label, run in group.runs:
            policies.setdefault(label, run.spec.policy)
            protocol = run.spec.protocol
            protocols.setdefault(f"{protocol.name} {protocol!r}", protocol)
    shown = [policies_table(list(policies.items()))] if policies else []
    return shown, [protocol_table(p) for p in protocols.values()]


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
    shown: dict[str, Any] = {
        "protocol": distinct([r.summary.protocol for r in results]),
        "populations": distinct([r.summary.population for r in results]),
    }
    for name, setting in SETTINGS.items():
        values = distinct([getattr(r.spec.settings, name) for r in results])
        label = "seeds" if name == "seed" else setting.label
        shown[label] = values if isinstance(values, list) else setting.text(values)
    return shown


def render_report(
    title: str,
    groups: Sequence[ReportGroup],
    *,
    description: str = "",
    settings: Mapping[str, Any] | None = None,
    plots: bool = True,
    sections: Sequence[ReportSection] = (),
) -> str:
    """The report as one HTML document (no external resources).

    :param title: the report's title.
    :param groups: the groups of runs, each on its own clients.
    :param description: a paragraph saying what the report is about (plain text).
    :param settings: how the runs were made, shown as a table (key → value);
        ``None``: the protocol, populations, clients, weeks and seeds of the runs.
    :param plots: draw the plots (when matplotlib is installed); else a note says why not.
    :param sections: sections shown before the groups (a tuning's, say).
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
    thresholds = sorted({r.spec.settings.adverse_pain for group in groups for _, r in group.runs})
    several = len(thresholds) > 1
    draw = plots and _plots.available()
    rendered: list[_Group] = []
    for i, group in enumerate(groups, start=1):
        images: list[Image] = []
        notes: list[str] = []
        if draw:
            images, notes = group_images(group)
        else:
            notes.append(_no_matplotlib() if plots else _PLOTS_OFF)
        pooled = bool(group.per_seed)
        tables = _tables(group, anchor=f"group-{i}", show_threshold=several, pooled=pooled)
        rendered.append(
            attrs.evolve(
                tables,
                images=tuple(images),
                notes=tuple(notes),
                per_seed=tuple(
                    _tables(seed, anchor=f"group-{i}-{j}", show_threshold=several)
                    for j, seed in enumerate(group.per_seed, start=1)
                ),
            )
        )
    policies, protocols = _policies_and_protocols(groups)
    shown = settings if settings is not None else _default_settings(groups)
    template = _environment().get_template("report.html.j2")
    return template.render(
        title=title,
        description=description,
        version=retroprog.__version__,
        settings=[(str(key), _setting(value)) for key, value in shown.items()],
        policies=policies,
        protocols=protocols,
        threshold=fmt.threshold(thresholds),
        threshold_note=", shown per run in the tables" if several else "",
        groups=rendered,
        sections=list(sections),
        comparisons=any(group.differences for group in groups),
        several_runs=any(len(group.runs) > 1 for group in groups),
        pooled=any(group.per_seed for group in groups),
    )


def write_report(
    path: str | os.PathLike[str],
    title: str,
    groups: Sequence[ReportGroup],
    *,
    description: str = "",
    settings: Mapping[str, Any] | None = None,
    plots: bool = True,
    sections: Sequence[ReportSection] = (),
) -> Path:
    """Write :func:`render_report`'s HTML to ``path``, whole or not at all.

    The parameters after ``path`` are :func:`render_report`'s.

    :returns: the path written.
    """
    target = Path(path)
    html = render_report(
        title, groups, description=description, settings=settings, plots=plots, sections=sections
    )
    write_text_atomic(target, html)
    return target


# -- what a report says about the runs ------------------------------------------------------


def report_groups(result: ExperimentResult) -> list[ReportGroup]:
    """The report's sections: one per population and seed, its runs side by side.

    With several seeds, one per population instead: its runs pooled over the
    seeds, a comparison's differences pooled too, and each seed's group inside.
    """
    groups = []
    pooled_differences = result.pooled_differences() if len(result.seeds) > 1 else {}
    for population, seeds in result.by_population().items():
        per_seed = []
        for seed, runs in seeds.items():
            clients = runs[0][1].spec.clients
            per_seed.append(
                ReportGroup(
                    f"{population} population, seed {seed} "
                    f"(the same {clients} clients in every run)",
                    tuple((cell.label, run) for cell, run in runs),
                    result.differences.get((population, seed), {}),
                )
            )
        if len(per_seed) == 1:
            groups += per_seed
            continue
        clients = sum(group.runs[0][1].spec.clients for group in per_seed)
        groups.append(
            ReportGroup(
                f"{population} population, seeds {', '.join(map(str, seeds))} pooled "
                f"(the same {clients} clients in every run)",
                result.pooled()[population],
                pooled_differences.get(population, {}),
                per_seed,
            )
        )
    return groups


def experiment_settings(experiment: Experiment) -> dict[str, Any]:
    """How an experiment's runs were made, as its report shows them."""

    def protocol(choice: ProtocolChoice) -> str:
        text = Path(choice.source).name if choice.source.endswith(".toml") else choice.source
        extra = [f"{k}={v}" for k, v in choice.params.items()]
        extra += [f"{k} in {list(v)}" for k, v in choice.grid.items()]
        return f"{text} ({', '.join(extra)})" if extra else text

    def entry(label: str, name: str, params: Mapping[str, Any]) -> str:
        text = name if label == name else f"{label}: {name}"
        values = ", ".join(f"{k}={v}" for k, v in params.items())
        return f"{text} ({values})" if values else text

    policies = []
    for p in experiment.policies:
        text = entry(p.label, p.name, p.params)
        if p.grid:
            text += "; grid " + ", ".join(f"{k} in {list(v)}" for k, v in p.grid.items())
        if p.protocol is not None:
            text += f"; protocol {protocol(p.protocol)}"
        policies.append(text)
    shown = settings_shown(
        experiment.run_settings, given=experiment.from_command_line, seeds=experiment.seeds
    )
    return {
        "protocol": protocol(experiment.protocol),
        "policies": "; ".join(policies),
        "populations": "; ".join(entry(p.label, p.name, p.params) for p in experiment.populations),
        **shown,
        "source": "" if experiment.source is None else str(experiment.source),
    }


def settings_shown(
    settings: RunSettings,
    *,
    given: Collection[str] = frozenset(),
    seeds: Sequence[int] | None = None,
) -> dict[str, str]:
    """Run settings as a report shows them: label → text, noting those from the command line.

    ``seeds``: an experiment's, in place of the settings' seed.
    """
    shown = {}
    for name, setting in SETTINGS.items():
        if name == "seed" and seeds is not None:
            label, text = "seeds", ", ".join(map(str, seeds))
        else:
            label, text = setting.label, setting.text(getattr(settings, name))
        shown[label] = f"{text} (from the command line)" if name in given else text
    return shown


def run_settings(result: SimulationResult) -> dict[str, Any]:
    """How one run was made, as its report shows it."""
    spec = result.spec
    return {
        "protocol": spec.protocol.name,
        "policy": spec.policy.name,
        "population": spec.population.name,
        **settings_shown(spec.settings),
    }
