"""Tests for working-time arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.core.workcalendar import (
    CalendarSpec,
    add_working_minutes,
    is_working_day,
    next_working_day,
    working_day_predicate,
    working_minutes_between,
)

SH = ZoneInfo("Asia/Shanghai")

# 2025 National Day: 10-01..10-08 off; Sunday 09-28 and Saturday 10-11 are 调休 working days.
NATIONAL_DAY_2025 = {date(2025, 10, 1) + timedelta(days=i): False for i in range(8)}
NATIONAL_DAY_2025 |= {date(2025, 9, 28): True, date(2025, 10, 11): True}

OFFICE = CalendarSpec(
    always_open=False,
    periods=((time(9), time(12)), (time(13, 30), time(17, 30))),  # 7 h / day
    special_days=NATIONAL_DAY_2025,
)
FIVE_BY_EIGHT = CalendarSpec(
    always_open=False,
    periods=((time(9), time(12)), (time(13), time(18))),  # 8 h / day
    special_days=NATIONAL_DAY_2025,
)
ALWAYS = CalendarSpec(always_open=True, periods=(), special_days=NATIONAL_DAY_2025)


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SH)


# --- spec and day rules -------------------------------------------------------


@pytest.mark.parametrize(
    "periods",
    [
        ((time(9), time(9)),),  # empty
        ((time(12), time(9)),),  # reversed
        ((time(9), time(12)), (time(11), time(14))),  # overlapping
        ((time(13), time(17)), (time(9), time(12))),  # unsorted
    ],
)
def test_spec_rejects_bad_periods(periods: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError):
        CalendarSpec(always_open=False, periods=periods, special_days={})


def test_spec_periods_may_touch_and_special_days_are_frozen() -> None:
    source = {date(2025, 1, 1): False}
    touching = ((time(9), time(12)), (time(12), time(13)))
    spec = CalendarSpec(always_open=False, periods=touching, special_days=source)
    source[date(2025, 1, 2)] = False  # later mutation of the caller's dict does not leak in
    assert is_working_day(spec, date(2025, 1, 2))
    with pytest.raises(TypeError):
        spec.special_days[date(2025, 1, 3)] = False  # type: ignore[index]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 6, 6), True),  # Friday
        (date(2025, 6, 7), False),  # Saturday
        (date(2025, 6, 8), False),  # Sunday
        (date(2025, 10, 1), False),  # holiday on a Wednesday
        (date(2025, 10, 8), False),  # last day of the block
        (date(2025, 10, 9), True),
        (date(2025, 9, 28), True),  # make-up Sunday
        (date(2025, 10, 11), True),  # make-up Saturday
    ],
)
def test_is_working_day(day: date, expected: bool) -> None:
    assert is_working_day(OFFICE, day) is expected
    assert working_day_predicate(OFFICE)(day) is expected
    assert is_working_day(ALWAYS, day) is True  # 7x24 ignores holidays


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 6, 5), date(2025, 6, 6)),  # Thu → Fri
        (date(2025, 6, 6), date(2025, 6, 9)),  # Fri → Mon
        (date(2025, 6, 7), date(2025, 6, 9)),  # Sat → Mon
        (date(2025, 9, 26), date(2025, 9, 28)),  # Fri → make-up Sunday
        (date(2025, 9, 30), date(2025, 10, 9)),  # over the holiday block
        (date(2025, 10, 10), date(2025, 10, 11)),  # Fri → make-up Saturday
    ],
)
def test_next_working_day_is_strictly_after(day: date, expected: date) -> None:
    assert next_working_day(OFFICE, day) == expected


def test_next_working_day_always_open_is_tomorrow() -> None:
    assert next_working_day(ALWAYS, date(2025, 9, 30)) == date(2025, 10, 1)


# --- add_working_minutes: boundaries -----------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (sh(2025, 6, 9, 7, 0), 30, sh(2025, 6, 9, 9, 30)),  # before opening
        (sh(2025, 6, 9, 7, 0), 0, sh(2025, 6, 9, 9, 0)),
        (sh(2025, 6, 9, 9, 0), 0, sh(2025, 6, 9, 9, 0)),  # at opening: unchanged
        (sh(2025, 6, 9, 10, 15), 0, sh(2025, 6, 9, 10, 15)),  # inside: unchanged
        (sh(2025, 6, 9, 11, 30), 30, sh(2025, 6, 9, 12, 0)),  # lands on period end: keep 12:00
        (sh(2025, 6, 9, 11, 30), 31, sh(2025, 6, 9, 13, 31)),
        (sh(2025, 6, 9, 12, 30), 30, sh(2025, 6, 9, 14, 0)),  # inside lunch break
        (sh(2025, 6, 9, 12, 30), 0, sh(2025, 6, 9, 13, 30)),
        (sh(2025, 6, 9, 12, 0), 0, sh(2025, 6, 9, 13, 30)),  # exactly 12:00 is outside
        (sh(2025, 6, 9, 12, 0), 30, sh(2025, 6, 9, 14, 0)),
        (sh(2025, 6, 9, 17, 0), 30, sh(2025, 6, 9, 17, 30)),  # lands on day end
        (sh(2025, 6, 9, 17, 30), 0, sh(2025, 6, 10, 9, 0)),  # exactly 17:30 is outside
        (sh(2025, 6, 9, 17, 30), 30, sh(2025, 6, 10, 9, 30)),
        (sh(2025, 6, 9, 23, 59), 1, sh(2025, 6, 10, 9, 1)),
        (sh(2025, 6, 6, 17, 0), 60, sh(2025, 6, 9, 9, 30)),  # Friday 17:00 + 60 → Monday
        (sh(2025, 6, 7, 10, 0), 60, sh(2025, 6, 9, 10, 0)),  # starts on Saturday
        (sh(2025, 9, 30, 17, 0), 60, sh(2025, 10, 9, 9, 30)),  # before the holiday block
        (sh(2025, 10, 3, 10, 0), 0, sh(2025, 10, 9, 9, 0)),  # inside the block
        (sh(2025, 10, 10, 17, 0), 60, sh(2025, 10, 11, 9, 30)),  # make-up Saturday counts
        (sh(2025, 9, 26, 17, 0), 60, sh(2025, 9, 28, 9, 30)),  # make-up Sunday counts
        (sh(2025, 6, 9, 9, 0), 7 * 60, sh(2025, 6, 9, 17, 30)),  # exactly one full day
        (sh(2025, 6, 9, 9, 0), 7 * 60 + 1, sh(2025, 6, 10, 9, 1)),
        (sh(2025, 6, 9, 11, 59, 30), 1, sh(2025, 6, 9, 13, 30, 30)),  # seconds carry over
    ],
)
def test_add_working_minutes_boundaries(start: datetime, minutes: int, expected: datetime) -> None:
    assert add_working_minutes(OFFICE, start, minutes) == expected


def test_seventy_two_hours_on_a_five_by_eight_calendar() -> None:
    # given 72 h = 9 working days of 8 h from Monday 09:00
    result = add_working_minutes(FIVE_BY_EIGHT, sh(2025, 6, 2, 9), 72 * 60)
    # then it ends at the close of the 9th working day (Thursday of the next week)
    assert result == sh(2025, 6, 12, 18)


def test_seventy_two_hours_across_the_national_day_block() -> None:
    # Sep 29, 30, Oct 9, 10, 11 (make-up), 13, 14, 15, 16 are the 9 working days
    result = add_working_minutes(FIVE_BY_EIGHT, sh(2025, 9, 29, 9), 72 * 60)
    assert result == sh(2025, 10, 16, 18)


def test_long_durations_are_fast_and_exact() -> None:
    start = sh(2025, 1, 1, 8)
    minutes = 10 * 250 * 8 * 60  # roughly ten working years
    result = add_working_minutes(FIVE_BY_EIGHT, start, minutes)
    assert result.year >= 2034
    assert working_minutes_between(FIVE_BY_EIGHT, start, result) == minutes


def test_always_open_adds_plain_minutes_through_holidays() -> None:
    start = sh(2025, 9, 30, 23, 30)
    assert add_working_minutes(ALWAYS, start, 90) == sh(2025, 10, 1, 1, 0)
    assert add_working_minutes(ALWAYS, start, 0) == start
    assert working_minutes_between(ALWAYS, start, sh(2025, 10, 8, 23, 30)) == 8 * 24 * 60


def test_result_is_expressed_in_the_calendar_time_zone() -> None:
    # 01:00 UTC is 09:00 in Shanghai
    result = add_working_minutes(OFFICE, datetime(2025, 6, 9, 1, 0, tzinfo=UTC), 60)
    assert result == sh(2025, 6, 9, 10)
    assert result.tzinfo == SH
    assert add_working_minutes(ALWAYS, datetime(2025, 6, 9, 1, 0, tzinfo=UTC), 1).tzinfo == SH


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2025, 6, 9, 9)
    with pytest.raises(ValueError, match="aware"):
        add_working_minutes(OFFICE, naive, 10)
    with pytest.raises(ValueError, match="aware"):
        working_minutes_between(OFFICE, naive, sh(2025, 6, 9, 10))
    with pytest.raises(ValueError, match="aware"):
        working_minutes_between(OFFICE, sh(2025, 6, 9, 10), naive)


def test_negative_minutes_are_rejected() -> None:
    with pytest.raises(ValueError, match="minutes"):
        add_working_minutes(OFFICE, sh(2025, 6, 9, 9), -1)


def test_calendar_without_periods_is_rejected_instead_of_looping() -> None:
    empty = CalendarSpec(always_open=False, periods=(), special_days={})
    with pytest.raises(ValueError, match="no working periods"):
        add_working_minutes(empty, sh(2025, 6, 9, 9), 10)
    with pytest.raises(ValueError, match="no working periods"):
        working_minutes_between(empty, sh(2025, 6, 9, 9), sh(2025, 6, 10, 9))


# --- working_minutes_between ------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (sh(2025, 6, 9, 10), sh(2025, 6, 9, 10), 0),
        (sh(2025, 6, 9, 11), sh(2025, 6, 9, 10), 0),  # reversed → 0
        (sh(2025, 6, 9, 11), sh(2025, 6, 9, 14), 90),  # over lunch: 60 + 30
        (sh(2025, 6, 9, 7), sh(2025, 6, 9, 20), 7 * 60),  # one full day
        (sh(2025, 6, 6, 17), sh(2025, 6, 9, 9, 30), 60),  # over the weekend
        (sh(2025, 9, 30, 9), sh(2025, 10, 9, 9), 7 * 60),  # holiday block counts nothing
        (sh(2025, 6, 9, 9), sh(2025, 6, 9, 9, 0, 59), 0),  # partial minutes are floored
        (sh(2025, 6, 2, 0), sh(2025, 6, 16, 0), 10 * 7 * 60),  # two weeks
    ],
)
def test_working_minutes_between(a: datetime, b: datetime, expected: int) -> None:
    assert working_minutes_between(OFFICE, a, b) == expected


# --- properties -------------------------------------------------------------------


@st.composite
def specs(draw: st.DrawFn) -> CalendarSpec:
    if draw(st.integers(0, 9)) == 0:
        return CalendarSpec(always_open=True, periods=(), special_days={})
    points = sorted(draw(st.sets(st.integers(0, 24 * 60 - 1), min_size=2, max_size=8)))
    if len(points) % 2:
        points = points[:-1]
    periods = tuple(
        (time(*divmod(points[i], 60)), time(*divmod(points[i + 1], 60))) for i in range(0, len(points), 2)
    )
    special = draw(st.dictionaries(st.dates(date(2025, 1, 1), date(2025, 3, 31)), st.booleans(), max_size=40))
    return CalendarSpec(always_open=False, periods=periods, special_days=special)


def _instant(day: date, second: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=SH).astimezone(tz) + timedelta(seconds=second)


starts = st.builds(
    _instant,
    st.dates(date(2025, 1, 1), date(2025, 3, 20)),
    st.integers(0, 24 * 3600 - 1),
    st.sampled_from([SH, UTC, ZoneInfo("Asia/Tokyo")]),
)


@settings(max_examples=120, deadline=None)
@given(spec=specs(), start=starts, minutes=st.integers(0, 30_000))
def test_round_trip_and_earliest_instant(spec: CalendarSpec, start: datetime, minutes: int) -> None:
    end = add_working_minutes(spec, start, minutes)
    assert end >= start
    assert working_minutes_between(spec, start, end) == minutes
    if minutes > 0:  # one second earlier is not yet enough: `end` is the earliest such instant
        assert working_minutes_between(spec, start, end - timedelta(seconds=1)) == minutes - 1


@settings(max_examples=120, deadline=None)
@given(spec=specs(), start=starts, m1=st.integers(0, 20_000), m2=st.integers(0, 20_000))
def test_more_minutes_never_end_earlier(spec: CalendarSpec, start: datetime, m1: int, m2: int) -> None:
    low, high = sorted((m1, m2))
    assert add_working_minutes(spec, start, low) <= add_working_minutes(spec, start, high)


def _brute_force_minutes(spec: CalendarSpec, a: datetime, b: datetime) -> int:
    """Count minute slots of [a, b) that lie in working time, one by one."""
    count, t = 0, a
    while t < b:
        local = t.astimezone(spec.tz)
        in_period = any(start <= local.time() < end for start, end in spec.periods)
        if spec.always_open or (is_working_day(spec, local.date()) and in_period):
            count += 1
        t += timedelta(minutes=1)
    return count


@settings(max_examples=50, deadline=None)
@given(
    spec=specs(),
    day=st.dates(date(2025, 1, 1), date(2025, 3, 25)),
    offset=st.integers(0, 24 * 60),
    length=st.integers(0, 3 * 24 * 60),
)
def test_between_matches_a_minute_by_minute_count(
    spec: CalendarSpec, day: date, offset: int, length: int
) -> None:
    a = datetime.combine(day, time(), tzinfo=SH) + timedelta(minutes=offset)
    b = a + timedelta(minutes=length)
    expected = _brute_force_minutes(spec, a, b)
    assert working_minutes_between(spec, a, b) == expected
    if expected > 0:  # b is late enough for that much working time
        assert add_working_minutes(spec, a, expected) <= b
