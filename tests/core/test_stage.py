"""Stage and Prescription: defaults from the article, validation that names field and value."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from retroprog import Prescription, Stage
from retroprog.exceptions import InvalidValueError


def test_defaults_are_the_articles_retro_walk() -> None:
    stage = Stage("retro-walk")

    assert attrs.asdict(stage) == {
        "name": "retro-walk",
        "base_min_seconds": 15,
        "base_max_seconds": 30,
        "levels": (),
        "min_base_sessions": 6,
        "step_seconds": 15,
        "target_seconds": 120,
        "bouts": 1,
        "rest_seconds": None,
        "sessions": None,
        "activity": None,
        "warmup": (),
        "cooldown": (),
    }


def test_stage_is_immutable() -> None:
    stage = Stage("retro-walk")

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        stage.step_seconds = 30  # type: ignore[misc]


@pytest.mark.parametrize(
    ("bout", "expected"), [(15, True), (29, True), (30, True), (31, False), (120, False)]
)
def test_in_base_includes_base_max(bout: int, expected: bool) -> None:
    assert Stage("retro-walk").in_base(bout) is expected


def test_prescription_carries_bouts_and_rest() -> None:
    stage = Stage("retro-run", bouts=3, rest_seconds=45)

    assert stage.prescription(60) == Prescription.simple("retro-run", 60, 3, 45)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", " retro-walk"),
        ("name", 3),
        ("base_min_seconds", 0),
        ("base_min_seconds", 15.0),
        ("base_min_seconds", True),
        ("min_base_sessions", -1),
        ("step_seconds", 0),
        ("step_seconds", 1.5),
        ("bouts", 0),
        ("rest_seconds", -1),
        ("rest_seconds", "60"),
    ],
)
def test_bad_stage_values_name_the_field_and_value(field: str, value: Any) -> None:
    kwargs: dict[str, Any] = {"name": "retro-walk", field: value}

    with pytest.raises(InvalidValueError) as info:
        Stage(**kwargs)

    assert info.value.field == field
    assert info.value.value == value
    assert type(info.value.value) is type(value)
    assert str(info.value).startswith(f"{field}: ")
    assert str(info.value).endswith(f"got {value!r}")


def test_base_max_below_base_min_is_refused() -> None:
    with pytest.raises(InvalidValueError) as info:
        Stage("retro-walk", base_min_seconds=40)

    assert info.value.field == "base_max_seconds"
    assert info.value.value == 30
    assert str(info.value) == "base_max_seconds: must be at least base_min_seconds (40), got 30"


def test_target_below_base_max_is_refused() -> None:
    with pytest.raises(InvalidValueError) as info:
        Stage("retro-walk", target_seconds=20)

    assert str(info.value) == "target_seconds: must be at least base_max_seconds (30), got 20"


def test_target_equal_to_base_max_is_allowed() -> None:
    assert Stage("retro-walk", target_seconds=30).target_seconds == 30


@pytest.mark.parametrize(
    ("prescription", "text"),
    [
        (Prescription.simple("retro-walk", 30), "retro-walk: 1 × 30 s"),
        (Prescription.simple("retro-run", 45, 3), "retro-run: 3 × 45 s"),
        (
            Prescription.simple("retro-walk", 30, 2, rest_seconds=60),
            "retro-walk: 2 × 30 s, 60 s rest",
        ),
        # no rest between bouts: they follow each other, as without rest_seconds
        (Prescription.simple("retro-walk", 30, 2, rest_seconds=0), "retro-walk: 2 × 30 s"),
    ],
)
def test_prescription_reads_as_a_sentence(prescription: Prescription, text: str) -> None:
    assert str(prescription) == text


@pytest.mark.parametrize(
    ("kwargs", "field", "value"),
    [
        ({"stage": "retro-walk", "bout_seconds": 0}, "bout_seconds", 0),
        ({"stage": "retro-walk", "bout_seconds": True}, "bout_seconds", True),
        ({"stage": "retro-walk", "bout_seconds": 30.0}, "bout_seconds", 30.0),
        ({"stage": "retro-walk", "bout_seconds": 86_401}, "bout_seconds", 86_401),
        ({"stage": "", "bout_seconds": 30}, "stage", ""),
        ({"stage": "retro-walk", "bout_seconds": 30, "bouts": 0}, "bouts", 0),
        ({"stage": "retro-walk", "bout_seconds": 30, "rest_seconds": -5}, "rest_seconds", -5),
    ],
)
def test_bad_prescription_values_name_the_field_and_value(
    kwargs: dict[str, Any], field: str, value: object
) -> None:
    with pytest.raises(InvalidValueError) as info:
        Prescription.simple(**kwargs)

    assert info.value.field == field
    assert info.value.value == value
    assert type(info.value.value) is type(value)
