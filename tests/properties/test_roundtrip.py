"""Invariant 8 as properties: every type survives JSON unchanged, and so do JSONL logs."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import retroprog as rp
from retroprog import testing as rt

BUILTIN = rp.load_protocol("retro-walk-run")


def _assert_roundtrips(value: Any) -> None:
    assert rp.from_json(rp.to_json(value), type(value)) == value
    document = json.loads(rp.to_json(value))
    assert document["schema"] == rp.SCHEMA_VERSION
    assert document["type"] == type(value).__name__
    assert rp.from_dict(rp.to_dict(value), type(value)) == value


@given(rt.stages())
def test_stage_roundtrips(stage: rp.Stage) -> None:
    _assert_roundtrips(stage)


@given(rt.segments())
def test_segment_roundtrips(segment: rp.Segment) -> None:
    _assert_roundtrips(segment)


@given(rt.levels())
def test_level_roundtrips(level: rp.Level) -> None:
    _assert_roundtrips(level)


@given(rt.stages(listed=True))
def test_a_stage_that_lists_its_levels_roundtrips(stage: rp.Stage) -> None:
    _assert_roundtrips(stage)
    back = rp.from_json(rp.to_json(stage), rp.Stage)
    assert [back.prescription(n) for n in range(1, stage.last_level + 1)] == [
        stage.prescription(n) for n in range(1, stage.last_level + 1)
    ]


@given(rt.prescriptions())
def test_prescription_roundtrips(prescription: rp.Prescription) -> None:
    _assert_roundtrips(prescription)


@given(rt.outcomes(dated=True, max_findings=9))
def test_session_outcome_roundtrips(outcome: rp.SessionOutcome) -> None:
    _assert_roundtrips(outcome)


@given(rt.states())
def test_client_state_roundtrips_memory_included(state: rp.ClientState) -> None:
    _assert_roundtrips(state)


@given(rt.decisions())
def test_decision_roundtrips(decision: rp.Decision) -> None:
    _assert_roundtrips(decision)


@given(rt.protocols(any_names=True))
def test_staged_protocol_roundtrips(protocol: rp.StagedProtocol) -> None:
    _assert_roundtrips(protocol)
    back = rp.from_json(rp.to_json(protocol), rp.StagedProtocol)
    assert [back.stage(stage.name) for stage in protocol.stages] == list(protocol.stages)


def test_the_builtin_protocols_roundtrip() -> None:
    for name in rp.builtin_protocols():
        _assert_roundtrips(rp.load_protocol(name))


@given(
    rt.protocols(builtin=True), rt.policies() | rt.guarded_policies(), rt.outcome_logs(max_size=30)
)
def test_decisions_a_policy_makes_roundtrip(
    protocol: rp.StagedProtocol, policy: rp.RegressionPolicy, log: list[rp.SessionOutcome]
) -> None:
    for decision in rp.replay(protocol, policy, log):
        _assert_roundtrips(decision)
        _assert_roundtrips(decision.state)


@given(rt.outcome_logs())
def test_session_logs_roundtrip_through_jsonl(log: list[rp.SessionOutcome]) -> None:
    text = rp.dumps_log(log)
    assert text.count("\n") == len(log)
    assert all(json.loads(line)["type"] == "SessionOutcome" for line in text.splitlines())
    assert rp.loads_log(text) == log


@given(rt.outcome_logs(), st.integers(0, 3))
def test_blank_lines_in_a_session_log_are_skipped(
    log: list[rp.SessionOutcome], blanks: int
) -> None:
    # Blank (or white-space) lines between, before and after the sessions.
    blank = " \n" * blanks
    text = blank + "".join(line + "\n" + blank for line in rp.dumps_log(log).splitlines())
    assert rp.loads_log(text) == log
