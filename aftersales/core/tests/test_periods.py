"""Tests for Civil Code term counting (民法典 arts. 201-203)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.core.periods import MAX_ROLL_DAYS, add_months, roll_to_working_day, term_end

GOLDEN_WEEK = {date(2025, 10, 1) + timedelta(days=i) for i in range(8)}  # 10-01..10-08


def weekdays_only(d: date) -> bool:
    return d.weekday() < 5


def golden_week_calendar(d: date) -> bool:
    """Mon-Fri, minus the 2025 National Day block 10-01..10-08."""
    return d.weekday() < 5 and d not in GOLDEN_WEEK


# --- add_months -----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # leap day → non-leap year clamps
        (date(2024, 2, 29), 48, date(2028, 2, 29)),  # leap day → leap year keeps 29
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # month-end clamp, common year
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # month-end clamp, leap year
        (date(2025, 3, 31), 1, date(2025, 4, 30)),  # 31 → 30-day month
        (date(2025, 1, 30), 1, date(2025, 2, 28)),
        (date(2025, 2, 28), 1, date(2025, 3, 28)),  # no "end of month stickiness"
        (date(2025, 12, 15), 1, date(2026, 1, 15)),  # Dec → Jan rollover
        (date(2025, 11, 30), 3, date(2026, 2, 28)),  # rollover + clamp
        (date(2025, 12, 31), 14, date(2027, 2, 28)),
        (date(2025, 6, 15), 0, date(2025, 6, 15)),
        (date(2025, 1, 31), -2, date(2024, 11, 30)),  # negative months go back
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
    ],
)
def test_add_months_corresponding_day_or_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@given(d=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)), months=st.integers(0, 600))
def test_add_months_lands_in_the_right_month_and_never_exceeds_the_day(d: date, months: int) -> None:
    result = add_months(d, months)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == months
    assert result.day <= d.day
    if result.day < d.day:  # clamped → must be the last day of its month
        assert (result + timedelta(days=1)).month != result.month


# --- term_end ---------------------------------------------------------------


def test_term_end_without_rolling_is_the_corresponding_day() -> None:
    # 2025-03-01 + 24 months = 2027-03-01, a Monday; plain count
    assert term_end(anchor=date(2025, 3, 1), months=24) == date(2027, 3, 1)


def test_term_end_on_a_working_day_does_not_move() -> None:
    # 2025-06-04 (Wed) + 12 → 2026-06-04 (Thu), a working day
    assert term_end(anchor=date(2025, 6, 4), months=12, is_working_day=weekdays_only) == date(2026, 6, 4)


def test_term_end_rolls_over_a_weekend_to_monday() -> None:
    # given a term ending on Saturday 2025-06-07
    anchor = date(2025, 5, 7)
    assert add_months(anchor, 1).weekday() == 5
    # when rolling is on / then it ends Monday 2025-06-09
    assert term_end(anchor=anchor, months=1, is_working_day=weekdays_only) == date(2025, 6, 9)
    # and with rolling switched off it stays on the Saturday
    assert term_end(anchor=anchor, months=1, is_working_day=None) == date(2025, 6, 7)


def test_term_end_rolls_over_a_seven_day_holiday_block() -> None:
    # given a term whose last day is 2025-10-01, first day of the Golden Week block
    anchor = date(2024, 10, 1)
    # then it runs to Thursday 2025-10-09, the first working day after the block
    assert term_end(anchor=anchor, months=12, is_working_day=golden_week_calendar) == date(2025, 10, 9)
    assert term_end(anchor=anchor, months=12) == date(2025, 10, 1)


def test_term_end_clamps_before_rolling() -> None:
    # 2024-02-29 + 12 → 2025-02-28 (Friday), a working day: no roll
    assert term_end(anchor=date(2024, 2, 29), months=12, is_working_day=weekdays_only) == date(2025, 2, 28)
    # 2023-08-31 + 6 → 2024-02-29 (Thursday) in a leap year
    assert term_end(anchor=date(2023, 8, 31), months=6, is_working_day=weekdays_only) == date(2024, 2, 29)
    # 2025-03-31 + 2 → 2025-05-31 (Saturday) → Monday 2025-06-02
    assert term_end(anchor=date(2025, 3, 31), months=2, is_working_day=weekdays_only) == date(2025, 6, 2)


def test_term_end_rolls_across_year_end() -> None:
    # 2026-01-01 is a holiday (Thu), 01-02 is Friday → ends 2026-01-02
    def off_new_year(d: date) -> bool:
        return d.weekday() < 5 and d != date(2026, 1, 1)

    assert term_end(anchor=date(2025, 12, 1), months=1, is_working_day=off_new_year) == date(2026, 1, 2)


def test_term_end_with_zero_months_is_the_anchor_even_on_a_holiday() -> None:
    saturday = date(2025, 6, 7)
    assert term_end(anchor=saturday, months=0, is_working_day=weekdays_only) == saturday


def test_term_end_rejects_negative_months() -> None:
    with pytest.raises(ValueError, match="months"):
        term_end(anchor=date(2025, 1, 1), months=-1)


def test_roll_to_working_day_refuses_a_calendar_without_working_days() -> None:
    with pytest.raises(ValueError, match="no working day"):
        roll_to_working_day(date(2025, 1, 1), is_working_day=lambda d: False)


def test_roll_to_working_day_accepts_the_last_allowed_day() -> None:
    start = date(2025, 1, 1)
    target = start + timedelta(days=MAX_ROLL_DAYS)
    assert roll_to_working_day(start, is_working_day=lambda d: d >= target) == target


@st.composite
def holiday_calendars(draw: st.DrawFn) -> frozenset[date]:
    """A set of extra days off (holiday blocks) around 2020-2035."""
    blocks = draw(
        st.lists(
            st.tuples(st.dates(date(2020, 1, 1), date(2035, 12, 31)), st.integers(1, 10)),
            max_size=30,
        )
    )
    return frozenset(start + timedelta(days=i) for start, length in blocks for i in range(length))


@settings(max_examples=200)
@given(
    anchor=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    months=st.integers(1, 60),
    off=holiday_calendars(),
)
def test_term_end_property(anchor: date, months: int, off: frozenset[date]) -> None:
    def is_working_day(d: date) -> bool:
        return d.weekday() < 5 and d not in off

    plain = add_months(anchor, months)
    rolled = term_end(anchor=anchor, months=months, is_working_day=is_working_day)
    assert rolled >= plain >= anchor
    assert is_working_day(rolled)
    day = plain
    while day < rolled:  # plain itself and every day up to the rolled one is off
        assert not is_working_day(day)
        day += timedelta(days=1)
    assert term_end(anchor=anchor, months=months) == plain
