"""Finished runs on disk, so that an interrupted experiment resumes where it stopped.

Each finished run (a :class:`~retroprog_sim.Cell` of an experiment) is one
JSON file in the store's folder, written atomically: it holds the run's
*fingerprint* (a hash of everything that determines its results: the protocol,
the policy, the population, the run settings, and the versions of Python,
retroprog, SimPy, NumPy and any plug-in whose types are used), every
client's result and the traced sessions.  The file is named by the cell's key
and the fingerprint's first 12 digits (``<key>-<fingerprint>.json``), so runs
of different settings never share a file; saving a run removes the cell's
files of other settings.  A run is reused only when its file exists and its
fingerprint matches; an edited experiment redoes the runs it changed, and a
file that cannot be read is redone, never trusted.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import importlib.metadata
import json
import platform
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import cattrs

import retroprog
from retroprog.support import write_text_atomic

from .engine.spec import RunSpec
from .engine.tally import BlockResult, ClientResult
from .execute import SimulationResult, assemble
from .present.plain import describe, json_text

if TYPE_CHECKING:
    import os

    from .experiment import Cell, Kind

__all__ = ["CellStore", "experiment_fingerprint", "fingerprint", "versions"]

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
        "settings": attrs.asdict(spec.settings),
    }
    text = json.dumps(identity, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def experiment_fingerprint(cells: Sequence[Cell], kind: Kind) -> str:
    """A hash of an experiment's runs: each cell's key and :func:`fingerprint`, and the kind."""
    identity = [kind, *([cell.key, fingerprint(cell.spec)] for cell in cells)]
    return hashlib.sha256(json.dumps(identity).encode("utf-8")).hexdigest()


#: Digits of the fingerprint in a run's file name.
NAME_DIGITS = 12


class CellStore:
    """A folder of finished runs, one JSON file per run.

    :param folder: the folder (created when the first run is saved).
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def path(self, cell: Cell, digest: str | None = None) -> Path:
        """The file that holds ``cell``'s run (``digest``: its :func:`fingerprint`, if known)."""
        digest = fingerprint(cell.spec) if digest is None else digest
        return self.folder / f"{cell.key}-{digest[:NAME_DIGITS]}.json"

    def load(self, cell: Cell) -> SimulationResult | None:
        """``cell``'s run, if it finished before with the same settings; else ``None``."""
        digest = fingerprint(cell.spec)
        try:
            document = json.loads(self.path(cell, digest).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):  # missing, or not JSON: run it (again)
            return None
        if not isinstance(document, dict) or document.get("fingerprint") != digest:
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
        digest = fingerprint(cell.spec)
        document = {
            "format": STORE_FORMAT,
            "fingerprint": digest,
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
        path = self.path(cell, digest)
        write_text_atomic(path, json_text(document, indent=None))
        self._remove_others(cell, path)
        return path

    def _remove_others(self, cell: Cell, kept: Path) -> None:
        """Remove ``cell``'s files of other settings (and of the unfingerprinted format)."""
        others = re.compile(rf"{re.escape(cell.key)}(-[0-9a-f]{{{NAME_DIGITS}}})?\.json")
        for path in self.folder.glob(f"{glob.escape(cell.key)}*.json"):
            if path != kept and others.fullmatch(path.name):
                path.unlink(missing_ok=True)
