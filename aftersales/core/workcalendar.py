"""Working-time arithmetic for service calendars (used by SLA clocks).

A calendar is either 7x24 (every minute counts) or a set of daily working
periods applied to working days. A day is a working day when listed as True
in ``special_days`` (调休 make-up day), a holiday when listed as False, and
otherwise iff it is Monday..Friday.

Working periods are half-open ``[start, end)`` in local wall-clock time of
``spec.tz``; 7x24 calendars count elapsed (absolute) time. Pure Python: no
Django, no database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

__all__ = [
    "CalendarSpec",
    "add_working_minutes",
    "is_working_day",
    "next_working_day",
    "working_day_predicate",
    "working_minutes_between",
]

_ONE_DAY = timedelta(days=1)
_ONE_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class CalendarSpec:
    """A working calendar. ``periods`` must be sorted, non-overlapping, start<end."""

    always_open: bool
    periods: tuple[tuple[time, time], ...]
    special_days: Mapping[date, bool] = field(hash=False)
    tz: ZoneInfo = ZoneInfo("Asia/Shanghai")

    def __post_init__(self) -> None:
        periods = tuple((start, end) for start, end in self.periods)
        _validate_periods(periods)
        object.__setattr__(self, "periods", periods)
        object.__setattr__(self, "special_days", MappingProxyType(dict(self.special_days)))

    @property
    def day_capacity(self) -> timedelta:
        """Working time in one full working day (7x24: 24 hours)."""
        if self.always_open:
            return _ONE_DAY
        return sum((_span(start, end) for start, end in self.periods), timedelta())


def _validate_periods(periods: tuple[tuple[time, time], ...]) -> None:
    previous_end: time | None = None
    for start, end in periods:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("working periods must use naive (wall-clock) times")
        if not start < end:
            raise ValueError(f"working period {start}-{end}: start must be before end")
        if previous_end is not None and start < previous_end:
            raise ValueError(f"working period starting {start} overlaps or is unsorted")
        previous_end = end


def _span(start: time, end: time) -> timedelta:
    anchor = date(2000, 1, 1)
    return datetime.combine(anchor, end) - datetime.combine(anchor, start)


def is_working_day(spec: CalendarSpec, d: date) -> bool:
    """True if ``d`` is a working day (always True for 7x24 calendars)."""
    if spec.always_open:
        return True
    special = spec.special_days.get(d)
    if special is not None:
        return special
    return d.weekday() < 5


def working_day_predicate(spec: CalendarSpec) -> Callable[[date], bool]:
    """Return ``is_working_day`` bound to ``spec`` (e.g. for ``periods.term_end``)."""

    def predicate(d: date) -> bool:
        return is_working_day(spec, d)

    return predicate


def next_working_day(spec: CalendarSpec, d: date) -> date:
    """Return the first working day strictly after ``d``."""
    current = d + _ONE_DAY
    while not is_working_day(spec, current):  # terminates: special_days is finite
        current += _ONE_DAY
    return current


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _require_periods(spec: CalendarSpec) -> None:
    if not spec.periods:
        raise ValueError("calendar has no working periods and is not always open")


def _to_local_naive(spec: CalendarSpec, value: datetime) -> datetime:
    return value.astimezone(spec.tz).replace(tzinfo=None)


def _from_local_naive(spec: CalendarSpec, value: datetime) -> datetime:
    return value.replace(tzinfo=spec.tz)


def _day_intervals(spec: CalendarSpec, d: date) -> Iterator[tuple[datetime, datetime]]:
    """Working intervals (naive local) of day ``d``; none on non-working days."""
    if not is_working_day(spec, d):
        return
    for start, end in spec.periods:
        yield datetime.combine(d, start), datetime.combine(d, end)


def add_working_minutes(spec: CalendarSpec, start: datetime, minutes: int) -> datetime:
    """Return the instant when ``minutes`` of working time have elapsed after ``start``.

    Outside working time the clock starts at the next period start. A result
    falling exactly on a period end is that period end. ``minutes=0`` returns
    ``start`` moved to the next working instant. Result is in ``spec.tz``.
    """
    _require_aware(start, "start")
    if minutes < 0:
        raise ValueError(f"minutes must be >= 0, got {minutes}")
    if spec.always_open:
        return (start.astimezone(UTC) + minutes * _ONE_MINUTE).astimezone(spec.tz)
    _require_periods(spec)
    local = _to_local_naive(spec, start)
    return _from_local_naive(spec, _advance(spec, local, minutes * _ONE_MINUTE))


def _advance(spec: CalendarSpec, cursor: datetime, remaining: timedelta) -> datetime:
    """Walk working intervals from ``cursor``; whole working days are skipped in O(1)."""
    capacity = spec.day_capacity
    day = cursor.date()
    first_day = True
    while True:
        if not first_day and remaining > capacity and is_working_day(spec, day):
            remaining -= capacity
        else:
            for period_start, period_end in _day_intervals(spec, day):
                if period_end <= cursor:
                    continue
                begin = max(period_start, cursor)
                available = period_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        first_day = False
        day += _ONE_DAY


def working_minutes_between(spec: CalendarSpec, a: datetime, b: datetime) -> int:
    """Whole minutes of working time in ``[a, b)``; 0 if ``b <= a``."""
    _require_aware(a, "a")
    _require_aware(b, "b")
    if b <= a:
        return 0
    if spec.always_open:
        return (b - a) // _ONE_MINUTE
    _require_periods(spec)
    return _working_time(spec, _to_local_naive(spec, a), _to_local_naive(spec, b)) // _ONE_MINUTE


def _working_time(spec: CalendarSpec, lo: datetime, hi: datetime) -> timedelta:
    """Working time between naive local instants ``lo < hi``."""
    capacity = spec.day_capacity
    total = timedelta()
    day, last_day = lo.date(), hi.date()
    while day <= last_day:
        if lo.date() < day < last_day:
            total += capacity if is_working_day(spec, day) else timedelta()
        else:
            for period_start, period_end in _day_intervals(spec, day):
                overlap = min(period_end, hi) - max(period_start, lo)
                total += max(overlap, timedelta())
        day += _ONE_DAY
    return total


def add_working_days(start: date, days: int, is_working_day: Callable[[date], bool]) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            left -= 1
    return current
