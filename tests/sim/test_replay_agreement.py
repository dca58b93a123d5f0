"""The harness and the core agree: every traced client's log replays to the same decisions."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import pytest

import retroprog as rp
from retroprog_sim import SimulationResult, simulate

if TYPE_CHECKING:
    from .conftest import MakeSpec

_CLIENTS = 40


@pytest.fixture(scope="module")
def run(make_spec: MakeSpec, policy: rp.RegressionPolicy) -> SimulationResult:
    # athletes reach both stage goals within 24 weeks, so advance and complete occur
    spec = make_spec(
        policy, "athlete", clients=_CLIENTS, weeks=24, trace_clients=_CLIENTS, block_size=15
    )
    return simulate(spec)


def _by_client(traces: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    logs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for trace in traces:
        logs[trace["client"]].append(trace)
    return logs


def test_every_traced_log_replays_to_the_recorded_decisions(
    run: SimulationResult, protocol: rp.ProgressionProtocol, policy: rp.RegressionPolicy
) -> None:
    logs = _by_client(run.traces)
    assert sorted(logs) == list(range(_CLIENTS))
    for client_id, log in logs.items():
        outcomes = [rp.from_dict(t["outcome"], rp.SessionOutcome) for t in log]
        decisions = rp.replay(protocol, policy, outcomes)
        recorded = [(t["action"], t["stage"], t["bout_seconds"], t["explanation"]) for t in log]
        replayed = [
            (d.action.value, d.state.stage, d.state.bout_seconds, d.explanation) for d in decisions
        ]
        assert replayed == recorded, f"client {client_id}"
        # each session was done at the prescription of the decision before it
        prescriptions = [protocol.prescribe(protocol.start())] + [
            d.prescription for d in decisions[:-1]
        ]
        done = [rp.from_dict(t["prescription"], rp.Prescription) for t in log]
        assert done == prescriptions, f"client {client_id}"


def test_the_replayed_end_state_is_the_clients_result(
    run: SimulationResult, protocol: rp.ProgressionProtocol, policy: rp.RegressionPolicy
) -> None:
    logs = _by_client(run.traces)
    for result in run.clients:
        log = logs[result.client_id]
        assert [t["session"] for t in log] == list(range(1, result.sessions + 1))
        decisions = rp.replay(
            protocol, policy, [rp.from_dict(t["outcome"], rp.SessionOutcome) for t in log]
        )
        final = decisions[-1].state if decisions else protocol.start()
        assert (final.stage, final.bout_seconds, final.status.value) == (
            result.final_stage,
            result.final_bout,
            result.status,
        )
        actions = [d.action for d in decisions]
        up = actions.count(rp.Action.PROGRESS) + actions.count(rp.Action.ADVANCE)
        assert up == result.progressions
        assert actions.count(rp.Action.REGRESS) == result.regressions


def test_the_runs_exercise_every_kind_of_decision(
    run: SimulationResult, protocol: rp.ProgressionProtocol, policy: rp.RegressionPolicy
) -> None:
    """Agreement on holds alone would prove little: the traces cover every move."""
    actions = {t["action"] for t in run.traces}
    assert {"hold", "progress", "regress", "advance", "complete", "stop"} <= actions
    assert any(t["outcome"]["next_day_pain"] is not None for t in run.traces)
    if isinstance(policy, rp.GuardedPolicy):  # and the guards did revise decisions
        reasons: set[str] = set()
        for log in _by_client(run.traces).values():
            outcomes = [rp.from_dict(t["outcome"], rp.SessionOutcome) for t in log]
            for decision in rp.replay(protocol, policy, outcomes):
                reasons.update(decision.reasons)
        guards = (rp.Reason.GUARD_ADVERSE, rp.Reason.GUARD_GAP, rp.Reason.GUARD_WEEKLY_CAP)
        assert {reason.value for reason in guards} <= reasons
