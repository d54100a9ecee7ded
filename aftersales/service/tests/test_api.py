"""/api/v1/service-requests/ and /api/v1/service-levels/: intake, lists, every action, who sees what."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.assets.tests.factories import AssetFactory
from aftersales.customers.tests.factories import CustomerFactory, SiteFactory
from aftersales.service import services
from aftersales.service.choices import Severity, State, TimelineKind
from aftersales.service.models import ServiceLevel, ServiceRequest, TimelineEntry
from aftersales.service.tests.factories import ServiceRequestFactory, default_level

pytestmark = pytest.mark.django_db

URL = "/api/v1/service-requests/"
CLOCK_KEYS = {"clock", "due_at", "met_at", "paused_seconds", "breached"}


def detail(request, action=""):
    return f"{URL}{request.pk}/" + (f"{action}/" if action else "")


@pytest.fixture
def desk(api, desk_user):
    return api(desk_user)


@pytest.fixture
def customer():
    return CustomerFactory(name="杭州市第一人民医院")


def intake(**overrides):
    return {"reporter_name": "王工", "reporter_phone": "13800138000", "description": "三号楼监控画面全部黑屏",
            **overrides}


# ---------------------------------------------------------------- intake


def test_intake_by_api_numbers_the_request_and_starts_its_clocks(desk, customer):
    response = desk.post(URL, intake(customer=customer.pk, severity=1, number="X", state="closed"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith(f"BX{timezone.localdate().year}-")
    assert (body["state"], body["severity"], body["channel"]) == ("new", 1, "api")
    assert body["service_level"] == default_level().pk and body["contract"] is None
    assert {c["clock"] for c in body["clocks"]} == {"response", "callback", "on_site", "fixed"}
    assert all(set(c) == CLOCK_KEYS for c in body["clocks"])
    response_clock = next(c for c in body["clocks"] if c["clock"] == "response")
    due = dt.datetime.fromisoformat(response_clock["due_at"])
    reported = dt.datetime.fromisoformat(body["reported_at"])
    assert due - reported == dt.timedelta(minutes=30)
    assert response_clock["met_at"] is None and response_clock["breached"] is False
    assert response_clock["paused_seconds"] == 0
    assert [e["kind"] for e in body["timeline"]] == ["registered"]


def test_intake_takes_the_customer_and_site_from_the_equipment(desk):
    asset = AssetFactory()
    body = desk.post(URL, intake(asset=asset.pk), format="json").json()
    assert (body["customer"], body["site"], body["asset"]) == (asset.customer_id, asset.site_id, asset.pk)


def test_a_bad_phone_is_refused_with_a_chinese_message_on_its_field(desk, customer):
    response = desk.post(URL, intake(customer=customer.pk, reporter_phone="12345", description=""), format="json",
                         HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    body = response.json()
    assert "不是有效的电话号码" in body["reporter_phone"][0]
    assert "description" in body
    assert not ServiceRequest.objects.exists()


def test_equipment_of_another_customer_is_refused(desk, customer):
    other = AssetFactory()
    response = desk.post(URL, intake(customer=customer.pk, asset=other.pk), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "asset_customer" and response.json()["asset"]


def test_intake_needs_a_customer_or_equipment_and_strict_types(desk, customer):
    assert "customer" in desk.post(URL, intake(), format="json").json()
    assert desk.post(URL, intake(customer=customer.pk, severity="1"), format="json").status_code == 400
    assert desk.post(URL, intake(customer=customer.pk, severity=5), format="json").status_code == 400
    future = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    refused = desk.post(URL, intake(customer=customer.pk, reported_at=future), format="json")
    assert refused.status_code == 400 and "reported_at" in refused.json()


# ---------------------------------------------------------------- lists


def test_list_filters_and_search(desk, customer):
    late = ServiceRequestFactory(customer=customer, severity=Severity.CRITICAL,
                                 reported_at=timezone.now() - dt.timedelta(hours=2), reporter_phone="13900001111")
    fresh = ServiceRequestFactory(request_type="consultation")
    met_late = ServiceRequestFactory(reported_at=timezone.now() - dt.timedelta(hours=1))
    services.request_acknowledge(request=met_late, actor=None)  # 60 minutes for a 30-minute clock
    services.request_acknowledge(request=fresh, actor=None)

    def ids(query):
        response = desk.get(URL, query)
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    assert ids({"breached": "true"}) == {late.pk, met_late.pk}
    assert ids({"breached": "false"}) == {fresh.pk}
    assert ids({"state": "acknowledged"}) == {fresh.pk, met_late.pk}
    assert ids({"severity": "1"}) == {late.pk}
    assert ids({"request_type": "consultation"}) == {fresh.pk}
    assert ids({"customer": customer.pk}) == {late.pk}
    assert ids({"channel": "phone"}) == {late.pk, fresh.pk, met_late.pk}
    assert ids({"search": "13900001111"}) == {late.pk}
    assert ids({"search": "第一人民医院"}) == {late.pk}
    assert ids({"search": fresh.number}) == {fresh.pk}
    since = (timezone.now() - dt.timedelta(minutes=30)).isoformat()
    assert ids({"reported_after": since}) == {fresh.pk}
    assert ids({"reported_before": since}) == {late.pk, met_late.pk}


@pytest.mark.parametrize("query", ["breached=maybe", "state=lost", "severity=9", "customer=x", "assignee=1.5",
                                   "reported_after=yesterday"])
def test_bad_list_parameters_are_400(desk, query):
    assert desk.get(f"{URL}?{query}").status_code == 400


def test_the_list_costs_the_same_queries_for_one_request_as_for_twenty(desk):
    ServiceRequestFactory()
    with CaptureQueriesContext(connection) as one:
        assert desk.get(URL).status_code == 200
    for _ in range(19):
        request = ServiceRequestFactory()
        services.request_acknowledge(request=request, actor=None)
    with CaptureQueriesContext(connection) as twenty:
        assert len(desk.get(URL).json()["results"]) == 20
    assert len(twenty) == len(one) <= 8


# ---------------------------------------------------------------- actions


def test_the_whole_course_of_a_request(desk, make_user, api):
    request = ServiceRequestFactory(severity=Severity.MAJOR)
    engineer = make_user(Role.SENIOR_ENGINEER)

    def post(action, body=None):
        response = desk.post(detail(request, action), body or {}, format="json")
        assert response.status_code == 200, (action, response.content)
        return response.json()

    body = post("acknowledge")
    assert body["state"] == "acknowledged"
    assert next(c for c in body["clocks"] if c["clock"] == "response")["met_at"]
    body = post("log-call", {"text": "已与客户通话，约定下午上门"})
    assert next(c for c in body["clocks"] if c["clock"] == "callback")["met_at"]
    assert post("start")["state"] == "in_progress"
    assert post("assign", {"assignee": engineer.pk})["assignee"] == engineer.pk
    body = post("pause", {"reason": "等客户提供机房钥匙"})
    assert body["state"] == "waiting"
    assert next(c for c in body["clocks"] if c["clock"] == "fixed")["due_at"] is None
    assert post("resume")["state"] == "in_progress"
    body = post("escalate", {"engineer": engineer.pk})
    assert body["escalated_at"] and "senior" in {c["clock"] for c in body["clocks"]}
    body = post("arrive", {"senior": True})
    assert next(c for c in body["clocks"] if c["clock"] == "on_site")["met_at"]
    body = post("resolve", {"resolution": "更换硬盘后恢复", "remote_method": ""})
    assert body["state"] == "resolved" and "report" in {c["clock"] for c in body["clocks"]}
    body = post("file-report", {"text": "硬盘故障；更换；无数据损失"})
    assert next(c for c in body["clocks"] if c["clock"] == "report")["met_at"]
    body = post("close", {"confirmed": False, "reason": "客户联系不上，电话确认已恢复"})
    assert body["state"] == "closed" and body["customer_confirmed"] is False
    body = post("reopen", {"reason": "客户反馈再次黑屏"})
    assert body["state"] == "in_progress" and body["reopen_count"] == 1
    assert post("cancel", {"reason": "客户已自行更换设备"})["state"] == "cancelled"
    kinds = set(TimelineEntry.objects.filter(request=request).values_list("kind", flat=True))
    assert {TimelineKind.CALL, TimelineKind.PAUSED, TimelineKind.RESUMED, TimelineKind.ESCALATED,
            TimelineKind.RESOLVED, TimelineKind.CLOSED, TimelineKind.REOPENED, TimelineKind.CANCELLED} <= kinds


def test_only_staff_can_be_assigned(desk, make_user):
    request = ServiceRequestFactory()
    outsider = make_user(Role.CUSTOMER, customer=request.customer)
    refused = desk.post(detail(request, "assign"), {"assignee": outsider.pk}, format="json")
    assert refused.status_code == 400 and refused.json()["assignee"]
    assert desk.post(detail(request, "assign"), {"assignee": str(outsider.pk)}, format="json").status_code == 400
    assert ServiceRequest.objects.get(pk=request.pk).assignee is None


def test_reclassify_recomputes_and_a_plain_change_may_not(desk):
    request = ServiceRequestFactory(severity=Severity.MINOR)
    refused = desk.patch(detail(request), {"severity": 1}, format="json")
    assert refused.status_code == 400 and "severity" in refused.json()
    body = desk.post(detail(request, "reclassify"), {"severity": 1}, format="json").json()
    assert body["severity"] == 1
    fixed = next(c for c in body["clocks"] if c["clock"] == "fixed")
    reported = dt.datetime.fromisoformat(body["reported_at"])
    assert dt.datetime.fromisoformat(fixed["due_at"]) - reported == dt.timedelta(hours=4)
    assert desk.post(detail(request, "reclassify"), {"severity": "1"}, format="json").status_code == 400


@pytest.mark.parametrize(("action", "body", "field"), [
    ("log-call", {"text": "  "}, "text"),
    ("pause", {"reason": ""}, "reason"),
    ("resolve", {"resolution": " "}, "resolution"),
    ("cancel", {"reason": ""}, "reason"),
])
def test_required_texts_are_refused_with_the_services_message(desk, action, body, field):
    request = ServiceRequestFactory()
    response = desk.post(detail(request, action), body, format="json")
    assert response.status_code == 400 and response.json()[field]
    assert ServiceRequest.objects.get(pk=request.pk).state == State.NEW


@pytest.mark.parametrize(("action", "body"), [
    ("resume", {}), ("close", {"confirmed": True}), ("confirm", {}), ("reopen", {"reason": "x"}),
    ("file-report", {"text": "x"}),
])
def test_actions_in_the_wrong_state_are_refused_with_the_message(desk, action, body):
    request = ServiceRequestFactory()
    response = desk.post(detail(request, action), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "wrong_state" and response.json()["state"][0]
    assert ServiceRequest.objects.get(pk=request.pk).state == State.NEW


def test_a_change_touches_the_descriptive_fields_and_lands_on_the_timeline(desk):
    request = ServiceRequestFactory()
    new_site = SiteFactory(customer=request.customer)
    response = desk.patch(detail(request), {"reporter_phone": "0571-87654321", "site": new_site.pk,
                                            "severity": request.severity}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["reporter_phone"], response.json()["site"]) == ("0571-87654321", new_site.pk)
    assert TimelineEntry.objects.filter(request=request, kind=TimelineKind.NOTE, internal=False).exists()
    foreign = desk.patch(detail(request), {"asset": AssetFactory().pk}, format="json")
    assert foreign.status_code == 400 and "asset" in foreign.json()


def test_requests_are_never_deleted(desk):
    request = ServiceRequestFactory()
    assert desk.delete(detail(request)).status_code == 405
    assert desk.post(detail(request, "archive")).status_code == 404
    assert ServiceRequest.objects.filter(pk=request.pk).exists()


# ---------------------------------------------------------------- customers


@pytest.fixture
def resolved(customer):
    request = ServiceRequestFactory(customer=customer)
    services.request_resolve(request=request, actor=None, resolution="远程重启后恢复", remote_method="remote_login")
    return request


def test_a_customer_of_another_organisation_gets_404_and_changes_nothing(api, make_user, resolved):
    stranger = api(make_user(Role.CUSTOMER, customer=CustomerFactory()))
    before = list(ServiceRequest.objects.values())
    assert stranger.get(detail(resolved)).status_code == 404
    for action in ("confirm", "acknowledge", "cancel", "emergency-consent"):
        assert stranger.post(detail(resolved, action), {"reason": "x"}, format="json").status_code in {403, 404}
    assert stranger.post(detail(resolved, "confirm")).status_code == 404
    assert stranger.patch(detail(resolved), {"description": "x"}, format="json").status_code in {403, 404}
    assert stranger.get(URL).json()["count"] == 0
    assert list(ServiceRequest.objects.values()) == before


def test_a_customer_sees_no_internal_entry_or_field_and_confirms_their_own(api, make_user, desk_user, customer):
    resolved = ServiceRequestFactory(customer=customer)
    services.request_assign(request=resolved, actor=desk_user, assignee=desk_user)  # a staff-only entry
    services.request_resolve(request=resolved, actor=desk_user, resolution="远程重启后恢复")
    ServiceRequest.objects.filter(pk=resolved.pk).update(internal_notes="客户难缠")
    own = api(make_user(Role.CUSTOMER, customer=resolved.customer))
    body = own.get(detail(resolved)).json()
    assert not {"internal_notes", "assignee", "registered_by"} & set(body)
    assert body["timeline"] and all(not e["internal"] for e in body["timeline"])
    assert TimelineKind.ASSIGNED not in {e["kind"] for e in body["timeline"]}
    listed = own.get(URL).json()["results"]
    assert [r["id"] for r in listed] == [resolved.pk] and "internal_notes" not in listed[0]
    assert own.post(detail(resolved, "acknowledge")).status_code == 403
    assert own.patch(detail(resolved), {"description": "x"}, format="json").status_code == 403
    assert own.get(URL, {"assignee": desk_user.pk}).json()["count"] == 0
    confirmed = own.post(detail(resolved, "confirm"))
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["state"] == "closed" and confirmed.json()["customer_confirmed"] is True


def test_a_dealer_may_not_confirm(api, make_user, resolved):
    from aftersales.dealers.tests.factories import DealerFactory

    dealer = DealerFactory()
    resolved.customer.dealer = dealer
    resolved.customer.save()
    answer = api(make_user(Role.DEALER, dealer=dealer)).post(detail(resolved, "confirm"))
    assert answer.status_code == 403
    assert ServiceRequest.objects.get(pk=resolved.pk).state == State.RESOLVED


def test_portal_intake_is_for_ones_own_organisation(api, make_user, customer):
    from django.contrib.auth.models import Permission

    user = make_user(Role.CUSTOMER, customer=customer)
    other = CustomerFactory()
    if not user.has_perm("service.add_servicerequest"):
        assert api(user).post(URL, intake(), format="json").status_code == 403
        user.user_permissions.add(Permission.objects.get(codename="add_servicerequest"))
        user = type(user).objects.get(pk=user.pk)
    client = api(user)
    response = client.post(URL, intake(customer=other.pk), format="json")
    assert response.status_code == 400 and "customer" in response.json()  # not a customer they can see
    response = client.post(URL, intake(channel="phone"), format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["customer"], response.json()["channel"]) == (customer.pk, "portal")
    assert client.post(URL, intake(asset=AssetFactory().pk), format="json").status_code == 400


# ---------------------------------------------------------------- service levels


def targets(*rows):
    return [{"severity": s, "request_type": t, "clock": c, "minutes": m} for s, t, c, m in rows]


def test_everyone_signed_in_reads_service_levels(api, make_user, customer):
    body = api(make_user(Role.CUSTOMER, customer=customer)).get("/api/v1/service-levels/").json()
    level = next(r for r in body["results"] if r["is_default"])
    assert {"severity", "request_type", "clock", "minutes"} == set(level["targets"][0])


def test_a_new_default_level_replaces_the_old_one_and_targets_are_replaced_whole(api, make_user):
    director = api(make_user(Role.DIRECTOR))
    old = default_level()
    payload = {"code": "GOLD", "name": "金牌服务", "calendar": old.calendar_id, "is_default": True,
               "targets": targets((1, "", "response", 15), (1, "emergency", "response", 10))}
    created = director.post("/api/v1/service-levels/", payload, format="json")
    assert created.status_code == 201, created.content
    level = ServiceLevel.objects.get(code="GOLD")
    assert level.is_default and not ServiceLevel.objects.get(pk=old.pk).is_default
    assert level.targets.count() == 2
    changed = director.patch(f"/api/v1/service-levels/{level.pk}/",
                             {"targets": targets((2, "", "fixed", 60))}, format="json")
    assert changed.status_code == 200, changed.content
    assert list(level.targets.values_list("severity", "clock", "minutes")) == [(2, "fixed", 60)]
    refused = director.patch(f"/api/v1/service-levels/{level.pk}/", {"is_default": False}, format="json")
    assert refused.status_code == 400 and "is_default" in refused.json()
    assert director.post(f"/api/v1/service-levels/{level.pk}/archive/").status_code == 400


@pytest.mark.parametrize("rows", [
    targets((1, "", "response", 0)),
    targets((1, "", "response", 30), (1, "", "response", 20)),
    targets((9, "", "response", 30)),
    targets((1, "", "coffee", 30)),
])
def test_bad_targets_are_refused(api, make_user, rows):
    director = api(make_user(Role.DIRECTOR))
    level = default_level()
    response = director.patch(f"/api/v1/service-levels/{level.pk}/", {"targets": rows}, format="json")
    assert response.status_code == 400 and "targets" in response.json()
    assert level.targets.count() == 22


def test_the_service_level_list_costs_the_same_queries_for_two_levels_as_for_six(api, make_user):
    director = api(make_user(Role.DIRECTOR))
    with CaptureQueriesContext(connection) as two:
        assert director.get("/api/v1/service-levels/").json()["count"] == 2
    calendar = default_level().calendar_id
    for n in range(4):
        director.post("/api/v1/service-levels/", {"code": f"L{n}", "name": f"级别{n}", "calendar": calendar,
                                                  "targets": targets((1, "", "fixed", 60))}, format="json")
    with CaptureQueriesContext(connection) as six:
        assert director.get("/api/v1/service-levels/").json()["count"] == 6
    assert len(six) == len(two)


def test_only_holders_of_the_permission_write_service_levels(api, desk_user):
    level = default_level()
    assert api(desk_user).patch(f"/api/v1/service-levels/{level.pk}/", {"name": "x"}, format="json").status_code == 403
