"""An experiment's ``[tune]`` table: whose parameters are searched, over what, under which limits.

:class:`TuneSpec` is the table as a record; :meth:`TuneSpec.problems` finds
what is wrong with it on its own, and :func:`tune_problems` what is wrong with
it in its experiment (the policy and the space are checked by loading the
policy, as the rest of the file is).  Running it is :func:`retroprog_sim.tune`.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

import retroprog
from retroprog.exceptions import Problem, RetroprogError, UnknownParameterError

from ..comparison import figure_names, shared_stages
from ..settings import spaced

if TYPE_CHECKING:
    from .model import Experiment

__all__ = ["MAX_TRIALS", "Dimension", "TuneSpec", "tune_problems"]

#: The most trials a study may run (each simulates every population and training seed).
MAX_TRIALS = 10_000

#: Which way the objective is better.
Direction = Literal["maximize", "minimize"]

#: A choice of a dimension: what a TOML value and Optuna's categorical choices share.
Choice = str | int | float | bool


@attrs.frozen
class Dimension:
    """One searched parameter: a range of numbers, or a list of choices.

    A range of two whole numbers is searched over the whole numbers between them
    (both included); a range with a decimal is searched over the real numbers.

    :param low: the smallest value of a range.
    :param high: the largest value of a range.
    :param choices: the values to choose from (instead of a range).

    >>> Dimension.read([1, 3]).kind, Dimension.read([0.5, 1.0]).kind
    ('int', 'float')
    >>> Dimension.read(["a", "b"]).kind, Dimension.read({"choices": [2, 4]}).values()
    ('choice', (2, 4))
    """

    low: float | None = None
    high: float | None = None
    choices: tuple[Choice, ...] = attrs.field(default=(), converter=tuple)

    @classmethod
    def read(cls, value: Any) -> Dimension:
        """A dimension as the file writes it: ``[low, high]``, a list, or ``{choices = […]}``."""
        if isinstance(value, Mapping):
            return cls(choices=tuple(value.get("choices", ())))
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if len(values) == 2 and all(_number(v) for v in values):
            return cls(low=values[0], high=values[1])
        return cls(choices=tuple(values))

    @property
    def kind(self) -> Literal["int", "float", "choice"]:
        """``int`` or ``float`` for a range (whole numbers or not), ``choice`` for choices."""
        if self.low is None or self.high is None:
            return "choice"
        return "int" if type(self.low) is int and type(self.high) is int else "float"

    def values(self) -> tuple[Choice, ...]:
        """The values the file's checks load the policy with: the range's ends, or each choice."""
        if self.kind == "choice":
            return self.choices
        return (self.low, self.high)  # type: ignore[return-value]

    def problem(self) -> str | None:
        """What is wrong with the dimension itself, or ``None``."""
        if self.kind == "choice":
            if not self.choices:
                return "must be [low, high] or a non-empty list of choices"
            if any(not isinstance(c, (str, int, float, bool)) for c in self.choices):
                return f"choices must be numbers, strings or booleans, got {list(self.choices)!r}"
            if len({json.dumps(c) for c in self.choices}) < len(self.choices):
                return "a choice is listed twice"
            return None
        assert self.low is not None
        assert self.high is not None
        if not all(math.isfinite(v) for v in (self.low, self.high)) or self.low >= self.high:
            return f"must be [low, high] with low < high, got [{self.low}, {self.high}]"
        return None

    def plain(self) -> Any:
        """The dimension as the file writes it."""
        return list(self.choices) if self.kind == "choice" else [self.low, self.high]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _space(value: Mapping[str, Dimension]) -> dict[str, Dimension]:
    return dict(value)


def _limits(value: Mapping[str, float]) -> dict[str, float]:
    return dict(value)


def _params(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


@attrs.frozen(kw_only=True)
class TuneSpec:
    """What a tuning searches: an experiment's ``[tune]`` table.

    Values out of range are kept and reported by :meth:`problems` (and the
    experiment's checks), never run.

    :param policy: the policy whose parameters are searched (a name or ``MODULE:ATTR``).
    :param params: its parameters that stay fixed.
    :param space: each searched parameter and its :class:`Dimension`.
    :param trials: how many candidates are tried (each simulated on every
        population and training seed, unless the safety gate turns it away).
    :param objective: the figure optimised (a figure of a comparison, e.g. ``goal_rate``).
    :param direction: ``maximize`` or ``minimize``.
    :param constraints: upper limits on figures, e.g. ``adverse_events_per_100_sessions = 9.0``.
    :param confirm_seeds: fresh sets of clients the best candidate is confirmed on.
    :param seed: the sampler's seed (the same seed, the same candidates).
    :param check_examples: Hypothesis examples of each candidate's safety check
        (:func:`retroprog.testing.check_policy`, after its fixed targeted pass).
    :param confirm_tries: the most candidates confirmed, best first, before giving up.
    :param batch: candidates asked of the sampler at once, simulated together.
        The candidates depend on it (and on ``seed``), never on the workers.
    """

    policy: str = "reference"
    params: dict[str, Any] = attrs.field(factory=dict, converter=_params)
    space: dict[str, Dimension] = attrs.field(factory=dict, converter=_space)
    trials: int = 60
    objective: str = "goal_rate"
    direction: str = "maximize"
    constraints: dict[str, float] = attrs.field(factory=dict, converter=_limits)
    confirm_seeds: tuple[int, ...] = attrs.field(default=(101, 102), converter=tuple)
    seed: int = 0
    check_examples: int = 200
    confirm_tries: int = 3
    batch: int = 4

    def problems(self, names: Sequence[str] | None = None) -> list[Problem]:
        """What is wrong with the table on its own; ``names``: the figures there are."""
        found: list[Problem] = []

        def whole(key: str, value: Any, low: int, high: int | None = None) -> None:
            if type(value) is not int or value < low or (high is not None and value > high):
                top = f" and at most {spaced(high)}" if high is not None else ""
                found.append(
                    Problem(f"tune.{key}", f"must be a whole number ≥ {low}{top}, got {value!r}")
                )

        whole("trials", self.trials, 1, MAX_TRIALS)
        whole("seed", self.seed, 0)
        whole("check_examples", self.check_examples, 1)
        whole("confirm_tries", self.confirm_tries, 1)
        whole("batch", self.batch, 1)
        if self.direction not in ("maximize", "minimize"):
            found.append(
                Problem("tune.direction", f"must be maximize or minimize, got {self.direction!r}")
            )
        known = ", ".join(names) if names is not None else ""
        if names is not None and self.objective not in names:
            found.append(
                Problem("tune.objective", f"unknown figure {self.objective!r} (known: {known})")
            )
        for name, limit in self.constraints.items():
            if names is not None and name not in names:
                found.append(
                    Problem(f"tune.constraints.{name}", f"unknown figure (known: {known})")
                )
            elif not _number(limit) or not math.isfinite(limit):
                found.append(
                    Problem(f"tune.constraints.{name}", f"must be a number, got {limit!r}")
                )
        if not self.space:
            found.append(Problem("tune.space", "must name at least one parameter to search"))
        for name, dimension in self.space.items():
            message = dimension.problem()
            if message:
                found.append(Problem(f"tune.space.{name}", message))
            if name in self.params:
                found.append(Problem(f"tune.space.{name}", "is also set in tune.params"))
        if not self.confirm_seeds:
            found.append(Problem("tune.confirm_seeds", "must list at least one seed"))
        for i, seed in enumerate(self.confirm_seeds, start=1):
            whole(f"confirm_seeds[{i}]", seed, 0)
        if len(set(self.confirm_seeds)) < len(self.confirm_seeds):
            found.append(Problem("tune.confirm_seeds", "a seed is listed twice"))
        return found

    def plain(self) -> dict[str, Any]:
        """The table as plain values (as the file writes it)."""
        shown = attrs.asdict(self, recurse=False)
        shown["space"] = {name: d.plain() for name, d in self.space.items()}
        shown["confirm_seeds"] = list(self.confirm_seeds)
        return shown


def _fixed_problems(
    spec: TuneSpec, load: Callable[..., object], bad: Collection[str]
) -> list[Problem]:
    """The problems of the policy's name and fixed parameters, with the space's corners.

    A fixed parameter may be valid only with some searched values
    (``settled_pain = 5`` needs ``pain_threshold`` ≥ 5): the fixed parameters
    are a problem only when they fail with the space's lowest values and with
    its highest (first and last choices) alike.  ``bad``: the dimensions
    with problems of their own, left out.
    """
    from .check import _loading_problems

    usable = {n: d for n, d in spec.space.items() if n not in bad}
    corners = [{n: d.values()[0] for n, d in usable.items()}]
    corners.append({n: d.values()[-1] for n, d in usable.items()})
    found: list[Problem] = []
    for corner in corners:
        problems = [
            p
            for p in _loading_problems(
                functools.partial(load, **corner), spec.params, "tune.policy", "tune.params"
            )
            if p.key == "tune.policy" or p.key.removeprefix("tune.params.") in spec.params
        ]
        if not problems:
            return []
        found = found or problems
    return found


def tune_problems(spec: TuneSpec, experiment: Experiment) -> list[Problem]:
    """Everything wrong with ``spec`` in ``experiment``: the table, the policy, the space.

    The policy is loaded with its fixed parameters, then with each end of each
    range (or each choice) of the space: a value the policy refuses *for that
    parameter* is a problem of the file; a value refused only together with
    another (``pain_threshold = 0`` below the default ``settled_pain``) is left
    to the trial, which records the candidate as refused.
    """
    try:
        protocol = experiment.protocol.load()
    except RetroprogError:  # reported as the protocol's problem
        names = None
    else:
        names = figure_names(shared_stages(protocol, protocol))
    found = spec.problems(names)
    for i, seed in enumerate(spec.confirm_seeds, start=1):
        if seed in experiment.seeds:
            found.append(
                Problem(
                    f"tune.confirm_seeds[{i}]",
                    f"seed {seed} is also a training seed (seeds); "
                    "confirmation needs fresh clients",
                )
            )
    load = functools.partial(retroprog.load_policy, spec.policy)
    bad = set()
    for name, dimension in spec.space.items():
        if dimension.problem() or name in spec.params:
            bad.add(name)
            continue
        for value in dimension.values():
            try:
                load(**spec.params, **{name: value})
            except RetroprogError as exc:
                unknown = isinstance(exc, UnknownParameterError)
                if unknown or getattr(exc, "field", None) == name:
                    found.append(Problem(f"tune.space.{name}", str(exc).removeprefix(f"{name}: ")))
                    bad.add(name)
                    break
    return found + _fixed_problems(spec, load, bad)
