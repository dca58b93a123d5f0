"""The named built-in policies and :func:`load_policy`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ._policy import RegressionPolicy, RulePolicy
from ._registry import POLICIES
from ._resolve import resolve
from .exceptions import InvalidArgumentError, UnknownParameterError

__all__ = ["PRESETS", "load_policy"]

_PARAMETERS = [f.name for f in attrs.fields(RulePolicy) if f.name != "name"]


def _preset(name: str, **defaults: Any) -> Callable[..., RulePolicy]:
    """The factory of the preset ``name``: a :class:`RulePolicy` with its parameters."""

    def make(**params: Any) -> RulePolicy:
        for key in params:
            if key not in _PARAMETERS:
                raise UnknownParameterError(f"policy {name!r}", key, _PARAMETERS)
        return RulePolicy(name=name, **{**defaults, **params})

    make.__name__ = make.__qualname__ = name.replace("-", "_")
    make.__doc__ = f"The {name!r} policy, with parameters of :class:`RulePolicy`."
    return make


#: name → factory taking the policy's parameters as keywords.
PRESETS: Mapping[str, Callable[..., RulePolicy]] = {
    # The article: hold 15–30 s for 6 sessions, step up after two clean sessions,
    # regress on difficulty, pain > 2/10, a balance loss or form breakdown, stop when it repeats.
    "reference": _preset("reference"),
    # Silbernagel et al. 2007: pain up to 5/10 is acceptable if it settles (≤ 2/10) by next morning.
    "pain-monitoring": _preset("pain-monitoring", pain_threshold=5, settled_pain=2),
    # A transformed 3-up-1-down staircase whose step halves at each reversal, down to 5 s.
    "staircase": _preset("staircase", successes_to_progress=3, step_shrink=0.5),
}


def load_policy(name: str, **params: Any) -> RegressionPolicy:
    """A policy by name (built-in or plug-in) or ``MODULE:ATTR``, with its parameters.

    ``name`` is resolved as :func:`retroprog.plugins.resolve` says: a built-in,
    an installed plug-in, or ``MODULE:ATTR`` naming a policy or a factory that
    takes ``params``.

    >>> load_policy("pain-monitoring").pain_threshold
    5
    >>> load_policy("reference", stop_after=3).stop_after
    3
    >>> load_policy("reference", stop_after=0)
    Traceback (most recent call last):
    ...
    retroprog.exceptions.InvalidValueError: stop_after: must be a whole number ≥ 1, got 0

    :raises ~retroprog.exceptions.UnknownPluginError: no policy has that name.
    :raises ~retroprog.exceptions.UnknownParameterError: the policy has no such parameter.
    :raises ~retroprog.exceptions.InvalidValueError: a parameter is out of range, or
        ``MODULE:ATTR`` is not a policy.
    :raises ~retroprog.exceptions.InvalidArgumentError: ``name`` is not a name.
    """
    if type(name) is not str:
        raise InvalidArgumentError(
            "name", name, f"must be a policy's name (built-in: {', '.join(PRESETS)})"
        )
    policy: RegressionPolicy = resolve(
        POLICIES, name, params, expect=RegressionPolicy, probe=("name", "pain_threshold")
    )
    return policy
