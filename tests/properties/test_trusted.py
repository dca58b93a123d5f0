"""The trusted constructors build what the public ones build, and decisions word themselves late.

The hot path builds states, outcomes and decisions from values the library
computed itself, without checking them again (:func:`retroprog.support.trusted`).
These properties hold that shortcut to the public constructors: the same
values give equal objects with the same field values and types, every state a
built-in policy makes passes the public constructor unchanged, and a
decision's sentence, worded only when read, is the one it always was.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import retroprog as rp
from retroprog import support
from retroprog import testing as rt
from retroprog._decision import Wording
from retroprog._transition import _explanation


def _same(built: Any, public: Any) -> None:
    assert built == public
    assert type(built) is type(public)
    for field in attrs.fields(type(public)):
        mine, theirs = getattr(built, field.name), getattr(public, field.name)
        assert mine == theirs, field.name
        assert type(mine) is type(theirs), field.name


@given(rt.outcomes(dated=True, max_findings=9))
def test_outcomes(outcome: rp.SessionOutcome) -> None:
    make = support.trusted(rp.SessionOutcome)
    _same(make(**attrs.asdict(outcome, recurse=False)), outcome)


@given(rt.states())
def test_states(state: rp.ClientState) -> None:
    make = support.trusted(rp.ClientState)
    _same(make(**attrs.asdict(state, recurse=False)), state)


@given(rt.decisions())
def test_decisions(decision: rp.Decision) -> None:
    make = support.trusted(rp.Decision)
    _same(make(**attrs.asdict(decision, recurse=False)), decision)


def test_defaults_are_the_public_ones() -> None:
    assert support.trusted(rp.SessionOutcome)() == rp.SessionOutcome()
    made = support.trusted(rp.ClientState)(stage="retro-walk", level=15)
    assert made == rp.ClientState("retro-walk", 15)
    assert made.memory == {}
    assert made.memory is not support.trusted(rp.ClientState)(stage="x", level=1).memory


def test_a_class_with_fields_outside_init_is_refused() -> None:
    with pytest.raises(TypeError, match="outside __init__"):
        support.trusted(rp.StagedProtocol)


@st.composite
def _sessions(draw: st.DrawFn) -> tuple[rp.StagedProtocol, Any, rp.ClientState, Any]:
    protocol = draw(rt.protocols(builtin=True))
    policy = draw(rt.policies() | rt.guarded_policies())
    return protocol, policy, draw(rt.states(protocol)), draw(rt.outcomes())


@given(_sessions())
def test_decisions_of_the_built_in_policies_pass_the_public_constructors(
    session: tuple[rp.StagedProtocol, Any, rp.ClientState, rp.SessionOutcome],
) -> None:
    protocol, policy, state, outcome = session
    decision = policy.decide(protocol, state, outcome)
    # what the public constructors make of the same values, checked and converted
    public_state = rp.ClientState(**attrs.asdict(decision.state, recurse=False))
    _same(decision.state, public_state)
    public = rp.Decision(
        decision.action,
        public_state,
        decision.prescription,
        decision.reasons,
        decision.explanation,
    )
    _same(decision, public)
    assert decision.state.memory is not state.memory or not state.memory


@given(_sessions())
def test_the_sentence_is_worded_when_read_and_kept(
    session: tuple[rp.StagedProtocol, Any, rp.ClientState, rp.SessionOutcome],
) -> None:
    protocol, policy, state, outcome = session
    decision = policy.decide(protocol, state, outcome)
    slot = type(decision).__dict__["explanation"].slot
    held = slot.__get__(decision, type(decision))
    if type(held) is Wording:  # not worded yet: reading words it, once
        assert held.words is _explanation
        text = decision.explanation
        assert slot.__get__(decision, type(decision)) is text
    assert type(decision.explanation) is str
    assert decision.explanation
    assert str(decision) == decision.explanation
    assert rp.from_json(rp.to_json(decision), rp.Decision) == decision


def test_a_state_made_by_a_decision_shares_no_memory_with_the_last() -> None:
    protocol = rp.load_protocol("retro-walk-run")
    policy = rp.load_policy("reference")
    before = rp.start(protocol)
    after = policy.decide(protocol, before, rp.SessionOutcome()).state
    after.memory["mine"] = 1
    assert before.memory == {}
