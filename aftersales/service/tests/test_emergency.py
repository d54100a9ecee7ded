"""Emergencies (SPEC §6): plan, the customer's consent, the director's approval, departure, exceptions."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.core.errors import ServiceError
from aftersales.service import emergency
from aftersales.service.choices import RequestType, TimelineKind
from aftersales.service.models import EmergencyPlan, TimelineEntry
from aftersales.service.tests.factories import ServiceRequestFactory

pytestmark = pytest.mark.django_db
CN = ZoneInfo("Asia/Shanghai")


def url(request, step):
    return f"/api/v1/service-requests/{request.pk}/emergency-{step}/"


@pytest.fixture
def people(make_user, api):
    lead = make_user(Role.TECHNICIAN, display_name="李师傅", phone="13912345678")
    users = {"pm": make_user(Role.PROJECT_MANAGER), "manager": make_user(Role.SERVICE_MANAGER),
             "director": make_user(Role.DIRECTOR), "desk": make_user(Role.DESK)}
    clients = {name: api(user) for name, user in users.items()}
    return {"lead": lead, **users, "api": clients}


@pytest.fixture
def urgent():
    return ServiceRequestFactory(request_type=RequestType.EMERGENCY, severity=1)


def plan_body(who, **overrides):
    return {"expected_hours": "3.5", "people": "李师傅、张工", "lead": who.pk, "tools": "熔接机、万用表",
            "parts": "光纤跳线 x4", "work_items": "更换主干光纤，恢复监控中心链路", "estimated_cost": "1800.00",
            **overrides}


def emergency_entries(request):
    return list(TimelineEntry.objects.filter(request=request, kind=TimelineKind.EMERGENCY).order_by("id"))


def test_the_whole_emergency_flow(people, urgent):
    api = people["api"]
    # given the project manager writes the plan
    written = api["pm"].put(url(urgent, "plan"), plan_body(people["lead"]), format="json")
    assert written.status_code == 200, written.content
    assert written.json()["lead"] == people["lead"].pk and written.json()["estimated_cost"] == "1800.00"
    # when the service manager records the customer's consent, the director approves, the team leaves
    consent = api["manager"].post(url(urgent, "consent"), {"consent_by": "医院信息科赵主任"}, format="json")
    assert consent.status_code == 200, consent.content
    assert consent.json()["consent_by"] == "医院信息科赵主任" and consent.json()["consent_at"]
    approved = api["director"].post(url(urgent, "approve"))
    assert approved.status_code == 200, approved.content
    assert approved.json()["approved_by"] == people["director"].pk
    arrival = timezone.localtime(timezone.now() + dt.timedelta(minutes=50)).replace(second=0, microsecond=0)
    departed = api["manager"].post(url(urgent, "depart"), {"expected_arrival": arrival.isoformat()}, format="json")
    assert departed.status_code == 200, departed.content
    assert departed.json()["departed_at"]
    assert dt.datetime.fromisoformat(departed.json()["expected_arrival"]) == arrival
    exception = api["pm"].post(url(urgent, "exception"), {"kind": "technician_missing", "note": "张工堵在路上，李师傅先行"},
                               format="json")
    assert exception.status_code == 200, exception.content
    # then every step is on the timeline with who and when
    entries = emergency_entries(urgent)
    assert [e.data["step"] for e in entries] == ["plan", "consent", "approve", "depart", "exception"]
    assert [e.actor for e in entries] == [people["pm"], people["manager"], people["director"], people["manager"],
                                          people["pm"]]
    assert all(e.at for e in entries)
    told = entries[3].text
    assert "李师傅" in told and "13912345678" in told and arrival.strftime("%H:%M") in told
    assert entries[3].internal is False  # the message the customer was given
    assert "张工堵在路上" in entries[4].text and entries[4].data["exception"] == "technician_missing"
    assert api["desk"].get(url(urgent, "plan")).json()["departed_at"]


def test_approval_by_a_service_manager_is_refused_and_by_the_director_accepted(people, urgent):
    emergency.plan_write(request=urgent, actor=people["pm"], data={
        "expected_hours": 2, "people": "李师傅", "lead": people["lead"], "work_items": "抢修"})
    emergency.plan_consent(request=urgent, actor=people["manager"], consent_by="赵主任")
    refused = people["api"]["manager"].post(url(urgent, "approve"))
    assert refused.status_code == 403
    assert refused.json()["detail"]
    with pytest.raises(ServiceError) as by_service:
        emergency.plan_approve(request=urgent, actor=people["manager"])
    assert by_service.value.code == "approve_not_allowed"
    assert EmergencyPlan.objects.get(request=urgent).approved_at is None
    assert people["api"]["director"].post(url(urgent, "approve")).status_code == 200


def test_approval_before_the_customers_consent_is_refused(people, urgent):
    people["api"]["pm"].put(url(urgent, "plan"), plan_body(people["lead"]), format="json")
    refused = people["api"]["director"].post(url(urgent, "approve"))
    assert refused.status_code == 400 and refused.json()["code"] == "no_consent"
    assert EmergencyPlan.objects.get(request=urgent).approved_at is None


def test_departure_before_approval_is_refused(people, urgent):
    people["api"]["pm"].put(url(urgent, "plan"), plan_body(people["lead"]), format="json")
    people["api"]["manager"].post(url(urgent, "consent"), {"consent_by": "赵主任"}, format="json")
    arrival = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    refused = people["api"]["manager"].post(url(urgent, "depart"), {"expected_arrival": arrival}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "not_approved"
    assert EmergencyPlan.objects.get(request=urgent).departed_at is None


def test_a_request_that_is_not_an_emergency_gets_no_plan(people):
    ordinary = ServiceRequestFactory(request_type=RequestType.REPAIR)
    refused = people["api"]["pm"].put(url(ordinary, "plan"), plan_body(people["lead"]), format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "not_emergency"
    assert people["api"]["pm"].get(url(ordinary, "plan")).status_code == 404
    assert not EmergencyPlan.objects.exists()


def test_the_plan_changes_until_approved_and_a_change_voids_the_consent(people, urgent):
    api = people["api"]
    api["pm"].put(url(urgent, "plan"), plan_body(people["lead"]), format="json")
    api["manager"].post(url(urgent, "consent"), {"consent_by": "赵主任"}, format="json")
    rewritten = api["pm"].put(url(urgent, "plan"), plan_body(people["lead"], estimated_cost="2600.00"), format="json")
    assert rewritten.status_code == 200 and rewritten.json()["consent_at"] is None
    assert emergency_entries(urgent)[-1].data["consent_voided"] is True
    api["manager"].post(url(urgent, "consent"), {"consent_by": "赵主任"}, format="json")
    api["director"].post(url(urgent, "approve"))
    refused = api["pm"].put(url(urgent, "plan"), plan_body(people["lead"]), format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "plan_approved"


def test_bad_steps_are_refused(people, urgent):
    api = people["api"]
    assert api["manager"].post(url(urgent, "consent"), {"consent_by": "赵主任"}, format="json").json()["code"] == "no_plan"
    bad_lead = api["pm"].put(url(urgent, "plan"), plan_body(people["lead"], lead=None), format="json")
    assert bad_lead.status_code == 400 and "lead" in bad_lead.json()
    zero = api["pm"].put(url(urgent, "plan"), plan_body(people["lead"], expected_hours="0"), format="json")
    assert zero.status_code == 400 and "expected_hours" in zero.json()
    api["pm"].put(url(urgent, "plan"), plan_body(people["lead"]), format="json")
    blank = api["manager"].post(url(urgent, "consent"), {"consent_by": " "}, format="json")
    assert blank.status_code == 400 and "consent_by" in blank.json()
    exception = api["pm"].post(url(urgent, "exception"), {"kind": "too_hard", "note": ""}, format="json")
    assert exception.status_code == 400 and "note" in exception.json()
    assert api["pm"].post(url(urgent, "exception"), {"kind": "boredom", "note": "x"}, format="json").status_code == 400


def test_the_desk_and_customers_may_not_touch_plans(people, urgent, make_user, api):
    people["api"]["pm"].put(url(urgent, "plan"), plan_body(people["lead"]), format="json")
    assert people["api"]["desk"].put(url(urgent, "plan"), plan_body(people["lead"]), format="json").status_code == 403
    customer = api(make_user(Role.CUSTOMER, customer=urgent.customer))
    assert customer.get(url(urgent, "plan")).status_code == 403
    assert customer.post(url(urgent, "consent"), {"consent_by": "我"}, format="json").status_code == 403


def test_the_departure_message_names_the_lead_and_the_arrival(people):
    left = dt.datetime(2025, 11, 17, 22, 40, tzinfo=CN)
    same_day = emergency.departure_message(lead=people["lead"], departed_at=left,
                                           expected_arrival=dt.datetime(2025, 11, 17, 23, 30, tzinfo=CN))
    assert "李师傅" in same_day and "13912345678" in same_day and "23:30" in same_day
    next_day = emergency.departure_message(lead=people["lead"], departed_at=left,
                                           expected_arrival=dt.datetime(2025, 11, 18, 0, 20, tzinfo=CN))
    assert "00:20" in next_day and "18" in next_day


# ---------------------------------------------------------------- on the request's page


def page_post(client, request, step, **fields):
    return client.post(f"/service/{request.pk}/emergency-{step}/",
                       {f"emergency-{step}-{name}": value for name, value in fields.items()})


def test_the_emergency_flow_through_the_request_page(people, urgent, client):
    page = f"/service/{urgent.pk}/"
    # the project manager sees that a plan is missing and writes it
    client.force_login(people["pm"])
    assert 'id="emergency-plan-missing"' in client.get(page).content.decode()
    written = page_post(client, urgent, "plan", expected_hours="2.5", people="李师傅、张工", lead=people["lead"].pk,
                        tools="熔接机", parts="", work_items="更换主干光纤", estimated_cost="900")
    assert written.status_code == 302, written.content.decode()
    shown = client.get(page).content.decode()
    assert 'data-stage="written"' in shown and "更换主干光纤" in shown
    assert 'id="action-emergency-approve"' not in shown  # not the project manager's to approve

    # the service manager records the consent; only the director is offered the approval
    client.force_login(people["manager"])
    assert page_post(client, urgent, "consent", consent_by="赵主任", consent_at="").status_code == 302
    assert 'id="action-emergency-approve"' not in client.get(page).content.decode()
    assert page_post(client, urgent, "approve").status_code == 403

    client.force_login(people["director"])
    assert 'id="action-emergency-approve"' in client.get(page).content.decode()
    assert page_post(client, urgent, "approve").status_code == 302

    # the team leaves: an arrival before now is refused on the form, a later one is told to the customer
    client.force_login(people["manager"])
    too_early = page_post(client, urgent, "depart", expected_arrival="2020-01-01T08:00")
    assert too_early.status_code == 200 and "预计到达时间必须晚于出发时间。" in too_early.content.decode()
    assert EmergencyPlan.objects.get(request=urgent).departed_at is None
    arrival = timezone.localtime(timezone.now() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert page_post(client, urgent, "depart", expected_arrival=arrival).status_code == 302
    plan = EmergencyPlan.objects.get(request=urgent)
    assert plan.approved_by == people["director"] and plan.consent_by == "赵主任" and plan.departed_at
    assert 'data-stage="departed"' in client.get(page).content.decode()
    assert [e.data["step"] for e in emergency_entries(urgent)] == ["plan", "consent", "approve", "depart"]


def test_the_desk_is_not_offered_the_plan_and_may_not_post_it(people, urgent, client):
    client.force_login(people["desk"])
    assert 'action-emergency-plan' not in client.get(f"/service/{urgent.pk}/").content.decode()
    assert page_post(client, urgent, "plan", expected_hours="1", people="x", lead=people["lead"].pk,
                     work_items="x", estimated_cost="0").status_code == 403
    assert not EmergencyPlan.objects.exists()



def test_writing_the_first_plan_needs_the_add_permission_on_the_page_and_the_api(people, urgent, client, api):
    from django.contrib.auth.models import Group, Permission

    # given a company whose project managers may change plans but not start one
    Group.objects.get(name=Role.PROJECT_MANAGER).permissions.remove(Permission.objects.get(codename="add_emergencyplan"))
    editor = type(people["pm"]).objects.get(pk=people["pm"].pk)  # permissions are cached on the user object
    client.force_login(editor)
    body = plan_body(people["lead"])
    # then neither the page nor the API lets them write the first plan
    assert page_post(client, urgent, "plan", **body).status_code == 403
    assert api(editor).put(url(urgent, "plan"), body, format="json").status_code == 403
    assert not EmergencyPlan.objects.exists()
    # and once the service manager has written it, they may change it on both
    assert people["api"]["manager"].put(url(urgent, "plan"), body, format="json").status_code == 200
    assert page_post(client, urgent, "plan", **{**body, "expected_hours": "4"}).status_code == 302
    assert api(editor).put(url(urgent, "plan"), {**body, "expected_hours": "5"}, format="json").status_code == 200
    assert EmergencyPlan.objects.get(request=urgent).expected_hours == 5
