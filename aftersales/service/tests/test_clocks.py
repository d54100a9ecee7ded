"""The deadline function, at the boundaries where helpdesk systems get deadlines wrong."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.core.workcalendar import CalendarSpec, working_minutes_between
from aftersales.service.clocks import due_at, read_clock

CN = ZoneInfo("Asia/Shanghai")
# National Day 2025: 1–8 October off; Sunday 28 September and Saturday 11 October are make-up working days
SPECIAL = {**{date(2025, 10, d): False for d in range(1, 9)}, date(2025, 9, 28): True, date(2025, 10, 11): True}
OFFICE = CalendarSpec(always_open=False, periods=((time(9), time(12)), (time(13, 30), time(17, 30))),
                      special_days=SPECIAL)
ALWAYS = CalendarSpec(always_open=True, periods=(), special_days={})


def at(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=CN)


def test_a_request_on_the_eve_of_national_day_runs_on_after_the_holiday():
    # Tuesday 30 September 16:30, four working hours: one hour that day, three on Thursday 9 October
    assert due_at(OFFICE, started_at=at(2025, 9, 30, 16, 30), target_minutes=240) == at(2025, 10, 9, 12)


def test_a_make_up_saturday_counts_as_a_working_day():
    # Friday 10 October 17:00, two hours: 30 minutes on Friday, 90 on the make-up Saturday
    assert due_at(OFFICE, started_at=at(2025, 10, 10, 17), target_minutes=120) == at(2025, 10, 11, 10, 30)


def test_the_make_up_sunday_before_the_holiday_counts_too():
    assert due_at(OFFICE, started_at=at(2025, 9, 27, 10), target_minutes=30) == at(2025, 9, 28, 9, 30)


def test_a_request_outside_working_hours_starts_counting_at_the_next_working_minute():
    # Saturday 15 November 2025, 20:00; a 30-minute response is due Monday 9:30
    assert due_at(OFFICE, started_at=at(2025, 11, 15, 20), target_minutes=30) == at(2025, 11, 17, 9, 30)
    # in the lunch break: counting starts at 13:30
    assert due_at(OFFICE, started_at=at(2025, 11, 17, 12, 10), target_minutes=30) == at(2025, 11, 17, 14)


def test_a_pause_across_a_weekend_moves_the_due_time_by_the_paused_working_time():
    start = at(2025, 11, 14, 10)  # Friday
    assert due_at(OFFICE, started_at=start, target_minutes=480) == at(2025, 11, 17, 11)
    pause = (at(2025, 11, 14, 11), at(2025, 11, 17, 10))  # Friday 11:00 to Monday 10:00: 360 working minutes
    assert due_at(OFFICE, started_at=start, target_minutes=480, pauses=[pause]) == at(2025, 11, 18, 10)
    reading = read_clock(OFFICE, started_at=start, target_minutes=480, pauses=[pause], now=at(2025, 11, 17, 10))
    assert reading.paused_minutes == 360 and reading.elapsed_minutes == 60 and reading.remaining_minutes == 420


def test_an_open_pause_stops_the_clock_and_freezes_the_time_left():
    start = at(2025, 11, 17, 9)
    for now in (at(2025, 11, 17, 11), at(2025, 11, 20, 16)):
        reading = read_clock(OFFICE, started_at=start, target_minutes=240, pauses=[(at(2025, 11, 17, 10), None)],
                             now=now)
        assert reading.paused and reading.due_at is None
        assert reading.remaining_minutes == 180
    with pytest.raises(ValueError):
        due_at(OFFICE, started_at=start, target_minutes=240, pauses=[(at(2025, 11, 17, 10), None)])


def test_pausing_an_overdue_clock_does_not_make_it_on_time_again():
    start = at(2025, 11, 17, 9)
    late_pause = (at(2025, 11, 17, 11), at(2025, 11, 18, 11))  # begins after the 60-minute target ran out
    assert due_at(OFFICE, started_at=start, target_minutes=60, pauses=[late_pause]) == at(2025, 11, 17, 10)


def test_a_severity_change_recomputes_from_the_start_and_keeps_the_elapsed_time():
    start = at(2025, 11, 17, 9)
    now = at(2025, 11, 17, 10)
    before = read_clock(ALWAYS, started_at=start, target_minutes=24 * 60, now=now)
    after = read_clock(ALWAYS, started_at=start, target_minutes=4 * 60, now=now)
    assert before.elapsed_minutes == after.elapsed_minutes == 60
    assert after.due_at == at(2025, 11, 17, 13) and after.remaining_minutes == 180


def test_a_met_clock_reads_at_the_moment_it_was_met():
    start = at(2025, 11, 17, 9)
    reading = read_clock(OFFICE, started_at=start, target_minutes=30, now=at(2025, 11, 19, 9),
                         stopped_at=at(2025, 11, 17, 9, 20))
    assert reading.remaining_minutes == 10 and reading.elapsed_minutes == 20


def test_late_clocks_read_negative():
    reading = read_clock(OFFICE, started_at=at(2025, 11, 17, 9), target_minutes=60, now=at(2025, 11, 17, 14))
    assert reading.due_at == at(2025, 11, 17, 10) and reading.remaining_minutes == -(120 + 30)


starts = st.datetimes(min_value=datetime(2025, 9, 1), max_value=datetime(2025, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=CN))


@given(start=starts, target=st.integers(0, 5000), gap=st.integers(0, 3000), length=st.integers(0, 4000))
def test_the_due_time_leaves_exactly_the_target_of_unpaused_working_time(start, target, gap, length):
    pause_start = start + timedelta(minutes=gap)
    pause = (pause_start, pause_start + timedelta(minutes=length))
    due = due_at(OFFICE, started_at=start, target_minutes=target, pauses=[pause])
    worked = working_minutes_between(OFFICE, start, due)
    paused_before_due = working_minutes_between(OFFICE, max(pause[0], start), min(pause[1], due))
    assert worked - paused_before_due == target
    assert due >= due_at(OFFICE, started_at=start, target_minutes=target)
