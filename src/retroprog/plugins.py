"""Plug-ins found through entry points, next to the built-ins.

Groups: ``retroprog.protocols``, ``retroprog.policies`` and
``retroprog.populations``.  Nothing is imported until asked; a plug-in that
fails to load is reported with its error and never stops the others.

>>> from retroprog import plugins
>>> found = plugins.available(plugins.POLICIES)
>>> [name for name, spec in found.items() if spec.source == "built-in"]
['reference', 'pain-monitoring', 'staircase']
"""

from ._registry import (
    GROUPS,
    POLICIES,
    POPULATIONS,
    PROTOCOLS,
    PluginReport,
    PluginSpec,
    available,
    load_all,
    load_plugin,
)

__all__ = [
    "GROUPS",
    "POLICIES",
    "POPULATIONS",
    "PROTOCOLS",
    "PluginReport",
    "PluginSpec",
    "available",
    "load_all",
    "load_plugin",
]
