"""``retroprog describe NAME``: a protocol's stages, other kinds' parameters."""

from __future__ import annotations

import json

import attrs
import pytest

import retroprog
from retroprog_sim import ClientParams, PresetPopulation, load_population

from .test_cli import assert_one_line_error, invoke


def describe(*args: str) -> dict[str, object]:
    result = invoke("describe", *args, "--json")
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_a_policy_with_every_parameter_its_default_and_meaning() -> None:
    document = describe("pain-monitoring")

    assert (document["kind"], document["name"], document["source"]) == (
        "policy",
        "pain-monitoring",
        "built-in",
    )
    parameters = {p["name"]: p for p in document["parameters"]}  # type: ignore[attr-defined]
    names = [f.name for f in attrs.fields(retroprog.RulePolicy) if f.name != "name"]
    assert list(parameters) == names
    assert parameters["pain_threshold"]["default"] == 5  # the preset's own, not the class's
    assert parameters["stop_after"]["type"] == "int"
    assert parameters["stop_after"]["doc"] == "adverse sessions in a row that stop."


def test_a_protocol_with_its_stages() -> None:
    document = describe("retro-walk-run")

    assert document["kind"] == "protocol"
    protocol = retroprog.load_protocol("retro-walk-run")
    assert isinstance(protocol, retroprog.StagedProtocol)
    assert document["description"] == protocol.description
    stages = document["stages"]
    assert [s["name"] for s in stages] == ["retro-walk", "retro-run"]  # type: ignore[attr-defined]
    assert stages[0]["target_seconds"] == 120  # type: ignore[index]


def test_a_population_with_its_clients_parameters_flat() -> None:
    document = describe("deconditioned")

    parameters = {p["name"]: p["default"] for p in document["parameters"]}  # type: ignore[attr-defined]
    preset = load_population("deconditioned")
    assert isinstance(preset, PresetPopulation)
    assert parameters["walk_tolerance"] == preset.parameters["walk_tolerance"].median
    assert parameters["heterogeneity"] == 1.0
    assert set(attrs.fields_dict(ClientParams)) < set(parameters)


def test_a_guard_and_the_text_form() -> None:
    assert describe("gap")["parameters"] == [
        {"name": "max_gap_days", "default": 14, "type": "int", "doc": ""}
    ]
    result = invoke("describe", "staircase")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("policy staircase (built-in")
    assert "Parameters (give them as --param KEY=VALUE)" in result.stdout
    assert "step_shrink" in result.stdout


def test_a_protocol_file_and_module_attr() -> None:
    assert describe("docs/examples/walk-run-intervals.toml")["kind"] == "protocol"
    assert describe("retroprog_sim.model.population:ATHLETE")["kind"] == "population"


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("referense",), ("no protocol, policy, population or guard 'referense'", "'reference'")),
        (("general", "--kind", "policy"), ("no policy 'general'",)),
    ],
)
def test_an_unknown_name_in_one_line_with_a_guess(
    args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    assert_one_line_error(invoke("describe", *args), *fragments)
