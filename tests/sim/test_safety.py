"""The safety invariants hold on every decision of a simulated client.

Each traced client's log is replayed step by step; every decision is checked by
:func:`retroprog.testing.check_decision` (the property tests' checker)
and must be the one the harness recorded.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

import pytest

import retroprog as rp
from retroprog.testing import check_decision
from retroprog_sim import SimulationResult, simulate

if TYPE_CHECKING:
    from .conftest import MakeSpec


@pytest.fixture(
    scope="module", params=["general", "post-injury", "athlete"], ids=lambda name: f"pop={name}"
)
def run(
    request: pytest.FixtureRequest, make_spec: MakeSpec, policy: rp.RegressionPolicy
) -> SimulationResult:
    spec = make_spec(policy, request.param, clients=25, weeks=20, trace_clients=25)
    return simulate(spec)


def test_every_simulated_decision_is_safe(
    run: SimulationResult, protocol: rp.ProgressionProtocol, policy: rp.RegressionPolicy
) -> None:
    logs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for trace in run.traces:
        logs[trace["client"]].append(trace)
    checked: Counter[str] = Counter()
    for client_id, log in sorted(logs.items()):
        state = protocol.start()
        for trace in log:
            outcome = rp.from_dict(trace["outcome"], rp.SessionOutcome)
            decision = policy.decide(protocol, state, outcome)
            check_decision(protocol, policy, state, outcome, decision)
            assert decision.action.value == trace["action"], (client_id, trace["session"])
            checked[decision.action.value] += 1
            state = decision.state

    assert sum(checked.values()) == run.summary.sessions
    # adverse sessions happened, and the checks saw the policy step up and back
    assert run.summary.adverse_events > 0
    assert checked["progress"] > 0
    assert checked["regress"] > 0
