"""Registration, the state machine and the stored clocks of service requests."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from aftersales.assets.tests.factories import AssetFactory
from aftersales.calendars.models import WorkingCalendar
from aftersales.contracts.tests.factories import MaintenanceContractFactory
from aftersales.core.errors import ServiceError
from aftersales.service import services
from aftersales.service.choices import ClockKind, Severity, State, TimelineKind
from aftersales.service.models import ServiceLevel, ServiceTarget
from aftersales.service.tests.factories import ServiceRequestFactory, request_data

pytestmark = pytest.mark.django_db
CN = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=CN)


def clocks(request):
    return {c.clock: c for c in request.clocks.all()}


def test_numbers_are_sequential_per_year(desk_user):
    first = services.request_register(actor=desk_user, data=request_data(reported_at=at(2025, 12, 31, 23)),
                                      now=at(2026, 1, 1, 9))
    second = services.request_register(actor=desk_user, data=request_data(reported_at=at(2026, 1, 1, 8)),
                                       now=at(2026, 1, 1, 9))
    third = services.request_register(actor=desk_user, data=request_data(reported_at=at(2026, 1, 1, 8, 30)),
                                      now=at(2026, 1, 1, 9))
    assert first.number.startswith("BX2025-")
    assert (second.number, third.number) == ("BX2026-000001", "BX2026-000002")


def test_registration_stores_a_due_time_for_every_clock_of_the_severity(desk_user):
    request = services.request_register(actor=desk_user, data=request_data(
        severity=Severity.CRITICAL, reported_at=at(2025, 11, 17, 9)), now=at(2025, 11, 17, 9, 1))
    got = clocks(request)
    assert request.service_level.code == "STD-7X24"
    assert set(got) == {"response", "callback", "on_site", "fixed"}
    assert got["response"].due_at == at(2025, 11, 17, 9, 30)
    assert got["fixed"].due_at == at(2025, 11, 17, 13)
    assert request.timeline.filter(kind=TimelineKind.REGISTERED).exists()


def test_the_contracts_service_level_applies_and_runs_on_its_calendar(desk_user):
    office = ServiceLevel.objects.get(code="STD-5X8")
    asset = AssetFactory()
    contract = MaintenanceContractFactory(customer=asset.customer, assets=[asset], service_level=office,
                                          start_date=dt.date(2025, 1, 1), end_date=dt.date(2026, 12, 31))
    # Friday 17:10 on a 5×8 calendar: 20 minutes on Friday, the last 10 of the 30 on Monday
    request = services.request_register(actor=desk_user, data=request_data(
        customer=asset.customer, site=asset.site, asset=asset, reported_at=at(2025, 11, 14, 17, 10)),
        now=at(2025, 11, 14, 17, 15))
    assert request.contract == contract and request.service_level == office
    assert clocks(request)["response"].due_at == at(2025, 11, 17, 9, 10)


def test_a_target_for_the_request_type_wins(desk_user):
    level = ServiceLevel.objects.get(is_default=True)
    ServiceTarget.objects.create(service_level=level, severity=3, request_type="consultation", clock="fixed",
                                 minutes=60)
    request = services.request_register(actor=desk_user, data=request_data(
        request_type="consultation", reported_at=at(2025, 11, 17, 9)), now=at(2025, 11, 17, 9))
    assert clocks(request)["fixed"].due_at == at(2025, 11, 17, 10)


def test_acknowledging_meets_the_response_clock_and_records_when(desk_user):
    request = services.request_register(actor=desk_user, data=request_data(reported_at=at(2025, 11, 17, 9)),
                                        now=at(2025, 11, 17, 9))
    services.request_acknowledge(request=request, actor=desk_user, at=at(2025, 11, 17, 9, 40))
    response = clocks(request)["response"]
    assert response.met_at == at(2025, 11, 17, 9, 40) and response.breached
    entry = request.timeline.get(kind=TimelineKind.CLOCK_MET)
    assert entry.data["late"] is True and entry.actor == desk_user


def test_pause_and_resume_move_the_open_clocks_by_the_paused_time(desk_user):
    request = services.request_register(actor=desk_user, data=request_data(reported_at=at(2025, 11, 17, 9)),
                                        now=at(2025, 11, 17, 9))
    fixed_before = clocks(request)["fixed"].due_at
    services.request_pause(request=request, actor=desk_user, reason="等客户提供管理员密码", at=at(2025, 11, 17, 10))
    request.refresh_from_db()
    assert request.state == State.WAITING and clocks(request)["fixed"].due_at is None
    services.request_resume(request=request, actor=desk_user, at=at(2025, 11, 17, 13))
    request.refresh_from_db()
    assert request.state == State.IN_PROGRESS
    assert clocks(request)["fixed"].due_at == fixed_before + dt.timedelta(hours=3)
    assert clocks(request)["fixed"].paused_minutes == 180


def test_a_severity_change_recomputes_from_the_start_and_keeps_the_old_values(desk_user):
    request = services.request_register(actor=desk_user, data=request_data(
        severity=Severity.MINOR, reported_at=at(2025, 11, 17, 9)), now=at(2025, 11, 17, 9))
    assert clocks(request)["fixed"].due_at == at(2025, 11, 20, 9)  # 72 hours
    services.request_reclassify(request=request, actor=desk_user, severity=Severity.CRITICAL,
                                at=at(2025, 11, 17, 10))
    assert clocks(request)["fixed"].due_at == at(2025, 11, 17, 13)  # 4 hours from the call, not from now
    entry = request.timeline.get(kind=TimelineKind.RECOMPUTED)
    assert entry.data["before"]["severity"] == 3
    assert dt.datetime.fromisoformat(entry.data["before"]["clocks"]["fixed"]["due_at"]) == at(2025, 11, 20, 9)


def test_resolve_close_and_reopen(desk_user):
    request = services.request_register(actor=desk_user, data=request_data(
        severity=Severity.MAJOR, reported_at=at(2025, 11, 17, 9)), now=at(2025, 11, 17, 9))
    services.request_resolve(request=request, actor=desk_user, resolution="远程重启录像机后恢复",
                             remote_method="remote_login", at=at(2025, 11, 17, 10))
    got = clocks(request)
    assert got["fixed"].met_at == at(2025, 11, 17, 10) and not got["fixed"].breached
    assert got["report"].due_at == at(2025, 11, 18, 10)  # the problem report within 24 hours of the fix
    with pytest.raises(ServiceError) as refused:
        services.request_close(request=request, actor=desk_user, confirmed=False, reason=" ")
    assert refused.value.field == "reason"
    services.request_close(request=request, actor=desk_user, confirmed=True, at=at(2025, 11, 17, 11))
    services.request_reopen(request=request, actor=desk_user, reason="客户反馈再次黑屏", at=at(2025, 11, 17, 15))
    request.refresh_from_db()
    assert request.state == State.IN_PROGRESS and request.reopen_count == 1
    fixed = clocks(request)["fixed"]
    # 60 minutes worked before the fix; the 5 hours it sat resolved do not count
    assert fixed.met_at is None and fixed.due_at == at(2025, 11, 18, 14)


def test_actions_out_of_order_are_refused_with_a_clear_message(desk_user):
    request = ServiceRequestFactory()
    with pytest.raises(ServiceError) as refused:
        services.request_resume(request=request, actor=desk_user)
    assert "cannot" in str(refused.value.message) or "不能" in str(refused.value.message)
    services.request_cancel(request=request, actor=desk_user, reason="客户重复报修")
    with pytest.raises(ServiceError):
        services.request_acknowledge(request=request, actor=desk_user)


def test_equipment_of_another_customer_is_refused(desk_user):
    asset = AssetFactory()
    with pytest.raises(ServiceError) as refused:
        services.request_register(actor=desk_user, data=request_data(asset=asset))
    assert refused.value.field == "asset"


def test_no_default_service_level_is_a_clear_error(desk_user):
    ServiceLevel.objects.update(is_default=False)
    with pytest.raises(ServiceError) as refused:
        services.request_register(actor=desk_user, data=request_data())
    assert refused.value.code == "no_service_level"
    assert WorkingCalendar.objects.exists()


def test_the_queue_sort_key_follows_the_running_clocks(desk_user):
    # given a request: its earliest running clock is the response
    request = ServiceRequestFactory(actor=desk_user)
    due = dict(request.clocks.values_list("clock", "due_at"))
    request.refresh_from_db()
    assert request.next_due_at == min(due.values())

    # when the response is met, the next clock takes its place; waiting stops them all; resuming restarts
    services.request_acknowledge(request=request, actor=desk_user)
    request.refresh_from_db()
    assert request.next_due_at == min(v for k, v in due.items() if k != ClockKind.RESPONSE)
    services.request_pause(request=request, actor=desk_user, reason="等客户提供现场照片")
    request.refresh_from_db()
    assert request.next_due_at is None
    services.request_resume(request=request, actor=desk_user)
    request.refresh_from_db()
    assert request.next_due_at == request.clocks.filter(met_at__isnull=True).order_by("due_at").first().due_at
