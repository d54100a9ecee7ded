"""Reading calendars: the statutory day schedule and working-time specs for the pure arithmetic."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.workcalendar import CalendarSpec
from aftersales.core.workcalendar import is_working_day as spec_is_working_day

from .models import HolidayYear, SpecialDay, WorkingCalendar


def special_days(*, years: set[int] | None = None) -> dict[dt.date, bool]:
    qs = SpecialDay.objects.all()
    if years:
        qs = qs.filter(date__year__in=years)
    return dict(qs.values_list("date", "is_working"))


def statutory_spec() -> CalendarSpec:
    """Chinese working days (holidays off, make-up days on), with no hours: for counting terms."""
    return CalendarSpec(always_open=False, periods=(), special_days=special_days())


def working_day_checker():
    """A callable date -> bool on the statutory calendar, loaded once."""
    return partial(spec_is_working_day, statutory_spec())


def calendar_spec(calendar: WorkingCalendar) -> CalendarSpec:
    periods = tuple((p.start, p.end) for p in calendar.periods.all())
    return CalendarSpec(
        always_open=calendar.always_open,
        periods=periods,
        special_days={} if calendar.always_open else special_days(),
    )


def default_calendar() -> WorkingCalendar | None:
    return WorkingCalendar.objects.filter(is_default=True).prefetch_related("periods").first()


def missing_years(*, today: dt.date | None = None) -> list[int]:
    """Years that matter now (this year; next year from November, when the State Council
    publishes it) whose holiday schedule is not entered."""
    today = today or timezone.localdate()
    wanted = {today.year} | ({today.year + 1} if today.month >= 11 else set())
    known = set(HolidayYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return sorted(wanted - known)


def calendar_warnings(*, today: dt.date | None = None) -> list[str]:
    return [
        _(
            "The holiday schedule of %(year)s is not entered: working days of %(year)s count weekends only "
            "until an administrator enters it."
        )
        % {"year": year}
        for year in missing_years(today=today)
    ]
