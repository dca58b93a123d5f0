"""``retroprog next`` on a log written before session plans gives the decisions it gave then.

The expected output was written by that release (``tests/data/schema1/next``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import retroprog as rp
from retroprog_sim.cli import cli

DATA = Path(__file__).resolve().parents[1] / "data" / "schema1"
CASES = [
    (log, policy) for log in ("mixed-1", "clean") for policy in ("reference", "pain-monitoring")
]


def _next(log: str, policy: str, *extra: str) -> str:
    result = CliRunner().invoke(
        cli, ["next", str(DATA / "logs" / f"{log}.jsonl"), "--policy", policy, *extra]
    )
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(("log", "policy"), CASES)
def test_next_prints_what_it_printed(log: str, policy: str) -> None:
    expected = (DATA / "next" / f"{log}--{policy}.txt").read_text("utf-8")

    assert _next(log, policy) == expected


@pytest.mark.parametrize(("log", "policy"), CASES)
def test_next_as_json_means_what_it_meant(log: str, policy: str) -> None:
    then = json.loads((DATA / "next" / f"{log}--{policy}.json").read_text("utf-8"))

    now = json.loads(_next(log, policy, "--json"))

    for key in ("action", "reasons", "explanation", "sessions"):
        assert now[key] == then[key]
    assert rp.from_dict(now["state"], rp.ClientState) == rp.from_dict(then["state"], rp.ClientState)
    if then["prescription"] is None:
        assert now["prescription"] is None
    else:
        assert rp.from_dict(now["prescription"], rp.Prescription) == rp.from_dict(
            then["prescription"], rp.Prescription
        )
