"""``retroprog simulate --logs DIR``: every client's session log and the truth behind it."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import attrs
from click.testing import CliRunner

import retroprog as rp
from retroprog_sim import ClientParams, load_population, log_likelihood
from retroprog_sim.cli import cli

if TYPE_CHECKING:
    from pathlib import Path


def test_logs_hold_every_clients_sessions_and_their_true_parameters(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    args = ["simulate", "--protocol", "couch-to-5k", "--population", "novice-runner"]
    result = CliRunner().invoke(
        cli, [*args, "--clients", "30", "--weeks", "10", "--seed", "4", "--logs", str(logs)]
    )
    assert result.exit_code == 0, result.output

    truths = [json.loads(line) for line in (logs / "truth.jsonl").read_text().splitlines()]
    assert [t["client"] for t in truths] == list(range(30))
    population = load_population("novice-runner")
    protocol, policy = rp.load_protocol("couch-to-5k"), rp.load_policy("reference")
    sessions = 0
    for truth in truths:
        log = rp.read_log(logs / truth["log"])
        sessions += len(log)
        params = ClientParams(**truth["params"])
        assert params == population.client(4, truth["client"]).params  # type: ignore[attr-defined]
        decisions = rp.replay(protocol, policy, log)
        assert (decisions[-1].state.status.value if decisions else "active") == truth["status"]
        assert {d.day for d in log} <= set(truth["scheduled_days"])
        kwargs = {"scheduled_days": truth["scheduled_days"], "dropped_out": truth["dropped_out"]}
        true = log_likelihood(params, protocol, policy, log, **kwargs)
        assert math.isfinite(true)
        wrong = attrs.evolve(params, attendance=0.99 if params.attendance < 0.5 else 0.2)
        assert log_likelihood(wrong, protocol, policy, log, **kwargs) < true
    assert sessions > 100

    # the log is what retroprog next reads
    shown = CliRunner().invoke(
        cli, ["next", str(logs / truths[0]["log"]), "--protocol", "couch-to-5k"]
    )
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("next session:")
