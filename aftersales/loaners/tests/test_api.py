"""The loaner API: units as records moved by actions with the same rules as the pages; loans read-only
with open and overdue filters; the store registers, whoever works requests lends and takes back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.loaners import services
from aftersales.loaners.choices import LoanerState
from aftersales.loaners.models import Loan, Loaner

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NEXT_WEEK = (TODAY + dt.timedelta(days=7)).isoformat()


def test_the_store_registers_a_unit_and_its_state_is_not_writable(api, keeper, camera_model):
    response = api(keeper).post("/api/v1/loaners/", {
        "code": "BYJ-100", "product_model": camera_model.pk, "serial_number": "SN100", "grade": "400万像素摄像机",
        "purchase_value": "980.00", "state": "lent"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "in_store" and body["current_loan"] is None
    assert [e["kind"] for e in body["history"]] == ["registered"]
    unit = Loaner.objects.get(code="BYJ-100")
    response = api(keeper).patch(f"/api/v1/loaners/{unit.pk}/", {"state": "retired", "grade": "摄像机"},
                                 format="json")
    assert response.status_code == 200
    unit.refresh_from_db()
    assert (unit.state, unit.grade) == (LoanerState.IN_STORE, "摄像机")


def test_a_technician_lends_and_takes_back_but_does_not_register_or_repair(api, tech, register, camera_model):
    unit = register()
    client = api(tech)
    customer = CustomerFactory()
    assert client.post("/api/v1/loaners/", {"code": "X", "product_model": camera_model.pk, "serial_number": "1",
                                            "grade": "g"}, format="json").status_code == 403
    assert client.post(f"/api/v1/loaners/{unit.pk}/send-to-repair/", {}, format="json").status_code == 403
    assert client.post(f"/api/v1/loaners/{unit.pk}/retire/", {"reason": "x"}, format="json").status_code == 403
    assert client.patch(f"/api/v1/loaners/{unit.pk}/", {"grade": "x"}, format="json").status_code == 403

    response = client.post(f"/api/v1/loaners/{unit.pk}/lend/", {
        "customer": customer.pk, "reason": "taken_away", "due_back": NEXT_WEEK, "received_by": "王老师"},
        format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "lent" and body["current_loan"]["customer"] == customer.pk
    assert body["current_loan"]["lent_by"] == tech.pk

    again = client.post(f"/api/v1/loaners/{unit.pk}/lend/", {"customer": customer.pk, "reason": "other",
                                                              "due_back": NEXT_WEEK}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "invalid_state"
    assert Loan.objects.count() == 1

    back = client.post(f"/api/v1/loaners/{unit.pk}/return/", {"condition": "damaged"}, format="json")
    assert back.status_code == 400 and back.json()["code"] == "note_required" and back.json()["note"]
    back = client.post(f"/api/v1/loaners/{unit.pk}/return/", {"condition": "damaged", "note": "屏幕碎"},
                       format="json")
    assert back.status_code == 200 and back.json()["state"] == "in_repair"
    assert [e["kind"] for e in back.json()["history"]] == ["returned", "lent", "registered"]


def test_extend_and_the_body_is_checked(api, tech, register):
    unit = register()
    client = api(tech)
    assert client.post(f"/api/v1/loaners/{unit.pk}/lend/", {"reason": "taken_away", "due_back": NEXT_WEEK},
                       format="json").json()["code"] == "required"
    assert client.post(f"/api/v1/loaners/{unit.pk}/lend/", {"customer": "1", "reason": "taken_away",
                                                             "due_back": NEXT_WEEK}, format="json").status_code == 400
    services.loaner_lend(actor=tech, loaner=unit, customer=CustomerFactory(), due_back=TODAY)
    later = (TODAY + dt.timedelta(days=30)).isoformat()
    response = client.post(f"/api/v1/loaners/{unit.pk}/extend/", {"due_back": later}, format="json")
    assert response.status_code == 200 and response.json()["current_loan"]["due_back"] == later


def test_archive_is_refused_while_lent_and_records_are_never_deleted(api, keeper, tech, register):
    unit = register()
    services.loaner_lend(actor=tech, loaner=unit, customer=CustomerFactory(), due_back=TODAY)
    client = api(keeper)
    response = client.post(f"/api/v1/loaners/{unit.pk}/archive/")
    assert response.status_code == 400 and response.json()["code"] == "lent"
    assert client.delete(f"/api/v1/loaners/{unit.pk}/").status_code == 405
    loan = Loan.objects.get()
    assert client.delete(f"/api/v1/loans/{loan.pk}/").status_code == 405
    assert client.post(f"/api/v1/loaners/{unit.pk}/return/", {"condition": "good"}, format="json").status_code == 200
    assert client.post(f"/api/v1/loaners/{unit.pk}/archive/").json()["archived_at"]
    lent = client.post(f"/api/v1/loaners/{unit.pk}/lend/", {"customer": loan.customer_id, "reason": "other",
                                                             "due_back": NEXT_WEEK}, format="json")
    assert lent.status_code == 400 and lent.json()["code"] == "archived"


def test_loans_filter_open_overdue_and_customer(api, tech, register):
    late, on_time, back = register("BYJ-1"), register("BYJ-2"), register("BYJ-3")
    customer = CustomerFactory()
    services.loaner_lend(actor=tech, loaner=late, customer=customer, due_back=TODAY - dt.timedelta(days=2),
                         at=timezone.now() - dt.timedelta(days=10))
    services.loaner_lend(actor=tech, loaner=on_time, customer=CustomerFactory(), due_back=TODAY)
    services.loaner_lend(actor=tech, loaner=back, customer=customer, due_back=TODAY)
    services.loaner_return(actor=tech, loaner=back, condition="good")
    client = api(tech)

    def codes(**params):
        response = client.get("/api/v1/loans/", params)
        assert response.status_code == 200, response.json()
        return sorted(loan["loaner_code"] for loan in response.json()["results"])

    assert codes() == ["BYJ-1", "BYJ-2", "BYJ-3"]
    assert codes(open="true") == ["BYJ-1", "BYJ-2"]
    assert codes(open="false") == ["BYJ-3"]
    assert codes(overdue="true") == ["BYJ-1"]
    assert codes(customer=customer.pk) == ["BYJ-1", "BYJ-3"]
    overdue = client.get("/api/v1/loans/", {"overdue": "true"}).json()["results"][0]
    assert overdue["days_overdue"] == 2 and overdue["is_open"] is True
    assert client.get("/api/v1/loans/", {"overdue": "maybe"}).status_code == 400
    assert [u["code"] for u in client.get("/api/v1/loaners/", {"overdue": "true"}).json()["results"]] == ["BYJ-1"]


def test_loaner_filters(api, keeper, register, nvr_model):
    register("BYJ-1")
    register("BYJ-2", product_model=nvr_model, grade="32路录像机")
    services.loaner_repair_send(actor=keeper, loaner=register("BYJ-3"))
    client = api(keeper)

    def codes(**params):
        return [u["code"] for u in client.get("/api/v1/loaners/", params).json()["results"]]

    assert codes(state="in_repair") == ["BYJ-3"]
    assert codes(grade="32路录像机") == ["BYJ-2"]
    assert codes(category=nvr_model.category_id) == ["BYJ-2"]
    assert codes(search="录像机") == ["BYJ-2"]
    assert client.get("/api/v1/loaners/", {"state": "lost"}).status_code == 400


@pytest.mark.parametrize("role", [Role.FINANCE, Role.GENERAL_MANAGER])
def test_other_staff_read_but_neither_lend_nor_register(api, make_user, register, role):
    unit = register()
    client = api(make_user(role))
    assert client.get("/api/v1/loaners/").status_code == 200
    assert client.get(f"/api/v1/loaners/{unit.pk}/").status_code == 200
    assert client.get("/api/v1/loans/").status_code == 200
    assert client.post(f"/api/v1/loaners/{unit.pk}/lend/", {"customer": CustomerFactory().pk, "reason": "other",
                                                             "due_back": NEXT_WEEK}, format="json").status_code == 403
    assert Loaner.objects.get(pk=unit.pk).state == LoanerState.IN_STORE


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.DEALER])
def test_customers_and_dealers_get_nothing(api, make_user, register, tech, role):
    from aftersales.dealers.tests.factories import DealerFactory

    unit = register()
    customer = CustomerFactory()
    loan = services.loaner_lend(actor=tech, loaner=unit, customer=customer, due_back=TODAY)
    user = make_user(role, customer=customer) if role == Role.CUSTOMER else make_user(role, dealer=DealerFactory())
    client = api(user)
    for path in ("/api/v1/loaners/", f"/api/v1/loaners/{unit.pk}/", "/api/v1/loans/", f"/api/v1/loans/{loan.pk}/"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/api/v1/loaners/{unit.pk}/return/", {"condition": "good"}, format="json").status_code == 403


def test_list_endpoints_keep_their_query_count(api, keeper, tech, register):
    client = api(keeper)

    def build(start: int, n: int) -> None:
        for i in range(start, start + n):
            unit = register(f"BYJ-{i:03d}")
            services.loaner_lend(actor=tech, loaner=unit, customer=CustomerFactory(), due_back=TODAY)

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    build(0, 2)
    few = {path: count(path) for path in ("/api/v1/loaners/", "/api/v1/loans/")}
    build(2, 6)
    many = {path: count(path) for path in ("/api/v1/loaners/", "/api/v1/loans/")}
    assert few == many
    assert max(few.values()) <= 8
