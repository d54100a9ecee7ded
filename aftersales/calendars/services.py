from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.core.errors import ServiceError

from .models import HolidaySource, HolidayYear, SpecialDay, WorkingCalendar, WorkingPeriod


def known_package_years() -> set[int]:
    import chinese_calendar

    return {d.year for d in chinese_calendar.holidays} & {d.year for d in chinese_calendar.workdays}


@transaction.atomic
def holiday_year_seed(*, year: int) -> HolidayYear | None:
    """Enter a year from the chinesecalendar package; None when the package does not know it.
    A year already entered is left as the administrator keeps it."""
    import chinese_calendar

    if year not in known_package_years():
        return None
    existing = HolidayYear.objects.filter(year=year).first()
    if existing:
        return existing
    hy = HolidayYear.objects.create(year=year, source=HolidaySource.PACKAGE)
    days = [
        SpecialDay(year=hy, date=d, is_working=False, name=_holiday_name(str(name)))
        for d, name in chinese_calendar.holidays.items()
        if d.year == year
    ]
    days += [
        SpecialDay(year=hy, date=d, is_working=True, name=_holiday_name(str(name)) + "调休")
        for d, name in chinese_calendar.workdays.items()
        if d.year == year
    ]
    SpecialDay.objects.bulk_create(days)
    return hy


HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _holiday_name(name: str) -> str:
    return HOLIDAY_NAMES.get(name, name)


@transaction.atomic
def holiday_year_save(*, year: int, days: list[tuple[dt.date, bool, str]], notes: str = "") -> HolidayYear:
    """Replace the special days of one year with what an administrator entered."""
    for date, _working, _name in days:
        if date.year != year:
            raise ServiceError("wrong_year", _("%(date)s is not in %(year)s.") % {"date": date, "year": year})
    if len({d for d, _w, _n in days}) != len(days):
        raise ServiceError("duplicate_day", _("A date is listed twice."))
    hy, _created = HolidayYear.objects.select_for_update().get_or_create(year=year)
    hy.source = HolidaySource.MANUAL
    hy.notes = notes
    hy.save()
    hy.days.all().delete()
    SpecialDay.objects.bulk_create(SpecialDay(year=hy, date=d, is_working=w, name=n) for d, w, n in days)
    return hy


@transaction.atomic
def calendars_seed() -> None:
    """The two calendars every company starts with, and every holiday year the package knows."""
    always, _c = WorkingCalendar.objects.get_or_create(
        code="7x24", defaults={"name": "7×24 小时", "always_open": True, "is_default": False}
    )
    office, created = WorkingCalendar.objects.get_or_create(
        code="5x8", defaults={"name": "工作日 5×8", "always_open": False}
    )
    if created:
        WorkingPeriod.objects.bulk_create(
            [
                WorkingPeriod(calendar=office, start=dt.time(9, 0), end=dt.time(12, 0)),
                WorkingPeriod(calendar=office, start=dt.time(13, 30), end=dt.time(17, 30)),
            ]
        )
    if not WorkingCalendar.objects.filter(is_default=True).exists():
        WorkingCalendar.objects.filter(pk=always.pk).update(is_default=True)
    for year in sorted(known_package_years()):
        if year >= 2015:
            holiday_year_seed(year=year)


@transaction.atomic
def calendar_save(
    *, calendar: WorkingCalendar | None, data: dict, periods: list[tuple[dt.time, dt.time]] | None
) -> WorkingCalendar:
    """Create or change a working calendar with its working periods (sorted, never overlapping)."""
    if calendar is None:
        calendar = WorkingCalendar()
    else:
        calendar = WorkingCalendar.objects.select_for_update().get(pk=calendar.pk)
    for name, value in data.items():
        setattr(calendar, name, value)
    calendar.full_clean()
    if periods is not None:
        _check_periods(periods)
    elif not calendar.pk:
        periods = []
    if not calendar.always_open and periods is not None and not periods:
        raise ServiceError("no_periods", _("A working-hours calendar needs at least one working period."), field="periods")
    if calendar.is_default:
        WorkingCalendar.objects.exclude(pk=calendar.pk).filter(is_default=True).update(is_default=False)
    calendar.save()
    if periods is not None:
        calendar.periods.all().delete()
        WorkingPeriod.objects.bulk_create(WorkingPeriod(calendar=calendar, start=s, end=e) for s, e in periods)
    return calendar


def _check_periods(periods: list[tuple[dt.time, dt.time]]) -> None:
    ordered = sorted(periods)
    for start, end in ordered:
        if end <= start:
            raise ServiceError(
                "period_order", _("A working period must end after it starts (%(start)s–%(end)s).")
                % {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}, field="periods",
            )
    for (_s1, e1), (s2, _e2) in zip(ordered, ordered[1:]):
        if s2 < e1:
            raise ServiceError("period_overlap", _("Working periods overlap."), field="periods")
