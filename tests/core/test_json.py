"""JSON: every type round-trips through one converter, with a schema version."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from retroprog import (
    SCHEMA_VERSION,
    ClientState,
    Decision,
    Level,
    Prescription,
    Segment,
    SessionOutcome,
    Stage,
    StagedProtocol,
    Status,
    from_dict,
    from_json,
    load_policy,
    load_protocol,
    replay,
    to_dict,
    to_json,
)
from retroprog.exceptions import InvalidValueError, SchemaVersionError

WALK_RUN = load_protocol("retro-walk-run")
_STAIRCASE_DECISIONS = replay(WALK_RUN, load_policy("staircase"), [SessionOutcome()] * 3)

VALUES: list[Any] = [
    SessionOutcome(),
    SessionOutcome(
        completed=False,
        bouts_completed=1,
        pain=3,
        balance_losses=2,
        dizziness=True,
        form_breakdown=True,
        rpe=6.5,
        next_day_pain=1,
        date=dt.date(2024, 2, 29),
        resume=True,
    ),
    SessionOutcome(day=12, rpe=7),
    ClientState("retro-walk", 15),
    ClientState(
        "retro-run",
        45,
        status=Status.STOPPED,
        sessions=30,
        sessions_at_level=2,
        base_sessions=6,
        successes=0,
        failures=2,
        adverse=2,
        last_day=738000,
        memory={"staircase.step": 8, "weekly_cap.window": [[1, 30], [3, 45]], "note": None},
    ),
    Stage("retro-run", bouts=3, rest_seconds=60),
    Stage("week 5", levels=[Level("run 5 min", 1), Level("run 8 min @ easy", 2)], sessions=3),
    Stage("retro-run", warmup="walk 5 min", cooldown="rest 60 s", activity="jog", sessions=1),
    Prescription.simple("retro-walk", 30, 2, 60),
    Prescription.simple("retro-walk", 30),
    Prescription("week 3", "walk 5 min, 2 × (run 90 s, walk 90 s @ brisk, rest 3 min)", level=1),
    Segment("run", 120, effort="6 mph"),
    Level("walk 5 min, 8 × (run 60 s, walk 90 s)", sessions=3),
    WALK_RUN,
    StagedProtocol("one", [Stage("retro-walk", step_seconds=10)], "walk only"),
    StagedProtocol(
        "weeks",
        [
            Stage("week 1", levels=[Level("run 1 min")]),
            Stage("week 2", levels=[Level("run 2 min")]),
        ],
        source="a citation",
        regress_across_stages=True,
    ),
    _STAIRCASE_DECISIONS[-1],
    replay(WALK_RUN, load_policy("reference"), [SessionOutcome(pain=8)])[0],
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_round_trip(value: Any) -> None:
    text = to_json(value)

    assert from_json(text, type(value)) == value
    assert from_dict(to_dict(value), type(value)) == value
    assert json.loads(text)["schema"] == SCHEMA_VERSION == 2
    assert json.loads(text)["type"] == type(value).__name__


def test_an_outcome_document() -> None:
    outcome = SessionOutcome(pain=3, date=dt.date(2024, 5, 1))

    assert json.loads(to_json(outcome)) == {
        "schema": 2,
        "type": "SessionOutcome",
        "completed": True,
        "bouts_completed": None,
        "pain": 3,
        "balance_losses": 0,
        "dizziness": False,
        "form_breakdown": False,
        "rpe": None,
        "next_day_pain": None,
        "day": None,
        "date": "2024-05-01",
        "resume": False,
    }


def test_a_decision_document_holds_plain_values() -> None:
    document = json.loads(to_json(_STAIRCASE_DECISIONS[-1]))

    assert document["action"] == "progress"
    assert document["reasons"] == ["success"]
    assert document["state"]["status"] == "active"
    assert document["state"]["memory"] == {
        "staircase.direction": 1,
        "staircase.reversals": 0,
        "staircase.step": 15,
    }
    assert document["prescription"] == {
        "stage": "retro-walk",
        "segments": [{"activity": "retro-walk", "seconds": 30, "effort": None}],
        "level": None,
        "warmup_segments": 0,
        "cooldown_segments": 0,
    }
    assert document["state"]["level"] == 30
    assert (
        document["explanation"] == "progressed 15 s → 30 s: 3 successful sessions in a row at 15 s"
    )


def test_a_read_decision_has_real_enums() -> None:
    decision = from_json(to_json(_STAIRCASE_DECISIONS[-1]), Decision)

    assert decision.action.__class__.__name__ == "Action"
    assert decision.state.status is Status.ACTIVE


def test_indent() -> None:
    assert to_json(Prescription.simple("retro-walk", 30), indent=2).startswith(
        '{\n  "schema": 2,\n'
    )


def test_non_ascii_is_kept() -> None:
    text = to_json(_STAIRCASE_DECISIONS[-1])

    assert "15 s → 30 s" in text


# --- schema versions ----------------------------------------------------------------------


def _document(**changes: Any) -> dict[str, Any]:
    document = to_dict(SessionOutcome(pain=2))
    document.update(changes)
    return {k: v for k, v in document.items() if v is not ...}


def test_a_document_without_a_schema_version() -> None:
    with pytest.raises(SchemaVersionError) as info:
        from_dict(_document(schema=...), SessionOutcome)

    assert (info.value.found, info.value.supported) == (None, 2)
    assert str(info.value) == "schema: the document has no schema version (expected 2)"


def test_a_document_from_a_newer_schema() -> None:
    with pytest.raises(SchemaVersionError) as info:
        from_json(json.dumps(_document(schema=3)), SessionOutcome)

    assert (info.value.found, info.value.supported) == (3, 2)
    assert str(info.value) == (
        "schema: document schema 3 is not supported "
        "(this retroprog reads schemas 1 to 2; upgrade retroprog to read newer documents)"
    )
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("schema", [0, -1])
def test_a_document_from_before_schema_1(schema: int) -> None:
    with pytest.raises(SchemaVersionError):
        from_dict(_document(schema=schema), SessionOutcome)


def test_a_schema_1_outcome_reads_as_it_did() -> None:
    assert from_dict(_document(schema=1), SessionOutcome) == SessionOutcome(pain=2)


# --- wrong documents ----------------------------------------------------------------------


def test_a_document_of_another_type() -> None:
    with pytest.raises(InvalidValueError) as info:
        from_json(to_json(Prescription.simple("retro-walk", 30)), SessionOutcome)

    assert (info.value.field, info.value.value) == ("type", "Prescription")
    assert str(info.value) == "type: expected a SessionOutcome document, got 'Prescription'"


def test_the_type_key_may_be_left_out() -> None:
    assert from_dict(_document(type=...), SessionOutcome) == SessionOutcome(pain=2)


def test_unknown_keys_are_refused_and_named() -> None:
    with pytest.raises(InvalidValueError) as info:
        from_dict(_document(colour="red"), SessionOutcome)

    assert (info.value.field, info.value.value) == ("colour", "red")
    assert str(info.value) == (
        "colour: unknown key (known: completed, bouts_completed, pain, balance_losses, "
        "dizziness, form_breakdown, rpe, next_day_pain, day, date, resume), got 'red'"
    )


def test_a_missing_field_is_named() -> None:
    document = to_dict(ClientState("retro-walk", 15))
    del document["level"]

    with pytest.raises(InvalidValueError) as info:
        from_dict(document, ClientState)

    assert "required field missing @ level" in str(info.value)


def test_a_missing_field_of_a_schema_1_document_is_named_as_it_has_it() -> None:
    document = {"schema": 1, "type": "ClientState", "stage": "retro-walk"}

    with pytest.raises(InvalidValueError) as info:
        from_dict(document, ClientState)

    assert "required field missing @ bout_seconds" in str(info.value)


# Schema-1 documents: a state's bout_seconds is its level, a prescription's bout_seconds,
# bouts and rest_seconds are its simple plan, and errors name the keys the document has.
_STATE_1 = {"schema": 1, "type": "ClientState", "stage": "retro-walk", "bout_seconds": 45}
_PRESCRIPTION_1 = {
    "schema": 1,
    "type": "Prescription",
    "stage": "retro-walk",
    "bout_seconds": 30,
    "bouts": 2,
    "rest_seconds": 60,
}


def test_a_schema_1_state_reads_its_bout_as_its_level() -> None:
    assert from_dict(_STATE_1, ClientState) == ClientState("retro-walk", 45)


def test_a_schema_1_prescription_reads_as_its_simple_plan() -> None:
    prescription = from_dict(_PRESCRIPTION_1, Prescription)

    assert prescription == Prescription.simple("retro-walk", 30, 2, 60)
    assert (prescription.bout_seconds, prescription.bouts, prescription.rest_seconds) == (30, 2, 60)


def test_a_schema_1_decision_reads_its_state_and_prescription() -> None:
    decision = _STAIRCASE_DECISIONS[-1]
    document = {
        **to_dict(decision),
        "schema": 1,
        "state": {
            ("bout_seconds" if k == "level" else k): v
            for k, v in to_dict(decision)["state"].items()
            if k not in ("schema", "type")
        },
        "prescription": {
            "stage": "retro-walk",
            "bout_seconds": 30,
            "bouts": 1,
            "rest_seconds": None,
        },
    }

    assert from_dict(document, Decision) == decision


@pytest.mark.parametrize(
    ("cls", "document", "message"),
    [
        (
            ClientState,
            {**_STATE_1, "bout_seconds": 45.9},
            "bout_seconds: must be a whole number ≥ 1, got 45.9",
        ),
        (ClientState, {**_STATE_1, "level": 3}, "level: unknown key in a schema-1 document, got 3"),
        (
            Prescription,
            {**_PRESCRIPTION_1, "bout_seconds": 0},
            "bout_seconds: must be a whole number ≥ 1, got 0",
        ),
        (
            Prescription,
            {**_PRESCRIPTION_1, "bouts": "1"},
            "bouts: must be a whole number ≥ 1, got '1'",
        ),
        (
            Prescription,
            {**_PRESCRIPTION_1, "segments": []},
            "segments: unknown key (known: stage, bout_seconds, bouts, rest_seconds), got []",
        ),
        (
            Decision,
            {
                **to_dict(_STAIRCASE_DECISIONS[-1]),
                "schema": 1,
                "state": {"stage": "retro-walk", "bout_seconds": 45.9},
                "prescription": {"stage": "retro-walk", "bout_seconds": 30},
            },
            "state.bout_seconds: must be a whole number ≥ 1, got 45.9",
        ),
        (
            Decision,
            {
                **to_dict(_STAIRCASE_DECISIONS[-1]),
                "schema": 1,
                "state": {"stage": "retro-walk", "bout_seconds": 30},
                "prescription": {"stage": "retro-walk", "bout_seconds": 30, "bouts": "1"},
            },
            "prescription.bouts: must be a whole number ≥ 1, got '1'",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_bad_schema_1_value_is_named_as_the_document_has_it(
    cls: type[Any], document: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidValueError) as info:
        from_dict(document, cls)

    assert str(info.value) == message


@pytest.mark.parametrize(
    ("cls", "document", "field", "value"),
    [
        (SessionOutcome, _document(pain=11), "pain", 11),
        (SessionOutcome, _document(rpe=-1), "rpe", -1),
        (SessionOutcome, _document(date="2024-13-01"), "date", "2024-13-01"),
        (
            Prescription,
            {**to_dict(Prescription.simple("retro-walk", 30)), "level": 0},
            "level",
            0,
        ),
    ],
    ids=["pain", "rpe", "date", "level"],
)
def test_a_bad_value_names_the_field_and_value(
    cls: type[Any], document: dict[str, Any], field: str, value: object
) -> None:
    # the same error as building the object in Python, not a wrapped, anonymous one
    with pytest.raises(InvalidValueError) as info:
        from_dict(document, cls)

    assert (info.value.field, info.value.value) == (field, value)
    assert str(info.value).startswith(f"{field}: ")


def test_an_out_of_range_pain_reads_like_the_python_error() -> None:
    with pytest.raises(InvalidValueError) as info:
        from_dict(_document(pain=11), SessionOutcome)

    assert str(info.value) == "pain: must be a whole number between 0 and 10, got 11"


@pytest.mark.parametrize(
    ("text", "value"),
    [("[1, 2]", [1, 2]), ('"outcome"', "outcome"), ("null", None)],
)
def test_a_document_that_is_not_an_object(text: str, value: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        from_json(text, SessionOutcome)

    assert (info.value.field, info.value.value) == ("document", value)


def test_text_that_is_not_json() -> None:
    with pytest.raises(InvalidValueError) as info:
        from_json("{pain: 3", SessionOutcome)

    assert info.value.field == "document"
    assert str(info.value).startswith("document: is not JSON (")


def test_bytes_are_read() -> None:
    assert from_json(to_json(SessionOutcome()).encode(), SessionOutcome) == SessionOutcome()


def test_only_retroprog_types_are_written() -> None:
    with pytest.raises(InvalidValueError) as info:
        to_json({"pain": 3})

    assert (info.value.field, info.value.value) == ("type", "dict")


# --- nothing is converted -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("resume", "false", "resume: must be true or false, got 'false'"),
        ("completed", "false", "completed: must be true or false, got 'false'"),
        ("pain", 2.9, "pain: must be a whole number between 0 and 10, got 2.9"),
        ("pain", "5", "pain: must be a whole number between 0 and 10, got '5'"),
        ("pain", True, "pain: must be a whole number between 0 and 10, got True"),
        ("balance_losses", 0.9, "balance_losses: must be a whole number ≥ 0, got 0.9"),
        ("next_day_pain", 2.99, "next_day_pain: must be a whole number between 0 and 10, got 2.99"),
        ("rpe", "5", "rpe: must be a finite number between 0 and 10, got '5'"),
        ("day", 3.0, "day: must be a whole number ≥ 0, got 3.0"),
    ],
)
def test_an_outcome_s_values_are_judged_as_they_are(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(InvalidValueError) as info:
        from_dict(_document(**{field: value}), SessionOutcome)

    assert str(info.value) == message


@pytest.mark.parametrize(
    ("value", "change", "message"),
    [
        (
            ClientState("retro-walk", 45),
            {"level": 45.9},
            "level: must be a whole number ≥ 1, got 45.9",
        ),
        (ClientState("retro-walk", 45), {"stage": 5}, "stage: must be a non-empty name, got 5"),
        (
            ClientState("retro-walk", 45),
            {"status": True},
            "status: must be one of active, stopped, completed, got True",
        ),
        (
            ClientState("retro-walk", 45),
            {"memory": []},
            "memory: must be a mapping of names to JSON values, got []",
        ),
        (
            _STAIRCASE_DECISIONS[-1],
            {"state": {**to_dict(_STAIRCASE_DECISIONS[-1])["state"], "level": 45.9}},
            "state.level: must be a whole number ≥ 1, got 45.9",
        ),
        (
            _STAIRCASE_DECISIONS[-1],
            {
                "prescription": {
                    "stage": "retro-walk",
                    "segments": [{"activity": "walk", "seconds": 0}],
                }
            },
            "prescription.segments[0].seconds: must be a whole number between 1 and 86400, got 0",
        ),
        (
            _STAIRCASE_DECISIONS[-1],
            {"prescription": {"stage": "retro-walk", "segments": []}},
            "prescription.segments: a plan needs at least one segment, got ()",
        ),
        (_STAIRCASE_DECISIONS[-1], {"state": "x"}, "state: must be a JSON object, got 'x'"),
        (
            _STAIRCASE_DECISIONS[-1],
            {"reasons": "success"},
            "reasons: must be a JSON array, got 'success'",
        ),
        (
            WALK_RUN,
            {"stages": [to_dict(WALK_RUN)["stages"][0], {"name": "retro-run", "steps": 2}]},
            "stages[1].steps: unknown key (known: name, base_min_seconds, base_max_seconds, "
            "levels, min_base_sessions, step_seconds, target_seconds, bouts, rest_seconds, "
            "sessions, activity, warmup, cooldown), got 2",
        ),
        (
            WALK_RUN,
            {"stages": [{"name": "retro-walk", "target_seconds": 20.0}]},
            "stages[0].target_seconds: must be a whole number between 1 and 86400, got 20.0",
        ),
        (WALK_RUN, {"stages": "retro-walk"}, "stages: must be a JSON array, got 'retro-walk'"),
        (WALK_RUN, {"description": 5}, "description: must be a string, got 5"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_fields_are_named_by_their_place_in_the_document(
    value: Any, change: dict[str, Any], message: str
) -> None:
    document = {**to_dict(value), **change}

    with pytest.raises(InvalidValueError) as info:
        from_dict(document, type(value))

    assert str(info.value) == message


def test_several_unknown_keys_are_named_together() -> None:
    with pytest.raises(InvalidValueError) as info:
        from_dict(_document(colour="red", notes=""), SessionOutcome)

    assert (info.value.field, info.value.value) == ("colour, notes", {"colour": "red", "notes": ""})
    assert info.value.reason.startswith("unknown keys (known: completed, ")


def test_a_schema_that_only_equals_one() -> None:
    with pytest.raises(SchemaVersionError):
        from_dict(_document(schema=True), SessionOutcome)
    with pytest.raises(SchemaVersionError):
        from_dict(_document(schema=1.0), SessionOutcome)


def test_a_document_with_a_key_given_twice() -> None:
    text = to_json(SessionOutcome(pain=2))[:-1] + ', "pain": 9}'

    with pytest.raises(InvalidValueError) as info:
        from_json(text, SessionOutcome)

    assert info.value.field == "document"
    assert info.value.reason == "gives the key 'pain' twice (2, then 9)"
