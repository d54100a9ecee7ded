from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from aftersales.core.errors import ServiceError
from aftersales.core.views import require_perm

from .models import HolidayYear, WorkingCalendar
from .selectors import missing_years
from .services import holiday_year_save, holiday_year_seed, known_package_years


@require_perm("calendars.view_workingcalendar")
def calendar_list_view(request):
    return render(request, "calendars/list.html", {
        "calendars": WorkingCalendar.objects.prefetch_related("periods"),
        "years": HolidayYear.objects.all(),
        "missing": missing_years(),
        "package_years": sorted(known_package_years() - set(HolidayYear.objects.values_list("year", flat=True))),
    })


def parse_days(text: str) -> tuple[list[tuple[dt.date, bool, str]], list[str]]:
    """Lines like ``2027-01-01 休 元旦`` or ``2027-02-07 班 春节调休``."""
    days, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split(maxsplit=2)
        if not parts:
            continue
        try:
            date = dt.date.fromisoformat(parts[0])
        except ValueError:
            errors.append(_("Line %(n)s: “%(v)s” is not a date (YYYY-MM-DD).") % {"n": number, "v": parts[0]})
            continue
        kind = parts[1] if len(parts) > 1 else ""
        if kind not in {"休", "班", "off", "work"}:
            errors.append(_("Line %(n)s: write 休 (holiday) or 班 (working day) after the date.") % {"n": number})
            continue
        days.append((date, kind in {"班", "work"}, parts[2] if len(parts) > 2 else ""))
    return days, errors


@require_perm("calendars.change_holidayyear")
def holiday_year_edit_view(request, year: int):
    holiday_year = HolidayYear.objects.filter(year=year).first()
    errors: list[str] = []
    if request.method == "POST":
        if request.POST.get("action") == "seed":
            if holiday_year_seed(year=year) is None:
                errors.append(_("The official schedule of %(year)s is not known to this system.") % {"year": year})
            else:
                messages.success(request, _("The official schedule of %(year)s was entered.") % {"year": year})
                return redirect("calendar-year", year=year)
        else:
            text = request.POST.get("days", "")
            days, errors = parse_days(text)
            if not errors:
                try:
                    holiday_year_save(year=year, days=days, notes=request.POST.get("notes", "")[:200])
                except ServiceError as exc:
                    errors.append(exc.message)
                else:
                    messages.success(request, _("The schedule of %(year)s was saved.") % {"year": year})
                    return redirect("calendar-year", year=year)
    days_text = request.POST.get("days") if errors else "\n".join(
        f"{d.date.isoformat()} {'班' if d.is_working else '休'} {d.name}".strip()
        for d in (holiday_year.days.all() if holiday_year else [])
    )
    return render(request, "calendars/year.html", {
        "year": year, "holiday_year": holiday_year, "days_text": days_text, "errors": errors,
        "in_package": year in known_package_years(),
    })


@require_perm("calendars.view_workingcalendar")
def calendar_detail_view(request, pk: int):
    calendar = get_object_or_404(WorkingCalendar.objects.prefetch_related("periods"), pk=pk)
    return render(request, "calendars/detail.html", {"calendar": calendar})
