"""The hot types' fast check and their per-field validators agree, field by field.

``SessionOutcome``, ``ClientState`` and ``Decision`` check every field in one
fast expression and call their per-field validators only to name the field at
fault.  If the two ever disagreed, a bad value would slip through (the fast
expression too lax) or a good one would be refused naming no field (too
strict).  Here a valid value has some of its fields replaced by values of every
kind (out of range, of the wrong type, ``None``, NaN…): building it must raise
exactly when a per-field validator refuses one of them, and blame the first
such field.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import retroprog as rp
from retroprog import _decision, _outcome, _state, _validators
from retroprog import testing as rt
from retroprog.exceptions import InvalidValueError

#: Values of every kind, for any field: the validators decide which are good.
ANY_VALUE: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 13),
    st.integers(),
    st.floats(-3, 13),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.5, 10.0, 10.5]),
    st.text(max_size=4),
    st.sampled_from(["", " x", "retro-walk", "x "]),
    st.just(dt.date(2024, 1, 1)),
    st.just([]),
    st.builds(rp.ClientState, st.just("retro-walk"), st.integers(1, 60)),
    st.builds(rp.Prescription.simple, st.just("retro-walk"), st.integers(1, 60)),
    st.tuples(st.sampled_from(["ok", 3])),
)


def _first_refused(
    cls: type[Any], checks: Mapping[str, Any], values: Mapping[str, Any]
) -> str | None:
    """The first field (in the checks' order) whose validator refuses its value, or ``None``."""
    fields = attrs.fields_dict(cls)
    for name, check in checks.items():
        try:
            check(None, fields[name], values[name])
        except InvalidValueError:
            return name
    return None


def _agree(
    cls: type[Any],
    checks: Mapping[str, Any],
    valid: Any,
    changes: Mapping[str, Any],
    *,
    after: Callable[[Mapping[str, Any]], str | None] = lambda _values: None,
) -> None:
    values = {**attrs.asdict(valid, recurse=False), **changes}
    expected = _first_refused(cls, checks, values) or after(values)
    if expected is None:
        cls(**values)
    else:
        with pytest.raises(InvalidValueError) as refused:
            cls(**values)
        assert refused.value.field == expected, values


def _changes(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Some of ``fields`` (none to all), each with a value of any kind."""
    return st.lists(st.sampled_from(fields), unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries(dict.fromkeys(chosen, ANY_VALUE))
    )


def _both_dated(values: Mapping[str, Any]) -> str | None:
    return "date" if values["day"] is not None and values["date"] is not None else None


@given(rt.outcomes(dated=True, max_findings=9), _changes(list(_outcome._CHECKS)))
def test_session_outcome(valid: rp.SessionOutcome, changes: dict[str, Any]) -> None:
    _agree(rp.SessionOutcome, _outcome._CHECKS, valid, changes, after=_both_dated)


@given(rt.states(), _changes(list(_state._CHECKS)))
def test_client_state(valid: rp.ClientState, changes: dict[str, Any]) -> None:
    _agree(rp.ClientState, _state._CHECKS, valid, changes)


@given(rt.decisions(), _changes([name for name in _decision._CHECKS if name != "reasons"]))
def test_decision(valid: rp.Decision, changes: dict[str, Any]) -> None:
    _agree(rp.Decision, _decision._CHECKS, valid, changes)


@given(rt.decisions(), st.lists(st.one_of(st.text(max_size=3), st.integers(), st.none())))
def test_decision_reasons(valid: rp.Decision, reasons: list[Any]) -> None:
    _agree(rp.Decision, _decision._CHECKS, valid, {"reasons": tuple(reasons)})


@pytest.mark.parametrize(
    ("module", "cls"),
    [(_outcome, rp.SessionOutcome), (_state, rp.ClientState), (_decision, rp.Decision)],
)
def test_every_field_the_fast_check_reads_has_a_validator(module: Any, cls: type[Any]) -> None:
    converted = {"status", "memory", "action"}  # checked by their converters instead
    fields = {f.name for f in attrs.fields(cls)} - converted

    assert set(module._CHECKS) == fields


@given(rt.states(), _changes(list(_state._CHECKS)))
def test_the_evolver_is_attrs_evolve(valid: rp.ClientState, changes: dict[str, Any]) -> None:
    evolve = _validators.evolver(rp.ClientState)
    try:
        expected: rp.ClientState | InvalidValueError = attrs.evolve(valid, **changes)
    except InvalidValueError as error:
        expected = error
    if isinstance(expected, InvalidValueError):
        with pytest.raises(InvalidValueError) as refused:
            evolve(valid, **changes)
        assert refused.value.field == expected.field
    else:
        assert evolve(valid, **changes) == expected
