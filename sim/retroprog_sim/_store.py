"""Finished runs on disk, so that an interrupted experiment resumes where it stopped.

Each finished run (a :class:`~retroprog_sim.Cell` of an experiment) is one
JSON file in the store's folder, written atomically: it holds the run's
*fingerprint* (a hash of everything that determines its results: the protocol,
the policy, the population, the run settings, and the versions of Python,
retroprog, SimPy, NumPy and any plug-in whose types are used), every
client's result and the traced sessions.  A run is reused only when its file
exists and its fingerprint matches; an edited experiment redoes the runs it
changed, and a file that cannot be read is redone, never trusted.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import cattrs

import retroprog
from retroprog._atomic import write_text_atomic

from ._engine import BlockResult, ClientResult, RunSpec
from ._output import describe, json_text
from ._run import SimulationResult, assemble

if TYPE_CHECKING:
    import os

    from ._experiment import Cell

__all__ = ["CellStore", "fingerprint", "versions"]

#: The store's file format; a file of another format is redone.
STORE_FORMAT = 1

_converter = cattrs.Converter()


@functools.cache
def _distributions() -> Mapping[str, list[str]]:
    return importlib.metadata.packages_distributions()


def versions(spec: RunSpec) -> dict[str, str]:
    """The versions of what computes ``spec``'s results.

    Python, retroprog, SimPy and NumPy, and the distribution that defines each
    of the run's protocol, policy and population (a plug-in's, say).
    """
    found = {"python": platform.python_version(), "retroprog": retroprog.__version__}
    for name in ("simpy", "numpy"):
        found[name] = importlib.metadata.version(name)
    for part in (spec.protocol, spec.policy, spec.population):
        top = type(part).__module__.partition(".")[0]
        for distribution in _distributions().get(top, []):
            found[distribution] = importlib.metadata.version(distribution)
    return found


def fingerprint(spec: RunSpec) -> str:
    """A hash of everything that determines ``spec``'s results, and of :func:`versions`.

    The number of workers and the executor are left out: they never change results.
    """
    identity = {
        "versions": versions(spec),
        "format": STORE_FORMAT,
        "protocol": describe(spec.protocol),
        "policy": describe(spec.policy),
        "population": describe(spec.population),
        "settings": {
            field.name: getattr(spec, field.name)
            for field in attrs.fields(RunSpec)
            if field.name not in ("protocol", "policy", "population")
        },
    }
    text = json.dumps(identity, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CellStore:
    """A folder of finished runs, one JSON file per run.

    :param folder: the folder (created when the first run is saved).
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def path(self, cell: Cell) -> Path:
        """The file that holds ``cell``'s run."""
        return self.folder / f"{cell.key}.json"

    def load(self, cell: Cell) -> SimulationResult | None:
        """``cell``'s run, if it finished before with the same settings; else ``None``."""
        try:
            document = json.loads(self.path(cell).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # missing, or not JSON: run it (again)
            return None
        if not isinstance(document, dict) or document.get("fingerprint") != fingerprint(cell.spec):
            return None
        try:
            clients = _converter.structure(document["clients"], list[ClientResult])
            traces = _converter.structure(document["traces"], list[dict[str, Any]])
        except (KeyError, cattrs.BaseValidationError):
            return None
        if len(clients) != cell.spec.clients:
            return None
        return assemble(cell.spec, [BlockResult(clients, traces)])

    def save(self, cell: Cell, result: SimulationResult) -> Path:
        """Write ``cell``'s finished run, atomically; returns the file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        document = {
            "format": STORE_FORMAT,
            "fingerprint": fingerprint(cell.spec),
            "retroprog_version": retroprog.__version__,
            "cell": {
                "policy": cell.policy,
                "population": cell.population,
                "seed": cell.seed,
                "parameters": cell.parameters,
            },
            "summary": result.summary.as_dict(),
            "clients": _converter.unstructure(result.clients),
            "traces": result.traces,
        }
        path = self.path(cell)
        write_text_atomic(path, json_text(document, indent=None))
        return path
