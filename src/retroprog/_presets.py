"""The named built-in policies and :func:`load_policy`."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import attrs

from ._policy import RegressionPolicy, RulePolicy
from .exceptions import InvalidArgumentError, InvalidValueError, UnknownParameterError

__all__ = ["PRESETS", "load_policy"]

#: name → factory taking the policy's parameters as keywords.
PRESETS: Mapping[str, Callable[..., RulePolicy]] = {
    # The article: hold 15–30 s for 6 sessions, step up after two clean sessions,
    # regress on difficulty, pain > 2/10, a balance loss or form breakdown, stop when it repeats.
    "reference": partial(RulePolicy, name="reference"),
    # Silbernagel et al. 2007: pain up to 5/10 is acceptable if it settles (≤ 2/10) by next morning.
    "pain-monitoring": partial(
        RulePolicy, name="pain-monitoring", pain_threshold=5, settled_pain=2
    ),
    # A transformed 3-up-1-down staircase whose step halves at each reversal, down to 5 s.
    "staircase": partial(RulePolicy, name="staircase", successes_to_progress=3, step_shrink=0.5),
}

_PARAMETERS = [f.name for f in attrs.fields(RulePolicy) if f.name != "name"]


def check_keywords(owner: str, factory: Callable[..., Any], params: Mapping[str, Any]) -> None:
    """Refuse keywords that a plug-in factory's signature does not take."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # no signature to read: let the call decide
        return
    taken = signature.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in taken):
        return
    known = [p.name for p in taken if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    for key in params:
        if key not in known:
            raise UnknownParameterError(owner, key, known)


def load_policy(name: str, **params: Any) -> RegressionPolicy:
    """A policy by name (built-in or plug-in), with its parameters.

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
    :raises ~retroprog.exceptions.InvalidValueError: a parameter is out of range.
    :raises ~retroprog.exceptions.InvalidArgumentError: ``name`` is not a name.
    """
    if type(name) is not str:
        raise InvalidArgumentError(
            "name", name, f"must be a policy's name (built-in: {', '.join(PRESETS)})"
        )
    if name in PRESETS:
        for key in params:
            if key not in _PARAMETERS:
                raise UnknownParameterError(f"policy {name!r}", key, _PARAMETERS)
        return PRESETS[name](**params)
    from ._registry import POLICIES, load_plugin

    plugin = load_plugin(POLICIES, name)
    if callable(plugin) and not isinstance(plugin, RegressionPolicy):
        check_keywords(f"policy {name!r}", plugin, params)
        try:
            plugin = plugin(**params)
        except TypeError as exc:  # a **params factory that refused a keyword further in
            raise InvalidValueError(
                "params", params, f"policy {name!r} refused them: {exc}"
            ) from None
    elif params:
        raise UnknownParameterError(f"policy {name!r}", next(iter(params)), [])
    if not isinstance(plugin, RegressionPolicy):
        raise InvalidValueError(
            "policy", name, f"the plug-in gave {type(plugin).__name__}, not a policy"
        )
    return plugin
