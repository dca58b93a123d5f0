"""Plug-ins found through entry points, next to the built-ins, and the one resolver.

Groups: ``retroprog.protocols``, ``retroprog.policies``,
``retroprog.populations`` (listed by ``retroprog plugins``) and
``retroprog.guards``.  Nothing is imported until asked; a plug-in that fails
to load is reported with its error and never stops the others.
:func:`resolve` turns a built-in name, a plug-in's name, a file or
``MODULE:ATTR`` into its object: every loader (:func:`~retroprog.load_policy`,
:func:`~retroprog.load_protocol`, :func:`~retroprog.load_guard`, and the
simulation harness's ``load_population``) and the command line go through it.

>>> from retroprog import plugins
>>> found = plugins.available(plugins.POLICIES)
>>> [name for name, spec in found.items() if spec.source == "built-in"]
['reference', 'pain-monitoring', 'staircase']
"""

from ._registry import (
    GROUPS,
    GUARDS,
    POLICIES,
    POPULATIONS,
    PROTOCOLS,
    PluginReport,
    PluginSpec,
    available,
    load_all,
    load_plugin,
)
from ._resolve import resolve

__all__ = [
    "GROUPS",
    "GUARDS",
    "POLICIES",
    "POPULATIONS",
    "PROTOCOLS",
    "PluginReport",
    "PluginSpec",
    "available",
    "load_all",
    "load_plugin",
    "resolve",
]
