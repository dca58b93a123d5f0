"""The built-in rules over a block (``engine.rules``) decide as RulePolicy.decide, bit for bit."""

from __future__ import annotations

import datetime as dt
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
from .per_client_engine import run_block_per_client


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
    st.fixed_dictionaries({"bouts_completed": st.integers(0, 20)}),
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
    dated = data.draw(st.sampled_from(["day", "date"]), label="sessions dated by")
    day = 0
    for _ in range(data.draw(st.integers(1, 120))):
        day += data.draw(st.integers(1, 3))
        active = [m for m, state in enumerate(states) if state.status is rp.Status.ACTIVE]
        if not active:
            break
        drawn: list[dict[str, Any]] = [data.draw(sessions) for _ in active]
        when: dict[str, Any] = {
            dated: day if dated == "day" else dt.date.fromordinal(738_000 + day)
        }
        outcomes = [  # now and then a session without its day
            rp.SessionOutcome(**fields, **({} if data.draw(st.integers(0, 4)) == 0 else when))
            for fields in drawn
        ]
        decisions = [
            policy.decide(protocol, states[m], o) for m, o in zip(active, outcomes, strict=True)
        ]
        rows = np.array(active)
        before = block.rows(rows)
        done = rules.Sessions.of(outcomes)
        assert not rules.late(before, done).any()
        after, actions = rules.decide(policy, ladders, before, done)
        for i, (m, decision) in enumerate(zip(active, decisions, strict=True)):
            assert after.state(i, ladders) == decision.state, (m, decision.explanation)
            assert rules.ACTIONS[actions[i]] is decision.action, decision.explanation
            states[m] = decision.state
        block.update(rows, after)


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


class _HalfDone:
    """A plug-in client that never finishes its bouts and leaves its sessions undated."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def attends(self, day: int) -> bool:
        return bool(self.inner.attends(day))

    def session(self, prescription: rp.Prescription, stage: int, day: int) -> Any:
        outcome, pain = self.inner.session(prescription, stage, day)
        return attrs.evolve(outcome, bouts_completed=0, day=None), pain

    def drops_out(self, outcome: rp.SessionOutcome, next_day_pain: int | None) -> bool:
        return bool(self.inner.drops_out(outcome, next_day_pain))


class _HalfDonePopulation:
    name = "half-done"

    def client(self, seed: int, client_id: int) -> _HalfDone:
        return _HalfDone(load_population("general").client(seed, client_id))


def test_the_array_rules_read_what_a_plug_in_client_reports() -> None:
    spec = RunSpec(
        rp.load_protocol("retro-walk-run"),
        rp.load_policy("reference"),
        _HalfDonePopulation(),
        clients=10,
        weeks=8,
        seed=1,
        trace_clients=0,
    )
    found = run_block(spec, range(10))

    assert found.results == run_block_per_client(spec, range(10)).results
    assert all(result.progressions == 0 for result in found.results)  # no bout ever done
