"""Documents written by the release before session plans (schema 1) load and mean the same.

The files in ``tests/data/schema1`` were written by that release (see its README):
every decision it made on a set of logs is made again, equal field for field, and
every document it wrote loads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

import retroprog as rp

DATA = Path(__file__).resolve().parents[1] / "data" / "schema1"
DECISION_FILES = sorted((DATA / "decisions").glob("*.jsonl"))

PROTOCOLS = {
    "retro-walk-run": rp.load_protocol("retro-walk-run"),
    "walk-run-intervals": rp.load_protocol(
        Path(__file__).resolve().parents[2] / "docs" / "examples" / "walk-run-intervals.toml"
    ),
}
POLICIES = {
    "reference": rp.load_policy("reference"),
    "pain-monitoring": rp.load_policy("pain-monitoring"),
    "staircase": rp.load_policy("staircase"),
    "reference+guards": rp.guarded(rp.load_policy("reference")),
    "staircase+guards": rp.guarded(rp.load_policy("staircase")),
}


def _document(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "documents" / f"{name}.json").read_text("utf-8"))
    assert data["schema"] == 1
    return data


def test_the_fixtures_are_all_there() -> None:
    assert len(DECISION_FILES) == 25
    assert len(list((DATA / "logs").glob("*.jsonl"))) == 4


@pytest.mark.parametrize("path", DECISION_FILES, ids=lambda path: path.stem)
def test_every_old_decision_is_made_again(path: Path) -> None:
    protocol_name, policy_name, log_name = path.stem.split("--")
    log = rp.read_log(DATA / "logs" / f"{log_name}.jsonl")
    old = [rp.from_json(line, rp.Decision) for line in path.read_text("utf-8").splitlines() if line]

    new = rp.replay(PROTOCOLS[protocol_name], POLICIES[policy_name], log)

    assert len(new) == len(old) == len(log)
    for index, (then, now) in enumerate(zip(old, new, strict=True)):
        assert now == then, f"session {index}"
        assert now.explanation == then.explanation
        assert str(now.prescription) == str(then.prescription)


def test_an_old_state_goes_on_as_it_did() -> None:
    state = rp.from_json(json.dumps(_document("ClientState-mid")), rp.ClientState)
    log = rp.read_log(DATA / "logs" / "mixed-1.jsonl")
    old = [
        rp.from_json(line, rp.Decision)
        for line in (DATA / "decisions" / "retro-walk-run--staircase+guards--mixed-1.jsonl")
        .read_text("utf-8")
        .splitlines()
    ]
    assert old[39].state == state

    on = rp.replay(PROTOCOLS["retro-walk-run"], POLICIES["staircase+guards"], log[40:], state=state)

    assert on == old[40:]


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("SessionOutcome", rp.SessionOutcome),
        ("ClientState", rp.ClientState),
        ("ClientState-mid", rp.ClientState),
        ("Stage", rp.Stage),
        ("Prescription", rp.Prescription),
        ("Prescription-simple", rp.Prescription),
        ("StagedProtocol", rp.StagedProtocol),
        ("StagedProtocol-intervals", rp.StagedProtocol),
        ("Decision", rp.Decision),
        ("Decision-stop", rp.Decision),
    ],
)
def test_an_old_document_loads(name: str, cls: type[Any]) -> None:
    document = _document(name)

    value = rp.from_dict(document, cls)

    assert rp.from_json(rp.to_json(value), cls) == value


def _as_now(old: rp.StagedProtocol, now: rp.ProgressionProtocol) -> rp.StagedProtocol:
    """``old`` with the source that the protocol's file has gained since."""
    assert isinstance(now, rp.StagedProtocol)
    return attrs.evolve(old, source=now.source)


@pytest.mark.parametrize(
    ("document", "name"),
    [("StagedProtocol", "retro-walk-run"), ("StagedProtocol-intervals", "walk-run-intervals")],
)
def test_an_old_protocol_document_is_the_protocol_it_was(document: str, name: str) -> None:
    old = rp.from_dict(_document(document), rp.StagedProtocol)

    assert old.source == ""
    assert not old.regress_across_stages
    assert _as_now(old, PROTOCOLS[name]) == PROTOCOLS[name]
    assert all(not stage.levels for stage in old.stages)


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_an_old_protocol_file_loads_as_the_same_protocol(name: str) -> None:
    loaded = rp.load_protocol(DATA / "protocols" / f"{name}.toml")
    assert isinstance(loaded, rp.StagedProtocol)

    assert _as_now(loaded, PROTOCOLS[name]) == PROTOCOLS[name]
