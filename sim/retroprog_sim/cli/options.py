"""The options every run shares, made from the run settings; ``KEY=VALUE`` values.

``simulate``, ``compare`` and ``sweep`` take the same options: what to run
(``--protocol``, ``--population``), one option per run setting (made from
:data:`~retroprog_sim.SETTINGS`, so a new setting is a new option without a
change here), and how and where to run (``--workers``, ``--dask``, ``--out``,
``--json``, ``--progress``).  A command receives them as one :class:`RunOptions`.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import click

import retroprog
from retroprog.exceptions import InvalidValueError

from ..extras import require
from ..settings import DEFAULT_TRACES, SETTINGS, RunSettings
from .progress import PROGRESS_DELAY, ProgressBar

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - depends on the Python version
    import tomli as tomllib

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from ..engine.spec import RunSpec
    from ..experiment.model import Experiment, Kind, PolicyEntry
    from ..model.population import Population

__all__ = [
    "DEFAULT_TRACE_WITH_OUT",
    "GRID",
    "KEY_VALUE",
    "MAX_VALUE_LENGTH",
    "PARAM_HELP",
    "RunOptions",
    "collect",
    "executor_options",
    "param_option",
    "parse_value",
    "policy_option",
    "protocol_option",
    "run_options",
    "setting_options",
    "with_options",
]


#: Clients traced by default when ``--out`` is given (as in an experiment file).
DEFAULT_TRACE_WITH_OUT = DEFAULT_TRACES


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


class _KeyValues(click.ParamType):  # type: ignore[type-arg]
    """``KEY=VALUE`` (or, with ``many``, ``KEY=V1,V2,…``), values parsed by :func:`parse_value`."""

    def __init__(self, *, many: bool) -> None:
        self.many = many
        self.name = "key=v1,v2" if many else "key=value"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """``(KEY, value)``, or ``(KEY, (V1, V2, …))``; one line naming the option if not."""
        if isinstance(value, tuple):
            return value
        form = "KEY=V1,V2,..." if self.many else "KEY=VALUE"
        key, sep, text = str(value).partition("=")
        key = key.strip()
        if not sep or not key:
            self.fail(f"{_shortened(str(value))!r} is not {form}", param, ctx)
        if not self.many:
            return key, _parsed(text.strip(), param, ctx)
        values = [_parsed(part.strip(), param, ctx) for part in text.split(",") if part.strip()]
        if not values:
            self.fail(f"{_shortened(str(value))!r} is not {form}", param, ctx)
        return key, tuple(values)


KEY_VALUE = _KeyValues(many=False)
GRID = _KeyValues(many=True)


def collect(pairs: Iterable[tuple[str, Any]], option: str) -> dict[str, Any]:
    """``KEY=VALUE`` pairs as a dict; a key given twice is an error."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise click.UsageError(f"{option} {key} is given twice")
        out[key] = value
    return out


@attrs.frozen
class RunOptions:
    """The options of ``simulate``, ``compare`` and ``sweep`` that are not the policy's.

    ``settings`` holds the run settings given on the command line (the others
    are :class:`~retroprog_sim.RunSettings`' defaults, or an experiment file's).
    """

    protocol: str
    populations: tuple[str, ...]
    population_params: dict[str, Any]
    settings: dict[str, Any]
    workers: int
    dask: str | None
    out: Path | None
    as_json: bool
    progress: bool | None
    explicit: frozenset[str] = frozenset()

    def run_settings(self) -> RunSettings:
        """The settings given, the others the defaults (a few traced clients with ``--out``)."""
        traces = DEFAULT_TRACE_WITH_OUT if self.out is not None else 0
        return RunSettings(**{"trace_clients": traces, **self.settings})

    def spec(self, policy: retroprog.RegressionPolicy, population: str | None = None) -> RunSpec:
        """Build the run's :class:`RunSpec`, loading the protocol and population."""
        from ..engine.spec import RunSpec

        return RunSpec(
            retroprog.load_protocol(self.protocol),
            policy,
            self.population(population or self.populations[0]),
            self.run_settings(),
        )

    def population(self, name: str) -> Population:
        """Load the population ``name`` with the ``--population-param`` settings."""
        from ..model.population import load_population

        return load_population(name, **self.population_params)

    def progress_bar(self, description: str, total: int, *, unit: str = "clients") -> ProgressBar:
        """Make the progress bar (``--progress``/``--no-progress``; never with ``--json``)."""
        enabled = not self.as_json and self.progress is not False
        delay = 0.0 if self.progress else PROGRESS_DELAY
        return ProgressBar(description, total, enabled=enabled, delay=delay, unit=unit)

    def executor(self) -> contextlib.AbstractContextManager[Executor | None]:
        """The run's executor (``executor_for``); says so when there are fewer CPUs."""
        from ..executors import cpu_count, executor_for, local_workers

        if self.dask in (None, "local") and local_workers(self.workers) < self.workers:
            click.echo(
                f"retroprog: note: --workers {self.workers}: this machine has {cpu_count()} "
                f"CPU(s); using {local_workers(self.workers)} worker(s)",
                err=True,
            )
        return executor_for(self.workers, self.dask)

    def experiment(self, name: str, policies: Sequence[PolicyEntry]) -> Experiment:
        """The experiment these options describe, for ``policies``."""
        from ..experiment.model import Experiment, PopulationEntry, ProtocolChoice

        settings = self.run_settings()
        return Experiment(
            policies,
            name=name,
            protocol=ProtocolChoice(self.protocol),
            populations=[
                PopulationEntry(p, params=self.population_params) for p in self.populations
            ],
            run_settings=settings,
            seeds=(settings.seed,),
            out=self.out,
        )

    def experiment_file(self, path: str, kind: Kind) -> Experiment:
        """Read an experiment file; settings given as options win over the file's.

        What the file holds besides its settings (the protocol, the populations)
        must not be given as well.
        """
        from ..experiment.reader import load_experiment

        for name, option in _EXPERIMENT_OPTIONS.items():
            if name in self.explicit:
                raise click.UsageError(
                    f"{option} cannot be used with an experiment file: set it in {path}"
                )
        experiment = load_experiment(path, kind=kind)
        if self.settings:
            experiment = experiment.overridden(self.settings)
        return experiment if self.out is None else attrs.evolve(experiment, out=self.out)


#: The options of an experiment file's content (its settings may be given as options).
_EXPERIMENT_OPTIONS = {
    "protocol": "--protocol",
    "populations": "--population",
    "population_params": "--population-param",
}


_GIVEN = (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.ENVIRONMENT)


def _dask_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--dask``: ``local`` or the form of a scheduler's address, checked before any work."""
    if value is None:
        return None
    from ..executors import check_dask_address

    try:
        return check_dask_address(value)
    except InvalidValueError as exc:
        raise click.BadParameter(f"{exc.value!r} {exc.reason}", ctx, param) from None


def setting_options(*names: str) -> list[Callable[[Any], Any]]:
    """One option per run setting, made from :data:`~retroprog_sim.SETTINGS`.

    ``names``: the settings (default: all).  The command receives each as its
    field's name, the record's default when not given (``None`` for a setting
    whose default is described, e.g. ``--coach-capacity``).
    """
    options = []
    for name in names or tuple(SETTINGS):
        setting = SETTINGS[name]
        default = None if setting.default_text else _SETTING_FIELDS[name].default
        extra = f"  [default: {setting.default_text}]" if setting.default_text else ""
        options.append(
            click.option(
                setting.option,
                name,
                type=click.IntRange(setting.low, setting.high),
                default=default,
                show_default=default is not None,
                metavar="N",
                help=setting.help + extra,
            )
        )
    return options


_SETTING_FIELDS = attrs.fields_dict(RunSettings)


def run_options(
    *, many_populations: bool = False
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Add the shared run options to a command; it receives them as ``run: RunOptions``."""
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
            help="The population: general, deconditioned, post-injury, athlete, a plug-in, "
            "or MODULE:ATTR.",
        )
    options = [
        protocol_option(),
        population,
        click.option(
            "--population-param",
            "population_params",
            multiple=True,
            type=KEY_VALUE,
            metavar="KEY=VALUE",
            help="A population parameter, e.g. heterogeneity=0.5 or attendance=0.9 (repeatable).",
        ),
        *setting_options(),
        *executor_options(),
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
    names = ["protocol", "populations", "population_params", "workers", "dask", "out"]
    names += ["as_json", "progress"]

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> None:
            ctx = click.get_current_context()
            require("sim", ctx.command_path)  # before anything loads the engine
            values = {name: kwargs.pop(name) for name in SETTINGS}
            given = {
                name: value
                for name, value in values.items()
                if ctx.get_parameter_source(name) in _GIVEN
            }
            shared = {name: kwargs.pop(name) for name in names}
            populations = shared["populations"]
            shared["populations"] = (
                (populations,) if isinstance(populations, str) else tuple(populations)
            )
            shared["population_params"] = collect(shared["population_params"], "--population-param")
            explicit = frozenset(name for name in names if ctx.get_parameter_source(name) in _GIVEN)
            command(run=RunOptions(**shared, settings=given, explicit=explicit), **kwargs)

        decorated: Callable[..., None] = with_options(*options)(wrapper)
        return decorated

    return decorate


PARAM_HELP = (
    "A policy parameter as KEY=VALUE (repeatable); the value is read as TOML: "
    '3, 0.5, true, "text" (a bare word is text).'
)


def with_options(*options: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Apply click ``options`` to a command, the first shown first in its help."""

    def decorate(command: Any) -> Any:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def executor_options() -> list[Callable[[Any], Any]]:
    """``--workers N`` and ``--dask ADDRESS|local``: where the work runs."""
    return [
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
    ]


def protocol_option(help: str = "The progression protocol") -> Callable[[Any], Any]:
    """``--protocol``: a built-in or plug-in name, a TOML file, or ``MODULE:ATTR``."""
    return click.option(
        "--protocol",
        default="retro-walk-run",
        show_default=True,
        metavar="NAME|FILE.toml",
        help=f"{help}: a built-in or plug-in name, a TOML file, or MODULE:ATTR.",
    )


def policy_option(help: str = "The policy") -> Callable[[Any], Any]:
    """``--policy``: a built-in or plug-in name, or ``MODULE:ATTR``."""
    return click.option(
        "--policy",
        default="reference",
        show_default=True,
        metavar="NAME",
        help=f"{help}: a built-in or plug-in name, or MODULE:ATTR.",
    )


def param_option(help: str = PARAM_HELP, *, metavar: str = "KEY=VALUE") -> Callable[[Any], Any]:
    """``--param KEY=VALUE`` (repeatable): a policy parameter."""
    return click.option(
        "--param", "params", multiple=True, type=KEY_VALUE, metavar=metavar, help=help
    )
