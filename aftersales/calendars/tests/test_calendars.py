import datetime as dt

import pytest

from aftersales.calendars.models import HolidayYear, SpecialDay, WorkingCalendar
from aftersales.calendars.selectors import calendar_warnings, missing_years, working_day_checker
from aftersales.calendars.services import calendar_save, calendars_seed, holiday_year_save
from aftersales.core.errors import ServiceError

pytestmark = pytest.mark.django_db


def test_seed_enters_official_years_with_holidays_and_make_up_days():
    calendars_seed()
    assert HolidayYear.objects.filter(year=2026, source="package").exists()
    is_working = working_day_checker()
    assert not is_working(dt.date(2025, 10, 1))  # National Day
    assert is_working(dt.date(2025, 9, 28))  # Sunday, make-up working day (调休)
    assert is_working(dt.date(2026, 1, 4))  # Sunday, make-up working day
    assert not is_working(dt.date(2026, 2, 17))  # Spring Festival
    assert SpecialDay.objects.get(date=dt.date(2026, 2, 17)).name == "春节"


def test_a_year_not_entered_counts_weekends_only_and_warns_administrators(client, admin_user):
    calendars_seed()
    assert missing_years(today=dt.date(2026, 11, 23)) == [2027]
    assert missing_years(today=dt.date(2026, 6, 1)) == []
    is_working = working_day_checker()
    assert is_working(dt.date(2027, 10, 1))  # a Friday: no schedule entered yet
    assert not is_working(dt.date(2027, 10, 2))
    assert "2027" in calendar_warnings(today=dt.date(2026, 11, 23))[0]


def test_administrator_enters_a_year(client, admin_user):
    client.force_login(admin_user)
    bad = client.post("/calendars/years/2027/", {"days": "2027-13-01 休 元旦\n2027-01-02 放假"})
    assert bad.status_code == 200
    assert not HolidayYear.objects.filter(year=2027).exists()
    ok = client.post("/calendars/years/2027/", {"days": "2027-01-01 休 元旦\n2027-02-07 班 春节调休"})
    assert ok.status_code == 302
    is_working = working_day_checker()
    assert not is_working(dt.date(2027, 1, 1)) and is_working(dt.date(2027, 2, 7))
    assert missing_years(today=dt.date(2027, 3, 1)) == []


def test_year_days_must_be_in_that_year():
    with pytest.raises(ServiceError):
        holiday_year_save(year=2027, days=[(dt.date(2028, 1, 1), False, "元旦")])
    assert not HolidayYear.objects.filter(year=2027).exists()


def test_non_administrators_cannot_edit_the_calendar(client, desk_user):
    client.force_login(desk_user)
    assert client.post("/calendars/years/2027/", {"days": "2027-01-01 休 元旦"}).status_code == 403


def test_working_hours_calendar_needs_sorted_non_overlapping_periods():
    with pytest.raises(ServiceError):
        calendar_save(calendar=None, data={"code": "bad", "name": "坏"},
                      periods=[(dt.time(9), dt.time(12)), (dt.time(11), dt.time(17))])
    with pytest.raises(ServiceError):
        calendar_save(calendar=None, data={"code": "none", "name": "无"}, periods=[])
    cal = calendar_save(calendar=None, data={"code": "6x10", "name": "六天"},
                        periods=[(dt.time(13), dt.time(18)), (dt.time(8), dt.time(12))])
    assert [str(p) for p in cal.periods.all()] == ["08:00–12:00", "13:00–18:00"]


def test_calendar_api_validates_periods(api, admin_user):
    response = api(admin_user).post("/api/v1/calendars/", {"code": "x", "name": "x", "always_open": False,
                                                           "periods": [{"start": "17:00", "end": "09:00"}]},
                                    format="json")
    assert response.status_code == 400


def test_yearly_job_enters_known_years_and_mails_administrators(
    make_user, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    from aftersales.calendars.tasks import calendar_years_check

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: dt.date(2026, 11, 23))
    admin = make_user("admin", email="admin@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        warnings = calendar_years_check.delay().get()
    assert HolidayYear.objects.filter(year=2026).exists()
    assert len(warnings) == 1 and "2027" in warnings[0]
    assert mailoutbox[0].to == [admin.email] and "2027" in mailoutbox[0].body


def test_a_new_installation_counts_chinese_working_days_without_demo_data():
    # given only the migrations: the calendars and the official years are there
    assert WorkingCalendar.objects.filter(code="5x8", periods__isnull=False).exists()
    assert WorkingCalendar.objects.get(is_default=True).code == "7x24"
    assert not working_day_checker()(dt.date(2026, 10, 1))
