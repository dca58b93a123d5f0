"""Plug-ins: built-ins first, then entry points, loaded only when asked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import attrs

from .exceptions import PluginError, UnknownPluginError
from .exceptions import _noun as noun

__all__ = [
    "GUARDS",
    "POLICIES",
    "POPULATIONS",
    "PROTOCOLS",
    "PluginReport",
    "PluginSpec",
    "available",
    "builtin_factories",
    "file_reader",
    "load_all",
    "load_plugin",
    "noun",
]

PROTOCOLS = "retroprog.protocols"
POLICIES = "retroprog.policies"
POPULATIONS = "retroprog.populations"
GUARDS = "retroprog.guards"
#: The groups ``retroprog plugins`` lists.
GROUPS = (PROTOCOLS, POLICIES, POPULATIONS)


@attrs.frozen
class PluginSpec:
    """A plug-in found but not yet loaded.

    :param group: the entry-point group, e.g. ``retroprog.policies``.
    :param name: the name it is loaded by.
    :param value: where it lives, ``module:attribute``.
    :param source: ``built-in``, or the distribution that provides it.
    """

    group: str
    name: str
    value: str
    source: str


@attrs.frozen
class PluginReport:
    """Every plug-in of a group, loaded: the ones that work and the ones that do not.

    :param loaded: name → loaded object.
    :param broken: name → the error that loading raised.
    :param specs: name → where each was found.
    """

    loaded: Mapping[str, Any]
    broken: Mapping[str, PluginError]
    specs: Mapping[str, PluginSpec]


def builtin_factories(group: str) -> dict[str, Callable[..., Any]]:
    """The built-ins of ``group``: name → factory taking the parameters as keywords."""
    if group == PROTOCOLS:
        from ._protocol import builtin_factory, builtin_protocols

        return {name: partial(builtin_factory, name) for name in builtin_protocols()}
    if group == POLICIES:
        from ._presets import PRESETS

        return dict(PRESETS)
    if group == GUARDS:
        from ._guards import GUARDS as BUILTIN_GUARDS

        return dict(BUILTIN_GUARDS)
    return {}


def file_reader(group: str) -> Callable[..., Any] | None:
    """How ``group``'s files are read: ``read(path, params, label=…)``; ``None``: no files.

    Protocols are read from TOML files; other groups have no files yet.
    """
    if group == PROTOCOLS:
        from ._protocol import read_protocol_file

        return read_protocol_file
    return None


def _builtins(group: str) -> dict[str, tuple[str, Callable[[], Any]]]:
    """Built-in plug-ins, as listed: name → (where, loader)."""
    if group == PROTOCOLS:
        from ._protocol import builtin_protocols, load_protocol

        return {
            name: (str(path), partial(load_protocol, name))
            for name, path in builtin_protocols().items()
        }
    if group == POLICIES:
        return {
            name: (f"retroprog:load_policy({name!r})", partial(_same, factory))
            for name, factory in builtin_factories(group).items()
        }
    if group == GUARDS:
        return {
            name: (f"retroprog:load_guard({name!r})", partial(_same, factory))
            for name, factory in builtin_factories(group).items()
        }
    return {}


def _same(value: Any) -> Any:
    return value


def _entry_points(group: str) -> list[EntryPoint]:
    return list(entry_points(group=group))


def available(group: str) -> dict[str, PluginSpec]:
    """Every plug-in name of ``group``, built-ins first, without importing anything.

    A plug-in whose name a built-in already has is left out: built-ins win, and
    :func:`load_all` reports the clash.
    """
    found = {
        name: PluginSpec(group, name, where, "built-in")
        for name, (where, _) in _builtins(group).items()
    }
    for ep in _entry_points(group):
        if ep.name not in found:
            dist = ep.dist.name if ep.dist is not None else "unknown"
            found[ep.name] = PluginSpec(group, ep.name, ep.value, dist)
    return found


def load_plugin(group: str, name: str) -> Any:
    """Load one plug-in of ``group`` by name.

    :raises ~retroprog.exceptions.UnknownPluginError: no plug-in has that name.
    :raises ~retroprog.exceptions.PluginError: it exists but failed to load.
    """
    builtins = _builtins(group)
    if name in builtins:
        return builtins[name][1]()
    for ep in _entry_points(group):
        if ep.name == name:
            try:
                return ep.load()
            except Exception as exc:  # a broken plug-in must not take the caller down
                raise PluginError(group, name, exc) from exc
    raise UnknownPluginError(group, name, sorted(available(group)))


def load_all(group: str) -> PluginReport:
    """Load every plug-in of ``group``; broken ones are reported, the others still load."""
    loaded: dict[str, Any] = {}
    broken: dict[str, PluginError] = {}
    specs = available(group)
    builtins = _builtins(group)
    for name in specs:
        try:
            loaded[name] = load_plugin(group, name)
        except PluginError as exc:
            broken[name] = exc
    for ep in _entry_points(group):
        if ep.name in builtins:
            clash = ValueError(f"{ep.value} has the name of a built-in; the built-in is used")
            broken[ep.name] = PluginError(group, ep.name, clash)
    return PluginReport(loaded, broken, specs)
