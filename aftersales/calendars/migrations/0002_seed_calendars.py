"""Every installation starts with the 7×24 and 5×8 calendars and the official holiday
schedules the chinesecalendar package knows, so entitlement and clocks count Chinese working
days from the first run, demo data or not."""

import datetime as dt

from django.db import migrations

def seed(apps, schema_editor):
    import chinese_calendar

    from aftersales.calendars.services import HOLIDAY_NAMES as NAMES

    calendar_model = apps.get_model("calendars", "WorkingCalendar")
    period_model = apps.get_model("calendars", "WorkingPeriod")
    year_model = apps.get_model("calendars", "HolidayYear")
    day_model = apps.get_model("calendars", "SpecialDay")
    if not calendar_model.objects.exists():
        calendar_model.objects.create(code="7x24", name="7×24 小时", always_open=True, is_default=True)
        office = calendar_model.objects.create(code="5x8", name="工作日 5×8", always_open=False)
        period_model.objects.bulk_create([
            period_model(calendar=office, start=dt.time(9, 0), end=dt.time(12, 0)),
            period_model(calendar=office, start=dt.time(13, 30), end=dt.time(17, 30)),
        ])
    years = {d.year for d in chinese_calendar.holidays} & {d.year for d in chinese_calendar.workdays}
    for year in sorted(y for y in years if y >= 2015):
        if year_model.objects.filter(year=year).exists():
            continue
        hy = year_model.objects.create(year=year, source="package")
        days = [day_model(year=hy, date=d, is_working=False, name=NAMES.get(str(n), str(n)))
                for d, n in chinese_calendar.holidays.items() if d.year == year]
        days += [day_model(year=hy, date=d, is_working=True, name=NAMES.get(str(n), str(n)) + "调休")
                 for d, n in chinese_calendar.workdays.items() if d.year == year]
        day_model.objects.bulk_create(days)


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
