"""ClientState and Status: validated, immutable, JSON-safe memory."""

from __future__ import annotations

import math
from typing import Any

import attrs
import pytest

from retroprog import ClientState, Status, load_protocol, start
from retroprog.exceptions import InvalidValueError


def test_a_new_state_has_zero_counters_and_is_active() -> None:
    state = ClientState("retro-walk", 15)

    assert attrs.asdict(state) == {
        "stage": "retro-walk",
        "level": 15,
        "status": Status.ACTIVE,
        "sessions": 0,
        "sessions_at_level": 0,
        "base_sessions": 0,
        "successes": 0,
        "failures": 0,
        "adverse": 0,
        "last_day": None,
        "memory": {},
    }
    assert state.active is True


def test_start_is_the_first_stage_at_its_shortest_bout() -> None:
    assert start(load_protocol("retro-walk-run")) == ClientState("retro-walk", 15)


@pytest.mark.parametrize(
    ("given", "status", "active"),
    [
        ("active", Status.ACTIVE, True),
        ("stopped", Status.STOPPED, False),
        ("completed", Status.COMPLETED, False),
        (Status.STOPPED, Status.STOPPED, False),
    ],
)
def test_status_is_converted_from_its_value(given: Any, status: Status, active: bool) -> None:
    state = ClientState("retro-walk", 15, status=given)

    assert state.status is status
    assert state.active is active


def test_status_reads_as_its_value() -> None:
    assert [str(s) for s in Status] == ["active", "stopped", "completed"]


def test_unknown_status_names_the_known_ones() -> None:
    with pytest.raises(InvalidValueError) as info:
        ClientState("retro-walk", 15, status="paused")

    assert (info.value.field, info.value.value) == ("status", "paused")
    assert str(info.value) == "status: must be one of active, stopped, completed, got 'paused'"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("stage", ""),
        ("level", 0),
        ("level", True),
        ("level", 15.0),
        ("sessions", -1),
        ("sessions_at_level", -1),
        ("base_sessions", -1),
        ("successes", -1),
        ("failures", True),
        ("adverse", -2),
        ("last_day", -1),
    ],
)
def test_bad_values_name_field_and_value(field: str, value: Any) -> None:
    kwargs: dict[str, Any] = {"stage": "retro-walk", "level": 15, field: value}

    with pytest.raises(InvalidValueError) as info:
        ClientState(**kwargs)

    assert info.value.field == field
    assert info.value.value is value


def test_memory_tuples_become_lists() -> None:
    state = ClientState("retro-walk", 15, memory={"window": ((1, 15), (3, 30)), "step": 8})

    assert state.memory == {"window": [[1, 15], [3, 30]], "step": 8}


def test_memory_is_copied_from_the_callers_mapping() -> None:
    given: dict[str, Any] = {"step": 8, "window": [[1, 15]]}
    state = ClientState("retro-walk", 15, memory=given)

    given["step"] = 4
    given["window"].append([2, 30])

    assert state.memory == {"step": 8, "window": [[1, 15]]}


def _nested(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels - 1):
        value = [value]
    return value


def test_memory_may_be_none_or_nest_16_levels() -> None:
    assert ClientState("retro-walk", 15, memory=None).memory == {}
    assert ClientState("retro-walk", 15, memory={"x": _nested(16)}).memory == {"x": _nested(16)}


@pytest.mark.parametrize(
    ("memory", "field", "reason"),
    [
        ({"x": math.nan}, "memory.x", "memory values must be finite"),
        ({"x": [1, math.inf]}, "memory.x[1]", "memory values must be finite"),
        ({"x": {"y": {1, 2}}}, "memory.x.y", "memory values must be JSON values"),
        ({1: "one"}, "memory", "memory keys must be strings"),
        ([("x", 1)], "memory", "must be a mapping of names to JSON values"),
        ([], "memory", "must be a mapping of names to JSON values"),  # not read as no memory
        (0, "memory", "must be a mapping of names to JSON values"),
        ("", "memory", "must be a mapping of names to JSON values"),
        (
            {"x": _nested(17)},
            "memory.x" + "[0]" * 16,
            "memory values may nest at most 16 levels deep",
        ),
    ],
    ids=["nan", "inf", "set", "int-key", "pairs", "empty-list", "zero", "empty-text", "deep"],
)
def test_memory_must_hold_json_values(memory: Any, field: str, reason: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        ClientState("retro-walk", 15, memory=memory)

    assert info.value.field == field
    assert info.value.reason == reason


def test_states_are_immutable() -> None:
    state = ClientState("retro-walk", 15)

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        state.bout_seconds = 30  # type: ignore[misc]


def test_equal_states_hash_equal_even_with_memory() -> None:
    a = ClientState("retro-walk", 15, memory={"step": 8})
    b = ClientState("retro-walk", 15, memory={"step": 8})

    assert a == b
    assert hash(a) == hash(b)
    assert a != ClientState("retro-walk", 15, memory={"step": 5})


def test_evolve_revalidates() -> None:
    with pytest.raises(InvalidValueError) as info:
        attrs.evolve(ClientState("retro-walk", 15), successes=-1)

    assert (info.value.field, info.value.value) == ("successes", -1)
