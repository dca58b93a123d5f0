"""Populations as data files: the presets ship as files, export round-trips, bad files
are reported whole, files work wherever a population is named."""

from __future__ import annotations

import math
import statistics
from random import Random
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from retroprog.support import loads_toml
from retroprog_sim import PRESETS, PopulationFileError, load_population
from retroprog_sim.cli import cli
from retroprog_sim.model.population import (
    PresetPopulation,
    population_from_dict,
    population_toml,
)

if TYPE_CHECKING:
    from pathlib import Path


def _exported(name: str) -> str:
    result = CliRunner().invoke(cli, ["population", "export", name])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("name", list(PRESETS))
def test_an_exported_preset_reads_back_as_the_preset(name: str) -> None:
    text = _exported(name)

    data = loads_toml(text, label=name, error=PopulationFileError)
    assert population_from_dict(data, label=name) == PRESETS[name]
    assert text == population_toml(PRESETS[name])
    for parameter in PRESETS[name].parameters.values():  # every number says where it is from
        assert parameter.source or parameter.assumption


def test_simulating_the_exported_file_gives_the_presets_results(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(_exported("novice-runner"), encoding="utf-8")
    args = ["simulate", "--protocol", "couch-to-5k", "--clients", "60", "--weeks", "6"]

    preset = CliRunner().invoke(cli, [*args, "--population", "novice-runner", "--json"])
    from_file = CliRunner().invoke(cli, [*args, "--population", str(path), "--json"])

    assert preset.exit_code == from_file.exit_code == 0, from_file.output
    assert preset.stdout == from_file.stdout.replace(str(path), "novice-runner")
    assert "novice-runner" in from_file.stdout  # the file's own name


def test_a_population_file_takes_population_params(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(population_toml(PRESETS["general"]), encoding="utf-8")

    population = load_population(str(path), heterogeneity=0.0, attendance=0.9)

    assert isinstance(population, PresetPopulation)
    assert population.heterogeneity == 0.0
    assert population.typical.attendance == 0.9


def test_an_experiment_names_a_population_file_relative_to_itself(tmp_path: Path) -> None:
    (tmp_path / "pops").mkdir()
    (tmp_path / "pops" / "mine.toml").write_text(
        population_toml(PRESETS["athlete"]), encoding="utf-8"
    )
    experiment = tmp_path / "experiment.toml"
    experiment.write_text(
        'name = "x"\nclients = 20\nweeks = 2\npopulations = ["pops/mine.toml"]\n'
        '[[policies]]\nname = "reference"\n[[policies]]\nname = "staircase"\n',
        encoding="utf-8",
    )

    result = CliRunner().invoke(cli, ["compare", str(experiment), "--json"])

    assert result.exit_code == 0, result.output
    assert '"population": "athlete"' in result.stdout


_BAD = """\
name = "clinic"
heterogeneity = -1
colour = "blue"

[parameters.gain]
distribution = "lognormal"
median = -0.3
sigma = 0.2
source = "our data"

[parameters.attendance]
distribution = "logitnormal"
median = 1.4
sigma = 0.5
source = "our records"

[parameters.tau_fitness]
distribution = "fixed"
value = 40

[parameters.speed]
distribution = "fixed"
value = 3
assumption = "fast"

[[correlations]]
between = ["gain", "attendance"]
rho = 1.5
"""


def test_a_bad_population_file_lists_every_problem_with_its_key_and_value(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text(_BAD, encoding="utf-8")

    with pytest.raises(PopulationFileError) as info:
        load_population(str(path))

    assert info.value.path == str(path)
    found = {(p.key, p.message) for p in info.value.problems}
    keys = [key for key, _ in found]
    assert "colour" in keys
    assert ("heterogeneity", "must be a number ≥ 0, got -1") in found
    assert any(k == "parameters.gain.median" and "-0.3" in m for k, m in found)
    assert any(k == "parameters.attendance.median" and "1.4" in m for k, m in found)
    assert ("parameters.tau_fitness", "needs a source or an assumption") in found
    assert any(k == "parameters.speed" and m.startswith("unknown parameter") for k, m in found)
    assert any(k == "parameters" and m.startswith("missing: walk_tolerance") for k, m in found)
    assert any(k == "correlations" and "1.5" in m for k, m in found)


def test_a_bad_population_file_is_one_line_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text(_BAD, encoding="utf-8")

    result = CliRunner().invoke(cli, ["simulate", "--population", str(path)])

    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert str(path) in result.output
    assert "parameters.gain.median" in result.output


def test_export_refuses_a_population_without_a_file_form() -> None:
    result = CliRunner().invoke(cli, ["population", "export", "no-such-population"])

    assert result.exit_code == 2
    assert "unknown population" in result.output


def test_correlated_parameters_are_drawn_correlated() -> None:
    population = PRESETS["general"]
    rho = population.correlations[("walk_tolerance", "run_tolerance")]
    rng = Random(3)
    drawn = [population.params(rng) for _ in range(3000)]
    walk = [math.log(p.walk_tolerance) for p in drawn]
    run = [math.log(p.run_tolerance) for p in drawn]

    assert statistics.correlation(walk, run) == pytest.approx(rho, abs=0.05)


def test_client_params_defaults_are_the_general_populations_typical_client() -> None:
    from retroprog_sim import ClientParams

    assert ClientParams() == PRESETS["general"].typical
