"""/api/v1/work-orders/: dispatch and a whole visit through the API, with the same rules as the pages."""

import pytest
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.service.choices import State
from aftersales.service.tests.factories import ServiceRequestFactory
from aftersales.workorders.tests.factories import signature_data_url

pytestmark = pytest.mark.django_db
URL = "/api/v1/work-orders/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_visit_through_the_api(make_user, api):
    desk, tech = make_user(Role.DESK), make_user(Role.TECHNICIAN)
    request = ServiceRequestFactory()
    created = api(desk).post(URL, {"request": request.pk, "technician": tech.pk,
                                   "planned_start": timezone.now().isoformat(), "instructions": "带上光功率计"},
                             format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"].startswith("PG") and body["state"] == "planned" and body["request_number"] == request.number
    path = f"{URL}{body['id']}/"
    field = api(tech)
    assert field.post(f"{path}start-travel/", {}, format="json").json()["state"] == "travelling"
    assert field.post(f"{path}arrive/", {}, format="json").json()["state"] == "on_site"
    early = field.post(f"{path}finish/", {"outcome": "fixed", "work_done": "已修复"}, format="json")
    assert early.status_code == 400 and "signatures" in early.json()
    for role, name in (("customer", "赵主任"), ("technician", "李师傅")):
        signed = field.post(f"{path}sign/", {"role": role, "image": signature_data_url(), "signer_name": name},
                            format="json")
        assert signed.status_code == 200, signed.content
    done = field.post(f"{path}finish/", {"outcome": "fixed", "work_done": "更换交换机端口模块"}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "done" and [s["role"] for s in done.json()["signatures"]] == ["customer",
                                                                                                  "technician"]
    request.refresh_from_db()
    assert request.state == State.RESOLVED


def test_dispatch_and_void_need_their_permissions(make_user, api):
    desk, tech = make_user(Role.DESK), make_user(Role.TECHNICIAN)
    request = ServiceRequestFactory()
    body = {"request": request.pk, "technician": tech.pk, "planned_start": timezone.now().isoformat()}
    assert api(tech).post(URL, body, format="json").status_code == 403
    created = api(desk).post(URL, body, format="json").json()
    assert api(tech).post(f"{URL}{created['id']}/void/", {"reason": "x"}, format="json").status_code == 403
    no_reason = api(desk).post(f"{URL}{created['id']}/void/", {"reason": ""}, format="json")
    assert no_reason.status_code == 400
    void = api(desk).post(f"{URL}{created['id']}/void/", {"reason": "单据污损"}, format="json")
    assert void.status_code == 200 and void.json()["state"] == "void" and void.json()["void_reason"] == "单据污损"
    customer = make_user(Role.CUSTOMER, customer=request.customer)
    assert api(customer).get(URL).status_code == 403
