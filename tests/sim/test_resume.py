"""No lost work: finished runs are saved at once, and a rerun skips them.

An experiment stopped by Ctrl-C, a crash or a killed worker leaves every
finished run in ``cells/`` (and no half-written file); running it again
completes it, with the same results as a run that was never interrupted.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import attrs
import pytest

from retroprog_sim import (
    Experiment,
    PolicyEntry,
    PopulationEntry,
    load_population,
    run_experiment,
)
from retroprog_sim.experiment import Cell, run_cells
from retroprog_sim.model.client import ClientModel
from retroprog_sim.model.population import Population
from retroprog_sim.store import CellStore, fingerprint

KILL = "RETROPROG_TEST_KILL_SEED"


def experiment(**changes: Any) -> Experiment:
    base = Experiment(
        [PolicyEntry("reference"), PolicyEntry("staircase", params={"step_shrink": 0.5})],
        populations=[PopulationEntry("general"), PopulationEntry("athlete")],
        clients=30,
        weeks=6,
        seeds=[0, 1],
        traces=2,
    )
    return attrs.evolve(base, **changes)


def same(a: Any, b: Any) -> bool:
    return bool(a.summary == b.summary and a.clients == b.clients and a.traces == b.traces)


@pytest.fixture(scope="module")
def uninterrupted() -> Any:
    return run_experiment(experiment(), "compare")


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def assert_whole(folder: Path) -> None:
    """No temporary file is left, and every file is a whole JSON document."""
    for name in files(folder):
        assert not name.startswith("."), name
        json.loads((folder / name).read_text(encoding="utf-8"))


def test_a_rerun_reuses_every_finished_run(tmp_path: Path, uninterrupted: Any) -> None:
    first = run_experiment(experiment(), "compare", out=tmp_path)
    second = run_experiment(experiment(), "compare", out=tmp_path)

    assert (first.reused, second.reused) == (0, 8)
    assert len(files(tmp_path / "cells")) == 8
    for a, b, c in zip(first.results, second.results, uninterrupted.results, strict=True):
        assert same(a, b)
        assert same(a, c)
    assert repr(second.differences) == repr(uninterrupted.differences)  # NaN-aware


def test_ctrl_c_keeps_the_finished_runs_and_a_rerun_completes(
    tmp_path: Path, uninterrupted: Any
) -> None:
    done: list[Cell] = []

    def progress(_done: int, _total: int) -> None:
        if len(done) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_experiment(
            experiment(),
            "compare",
            out=tmp_path,
            progress=progress,
            finished=lambda cell, _reused: done.append(cell),
        )

    cells = tmp_path / "cells"
    assert len(files(cells)) == 3
    assert_whole(cells)
    resumed = run_experiment(experiment(), "compare", out=tmp_path)
    assert resumed.reused == 3
    assert all(same(a, b) for a, b in zip(resumed.results, uninterrupted.results, strict=True))
    assert repr(resumed.differences) == repr(uninterrupted.differences)


@attrs.frozen
class Doomed:
    """A population whose client 0 kills its worker process when asked (by the environment)."""

    inner: Population

    @property
    def name(self) -> str:
        return self.inner.name

    def client(self, seed: int, client_id: int) -> ClientModel:
        doomed = os.environ.get(KILL) == str(seed) and client_id == 0
        if doomed and multiprocessing.parent_process() is not None:
            os._exit(1)  # a worker killed mid-run, as by the OOM killer
        return self.inner.client(seed, client_id)


def doomed_cells() -> list[Cell]:
    cells = experiment(seeds=[0, 1, 2], populations=[PopulationEntry("general")]).cells("compare")
    doomed = Doomed(load_population("general"))
    return [attrs.evolve(c, spec=attrs.evolve(c.spec, population=doomed)) for c in cells]


def test_a_killed_worker_loses_only_unfinished_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = doomed_cells()
    store = CellStore(tmp_path)
    monkeypatch.setenv(KILL, "1")  # the runs of seed 1 kill their worker

    with ProcessPoolExecutor(max_workers=1) as pool, pytest.raises(BrokenProcessPool):
        run_cells(cells, store=store, executor=pool)

    saved = files(tmp_path)
    assert saved == sorted(store.path(c).name for c in cells[:2])  # seed 0 finished
    assert_whole(tmp_path)
    monkeypatch.delenv(KILL)
    with ProcessPoolExecutor(max_workers=1) as pool:
        results, reused = run_cells(cells, store=store, executor=pool)
    assert reused == 2
    assert len(files(tmp_path)) == 6
    fresh, _ = run_cells(cells)
    assert all(same(a, b) for a, b in zip(results, fresh, strict=True))


def test_a_changed_run_is_redone_and_a_damaged_file_is_not_trusted(tmp_path: Path) -> None:
    run_experiment(experiment(seeds=[0]), "compare", out=tmp_path)
    cells = experiment(seeds=[0]).cells("compare")
    damaged = CellStore(tmp_path / "cells").path(cells[1])
    damaged.write_text(damaged.read_text(encoding="utf-8")[:500], encoding="utf-8")

    again = run_experiment(experiment(seeds=[0]), "compare", out=tmp_path)
    longer = run_experiment(experiment(seeds=[0], weeks=7), "compare", out=tmp_path)

    assert again.reused == 3  # all but the damaged one
    assert longer.reused == 0  # another horizon: every run is redone
    assert fingerprint(cells[0].spec) != fingerprint(longer.cells[0].spec)
    assert [c.key for c in longer.cells] == [c.key for c in cells]  # the same cells,
    assert files(tmp_path / "cells") == sorted(  # each in a file of its settings, replaced
        CellStore(tmp_path / "cells").path(c).name for c in longer.cells
    )


def test_the_fingerprint_ignores_caches_and_sees_every_setting() -> None:
    cell = experiment(seeds=[0]).cells("compare")[0]
    before = fingerprint(cell.spec)
    run_cells([cell])  # fills the protocol's prescription cache

    assert fingerprint(cell.spec) == before
    changes: list[dict[str, Any]] = [
        {"seed": 1},
        {"clients": 31},
        {"adverse_pain": 4},
        {"trace_clients": 0},
    ]
    for change in changes:
        assert fingerprint(attrs.evolve(cell.spec, **change)) != before
