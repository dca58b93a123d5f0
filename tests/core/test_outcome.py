"""SessionOutcome: a clean default, and every bad value refused with its field and value."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import attrs
import pytest

from retroprog import SessionOutcome
from retroprog.exceptions import InvalidValueError, UnknownParameterError


def test_no_arguments_is_a_clean_completed_session() -> None:
    outcome = SessionOutcome()

    assert outcome.clean is True
    assert attrs.asdict(outcome) == {
        "completed": True,
        "bouts_completed": None,
        "pain": 0,
        "balance_losses": 0,
        "dizziness": False,
        "form_breakdown": False,
        "rpe": None,
        "next_day_pain": None,
        "day": None,
        "date": None,
        "resume": False,
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"pain": 1},
        {"balance_losses": 1},
        {"dizziness": True},
        {"form_breakdown": True},
        {"completed": False},
        {"next_day_pain": 1},
    ],
)
def test_any_finding_makes_a_session_not_clean(changes: dict[str, Any]) -> None:
    assert SessionOutcome(**changes).clean is False


def test_zero_bouts_completed_is_not_clean() -> None:
    # no prescription has fewer than one bout, so 0 completed is never "every bout completed"
    assert SessionOutcome(bouts_completed=0).clean is False


@pytest.mark.parametrize(
    "changes",
    [{"rpe": 9.5}, {"bouts_completed": 2}, {"day": 3}, {"next_day_pain": 0}, {"resume": True}],
)
def test_other_fields_keep_a_session_clean(changes: dict[str, Any]) -> None:
    assert SessionOutcome(**changes).clean is True


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pain", 11),
        ("pain", -1),
        ("pain", 2.5),
        ("pain", True),
        ("pain", "3"),
        ("next_day_pain", 11),
        ("next_day_pain", -1),
        ("next_day_pain", False),
        ("balance_losses", -1),
        ("balance_losses", True),
        ("bouts_completed", -1),
        ("bouts_completed", False),
        ("rpe", math.nan),
        ("rpe", math.inf),
        ("rpe", -0.5),
        ("rpe", 10.5),
        ("rpe", True),
        ("day", -1),
        ("day", True),
        ("day", 1.0),
        ("date", "2024-05-01"),
        ("date", dt.datetime(2024, 5, 1, 9, 30)),
        ("completed", 1),
        ("completed", None),
        ("dizziness", "yes"),
        ("form_breakdown", 0),
        ("resume", 1),
    ],
)
def test_bad_values_raise_naming_field_and_value(field: str, value: Any) -> None:
    with pytest.raises(InvalidValueError) as info:
        SessionOutcome(**{field: value})

    error = info.value
    assert error.field == field
    assert error.value is value
    assert str(error).startswith(f"{field}: ")
    assert str(error).endswith(f", got {value!r}")


def test_nan_rpe_message() -> None:
    with pytest.raises(InvalidValueError) as info:
        SessionOutcome(rpe=math.nan)

    assert str(info.value) == "rpe: must be a finite number between 0 and 10, got nan"


def test_pain_eleven_message() -> None:
    with pytest.raises(InvalidValueError) as info:
        SessionOutcome(pain=11)

    assert str(info.value) == "pain: must be a whole number between 0 and 10, got 11"
    assert isinstance(info.value, ValueError)


def test_day_and_date_together_are_refused() -> None:
    with pytest.raises(InvalidValueError) as info:
        SessionOutcome(day=3, date=dt.date(2024, 5, 1))

    assert info.value.field == "date"
    assert info.value.value == dt.date(2024, 5, 1)
    assert str(info.value) == "date: give day (3) or date, not both, got datetime.date(2024, 5, 1)"


@pytest.mark.parametrize(("pain", "rpe"), [(0, 0), (10, 10), (5, 6.5)])
def test_bounds_are_inclusive(pain: int, rpe: float) -> None:
    outcome = SessionOutcome(pain=pain, next_day_pain=pain, rpe=rpe)

    assert (outcome.pain, outcome.next_day_pain, outcome.rpe) == (pain, pain, rpe)


@pytest.mark.parametrize(
    ("outcome", "day"),
    [
        (SessionOutcome(), None),
        (SessionOutcome(day=0), 0),
        (SessionOutcome(day=12), 12),
        (SessionOutcome(date=dt.date(2024, 5, 1)), 739007),
    ],
)
def test_day_number(outcome: SessionOutcome, day: int | None) -> None:
    assert outcome.day_number == day


def test_dates_a_week_apart_are_seven_day_numbers_apart() -> None:
    first = SessionOutcome(date=dt.date(2024, 2, 26))
    second = SessionOutcome(date=dt.date(2024, 3, 4))  # across a leap day

    assert first.day_number is not None
    assert second.day_number is not None
    assert second.day_number - first.day_number == 7


def test_amend_returns_a_new_validated_outcome() -> None:
    outcome = SessionOutcome(pain=3, day=4)

    amended = outcome.amend(next_day_pain=1)

    assert amended == SessionOutcome(pain=3, day=4, next_day_pain=1)
    assert outcome.next_day_pain is None


def test_amend_with_a_bad_value_raises() -> None:
    with pytest.raises(InvalidValueError) as info:
        SessionOutcome().amend(next_day_pain=12)

    assert (info.value.field, info.value.value) == ("next_day_pain", 12)


def test_amend_with_an_unknown_field_raises() -> None:
    with pytest.raises(UnknownParameterError) as info:
        SessionOutcome().amend(nextday_pain=1)

    assert info.value.field == "nextday_pain"
    assert info.value.owner == "SessionOutcome"
    assert "next_day_pain" in info.value.known
    assert isinstance(info.value, TypeError)


def test_unknown_keyword_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        SessionOutcome(colour="red")  # type: ignore[call-arg]


def test_outcomes_are_immutable_and_hashable() -> None:
    outcome = SessionOutcome(pain=2)

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        outcome.pain = 3  # type: ignore[misc]
    assert len({outcome, SessionOutcome(pain=2), SessionOutcome()}) == 2
