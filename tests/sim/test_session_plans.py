"""The harness runs the protocols of session plans: Couch to 5K and the return-to-run phases.

Their figures are not calibrated yet (the client model reads a plan's work seconds
and its longest work segment, nothing more): these tests check that the runs go
end to end, agree with the core, and that the article's runs are unchanged.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import retroprog as rp
from retroprog_sim import RunSpec, load_population, simulate
from retroprog_sim.cli import cli
from retroprog_sim.model.client import Client
from retroprog_sim.model.params import ClientParams


@pytest.mark.search
@pytest.mark.parametrize("name", ["couch-to-5k", "return-to-run-mtss"])
def test_retroprog_check_passes_on_the_protocol(name: str) -> None:
    result = CliRunner().invoke(cli, ["check", "reference", "--protocol", name])

    assert result.exit_code == 0, result.output
    assert (
        result.stdout == f"PASS: reference keeps every safety invariant on {name} (200 examples)\n"
    )


@pytest.mark.parametrize("name", ["couch-to-5k", "return-to-run-mtss"])
def test_a_simulation_runs_and_its_traces_replay(name: str) -> None:
    protocol = rp.load_protocol(name)
    policy = rp.load_policy("pain-monitoring")
    spec = RunSpec(
        protocol,
        policy,
        load_population("athlete"),
        clients=30,
        weeks=10,
        seed=2,
        trace_clients=30,
        block_size=10,
    )

    run = simulate(spec)

    assert len(run.clients) == 30
    assert sum(client.sessions for client in run.clients) > 30
    logs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for trace in run.traces:
        logs[trace["client"]].append(trace)
    for client, log in logs.items():
        outcomes = [rp.from_dict(t["outcome"], rp.SessionOutcome) for t in log]
        decisions = rp.replay(protocol, policy, outcomes)
        assert [d.explanation for d in decisions] == [t["explanation"] for t in log], client
        done = [rp.from_dict(t["prescription"], rp.Prescription) for t in log]
        assert done == [protocol.prescribe(protocol.start())] + [
            d.prescription for d in decisions[:-1]
        ]


def test_simulate_writes_a_couch_to_5k_folder(tmp_path: Path) -> None:
    out = tmp_path / "c25k"
    result = CliRunner().invoke(
        cli,
        ["simulate", "--protocol", "couch-to-5k", "--clients", "40", "--weeks", "9", "--out",
         str(out), "--no-progress"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["protocol"] == "couch-to-5k"
    assert [stage["name"] for stage in summary["protocol_settings"]["stages"]] == [
        f"week {n}" for n in range(1, 10)
    ]


def test_next_names_a_listed_level(tmp_path: Path) -> None:
    log = tmp_path / "client.jsonl"
    rp.write_log(log, [rp.SessionOutcome(day=2 * i) for i in range(13)])

    result = CliRunner().invoke(cli, ["next", str(log), "--protocol", "couch-to-5k"])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "next session: week 5: walk 5 min, run 8 min, walk 5 min, run 8 min",
        "why:          progressed to week 5 level 2: walk 5 min, run 8 min, walk 5 min, "
        "run 8 min; 1 successful session in a row at week 5 level 1",
        "decision:     progress (success)",
        "state:        active, week 5 level 2, 13 session(s) logged",
    ]


def _client() -> Client:
    return Client(ClientParams(), 1)


def test_the_client_model_reads_a_plan_s_segments() -> None:
    plan = rp.Prescription("week 1", "walk 5 min, 8 × (run 60 s, rest 90 s)")
    client = _client()

    client.session(plan, 0, 0)

    # the load of each family, in minutes of its reference activity: running trains
    # walking fully (7 MET ÷ 3.5 = twice its minutes), walking trains running at half
    latent = client.latent
    assert latent.fitness_running == latent.fatigue_running == pytest.approx(8 + 0.5 * 5 / 2)
    assert latent.fitness_walking == pytest.approx(5 + 8 * 2)


def test_a_simple_plan_is_the_same_session_as_its_segments() -> None:
    simple = rp.Prescription.simple("retro-walk", 45, 3, 60)
    one, other = _client(), _client()

    first = one.session(simple, 0, 0)
    second = other.session(rp.Prescription("retro-walk", simple.segments), 0, 0)

    assert first == second
    assert one.latent == other.latent
    assert one.latent.exposures == (1.0, 0.0)  # one session holding retro-walk
