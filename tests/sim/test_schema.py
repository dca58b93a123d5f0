"""The JSON Schemas of protocol, experiment, population and log files: up to date, and right.

Right both ways: every file the project ships or documents validates, and the
mistakes loading refuses (an unknown key, a value out of range) are refused by
the schema too, so an editor flags them as the loader would.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import retroprog
import retroprog_sim
from retroprog import SessionOutcome, dumps_log
from retroprog.support import FileProblemsError, loads_toml
from retroprog_sim.schema import FORMATS, json_schema, schema_file, schema_text, write_schemas
from retroprog_sim.settings import SETTINGS

ROOT = Path(__file__).parents[2]
PROTOCOLS = sorted(retroprog.builtin_protocols().values())
DOC_PROTOCOLS = sorted((ROOT / "docs" / "examples").glob("*.toml"))
EXPERIMENTS = sorted(
    p
    for p in [
        *(ROOT / "examples" / "experiments").glob("*.toml"),
        *(ROOT / "docs" / "examples" / "experiments").glob("*.toml"),
    ]
    if p.name != "bad-experiment.toml"
)
POPULATIONS = sorted((ROOT / "sim" / "retroprog_sim" / "model" / "populations").glob("*.toml"))


def _validator(name: str) -> jsonschema.Draft7Validator:
    schema = json.loads(schema_file(name).read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def _errors(name: str, document: Any) -> list[str]:
    return [error.message for error in _validator(name).iter_errors(document)]


def _toml(path: Path) -> Any:
    return loads_toml(path.read_text(encoding="utf-8"), label=str(path), error=FileProblemsError)


@pytest.mark.parametrize("name", FORMATS)
def test_the_shipped_schema_is_made_from_the_models(name: str) -> None:
    # refresh with: python -m retroprog_sim.schema sim/retroprog_sim/schemas
    assert schema_file(name).read_text(encoding="utf-8") == schema_text(name)


def test_the_schemas_can_be_written_anywhere(tmp_path: Path) -> None:
    written = write_schemas(tmp_path / "new" / "schemas")  # made if missing

    assert [p.name for p in written] == [f"{name}.schema.json" for name in FORMATS]
    assert all(p.read_text(encoding="utf-8") == schema_text(p.name[:-12]) for p in written)


@pytest.mark.parametrize("path", [*PROTOCOLS, *DOC_PROTOCOLS], ids=lambda p: p.name)
def test_builtin_and_documented_protocols_validate(path: Path) -> None:
    assert _errors("protocol", _toml(path)) == []


def test_there_are_protocols_to_validate() -> None:
    assert {p.stem for p in PROTOCOLS} >= {"retro-walk-run", "couch-to-5k"}
    assert len(DOC_PROTOCOLS) >= 3


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.name)
def test_example_experiments_validate(path: Path) -> None:
    assert _errors("experiment", _toml(path)) == []


def test_a_sample_log_validates_line_by_line() -> None:
    written = dumps_log(
        [
            SessionOutcome(day=1),
            SessionOutcome(day=3, pain=3, next_day_pain=1, rpe=6.5, bouts_completed=1),
            SessionOutcome(date=dt.date(2026, 1, 5), resume=True),
        ]
    )
    hand_written = ['{"pain": 2}', '{"pain": 0, "balance_losses": 1, "dizziness": true}']

    for line in [*written.splitlines(), *hand_written]:
        assert _errors("log", json.loads(line)) == [], line


def test_the_schemas_refuse_what_loading_refuses() -> None:
    bad = _toml(ROOT / "docs" / "examples" / "experiments" / "bad-experiment.toml")
    assert any("less than the minimum of 1" in e for e in _errors("experiment", bad))  # clients = 0
    assert _errors("experiment", {"policies": ["reference"], "colour": "red"})
    assert _errors("experiment", {"policies": [{"label": "no name"}]})
    assert _errors("experiment", {"policies": ["reference"], "output": {"trace": 2}})
    assert _errors("protocol", {"name": "x", "stages": [{"name": "a", "bouts": 0}]})
    assert _errors("protocol", {"name": "x", "stages": [{"name": "a"}], "colour": 1})
    assert _errors("protocol", {"name": "x", "stages": []})
    assert _errors("log", {"pain": 11})
    assert _errors("log", {"notes": "fine"})
    assert _errors("log", {"date": "5 January"})


@pytest.mark.parametrize("path", POPULATIONS, ids=lambda p: p.name)
def test_the_preset_population_files_validate(path: Path) -> None:
    assert _errors("population", _toml(path)) == []


def test_an_exported_population_validates_and_the_schema_refuses_what_loading_refuses() -> None:
    from retroprog_sim.model.population import (
        PopulationFileError,
        population_from_dict,
        population_toml,
    )

    preset = retroprog_sim.load_population("deconditioned")
    assert isinstance(preset, retroprog_sim.PresetPopulation)
    exported = loads_toml(
        population_toml(preset),
        label="deconditioned.toml",
        error=FileProblemsError,
    )
    assert _errors("population", exported) == []
    no_source = copy.deepcopy(exported)
    del no_source["parameters"]["gain"]["assumption"]
    no_source["parameters"]["gain"].pop("source", None)
    unknown = copy.deepcopy(exported) | {"colour": "red"}
    negative = copy.deepcopy(exported)
    negative["parameters"]["gain"]["sigma"] = -1.0
    wrong_kind = copy.deepcopy(exported)
    wrong_kind["parameters"]["gain"]["distribution"] = "uniform"
    for bad in (no_source, unknown, negative, wrong_kind):
        assert _errors("population", bad)
        with pytest.raises(PopulationFileError):
            population_from_dict(bad, label="bad.toml")


@pytest.mark.parametrize("name", list(SETTINGS))
def test_each_run_setting_has_its_range_in_the_experiment_schema(name: str) -> None:
    setting = SETTINGS[name]
    *tables, key = setting.key.split(".")
    schema = json_schema("experiment")["properties"]
    found = schema["output"]["properties"][key] if tables else schema[key]

    assert found["minimum"] == setting.low
    assert found.get("maximum") == setting.high
    assert found["description"].startswith(setting.help[:20])


def test_a_field_has_its_meaning_and_default() -> None:
    stage = json_schema("protocol")["properties"]["stages"]["items"]["properties"]

    assert stage["bouts"]["default"] == 1
    assert stage["bouts"]["description"] == "bouts per session."
    assert stage["name"]["minLength"] == 1
    assert stage["warmup"]["type"] == "string"  # plan text
    assert stage["levels"]["items"]["anyOf"][0]["type"] == "string"
