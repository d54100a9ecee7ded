"""The loaner pages: the list with counts per state and overdue loans highlighted, a unit's page with
its current loan, loans, history and the actions the user may take, the register form."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.loaners import services
from aftersales.loaners.choices import LoanerState
from aftersales.loaners.models import Loan, Loaner
from aftersales.service.tests.factories import ServiceRequestFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def page(client, user, path):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def action_ids(html: str) -> set[str]:
    return set(re.findall(r'id="action-([\w-]+)"', html)) - {"error"}


def lent_late(register, tech, code="BYJ-9", days=4):
    unit = register(code)
    services.loaner_lend(actor=tech, loaner=unit, customer=CustomerFactory(name="钟山外国语学校"),
                         due_back=TODAY - dt.timedelta(days=days), at=timezone.now() - dt.timedelta(days=days + 5))
    return unit


def test_the_list_counts_each_state_and_marks_overdue_loans(client, keeper, tech, register):
    register("BYJ-1")
    services.loaner_repair_send(actor=keeper, loaner=register("BYJ-2"))
    lent_late(register, tech)
    html = page(client, tech, "/loaners/")
    counts = dict(re.findall(r'data-state="(\w+)">[^<]*<span class="count">(\d+)</span>', html))
    assert counts == {"all": "3", "in_store": "1", "lent": "1", "in_repair": "1", "retired": "0", "overdue": "1"}
    assert re.search(r'<tr class="due due-breached" data-code="BYJ-9" data-state="lent" data-overdue="4">', html)
    assert "钟山外国语学校" in html
    assert 'id="register-loaner"' not in html  # a technician does not register units

    overdue_only = page(client, tech, "/loaners/?overdue=on")
    assert re.findall(r'data-code="([\w-]+)"', overdue_only) == ["BYJ-9"]
    assert re.findall(r'data-code="([\w-]+)"', page(client, tech, "/loaners/?state=in_repair")) == ["BYJ-2"]
    assert re.findall(r'data-code="([\w-]+)"', page(client, tech, "/loaners/?q=BYJ-1")) == ["BYJ-1"]


def test_the_unit_page_shows_the_loan_history_and_only_the_allowed_actions(client, keeper, tech, register,
                                                                           make_user):
    unit = lent_late(register, tech)
    html = page(client, tech, f"/loaners/{unit.pk}/")
    assert 'id="loan-overdue"' in html and "钟山外国语学校" in html
    assert action_ids(html) == {"extend", "return"}
    due = (TODAY - dt.timedelta(days=4)).isoformat()
    assert f'name="extend-due_back" value="{due}"' in html  # the date picker reads ISO dates
    assert 'data-kind="lent"' in html and 'data-kind="registered"' in html

    services.loaner_return(actor=tech, loaner=unit, condition="good")
    assert action_ids(page(client, keeper, f"/loaners/{unit.pk}/")) == {"lend", "send-to-repair", "retire"}
    assert action_ids(page(client, tech, f"/loaners/{unit.pk}/")) == {"lend"}
    assert action_ids(page(client, make_user(Role.FINANCE), f"/loaners/{unit.pk}/")) == set()


def test_a_technician_lends_for_a_service_request_from_the_page(client, tech, register):
    unit = register()
    request = ServiceRequestFactory()
    client.force_login(tech)
    due = (TODAY + dt.timedelta(days=5)).isoformat()
    response = client.post(f"/loaners/{unit.pk}/lend/", {
        "lend-service_request": request.number, "lend-reason": "target_missed", "lend-due_back": due,
        "lend-received_by": "王工"})
    assert response.status_code == 302 and response.url == f"/loaners/{unit.pk}/"
    loan = Loan.objects.get()
    assert (loan.customer, loan.service_request, loan.lent_by) == (request.customer, request, tech)

    refused = client.post(f"/loaners/{unit.pk}/lend/", {
        "lend-customer": CustomerFactory().pk, "lend-reason": "other", "lend-due_back": due})
    assert refused.status_code == 200
    html = refused.content.decode()
    error = re.search(r'id="action-error">(.*?)</div>', html, re.S).group(1)
    assert unit.code in error
    assert Loan.objects.count() == 1

    unknown = client.post(f"/loaners/{unit.pk}/return/", {"return-condition": "lost"})
    assert unknown.status_code == 200 and Loaner.objects.get(pk=unit.pk).state == LoanerState.LENT


def test_actions_without_the_permission_are_refused(client, tech, register, make_user):
    unit = register()
    client.force_login(tech)
    assert client.post(f"/loaners/{unit.pk}/retire/", {"retire-reason": "报废"}).status_code == 403
    assert client.post(f"/loaners/{unit.pk}/send-to-repair/", {}).status_code == 403
    assert client.post(f"/loaners/{unit.pk}/archive/", {}).status_code == 403
    assert client.get("/loaners/new/").status_code == 403
    assert client.get(f"/loaners/{unit.pk}/edit/").status_code == 403
    client.force_login(make_user(Role.FINANCE))
    assert client.post(f"/loaners/{unit.pk}/lend/", {"lend-customer": CustomerFactory().pk, "lend-reason": "other",
                                                    "lend-due_back": TODAY.isoformat()}).status_code == 403
    assert Loaner.objects.get(pk=unit.pk).state == LoanerState.IN_STORE


def test_the_keeper_registers_repairs_and_archives_from_the_pages(client, keeper, tech, register, camera_model):
    client.force_login(keeper)
    assert client.get("/loaners/new/").status_code == 200
    response = client.post("/loaners/new/", {"code": "BYJ-NEW", "product_model": camera_model.pk,
                                             "serial_number": "SN-NEW", "grade": "400万像素摄像机"})
    unit = Loaner.objects.get(code="BYJ-NEW")
    assert response.status_code == 302 and response.url == f"/loaners/{unit.pk}/"
    assert unit.state == LoanerState.IN_STORE
    assert client.post(f"/loaners/{unit.pk}/send-to-repair/", {"send-to-repair-note": "风扇异响"}).status_code == 302
    assert Loaner.objects.get(pk=unit.pk).state == LoanerState.IN_REPAIR
    assert client.post(f"/loaners/{unit.pk}/back-from-repair/", {}).status_code == 302

    lent = lent_late(register, tech, code="BYJ-OUT")
    response = client.post(f"/loaners/{lent.pk}/archive/", {}, follow=True)
    assert re.search(r'class="notice error" role="status">BYJ-OUT ', response.content.decode())
    assert Loaner.objects.get(pk=lent.pk).archived_at is None
    client.post(f"/loaners/{unit.pk}/archive/", {})
    assert Loaner.objects.get(pk=unit.pk).archived_at is not None
    assert action_ids(page(client, keeper, f"/loaners/{unit.pk}/")) == set()


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.DEALER])
def test_customers_and_dealers_see_no_loaner_page(client, make_user, register, role):
    from aftersales.dealers.tests.factories import DealerFactory

    unit = register()
    user = make_user(role, customer=CustomerFactory()) if role == Role.CUSTOMER else make_user(
        role, dealer=DealerFactory())
    client.force_login(user)
    for path in ("/loaners/", f"/loaners/{unit.pk}/", "/loaners/new/"):
        assert client.get(path).status_code == 403, path


def test_the_list_page_keeps_its_query_count(client, tech, register):
    client.force_login(tech)
    client.get("/loaners/")  # the first request of a session stamps its activity time

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/loaners/").status_code == 200
        return len(queries)

    for n in range(2):
        lent_late(register, tech, code=f"BYJ-A{n}")
    few = count()
    for n in range(6):
        lent_late(register, tech, code=f"BYJ-B{n}")
    assert count() == few
    assert few <= 14


@pytest.mark.parametrize("payload", ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>'])
def test_what_users_typed_comes_out_escaped(client, keeper, tech, register, payload):
    unit = register("BYJ-X", grade=payload, notes=payload)
    services.loaner_lend(actor=tech, loaner=unit, customer=CustomerFactory(name=payload), due_back=TODAY,
                         received_by=payload[:50], note=payload)
    for path in ("/loaners/", f"/loaners/{unit.pk}/"):
        html = page(client, keeper, path)
        assert "<script>alert(1)" not in html and "<img src=x onerror" not in html, path
