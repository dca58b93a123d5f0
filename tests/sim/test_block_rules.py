"""The built-in rules over a block (``engine.rules``) decide as RulePolicy.decide, bit for bit."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retroprog as rp
from retroprog import testing as rt
from retroprog_sim import RunSpec, load_population
from retroprog_sim.engine import rules
from retroprog_sim.engine.process import run_block

from ..budget import examples


def _often(value: Any, others: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly ``value`` (a clean session's), sometimes one of ``others``."""
    return st.one_of(st.just(value), st.just(value), st.just(value), others)


#: Sessions with a finding or two, near the rules' bounds as often as not.
_FINDINGS = st.fixed_dictionaries(
    {
        "pain": _often(0, st.integers(0, 10)),
        "next_day_pain": _often(None, st.integers(0, 10)),
        "balance_losses": _often(0, st.integers(0, 2)),
        "dizziness": _often(False, st.just(True)),
        "form_breakdown": _often(False, st.just(True)),
        "completed": _often(True, st.just(False)),
        "rpe": _often(3.0, st.integers(0, 10).map(float)),
    }
)
#: A session with one finding, each kind as often as the others.
_ONE_FINDING = st.one_of(
    st.fixed_dictionaries({"pain": st.integers(1, 10)}),
    st.fixed_dictionaries({"pain": st.integers(0, 10), "next_day_pain": st.integers(0, 10)}),
    st.fixed_dictionaries({"balance_losses": st.integers(1, 2)}),
    st.just({"dizziness": True}),
    st.just({"form_breakdown": True}),
    st.just({"completed": False}),
    st.fixed_dictionaries({"rpe": st.integers(0, 10).map(float)}),
)


def _sessions(clean: int) -> st.SearchStrategy[dict[str, Any]]:
    """``clean`` clean sessions to each one with findings: clients climb, advance and complete."""
    return st.one_of(*[st.just({})] * clean, _ONE_FINDING, _FINDINGS)


#: Protocols, half of them regressing across stages.
_PROTOCOLS = rt.protocols(builtin=True).flatmap(
    lambda p: st.sampled_from([p, attrs.evolve(p, regress_across_stages=True)])
)


@settings(max_examples=examples(60), deadline=None)
@given(
    protocol=_PROTOCOLS,
    policy=rt.policies(),
    members=st.integers(1, 6),
    data=st.data(),
)
def test_the_block_decides_as_the_policy_client_by_client(
    protocol: rp.StagedProtocol, policy: rp.RulePolicy, members: int, data: st.DataObject
) -> None:
    ladders = rules.Ladders.of(protocol)
    states = [protocol.start() for _ in range(members)]
    block = rules.States.of(states, ladders)
    sessions = _sessions(data.draw(st.sampled_from([2, 8, 40]), label="clean to each other"))
    day = 0
    for _ in range(data.draw(st.integers(1, 120))):
        day += data.draw(st.integers(1, 3))
        active = [m for m, state in enumerate(states) if state.status is rp.Status.ACTIVE]
        if not active:
            break
        drawn: list[dict[str, Any]] = [data.draw(sessions) for _ in active]
        outcomes = [rp.SessionOutcome(day=day, **fields) for fields in drawn]
        decisions = [
            policy.decide(protocol, states[m], o) for m, o in zip(active, outcomes, strict=True)
        ]
        rows = np.array(active)
        before = rules.States(**{k: v[rows] for k, v in attrs.asdict(block, recurse=False).items()})
        done = rules.Sessions(
            day=np.full(len(active), day),
            pain=np.array([o.pain for o in outcomes]),
            next_day_pain=np.array(
                [-1 if o.next_day_pain is None else o.next_day_pain for o in outcomes]
            ),
            balance_losses=np.array([o.balance_losses for o in outcomes]),
            dizziness=np.array([o.dizziness for o in outcomes]),
            form_breakdown=np.array([o.form_breakdown for o in outcomes]),
            completed=np.array([o.completed for o in outcomes]),
            rpe=np.array([-1.0 if o.rpe is None else o.rpe for o in outcomes]),  # None: never high
        )
        after, actions = rules.decide(policy, ladders, before, done)
        for i, (m, decision) in enumerate(zip(active, decisions, strict=True)):
            assert after.state(i, ladders) == decision.state, (m, decision.explanation)
            assert rules.ACTIONS[actions[i]] is decision.action, decision.explanation
            states[m] = decision.state
        for k, v in attrs.asdict(after, recurse=False).items():
            getattr(block, k)[rows] = v


@pytest.mark.parametrize(
    ("policy", "coach", "traced", "by_rules"),
    [
        (rp.load_policy("staircase"), None, 0, True),
        (rp.load_policy("reference"), None, 3, True),  # the others
        (rp.load_policy("reference"), None, 12, False),  # every client traced
        (rp.guarded(rp.load_policy("reference")), None, 0, False),
        (rp.load_policy("reference"), 2, 0, False),  # a coach sees one at a time
    ],
)
def test_the_engine_decides_by_the_array_rules_where_they_apply(
    policy: rp.RegressionPolicy,
    coach: int | None,
    traced: int,
    by_rules: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[int] = []
    decide = rules.decide

    def counted(*args: Any) -> Any:
        asked.append(len(args[3].day))
        return decide(*args)

    monkeypatch.setattr(rules, "decide", counted)
    spec = RunSpec(
        rp.load_protocol("retro-walk-run"),
        policy,
        load_population("general"),
        clients=12,
        weeks=4,
        seed=5,
        coach_capacity=coach,
        trace_clients=traced,
    )
    run_block(spec, range(12))

    assert bool(asked) is by_rules
    assert max(asked, default=0) <= 12 - traced
