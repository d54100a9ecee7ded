"""Terms counted the way the PRC Civil Code counts them (民法典 arts. 201-203).

A term of N months that starts on day ``anchor`` ends on the corresponding
day N months later (art. 202); when that month has no such day, on its last
day. When the last day is not a working day (statutory holiday / rest day),
the term runs to the next working day (art. 203).

Pure Python: no Django, no database.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta

__all__ = ["MAX_ROLL_DAYS", "add_months", "roll_to_working_day", "term_end"]

WorkingDayPredicate = Callable[[date], bool]

#: Upper bound on how far a date may roll forward before we give up; a
#: calendar with no working day in a whole year is a configuration error.
MAX_ROLL_DAYS = 366


def add_months(d: date, months: int) -> date:
    """Return the corresponding day ``months`` later (or earlier if negative).

    When the target month has no such day, return its last day:
    2024-02-29 + 12 → 2025-02-28; 2025-01-31 + 1 → 2025-02-28.
    """
    year, month0 = divmod(d.year * 12 + (d.month - 1) + months, 12)
    month = month0 + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


def roll_to_working_day(d: date, *, is_working_day: WorkingDayPredicate) -> date:
    """Return ``d`` if it is a working day, else the next working day after it.

    Raises ValueError when no working day occurs within ``MAX_ROLL_DAYS``.
    """
    current = d
    for _ in range(MAX_ROLL_DAYS + 1):
        if is_working_day(current):
            return current
        current += timedelta(days=1)
    raise ValueError(f"no working day within {MAX_ROLL_DAYS} days after {d.isoformat()}")


def term_end(
    *,
    anchor: date,
    months: int,
    is_working_day: WorkingDayPredicate | None = None,
) -> date:
    """Return the last day of a ``months``-month term starting on ``anchor``.

    The term covers ``anchor`` through ``add_months(anchor, months)`` inclusive;
    if that day is not a working day it rolls forward to the next working day.
    ``is_working_day=None`` disables rolling. ``months=0`` returns ``anchor``
    itself (an empty term is never extended by rolling).
    """
    if months < 0:
        raise ValueError(f"months must be >= 0, got {months}")
    if months == 0:
        return anchor
    last = add_months(anchor, months)
    if is_working_day is None:
        return last
    return roll_to_working_day(last, is_working_day=is_working_day)
