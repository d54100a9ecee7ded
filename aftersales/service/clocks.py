"""Due times of service clocks: business-time arithmetic on a working calendar, pure.

A clock starts at an instant and runs for ``target_minutes`` of working time on its calendar.
Time spent waiting for the customer does not count: each pause removes its working minutes
from the elapsed time, so the due time moves out by exactly the paused working time. Because
the due time is always derived from (start, target, pauses, calendar), a change of severity,
of service level or of calendar recomputes it from the start and never loses elapsed time.

No Django, no database: the callers load the calendar and the pauses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from aftersales.core.workcalendar import CalendarSpec, add_working_minutes, working_minutes_between

Pause = tuple[datetime, datetime | None]  # (start, end); end None while still paused


@dataclass(frozen=True)
class ClockReading:
    due_at: datetime | None  # None while paused: the clock is stopped, no instant is due
    paused_minutes: int  # working minutes spent paused since the clock started
    elapsed_minutes: int  # working minutes counted against the target at ``now``
    remaining_minutes: int  # target - elapsed; negative when late

    @property
    def paused(self) -> bool:
        return self.due_at is None


def _walk(spec: CalendarSpec, started_at: datetime, target_minutes: int, pauses: Iterable[Pause]):
    """(due_at, paused working minutes that moved it, minutes left when an open pause stopped it).

    due_at is None when an open pause has stopped the clock.

    A pause moves the due time only if it begins before the clock has run out: pausing an
    overdue clock does not make it on time again.
    """
    cursor, remaining, paused = started_at, target_minutes, 0
    for begin, end in sorted(pauses, key=lambda p: p[0]):
        if end is not None and end <= cursor:
            continue
        begin = max(begin, cursor)
        worked = working_minutes_between(spec, cursor, begin)
        if worked >= remaining:
            break  # ran out before this pause
        remaining -= worked
        if end is None:
            return None, paused, remaining
        paused += working_minutes_between(spec, begin, end)
        cursor = end
    return add_working_minutes(spec, cursor, remaining), paused, None


def read_clock(
    spec: CalendarSpec,
    *,
    started_at: datetime,
    target_minutes: int,
    pauses: Iterable[Pause] = (),
    now: datetime,
    stopped_at: datetime | None = None,
) -> ClockReading:
    """The state of one clock at ``now``, or at ``stopped_at`` when it was met.

    A pause still open stops the clock: ``due_at`` is None and the time left stays as it was
    when the pause began.
    """
    if target_minutes < 0:
        raise ValueError("target_minutes must be >= 0")
    pauses = list(pauses)
    at = stopped_at or now
    if stopped_at is not None:  # a met clock: pauses after it do not matter
        pauses = [(b, e if e is not None and e <= at else at) for b, e in pauses if b < at]
    due, paused, left_at_pause = _walk(spec, started_at, target_minutes, pauses)
    if due is None:
        remaining = left_at_pause
    elif at <= due:
        remaining = working_minutes_between(spec, at, due)
    else:
        remaining = -working_minutes_between(spec, due, at)
    return ClockReading(due_at=due, paused_minutes=paused, elapsed_minutes=target_minutes - remaining,
                        remaining_minutes=remaining)


def due_at(spec: CalendarSpec, *, started_at: datetime, target_minutes: int, pauses: Iterable[Pause] = ()) -> datetime:
    """When the clock runs out given its pauses; ValueError while a pause is open (no instant is due)."""
    due, _paused, _left = _walk(spec, started_at, target_minutes, pauses)
    if due is None:
        raise ValueError("a clock stopped by an open pause has no due time")
    return due
