"""A document is judged exactly as the constructor judges the same values: nothing is converted.

For every type and every field that JSON holds as it is, a wrong-typed value put
into a valid document is refused by ``from_dict`` exactly when the constructor
refuses it, with the same error; and a value the constructor accepts reads back
as the object the constructor builds.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import retroprog as rp
from retroprog import testing as rt
from retroprog.exceptions import InvalidValueError

# Every field whose JSON value is the Python value (dates are text in JSON, nested
# objects and arrays of them, such as a plan's segments, are documents of their own:
# they have tests of their own; and in Python a plan may also be written as text).
_NESTED = ("segments", "levels", "warmup", "cooldown")
FIELDS: dict[type[Any], tuple[st.SearchStrategy[Any], tuple[str, ...]]] = {
    rp.SessionOutcome: (
        rt.outcomes(dated=True, max_findings=9),
        tuple(f.name for f in attrs.fields(rp.SessionOutcome) if f.name != "date"),
    ),
    rp.ClientState: (
        rt.states(),
        tuple(f.name for f in attrs.fields(rp.ClientState) if f.name != "memory"),
    ),
    rp.Prescription: (
        rt.prescriptions(),
        tuple(f.name for f in attrs.fields(rp.Prescription) if f.name not in _NESTED),
    ),
    rp.Stage: (rt.stages(), tuple(f.name for f in attrs.fields(rp.Stage) if f.name not in _NESTED)),
    rp.Segment: (rt.segments(), tuple(f.name for f in attrs.fields(rp.Segment))),
    rp.Level: (rt.levels(), ("sessions",)),
    rp.Decision: (rt.decisions(), ("action", "reasons", "explanation")),
    rp.StagedProtocol: (rt.protocols(any_names=True), ("name", "description")),
}

# What a hand-edited or buggy document may hold instead.
WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 200),
    st.floats(-3, 200, allow_nan=False),
    st.sampled_from([2.9, 45.9, 0.9, 2.99, 1.0, "5", "false", "true", "0", "", "active"]),
    st.text(max_size=4),
    st.lists(st.integers(0, 3) | st.text(max_size=2), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(0, 3), max_size=2),
)


def _built(value: Any, field: str, wrong: Any) -> Any:
    """What the constructor makes of ``value`` with ``field`` set to ``wrong``, or its error."""
    try:
        return attrs.evolve(value, **{field: wrong})
    except InvalidValueError as exc:
        return exc


@pytest.mark.parametrize("cls", list(FIELDS), ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_from_dict_refuses_exactly_what_the_constructor_refuses(
    cls: type[Any], data: st.DataObject
) -> None:
    values, fields = FIELDS[cls]
    value = data.draw(values, label="value")
    field = data.draw(st.sampled_from(fields), label="field")
    wrong = data.draw(WRONG, label="wrong")
    document = rp.to_dict(value)
    assert rp.from_dict(document, cls) == value  # valid values still round-trip

    document[field] = wrong
    built = _built(value, field, wrong)

    if isinstance(built, InvalidValueError):
        with pytest.raises(InvalidValueError) as info:
            rp.from_dict(document, cls)
        if field == "reasons" and not isinstance(wrong, list):
            # refused before the constructor sees it: JSON has only arrays for sequences
            assert (info.value.field, info.value.value) == ("reasons", wrong)
            assert info.value.reason == "must be a JSON array"
        else:
            assert str(info.value) == str(built)
    elif field == "reasons" and not isinstance(wrong, list):
        pytest.fail(f"the constructor took reasons={wrong!r}")
    else:
        assert rp.from_dict(document, cls) == built
