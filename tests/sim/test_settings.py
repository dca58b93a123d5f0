"""One record of run settings: the command line's options and the files' keys come from it.

Every test here runs over :data:`retroprog_sim.SETTINGS`, so a setting added to
:class:`~retroprog_sim.RunSettings` is tested without a change to this file.
"""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from click.testing import CliRunner

import retroprog
from retroprog_sim import SETTINGS, RunSettings, RunSpec, load_experiment, load_population
from retroprog_sim.cli import cli

if TYPE_CHECKING:
    from pathlib import Path

FIELDS = attrs.fields_dict(RunSettings)
SMALL = {"clients": 11, "weeks": 2}


def _other_value(name: str) -> int:
    """A valid value of the setting ``name`` that is not its default."""
    if name in SMALL:
        return SMALL[name] - 1
    setting = SETTINGS[name]
    default = FIELDS[name].default
    return (setting.low if default is None else default) + 1


def _run_settings(document: dict[str, Any]) -> dict[str, Any]:
    """Every setting of a run, from ``summary.json``'s content."""
    return {**document["settings"], **{k: document[k] for k in ("clients", "weeks", "seed")}}


def test_every_field_is_a_setting_with_its_option_and_key() -> None:
    assert list(SETTINGS) == list(FIELDS)
    for name, setting in SETTINGS.items():
        assert setting.option.startswith("--"), name
        assert setting.key, name
        assert setting.help.endswith("."), name
        assert f":param {name}: {setting.help}" in (RunSettings.__doc__ or "")


@pytest.mark.parametrize("name", list(SETTINGS))
def test_every_setting_is_an_option_of_every_run_command(name: str) -> None:
    for command in ("simulate", "compare", "sweep"):
        options = {option for param in cli.commands[command].params for option in param.opts}
        assert SETTINGS[name].option in options, (command, name)


@pytest.mark.parametrize("name", list(SETTINGS))
def test_every_setting_reaches_the_run_from_the_command_line(name: str) -> None:
    value = _other_value(name)
    given = {**SMALL, name: value}
    args = [arg for key, v in given.items() for arg in (SETTINGS[key].option, str(v))]

    result = CliRunner().invoke(cli, ["simulate", *args, "--json"])

    assert result.exit_code == 0, result.output
    assert _run_settings(json.loads(result.stdout))[name] == value


@pytest.mark.parametrize("name", list(SETTINGS))
def test_every_setting_is_a_key_of_experiment_files(name: str, tmp_path: Path) -> None:
    value = _other_value(name)
    *tables, key = SETTINGS[name].key.split(".")
    line = f"{key} = {value}"
    text = f"{line}\n" if not tables else ""
    text += '[[policies]]\nname = "reference"\n'
    if tables:
        text += f"[{'.'.join(tables)}]\n{line}\n"
    path = tmp_path / "experiment.toml"
    path.write_text(text, encoding="utf-8")

    experiment = load_experiment(path)

    if name == "seed":
        assert experiment.seeds == (value,)
    else:
        assert getattr(experiment.run_settings, name) == value
        (cell,) = experiment.cells("sweep")
        assert getattr(cell.spec.settings, name) == min(value, experiment.clients)


@pytest.mark.parametrize("name", list(SETTINGS))
def test_a_value_out_of_range_is_a_problem_of_the_file_at_its_key(
    name: str, tmp_path: Path
) -> None:
    setting = SETTINGS[name]
    *tables, key = setting.key.split(".")
    line = f"{key} = {setting.low - 1}"
    path = tmp_path / "experiment.toml"
    path.write_text(
        (f"{line}\n" if not tables else "")
        + '[[policies]]\nname = "reference"\n'
        + (f"[{'.'.join(tables)}]\n{line}\n" if tables else ""),
        encoding="utf-8",
    )

    result = CliRunner().invoke(cli, ["compare", str(path)])

    assert result.exit_code == 2
    expected = setting.key
    number = 1 if not tables else 4  # the key's line in the file
    assert f"{expected} (line {number}): must be a whole number" in result.stderr


def test_runspec_takes_settings_as_a_record_or_as_keywords() -> None:
    protocol = retroprog.load_protocol("retro-walk-run")
    policy = retroprog.load_policy("reference")
    population = load_population("general")
    by_keyword = RunSpec(protocol, policy, population, clients=50, coach_capacity=4)
    by_record = RunSpec(protocol, policy, population, RunSettings(clients=50, coach_capacity=4))

    assert by_keyword == by_record
    assert (by_keyword.clients, by_keyword.coach_capacity) == (50, 4)
    changes: dict[str, Any] = {"weeks": 3}  # attrs.evolve takes a setting too
    assert attrs.evolve(by_keyword, **changes).settings == RunSettings(
        clients=50, coach_capacity=4, weeks=3
    )
    with pytest.raises(AttributeError):
        _ = by_keyword.no_such_setting


def test_options_override_an_experiment_file_and_say_so(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(
        textwrap.dedent(
            """
            clients = 30
            weeks = 3
            seeds = [1, 2]
            [[policies]]
            name = "reference"
            [[policies]]
            name = "staircase"
            """
        ),
        encoding="utf-8",
    )

    result = CliRunner().invoke(
        cli, ["compare", str(path), "--weeks", "2", "--seed", "5", "--json"]
    )

    assert result.exit_code == 0, result.output
    settings = json.loads(result.stdout)["experiment"]
    assert (settings["clients"], settings["weeks"], settings["seeds"]) == (30, 2, [5])
    assert settings["from_command_line"] == ["seed", "weeks"]
