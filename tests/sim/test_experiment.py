"""Experiment files: what they mean, and every problem reported at once with its key."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

import retroprog as rp
from retroprog_sim import (
    Experiment,
    ExperimentFileError,
    PolicyEntry,
    PopulationEntry,
    ProtocolChoice,
    experiment_from_dict,
    load_experiment,
)
from retroprog_sim.experiment import Kind

EXAMPLES = Path(__file__).parents[2] / "examples" / "experiments"


def write(tmp_path: Path, text: str, name: str = "experiment.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(path: Path, kind: str | None = None) -> dict[str, str]:
    with pytest.raises(ExperimentFileError) as caught:
        load_experiment(path, kind=kind)  # type: ignore[arg-type]
    error = caught.value
    assert error.path == str(path)
    assert str(path) in str(error)
    return {p.key: p.message for p in error.problems}


def test_a_full_file(tmp_path: Path) -> None:
    (tmp_path / "protocols").mkdir()
    (tmp_path / "protocols" / "short.toml").write_text(
        textwrap.dedent(
            """
            name = "short"
            [[stages]]
            name = "retro-walk"
            target_seconds = 60
            """
        ),
        encoding="utf-8",
    )
    path = write(
        tmp_path,
        """
        name = "walk-first"
        description = "Does a short protocol help?"
        protocol = { name = "retro-walk-run", params = { min_base_sessions = 4 } }
        clients = 300
        weeks = 10
        seeds = [1, 2]
        sessions_per_week = 2
        coach_capacity = 6
        adverse_pain = 4
        populations = [
            "general",
            { name = "athlete", label = "fit", params = { heterogeneity = 0.5 } },
        ]

        [[policies]]
        name = "reference"

        [[policies]]
        name = "reference"
        label = "short"
        protocol = "protocols/short.toml"

        [[policies]]
        name = "staircase"
        params = { step_shrink = 0.5 }

        [output]
        dir = "out"
        traces = 2
        """,
    )

    experiment = load_experiment(path, kind="compare")

    assert experiment == Experiment(
        [
            PolicyEntry("reference"),
            PolicyEntry(
                "reference",
                "short",
                protocol=ProtocolChoice(str(tmp_path / "protocols/short.toml")),
            ),
            PolicyEntry("staircase", params={"step_shrink": 0.5}),
        ],
        name="walk-first",
        description="Does a short protocol help?",
        protocol=ProtocolChoice("retro-walk-run", {"min_base_sessions": 4}),
        populations=[
            PopulationEntry("general"),
            PopulationEntry("athlete", "fit", {"heterogeneity": 0.5}),
        ],
        clients=300,
        weeks=10,
        seeds=(1, 2),
        sessions_per_week=2,
        coach_capacity=6,
        adverse_pain=4,
        traces=2,
        out=tmp_path / "out",
        source=path,
    )
    cells = experiment.cells("compare")
    assert [(c.population, c.seed, c.policy) for c in cells] == [
        (population, seed, policy)
        for population in ("general", "fit")
        for seed in (1, 2)
        for policy in ("reference", "short", "staircase")
    ]
    first = cells[0].spec
    assert (first.clients, first.weeks, first.seed, first.sessions_per_week) == (300, 10, 1, 2)
    assert (first.coach_capacity, first.adverse_pain, first.trace_clients) == (6, 4, 2)
    assert first.protocol.stages[0].min_base_sessions == 4
    assert [s.name for s in cells[1].spec.protocol.stages] == ["retro-walk"]
    assert cells[1].spec.protocol.stages[0].target_seconds == 60
    staircase = cells[2].spec.policy
    assert isinstance(staircase, rp.RulePolicy)
    assert staircase.step_shrink == 0.5
    assert cells[6].spec.population.name == "athlete"
    assert len({c.key for c in cells}) == len(cells)


def test_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, '[[policies]]\nname = "reference"\n', name="mine.toml")

    experiment = load_experiment(path)

    assert experiment.name == "mine"
    assert experiment.out == tmp_path / "mine-results"
    assert experiment.protocol == ProtocolChoice("retro-walk-run")
    assert experiment.populations == (PopulationEntry("general"),)
    assert (experiment.clients, experiment.weeks, experiment.seeds) == (1000, 26, (0,))
    assert (experiment.sessions_per_week, experiment.coach_capacity) == (3, None)
    assert (experiment.adverse_pain, experiment.traces) == (3, 5)


def test_a_sweep_crosses_policy_and_protocol_grids(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        seed = 3
        protocol = { name = "retro-walk-run", grid = { min_base_sessions = [4, 6] } }
        populations = ["general", "athlete"]
        [[policies]]
        name = "staircase"
        grid = { successes_to_progress = [2, 3], step_shrink = [0.5, 1.0] }
        [[policies]]
        name = "reference"
        """,
    )

    cells = load_experiment(path, kind="sweep").cells("sweep")

    assert len(cells) == 2 * (2 * 2 * 2 + 2)
    first = cells[0]
    assert first.parameters == {
        "successes_to_progress": 2,
        "step_shrink": 0.5,
        "protocol.min_base_sessions": 4,
    }
    assert (
        first.label
        == "staircase successes_to_progress=2 step_shrink=0.5 protocol.min_base_sessions=4"
    )
    assert [c.parameters for c in cells[8:10]] == [
        {"protocol.min_base_sessions": 4},
        {"protocol.min_base_sessions": 6},
    ]
    assert cells[9].spec.protocol.stages[1].min_base_sessions == 6
    assert {c.seed for c in cells} == {3}
    assert len({c.key for c in cells}) == len(cells)


def test_every_problem_at_once_with_its_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        clients = 0
        weeks = "ten"
        seeds = [1, -1]
        sessions_per_week = 9
        colour = "red"
        protocol = "missing.toml"
        populations = ["general", "couch-potatoes", { name = "athlete", params = { speed = 2 } }]

        [[policies]]
        name = "reference"
        params = { stop_after = 0, fast = true }
        grid = { pain_threshold = [] }

        [[policies]]
        name = "referense"

        [[policies]]
        name = "staircase"
        label = "reference"

        [output]
        traces = -1
        format = "xlsx"
        """,
    )

    found = problems(path)

    assert set(found) >= {
        "colour",
        "weeks",
        "clients",
        "sessions_per_week",
        "seeds[1]",
        "protocol",
        "populations[1].name",
        "populations[2].params.speed",
        "policies[0].params.fast",
        "policies[0].params.stop_after",
        "policies[0].grid.pain_threshold",
        "policies[1].name",
        "policies[2].label",
        "output.traces",
        "output.format",
    }
    assert found["colour"].startswith("unknown key (allowed: ")
    assert found["weeks"] == "must be a whole number, got 'ten'"
    assert found["clients"] == "must be a whole number ≥ 1, got 0"
    assert "missing.toml" in found["protocol"]
    assert "unknown population 'couch-potatoes'" in found["populations[1].name"]
    assert "unknown policy 'referense'" in found["policies[1].name"]
    assert found["policies[2].label"] == "'reference' is used twice; give each entry its own label"
    assert found["policies[0].grid.pain_threshold"].startswith("must be a non-empty list")


def test_problems_that_depend_on_the_command(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[policies]]
        name = "reference"
        grid = { stop_after = [1, 2], successes_to_progress = [0, 2] }
        """,
    )

    assert problems(path, "compare") == {
        "policies": "compare needs at least two policies",
        "policies[0].grid": "a grid is for sweeps (retroprog sweep); compare takes params",
    }
    assert problems(path, "sweep") == {
        "policies[0].grid.successes_to_progress": "must be a whole number ≥ 1, got 0"
    }


def test_a_bad_file_is_one_problem(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "clients = = 3")).keys() == {"file"}
    assert problems(tmp_path / "absent.toml") == {"file": "cannot read: No such file or directory"}
    assert problems(write(tmp_path, "name = 'x'")) == {
        "policies": "missing: list the policies as [[policies]] tables"
    }


def test_the_python_api_checks_too() -> None:
    experiment = Experiment([PolicyEntry("reference")], weeks=0)

    assert [str(p) for p in experiment.problems()] == ["weeks: must be a whole number ≥ 1, got 0"]
    with pytest.raises(ExperimentFileError, match="weeks"):
        experiment.cells("sweep")
    assert [c.label for c in experiment_from_dict({"policies": ["reference"]}).cells("sweep")] == [
        "reference"
    ]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_the_example_experiments_load(path: Path) -> None:
    kind: Kind = "sweep" if "sweep" in path.name else "compare"
    experiment = load_experiment(path, kind=kind)

    assert experiment.cells(kind)


def test_populations_may_be_module_attr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "clinic.py").write_text(
        "import attrs\n"
        "from retroprog_sim import PRESETS\n"
        "def ours(heterogeneity=1.0):\n"
        "    return attrs.evolve(PRESETS['general'], name='ours', heterogeneity=heterogeneity)\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "clinic", raising=False)
    path = write(
        tmp_path,
        """
        [[policies]]
        name = "reference"

        [[populations]]
        name = "clinic:ours"
        label = "ours"
        params = { heterogeneity = 0.25 }
        """,
    )

    experiment = load_experiment(path)
    (population,) = experiment.populations

    assert population.load().name == "ours"
    assert population.load().heterogeneity == 0.25  # type: ignore[attr-defined]
    assert problems(write(tmp_path, _with_population("clinic:nope"), "bad.toml")) == {
        "populations[0].name": "population: 'clinic' has no attribute 'nope', got 'clinic:nope'"
    }


def _with_population(name: str) -> str:
    return f"""
    [[policies]]
    name = "reference"

    [[populations]]
    name = "{name}"
    """
