"""The ``retroprog`` command line: simulate, compare, sweep, check, plugins, next.

Runs show a progress bar on stderr once they have taken a second (never with
``--json``) and end with a summary table on stdout; ``--out DIR`` writes the
files described in :mod:`retroprog_sim._output`.  Every error the user can cause
(an unknown policy or parameter, a value out of range, an unreadable file) is
one line on stderr, ``retroprog: error: …``, and exit code 2, never a traceback;
``check`` exits 1 when the policy breaks a safety invariant.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import itertools
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import click

import retroprog
from retroprog._presets import check_keywords
from retroprog.exceptions import (
    InvalidValueError,
    PluginError,
    RetroprogError,
    UnknownParameterError,
)
from retroprog.plugins import GROUPS, load_all

from . import _format as fmt
from . import _output
from ._compare import stages_before_goal
from ._engine import MAX_CLIENTS, MAX_WEEKS, RunSpec
from ._experiment import (
    DEFAULT_TRACES,
    Experiment,
    Kind,
    PolicyEntry,
    PopulationEntry,
    ProtocolChoice,
    load_experiment,
    run_default,
    too_many_runs,
)
from ._folder import MANIFEST, claim
from ._population import Population, load_population
from ._run import check_dask_address, cpu_count, executor_for, local_workers
from ._run import simulate as _simulate
from ._runner import CELLS, ExperimentResult, run_experiment
from ._terminal import clean, text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - depends on the Python version
    import tomli as tomllib

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from concurrent.futures import Executor

    from rich.console import Console
    from rich.progress import Progress, TaskID
    from rich.table import Table
    from rich.text import Text

    from ._compare import Difference
    from ._experiment import Cell
    from ._metrics import Summary
    from ._run import SimulationResult

__all__ = ["cli", "main", "parse_value"]

#: Exit code for every error the user can cause (as for click's usage errors).
EXIT_ERROR = 2
#: Exit code of ``check`` when the policy breaks a safety invariant.
EXIT_VIOLATION = 1
#: Exit code after Ctrl-C.
EXIT_INTERRUPTED = 130
#: Clients traced by default when ``--out`` is given (as in an experiment file).
DEFAULT_TRACE_WITH_OUT = DEFAULT_TRACES
#: Seconds a run takes before its progress bar appears.
PROGRESS_DELAY = 1.0


# -- parsing KEY=VALUE -------------------------------------------------------------


#: The longest parameter value read (``--param``, ``--grid``, ``--population-param``).
MAX_VALUE_LENGTH = 1000


def parse_value(text: str) -> Any:
    """Read a parameter value as a TOML value; anything else is a plain string.

    >>> parse_value("3"), parse_value("0.5"), parse_value("true"), parse_value('"x"')
    (3, 0.5, True, 'x')
    >>> parse_value("fast")
    'fast'

    :raises InvalidValueError: the text is longer than :data:`MAX_VALUE_LENGTH`,
        nested too deeply, or a number too long to read.
    """
    if len(text) > MAX_VALUE_LENGTH:
        raise InvalidValueError(
            "value", _shortened(text), f"must be at most {MAX_VALUE_LENGTH} characters long"
        )
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text
    except RecursionError:
        raise InvalidValueError("value", _shortened(text), "is nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise InvalidValueError("value", _shortened(text), f"cannot be read ({exc})") from None


def _shortened(text: str, length: int = 40) -> str:
    return text if len(text) <= length else f"{text[:length]}... ({len(text)} characters)"


def _parsed(text: str, param: click.Parameter | None, ctx: click.Context | None) -> Any:
    """:func:`parse_value`, its errors as click's (naming the option)."""
    try:
        return parse_value(text)
    except InvalidValueError as exc:
        raise click.BadParameter(f"{exc.reason}, got {exc.value!r}", ctx, param) from None


class _KeyValue(click.ParamType):  # type: ignore[type-arg]
    """``KEY=VALUE``, the value parsed by :func:`parse_value`."""

    name = "key=value"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        key, sep, text = str(value).partition("=")
        key = key.strip()
        if not sep or not key:
            self.fail(f"{_shortened(str(value))!r} is not KEY=VALUE", param, ctx)
        return key, _parsed(text.strip(), param, ctx)


class _Grid(click.ParamType):  # type: ignore[type-arg]
    """``KEY=V1,V2,…``, each value parsed by :func:`parse_value`."""

    name = "key=v1,v2"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        key, sep, text = str(value).partition("=")
        key = key.strip()
        values = [_parsed(part.strip(), param, ctx) for part in text.split(",") if part.strip()]
        if not sep or not key or not values:
            self.fail(f"{_shortened(str(value))!r} is not KEY=V1,V2,...", param, ctx)
        return key, tuple(values)


KEY_VALUE = _KeyValue()
GRID = _Grid()


def _collect(pairs: Iterable[tuple[str, Any]], option: str) -> dict[str, Any]:
    """``KEY=VALUE`` pairs as a dict; a key given twice is an error."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise click.UsageError(f"{option} {key} is given twice")
        out[key] = value
    return out


# -- progress --------------------------------------------------------------------------


class _ProgressBar:
    """A rich progress bar on stderr; a callable for :func:`simulate`'s ``progress``.

    It appears only once the run has taken :data:`PROGRESS_DELAY` seconds (at once
    when ``delay`` is 0), so short runs print nothing.  On a terminal it is redrawn
    in place and removed at the end; elsewhere (a log file) only its final state
    is printed, once.
    """

    def __init__(self, description: str, total: int, *, enabled: bool, delay: float) -> None:
        self._description = description
        self._total = total
        self._done = 0
        self._enabled = enabled
        self._delay = delay
        self._lock = threading.Lock()
        self._closed = False
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._timer: threading.Timer | None = None
        self._started = time.monotonic()

    def __enter__(self) -> _ProgressBar:
        self._started = time.monotonic()
        if self._enabled and self._delay <= 0:
            self._show()
        elif self._enabled:
            self._timer = threading.Timer(self._delay, self._show)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            if self._progress is not None:
                self._progress.stop()

    def __call__(self, done: int, total: int) -> None:
        with self._lock:
            self._done, self._total = done, total
            if self._progress is not None and self._task is not None:
                self._progress.update(self._task, completed=done, total=total)

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        with self._lock:
            if self._closed:
                return
            console = Console(stderr=True)
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("clients"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=console.is_terminal,
                get_time=time.monotonic,
            )
            self._task = self._progress.add_task(
                self._description, total=self._total, completed=self._done
            )
            for task in self._progress.tasks:  # time the whole run, not just since the bar showed
                task.start_time = self._started
            self._progress.start()


# -- the options every run shares ----------------------------------------------------


@attrs.frozen
class _Run:
    """The options of ``simulate``, ``compare`` and ``sweep`` that are not the policy's."""

    protocol: str
    populations: tuple[str, ...]
    population_params: dict[str, Any]
    clients: int
    weeks: int
    seed: int
    sessions_per_week: int
    coach_capacity: int | None
    trace: int | None
    workers: int
    dask: str | None
    out: Path | None
    as_json: bool
    progress: bool | None
    explicit: frozenset[str] = frozenset()

    @property
    def traces(self) -> int:
        """Clients traced per run: ``--trace``, else a few when results are written."""
        if self.trace is not None:
            return self.trace
        return DEFAULT_TRACE_WITH_OUT if self.out is not None else 0

    def spec(self, policy: retroprog.RegressionPolicy, population: str | None = None) -> RunSpec:
        """Build the run's :class:`RunSpec`, loading the protocol and population."""
        return RunSpec(
            retroprog.load_protocol(self.protocol),
            policy,
            self.population(population or self.populations[0]),
            clients=self.clients,
            weeks=self.weeks,
            seed=self.seed,
            sessions_per_week=self.sessions_per_week,
            coach_capacity=self.coach_capacity,
            trace_clients=self.traces,
        )

    def population(self, name: str) -> Population:
        """Load the population ``name`` with the ``--population-param`` settings."""
        return load_population(name, **self.population_params)

    def progress_bar(self, description: str, total: int) -> _ProgressBar:
        """Make the progress bar (``--progress``/``--no-progress``; never with ``--json``)."""
        enabled = not self.as_json and self.progress is not False
        delay = 0.0 if self.progress else PROGRESS_DELAY
        return _ProgressBar(description, total, enabled=enabled, delay=delay)

    def executor(self) -> contextlib.AbstractContextManager[Executor | None]:
        """The run's executor (:func:`executor_for`); says so when there are fewer CPUs."""
        if self.dask in (None, "local") and local_workers(self.workers) < self.workers:
            click.echo(
                f"retroprog: note: --workers {self.workers}: this machine has {cpu_count()} "
                f"CPU(s); using {local_workers(self.workers)} worker(s)",
                err=True,
            )
        return executor_for(self.workers, self.dask)

    def experiment(self, name: str, policies: Sequence[PolicyEntry]) -> Experiment:
        """The experiment these options describe, for ``policies``."""
        return Experiment(
            policies,
            name=name,
            protocol=ProtocolChoice(self.protocol),
            populations=[
                PopulationEntry(p, params=self.population_params) for p in self.populations
            ],
            clients=self.clients,
            weeks=self.weeks,
            seeds=(self.seed,),
            sessions_per_week=self.sessions_per_week,
            coach_capacity=self.coach_capacity,
            traces=self.traces,
            out=self.out,
        )

    def experiment_file(self, path: str, kind: Kind) -> Experiment:
        """Read an experiment file; the options it sets must not be given as well."""
        for name, option in _EXPERIMENT_OPTIONS.items():
            if name in self.explicit:
                raise click.UsageError(
                    f"{option} cannot be used with an experiment file: set it in {path}"
                )
        experiment = load_experiment(path, kind=kind)
        return experiment if self.out is None else attrs.evolve(experiment, out=self.out)


_RUN_OPTION_NAMES = [f.name for f in attrs.fields(_Run) if f.name != "explicit"]
#: The options an experiment file sets itself (the others say how and where to run it).
_EXPERIMENT_OPTIONS = {
    "protocol": "--protocol",
    "populations": "--population",
    "population_params": "--population-param",
    "clients": "--clients",
    "weeks": "--weeks",
    "seed": "--seed",
    "sessions_per_week": "--sessions-per-week",
    "coach_capacity": "--coach-capacity",
    "trace": "--trace",
}


def _dask_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--dask``: ``local`` or the form of a scheduler's address, checked before any work."""
    if value is None:
        return None
    try:
        return check_dask_address(value)
    except InvalidValueError as exc:
        raise click.BadParameter(f"{exc.value!r} {exc.reason}", ctx, param) from None


def _run_options(
    *, many_populations: bool = False
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Add the shared run options to a command; it receives them as ``run: _Run``."""
    if many_populations:
        population = click.option(
            "--population",
            "populations",
            multiple=True,
            default=("general",),
            show_default=True,
            metavar="NAME",
            help="A population (repeatable: each is run with every policy).",
        )
    else:
        population = click.option(
            "--population",
            "populations",
            default="general",
            show_default=True,
            metavar="NAME",
            help="The population: general, deconditioned, post-injury, athlete, or a plug-in.",
        )
    options = [
        click.option(
            "--protocol",
            default="retro-walk-run",
            show_default=True,
            metavar="NAME|FILE.toml",
            help="The progression protocol: a built-in or plug-in name, or a TOML file.",
        ),
        population,
        click.option(
            "--population-param",
            "population_params",
            multiple=True,
            type=KEY_VALUE,
            metavar="KEY=VALUE",
            help="A population parameter, e.g. heterogeneity=0.5 or attendance=0.9 (repeatable).",
        ),
        click.option(
            "--clients",
            type=click.IntRange(1, MAX_CLIENTS),
            default=run_default("clients"),
            show_default=True,
            metavar="N",
            help=f"Clients simulated (at most {fmt.spaced(MAX_CLIENTS)} a run).",
        ),
        click.option(
            "--weeks",
            type=click.IntRange(1, MAX_WEEKS),
            default=run_default("weeks"),
            show_default=True,
            metavar="N",
            help=f"Weeks each client is followed (at most {MAX_WEEKS}).",
        ),
        click.option(
            "--seed",
            type=click.IntRange(min=0),
            default=run_default("seed"),
            show_default=True,
            metavar="N",
            help="The seed; client i's randomness comes from (seed, i) only.",
        ),
        click.option(
            "--sessions-per-week",
            type=click.IntRange(1, 7),
            default=run_default("sessions_per_week"),
            show_default=True,
            metavar="N",
            help="Scheduled sessions a week.",
        ),
        click.option(
            "--coach-capacity",
            type=click.IntRange(min=1),
            default=None,
            metavar="N",
            help="A coach supervises group sessions of at most N clients [default: no coach].",
        ),
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            metavar="N",
            help="Local worker processes, at most one per CPU (with --dask local: "
            "LocalCluster workers).",
        ),
        click.option(
            "--dask",
            metavar="ADDRESS|local",
            default=None,
            callback=_dask_option,
            help="Run on the Dask scheduler at ADDRESS (HOST:PORT or tcp://HOST:PORT, tls://, "
            "ucx://...), or on a new LocalCluster (dask extra).",
        ),
        click.option(
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            metavar="DIR",
            help="Write the results (JSON, CSV, PNG plots) into DIR, created if missing.",
        ),
        click.option(
            "--json", "as_json", is_flag=True, help="Print the results as JSON on stdout."
        ),
        click.option(
            "--progress/--no-progress",
            default=None,
            help="Show the progress bar at once / never [default: after 1 s, not with --json].",
        ),
    ]
    options.insert(
        -4,
        click.option(
            "--trace",
            type=click.IntRange(min=0),
            default=None,
            metavar="N",
            help="Record every session of the first N clients of each run "
            f"[default: {DEFAULT_TRACE_WITH_OUT} with --out, else 0].",
        ),
    )

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> None:
            shared = {name: kwargs.pop(name, None) for name in _RUN_OPTION_NAMES}
            populations = shared["populations"]
            shared["populations"] = (
                (populations,) if isinstance(populations, str) else tuple(populations)
            )
            shared["population_params"] = _collect(
                shared["population_params"], "--population-param"
            )
            ctx = click.get_current_context()
            given = (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.ENVIRONMENT)
            explicit = frozenset(
                name for name in _RUN_OPTION_NAMES if ctx.get_parameter_source(name) in given
            )
            command(run=_Run(**shared, explicit=explicit), **kwargs)

        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper

    return decorate


_PARAM_HELP = (
    "A policy parameter as KEY=VALUE (repeatable); the value is read as TOML: "
    '3, 0.5, true, "text" (a bare word is text).'
)


# -- formatting -------------------------------------------------------------------------


def _summary_lines(summary: Summary, *, wide: bool = True) -> list[tuple[str, str]]:
    """Label and value of each headline figure; ``wide`` adds the run and stage medians."""
    lines = []
    if wide:
        lines.append(("clients", f"{summary.clients} ({summary.weeks} weeks, seed {summary.seed})"))
    lines += [
        ("sessions (missed)", f"{summary.sessions} ({summary.missed_sessions})"),
        ("goal rate", fmt.pct(summary.goal_rate)),
    ]
    for stage, rate in summary.stage_goal_rates.items():
        median = summary.stage_median_days.get(stage)
        extra = f" (median {fmt.day(median)} d)" if wide and median is not None else ""
        lines.append((f"  {stage} target reached", fmt.pct(rate) + extra))
    lines += [
        (
            "median days to goal (CI)",
            fmt.median(summary.median_days_to_goal, summary.median_days_to_goal_ci),
        ),
        ("adverse /100 sessions", fmt.num(summary.adverse_events_per_100_sessions)),
        ("regressions /100 sessions", fmt.num(summary.regressions_per_100_sessions)),
        ("stop rate", fmt.pct(summary.stop_rate)),
        ("dropout rate", fmt.pct(summary.dropout_rate)),
    ]
    return lines


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _table(title: str, *columns: str) -> Table:
    """A table whose title and column headers are shown as written (see :mod:`._terminal`)."""
    from rich import box
    from rich.table import Table

    table = Table(
        title=text(title),
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 1, 0, 1),
        collapse_padding=True,
        min_width=len(title),  # the title on one line
    )
    for i, column in enumerate(columns):
        table.add_column(text(column), justify="left" if i == 0 else "right", no_wrap=True)
    return table


def _row(table: Table, *cells: str | Text) -> None:
    """Add a row whose cells are shown as written (see :mod:`._terminal`)."""
    table.add_row(*(cell if not isinstance(cell, str) else text(cell) for cell in cells))


def _summary_table(summary: Summary) -> Table:
    title = f"{summary.protocol}: {summary.policy} policy, {summary.population} population"
    table = _table(title, "", "")
    table.show_header = False
    for label, value in _summary_lines(summary):
        _row(table, label, value)
    return table


def _runs_table(runs: Sequence[tuple[Cell, SimulationResult]]) -> Table:
    first = runs[0][1].summary
    title = (
        f"{first.protocol}: {runs[0][0].population} population, the same {first.clients} "
        f"clients for every policy ({first.weeks} weeks, seed {first.seed})"
    )
    table = _table(title, "", *(cell.label for cell, _ in runs))
    columns = [_summary_lines(run.summary, wide=False) for _, run in runs]
    labels = list(dict.fromkeys(label for column in columns for label, _ in column))
    for label in labels:  # protocols with other stages have other rows
        values = [dict(column).get(label, "–") for column in columns]
        _row(table, label, *values)
    return table


def _differences_table(baseline: str, policy: str, differences: Sequence[Difference]) -> Table:
    """Each metric's paired difference (the figures themselves are in the runs table)."""
    table = _table(
        f"{policy} − {baseline}, paired on the same clients",
        "",
        "difference",
        "bootstrap 95 % CI",
        "reading",
    )
    table.columns[-1].justify = "left"
    for d in differences:
        _row(
            table,
            fmt.label(d.metric),
            fmt.compared(d.metric, d.difference, signed=True),
            fmt.interval(d.metric, d.ci_low, d.ci_high),
            fmt.reading(d.ci_low, d.ci_high),
        )
    return table


def _sweep_table(result: ExperimentResult) -> Table:
    names = list(dict.fromkeys(name for cell in result.cells for name in cell.parameters))
    first = result.results[0].summary
    several_policies = len(result.experiment.policies) > 1
    experiment = result.experiment
    policies = ", ".join(dict.fromkeys(cell.policy for cell in result.cells))
    heading = experiment.name if experiment.source is not None else first.protocol
    stages = stages_before_goal(run.spec for run in result.results)
    table = _table(
        f"{heading}: {policies} {'policies' if several_policies else 'policy'}, "
        f"{first.clients} clients per cell ({first.weeks} weeks)",
        *(["policy"] if several_policies else []),
        *(_header(name) for name in names),
        "population",
        "seed",
        *(f"{stage}\ntarget" for stage in stages),
        "goal",
        "median days",
        "adverse\n/100",
        "stop",
        "dropout",
    )
    table.caption = (
        "target: share who passed the stage's target; goal: share who completed the "
        "protocol; median days to goal (95 % CI), –: fewer than half completed"
    )
    table.caption_justify = "left"
    for cell, run in zip(result.cells, result.results, strict=True):
        summary = run.summary
        _row(
            table,
            *([cell.policy] if several_policies else []),
            *(str(cell.parameters.get(name, "")) for name in names),
            cell.population,
            str(cell.seed),
            *(
                "–"
                if stage not in summary.stage_goal_rates
                else fmt.pct(summary.stage_goal_rates[stage])
                for stage in stages
            ),
            fmt.pct(summary.goal_rate),
            fmt.median(summary.median_days_to_goal, summary.median_days_to_goal_ci, missing="–"),
            fmt.num(summary.adverse_events_per_100_sessions),
            fmt.pct(summary.stop_rate),
            fmt.pct(summary.dropout_rate),
        )
    return table


def _header(name: str, width: int = 12) -> str:
    """Break a long parameter name after underscores, for a narrow column header."""
    lines = [""]
    for part in name.replace("_", "_ ").split(" "):
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return "\n".join(lines)


def _print(console: Console, table: Table) -> None:
    """Print ``table`` at its natural width, wider than the console if need be.

    Cropped or wrapped cells would hide figures; a long line at worst wraps.
    """
    from rich.measure import Measurement

    width = Measurement.get(console, console.options.update_width(10_000), table).maximum
    if width > console.width:
        console.width = width
    console.print(table)


def _written(console: Console, out: Path, paths: Sequence[Path]) -> None:
    entries: list[str] = []
    for path in paths:
        parts = path.relative_to(out).parts
        entry = parts[0] + ("/" if len(parts) > 1 else "")
        if entry not in entries:
            entries.append(entry)
    console.print(text(f"wrote {len(paths)} files to {out}: {', '.join(entries)}"), soft_wrap=True)


# -- the commands ----------------------------------------------------------------------


def _examples(*lines: str) -> str:
    """Format example command lines for a help text's epilog, kept as written."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


class _Cli(click.Group):
    """The group, with errors turned into one line and exit code 2.

    Overriding :meth:`main` (rather than wrapping it) means that
    :class:`click.testing.CliRunner` goes through the same error handling.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; exit (or, not standalone, return) with its exit code."""
        with _INTERRUPTS.noted():
            try:
                returned = super().main(
                    args,
                    prog_name or "retroprog",
                    complete_var,
                    standalone_mode=False,
                    windows_expand_args=windows_expand_args,
                    **extra,
                )
                # not standalone, click returns a raised Exit's code (commands return None)
                code = returned if isinstance(returned, int) else 0
            except (Exception, KeyboardInterrupt) as exc:
                code = _exit_code(exc)
            if _INTERRUPTS.seen and code != EXIT_INTERRUPTED:  # Ctrl-C that was lost somewhere
                code = _error("interrupted", EXIT_INTERRUPTED)
        if standalone_mode:
            sys.exit(code)
        return code


def _exit_code(exc: BaseException) -> int:
    """Say what ended the command, in one line; its exit code.  Not the user's fault: raise."""
    if isinstance(exc, _Stopped):
        return _error(exc.format_message(), exc.code)
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    if _INTERRUPTS.seen or isinstance(exc, (click.Abort, KeyboardInterrupt)):
        return _error("interrupted", EXIT_INTERRUPTED)  # whatever Ctrl-C broke on its way
    if isinstance(exc, click.UsageError):
        if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
            click.echo(exc.ctx.get_help())
            return 0
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        return _error(exc.format_message() + hint)
    if isinstance(exc, click.ClickException):
        return _error(exc.format_message())
    if isinstance(exc, RetroprogError):
        return _error(str(exc))
    if isinstance(exc, OSError):
        return _error(_os_error(exc))
    raise exc


def _os_error(exc: OSError) -> str:
    if exc.strerror and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc) or type(exc).__name__


def _error(message: str, code: int = EXIT_ERROR) -> int:
    """Print ``message`` as one line on stderr, without control characters; returns ``code``."""
    click.echo(f"retroprog: error: {' '.join(clean(message).split())}", err=True)
    return code


# -- Ctrl-C ---------------------------------------------------------------------------


class _Interrupts:
    """Ctrl-C, at any moment of a command, ends it with exit code 130.

    Python raises ``KeyboardInterrupt`` wherever the main thread happens to be:
    inside a finalizer (``__del__``, a weakref callback) it is printed as
    "Exception ignored" and lost, and inside a library it may turn into another
    error.  So while a command runs, Ctrl-C is also noted: commands
    :meth:`check` the note between phases (running, writing, printing), any
    error after Ctrl-C counts as the interruption, and one lost in a finalizer
    is neither printed nor forgotten.
    """

    def __init__(self) -> None:
        self.seen = False

    @contextlib.contextmanager
    def noted(self) -> Iterator[None]:
        """Note Ctrl-C while the block runs (raising ``KeyboardInterrupt`` as usual)."""
        self.seen = False
        handled = (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN  # e.g. under nohup
        )
        previous = signal.signal(signal.SIGINT, self._interrupt) if handled else None
        hook = sys.unraisablehook

        def unraisable(info: Any) -> None:
            if isinstance(info.exc_value, KeyboardInterrupt):
                self.seen = True  # raised again at the next check
            else:
                hook(info)

        sys.unraisablehook = unraisable
        try:
            yield
        finally:
            sys.unraisablehook = hook
            if handled:
                signal.signal(signal.SIGINT, previous)

    def _interrupt(self, _signum: int, _frame: object) -> None:
        self.seen = True
        raise KeyboardInterrupt

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` if Ctrl-C was pressed and lost on its way."""
        if self.seen:
            raise KeyboardInterrupt


_INTERRUPTS = _Interrupts()


@contextlib.contextmanager
def _interruptible(stopped: Callable[[], _Stopped]) -> Iterator[None]:
    """Turn Ctrl-C, at any moment of the block, into ``stopped()`` (exit 130, how to resume)."""
    try:
        yield
        _INTERRUPTS.check()
    except (KeyboardInterrupt, click.Abort):
        raise stopped() from None
    except Exception:
        if not _INTERRUPTS.seen:
            raise
        raise stopped() from None


def _claimed(out: Path | None) -> contextlib.AbstractContextManager[Any]:
    """The output folder, claimed for this run (:func:`~retroprog_sim._folder.claim`)."""
    return contextlib.nullcontext() if out is None else claim(out)


@click.group(
    "retroprog",
    cls=_Cli,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=_examples(
        "retroprog simulate                       the reference policy on 1000 clients",
        "retroprog compare reference staircase    two policies on the same clients",
        "retroprog sweep --grid stop_after=1,2,3  a grid over a policy's parameters",
        "retroprog check mypolicies:cautious      a policy against the safety invariants",
        "retroprog next client.jsonl              a client's next prescription, and why",
        "retroprog plugins                        protocols, policies, populations",
    ),
)
@click.version_option(retroprog.__version__, prog_name="retroprog")
def cli() -> None:
    """Simulate progression policies, check their safety, and plan a client's next session."""


@cli.command(
    epilog=_examples(
        "retroprog simulate --policy staircase --population deconditioned --out results",
        "retroprog simulate --param stop_after=3 --population-param heterogeneity=0.5",
    )
)
@click.option(
    "--policy", default="reference", show_default=True, metavar="NAME", help="The policy."
)
@click.option(
    "--param", "params", multiple=True, type=KEY_VALUE, metavar="KEY=VALUE", help=_PARAM_HELP
)
@_run_options()
def simulate(run: _Run, policy: str, params: tuple[tuple[str, Any], ...]) -> None:
    """Simulate one policy on a population and print its figures."""
    spec = run.spec(retroprog.load_policy(policy, **_collect(params, "--param")))
    out = run.out

    def stopped() -> _Stopped:
        if out is None:
            return _Stopped("interrupted", EXIT_INTERRUPTED)
        if (out / MANIFEST).exists():
            return _Stopped(f"interrupted; the results are written in {out}", EXIT_INTERRUPTED)
        return _Stopped(
            f"interrupted; {out} holds no complete results (no {MANIFEST}); "
            "run the same command again",
            EXIT_INTERRUPTED,
        )

    with _claimed(out), _interruptible(stopped):
        with run.executor() as executor, run.progress_bar("simulating", spec.clients) as bar:
            result = _simulate(spec, executor=executor, progress=bar)
        _INTERRUPTS.check()
        written = _output.write_outputs(result, out) if out is not None else []
        _INTERRUPTS.check()
        if run.as_json:
            click.echo(_output.json_text(_output.summary_document(result)), nl=False)
            return
        console = _console()
        _print(console, _summary_table(result.summary))
        if out is not None:
            _written(console, out, written)


def _split_params(
    pairs: Sequence[tuple[str, Any]], names: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Each policy's parameters: ``KEY=V`` for all, ``POLICY.KEY=V`` for one (it wins)."""
    shared = _collect(((k, v) for k, v in pairs if "." not in k), "--param")
    own: dict[str, list[tuple[str, Any]]] = {name: [] for name in names}
    for key, value in pairs:
        if "." in key:
            policy, _, param = key.rpartition(".")
            if policy not in own:
                raise click.UsageError(
                    f"--param {key}: {policy!r} is not one of the compared policies "
                    f"({', '.join(names)})"
                )
            own[policy].append((param, value))
    return {name: {**shared, **_collect(own[name], f"--param {name}.")} for name in names}


def _run(run: _Run, experiment: Experiment, kind: Kind) -> None:
    """Run an experiment (saving each finished run), then write and print its results."""
    cells = experiment.cells(kind)
    out = experiment.out
    saved: list[Cell] = []
    reused: list[Cell] = []

    def finished(cell: Cell, from_store: bool) -> None:
        (reused if from_store else saved).append(cell)

    def stopped(reason: str = "interrupted", code: int = EXIT_INTERRUPTED) -> _Stopped:
        done = len(saved) + len(reused)
        if out is None:
            message = f"{reason}; nothing was saved (give --out DIR to keep finished runs)"
        else:
            message = (
                f"{reason}; {done} of {len(cells)} runs are finished and saved in "
                f"{out / CELLS}; run the same command again to finish the rest"
            )
        return _Stopped(message, code)

    total = sum(cell.spec.clients for cell in cells)
    description = "comparing" if kind == "compare" else "sweeping"
    with _claimed(out), _interruptible(stopped):
        try:
            with run.executor() as executor, run.progress_bar(description, total) as bar:
                result = run_experiment(
                    experiment, kind, executor=executor, progress=bar, finished=finished
                )
        except Exception as exc:
            if _INTERRUPTS.seen or not _worker_lost(exc):
                raise
            raise stopped(f"a worker was lost ({type(exc).__name__}: {exc})", EXIT_ERROR) from None
        _INTERRUPTS.check()
        if reused and out is not None:
            click.echo(
                clean(
                    f"resumed: {len(reused)} of {len(cells)} runs were already finished in "
                    f"{out / CELLS}"
                ),
                err=True,
            )
        written = _output.write_experiment(result, out) if out is not None else []
        _INTERRUPTS.check()
        if run.as_json:
            click.echo(_output.json_text(_output.experiment_document(result)), nl=False)
            return
        console = _console()
        if kind == "sweep":
            _print(console, _sweep_table(result))
        for group, runs in result.groups().items() if kind == "compare" else []:
            _print(console, _runs_table(runs))
            baseline = runs[0][0].label
            for label, differences in result.differences[group].items():
                console.print()
                _print(console, _differences_table(baseline, label, differences))
            console.print()
        if out is not None:
            _written(console, out, written)


def _worker_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says a worker process died (a process pool's or Dask's)."""
    from concurrent.futures import BrokenExecutor

    return isinstance(exc, BrokenExecutor) or type(exc).__name__ == "KilledWorker"


class _Stopped(click.ClickException):
    """A run stopped before the end: the message says what is saved and how to finish."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _experiment_argument(args: Sequence[str]) -> str | None:
    """The experiment file, when the arguments are one ``.toml`` file."""
    if len(args) == 1 and (args[0].endswith(".toml") or Path(args[0]).is_file()):
        return args[0]
    return None


@cli.command(
    epilog=_examples(
        "retroprog compare experiment.toml --workers 2",
        "retroprog compare reference pain-monitoring staircase --out results",
        "retroprog compare reference cautious --param reference.stop_after=3",
    )
)
@click.argument("policies", nargs=-1, required=True, metavar="EXPERIMENT.toml | POLICY POLICY...")
@click.option(
    "--param",
    "params",
    multiple=True,
    type=KEY_VALUE,
    metavar="[POLICY.]KEY=VALUE",
    help="A policy parameter (repeatable): KEY=VALUE sets it for every policy, "
    "POLICY.KEY=VALUE for that policy only (and wins over KEY=VALUE). "
    'The value is read as TOML: 3, 0.5, true, "text".',
)
@_run_options(many_populations=True)
def compare(run: _Run, policies: tuple[str, ...], params: tuple[tuple[str, Any], ...]) -> None:
    """Run policies on the same clients; compare each with the first.

    Each client meets every policy with the same luck (randomness from (seed,
    client id)), so the paired differences, with bootstrap 95 % CIs, come from
    the policies and not from chance.  Give the policies by name, or one
    experiment file (TOML) that names the protocol, policies, populations,
    clients, weeks, seeds and output folder.  With an output folder each
    finished run is saved at once, and running the same command again after an
    interruption skips the finished runs.
    """
    path = _experiment_argument(policies)
    if path is not None:
        if params:
            raise click.UsageError(
                f"--param cannot be used with an experiment file: set it in {path}"
            )
        _run(run, run.experiment_file(path, "compare"), "compare")
        return
    if len(policies) < 2:
        raise click.UsageError("compare needs at least two policies, or an experiment file")
    if len(set(policies)) < len(policies):
        raise click.UsageError(
            "compare needs different policies; to compare one policy with different "
            "parameters, write an experiment file with a label for each (see the docs, "
            "'Experiment files'), or use sweep"
        )
    settings = _split_params(params, policies)
    loaded = [retroprog.load_policy(name, **settings[name]) for name in policies]
    names = [p.name for p in loaded]
    if len(set(names)) < len(names):
        raise click.UsageError(f"the policies' names clash ({', '.join(names)})")
    entries = [PolicyEntry(name, params=settings[name]) for name in policies]
    _run(run, run.experiment("compare", entries), "compare")


@cli.command(
    epilog=_examples(
        "retroprog sweep experiment.toml --dask tcp://scheduler:8786",
        "retroprog sweep --grid stop_after=1,2,3 --grid successes_to_progress=2,3",
        "retroprog sweep --policy staircase --grid step_shrink=0.5,1.0 "
        "--population general --population athlete --clients 300",
    )
)
@click.argument("experiment_file", required=False, metavar="[EXPERIMENT.toml]")
@click.option(
    "--policy", default="reference", show_default=True, metavar="NAME", help="The policy swept."
)
@click.option(
    "--param",
    "params",
    multiple=True,
    type=KEY_VALUE,
    metavar="KEY=VALUE",
    help="A policy parameter fixed for every cell (repeatable; the value is read as TOML).",
)
@click.option(
    "--grid",
    "grid",
    multiple=True,
    type=GRID,
    metavar="KEY=V1,V2,...",
    help="A policy parameter and its values, split at commas (repeatable; every "
    "combination is a cell).",
)
@_run_options(many_populations=True)
def sweep(
    run: _Run,
    experiment_file: str | None,
    policy: str,
    params: tuple[tuple[str, Any], ...],
    grid: tuple[tuple[str, tuple[Any, ...]], ...],
) -> None:
    """Run policies over a grid of their parameters, populations and seeds.

    Prints one row per cell.  Give the grid with options, or one experiment
    file (TOML) with a grid per policy.  With an output folder each finished
    cell is saved at once, and running the same command again after an
    interruption skips the finished cells.
    """
    if experiment_file is not None:
        ctx = click.get_current_context()
        for name, option in (("policy", "--policy"), ("params", "--param"), ("grid", "--grid")):
            if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE:
                raise click.UsageError(
                    f"{option} cannot be used with an experiment file: set it in {experiment_file}"
                )
        _run(run, run.experiment_file(experiment_file, "sweep"), "sweep")
        return
    fixed = _collect(params, "--param")
    axes = _collect(grid, "--grid")
    for key in axes:
        if key in fixed:
            raise click.UsageError(f"{key} is given both as --param and as --grid")
    experiment = run.experiment("sweep", [PolicyEntry(policy, params=fixed, grid=axes)])
    too_many = too_many_runs(experiment)  # counted before any cell is built
    if too_many is not None:
        raise click.UsageError(f"--grid: {too_many.message}")
    names = list(axes)
    for values in itertools.product(*axes.values()):  # every cell's policy is valid before running
        retroprog.load_policy(policy, **fixed, **dict(zip(names, values, strict=True)))
    for name in run.populations:
        run.population(name)
    retroprog.load_protocol(run.protocol)
    _run(run, experiment, "sweep")


@cli.command(
    epilog=_examples(
        "retroprog check reference",
        "retroprog check staircase --param successes_to_progress=1 --examples 500",
        "retroprog check mypolicies:cautious --protocol my-protocol.toml --seed 1",
    )
)
@click.argument("policy", metavar="POLICY")
@click.option(
    "--protocol",
    default="retro-walk-run",
    show_default=True,
    metavar="NAME|FILE.toml",
    help="The progression protocol the policy is checked on.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    type=KEY_VALUE,
    metavar="KEY=VALUE",
    help=_PARAM_HELP + " With MODULE:ATTRIBUTE they are passed to the factory.",
)
@click.option(
    "--examples",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    metavar="N",
    help="Outcome sequences tried (Hypothesis examples).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Try a different (still reproducible) set of sequences "
    "[default: the same derandomized search every run].",
)
def check(
    policy: str,
    protocol: str,
    params: tuple[tuple[str, Any], ...],
    examples: int,
    seed: int | None,
) -> None:
    """Check a policy against every safety invariant.

    Exits 0 when every invariant holds and 1 on a violation.  POLICY is a
    built-in or plug-in policy name, or MODULE:ATTRIBUTE naming a policy object,
    or a factory that --param values are passed to (the module is imported from
    the current folder or the installed packages).

    Hypothesis drives the policy through sequences of session outcomes and
    checks every decision (see the safety invariants in the docs); a violation
    is printed with the shrunk outcome sequence and the decision that broke it.
    """
    try:
        from retroprog.testing import check_policy
    except ImportError as exc:
        raise InvalidValueError(
            "check", policy, f"needs the testing extra: pip install 'retroprog[testing]' ({exc})"
        ) from None
    from retroprog.exceptions import PolicyViolation

    loaded_protocol = retroprog.load_protocol(protocol)
    settings = _collect(params, "--param")
    loaded = _load_checked_policy(policy, settings)
    what = loaded.name
    if settings:
        what += " with " + ", ".join(f"{key}={value!r}" for key, value in settings.items())
    try:
        check_policy(loaded, loaded_protocol, max_examples=examples, seed=seed)
    except PolicyViolation as violation:
        click.echo(f"FAIL: {what} breaks a safety invariant on {loaded_protocol.name}\n")
        click.echo(str(violation))
        raise click.exceptions.Exit(EXIT_VIOLATION) from None
    click.echo(
        f"PASS: {what} keeps every safety invariant on {loaded_protocol.name} ({examples} examples)"
    )


def _load_checked_policy(spec: str, params: Mapping[str, Any]) -> retroprog.RegressionPolicy:
    """``NAME`` through :func:`retroprog.load_policy`, or ``MODULE:ATTRIBUTE`` imported."""
    if ":" not in spec:
        return retroprog.load_policy(spec, **params)
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise InvalidValueError("policy", spec, "is not NAME or MODULE:ATTRIBUTE")
    try:
        with _current_folder_importable():
            module = importlib.import_module(module_name)
    except Exception as exc:  # whatever the module raises on import, one line
        raise InvalidValueError(
            "policy", spec, f"cannot import {module_name!r}: {type(exc).__name__}: {exc}"
        ) from None
    found: Any = module
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise InvalidValueError(
                "policy", spec, f"{module_name!r} has no attribute {attribute!r}"
            ) from None
    _probe(found, spec)
    if callable(found) and not isinstance(found, retroprog.RegressionPolicy):
        check_keywords(f"policy {spec!r}", found, params)
        try:
            found = found(**params)
        except RetroprogError:
            raise
        except Exception as exc:  # the factory refused its parameters
            raise InvalidValueError(
                "policy", spec, f"the factory failed: {type(exc).__name__}: {exc}"
            ) from None
    elif params:
        raise UnknownParameterError(
            f"policy {spec!r} (an object, not a factory)", next(iter(params)), []
        )
    _probe(found, spec)
    if not isinstance(found, retroprog.RegressionPolicy):
        raise InvalidValueError(
            "policy",
            spec,
            f"is of type {type(found).__name__}, not a policy (it needs name, pain_threshold "
            "and decide(protocol, state, outcome))",
        )
    return found


def _probe(found: object, spec: str) -> None:
    """Read a policy's ``name`` and ``pain_threshold`` once, so that one that raises is one line."""
    for attribute in ("name", "pain_threshold"):
        try:
            getattr(found, attribute)
        except AttributeError:  # not a policy: the caller says so
            pass
        except Exception as exc:  # a plug-in's property can raise anything
            raise InvalidValueError(
                "policy", spec, f"reading its {attribute} raised {type(exc).__name__}: {exc}"
            ) from None


@contextlib.contextmanager
def _current_folder_importable() -> Iterator[None]:
    """Let ``MODULE`` be found in the current folder, as ``python -m`` would."""
    cwd = os.getcwd()
    added = cwd not in sys.path and "" not in sys.path
    if added:
        sys.path.insert(0, cwd)
    try:
        yield
    finally:
        if added:
            with contextlib.suppress(ValueError):
                sys.path.remove(cwd)


_KINDS = {
    "retroprog.protocols": "protocol",
    "retroprog.policies": "policy",
    "retroprog.populations": "population",
}


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON on stdout.")
def plugins(as_json: bool) -> None:
    """List protocols, policies and populations, built-in and plug-in.

    A plug-in that fails to load is listed with its error; the others still work.
    """
    rows: list[dict[str, str]] = []
    for group in GROUPS:
        report = load_all(group)
        kind = _KINDS.get(group, group)
        for name, spec in report.specs.items():
            error = report.broken.get(name) if name not in report.loaded else None
            rows.append(
                {
                    "kind": kind,
                    "name": name,
                    "source": spec.source,
                    "value": spec.value,
                    "status": "ok" if error is None else "broken",
                    "error": "" if error is None else _plugin_error(error),
                }
            )
        for name, error in report.broken.items():
            if name in report.loaded:  # an entry point that clashes with a built-in
                rows.append(
                    {
                        "kind": kind,
                        "name": name,
                        "source": "entry point",
                        "value": "",
                        "status": "broken",
                        "error": _plugin_error(error),
                    }
                )
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = _table("Protocols, policies and populations", "kind", "name", "source", "status")
    for column in table.columns[1:]:
        column.justify = "left"
    for row in rows:
        status = (
            text("ok") if row["status"] == "ok" else text("broken", "red") + f": {row['error']}"
        )
        _row(table, row["kind"], row["name"], row["source"], status)
    _console().print(table)


def _plugin_error(error: PluginError) -> str:
    cause = error.error
    return f"{type(cause).__name__}: {cause}"


@cli.command(
    "next",
    epilog=_examples(
        "retroprog next client.jsonl",
        "retroprog next client.jsonl --policy pain-monitoring --json",
    ),
)
@click.argument("log", metavar="LOG.jsonl")
@click.option(
    "--protocol",
    default="retro-walk-run",
    show_default=True,
    metavar="NAME|FILE.toml",
    help="The progression protocol.",
)
@click.option(
    "--policy", default="reference", show_default=True, metavar="NAME", help="The policy."
)
@click.option(
    "--param", "params", multiple=True, type=KEY_VALUE, metavar="KEY=VALUE", help=_PARAM_HELP
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON object: action, prescription, reasons, explanation, state.",
)
def next_(
    log: str, protocol: str, policy: str, params: tuple[tuple[str, Any], ...], as_json: bool
) -> None:
    """Print the next prescription for a session log, and why.

    LOG.jsonl is the client's session log, one session outcome per line.

    The log is replayed from the start through the policy, so a corrected or
    amended session (e.g. next-day pain added later) re-plans cleanly.
    """
    loaded_protocol = retroprog.load_protocol(protocol)
    loaded_policy = retroprog.load_policy(policy, **_collect(params, "--param"))
    decisions = retroprog.replay(loaded_protocol, loaded_policy, retroprog.read_log(log))
    if decisions:
        last = decisions[-1]
        action: str | None = last.action.value
        state, prescription = last.state, last.prescription
        reasons, explanation = list(last.reasons), last.explanation
    else:
        action, reasons = None, []
        state = retroprog.start(loaded_protocol)
        prescription = loaded_protocol.prescribe(state)
        explanation = "no sessions logged yet: start at the protocol's first stage"
    if as_json:
        document = {
            "action": action,
            "prescription": None if prescription is None else retroprog.to_dict(prescription),
            "reasons": reasons,
            "explanation": explanation,
            "state": retroprog.to_dict(state),
            "sessions": len(decisions),
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    lines = []
    if prescription is not None:
        lines.append(f"next session: {prescription}")
    elif state.status is retroprog.Status.STOPPED:
        lines.append("next session: none; the client is stopped (avoid the exercise and refer)")
    else:
        lines.append("next session: none; the protocol is complete")
    lines.append(f"why:          {explanation}")
    if action is not None:
        lines.append(f"decision:     {action} ({', '.join(reasons) or 'no reason codes'})")
    stage = loaded_protocol.stage(state.stage)
    where = stage.level_name(state.level) if stage.levels else f"{state.stage} at {state.level} s"
    lines.append(f"state:        {state.status}, {where}, {len(decisions)} session(s) logged")
    for line in lines:  # stage names come from the protocol file: no escape sequences
        click.echo(clean(line))


def main() -> None:
    """Run the ``retroprog`` console script."""
    cli.main(prog_name="retroprog")
