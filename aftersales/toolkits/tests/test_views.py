"""The tool pages: every technician's kit on one list, a kit's page with its history and the forms
the store may use, refusals shown on the form, and who may do what."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.roles import Role
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.toolkits import services
from aftersales.toolkits.models import Tool, ToolEvent, ToolKit, ToolKitLine

from .factories import ToolFactory, ToolKitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper(make_user):
    return make_user(Role.PARTS)


@pytest.fixture
def technician(make_user):
    return make_user(Role.TECHNICIAN, display_name="张伟")


@pytest.fixture
def stocked(keeper, technician):
    meter = ToolFactory(code="WYB", name="万用表", unit_price=Decimal("680.00"))
    crimper = ToolFactory(code="WXQ", name="网线钳", unit_price=Decimal("85.00"))
    services.tool_receive(actor=keeper, tool=meter, quantity=3)
    services.tool_receive(actor=keeper, tool=crimper, quantity=5)
    kit = ToolKitFactory(code="GJB-1", holder=technician)
    services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 1), (crimper, 2)])
    return meter, crimper, kit


def text(response) -> str:
    return response.content.decode()


def test_the_kits_page_shows_every_kit_with_holder_tools_value_and_what_is_owed(client, keeper, stocked):
    _meter, crimper, kit = stocked
    services.tool_lost(actor=keeper, kit=kit, tool=crimper)
    other = ToolKitFactory(code="GJB-2")
    client.force_login(keeper)
    page = text(client.get("/tools/kits/"))
    assert "GJB-1" in page and "GJB-2" in page and "张伟" in page and str(other.holder) in page
    assert "万用表 × 1" in page and "网线钳 × 1" in page
    assert "765.00" in page  # 680 + 85 still held
    assert "85.00" in page  # owed for the lost crimper


def test_a_technician_sees_their_own_kit_but_is_offered_no_action(client, technician, stocked):
    _meter, _crimper, kit = stocked
    ToolKitFactory(code="GJB-OTHER")
    client.force_login(technician)
    listing = client.get("/tools/kits/", {"mine": "on"})
    assert "GJB-1" in text(listing) and "GJB-OTHER" not in text(listing)
    assert 'id="my-kits"' in text(client.get("/tools/kits/"))
    page = client.get(f"/tools/kits/{kit.pk}/")
    assert page.status_code == 200
    assert "万用表" in text(page) and 'id="action-issue"' not in text(page)
    assert not page.context["actions"]


def test_a_technician_may_not_issue_create_or_settle(client, technician, stocked):
    meter, _crimper, kit = stocked
    client.force_login(technician)
    assert client.post(f"/tools/kits/{kit.pk}/issue/", {f"issue-tool_{meter.pk}": "1"}).status_code == 403
    assert client.post(f"/tools/{meter.pk}/receive/", {"receive-quantity": "1"}).status_code == 403
    assert client.get("/tools/kits/new/").status_code == 403
    assert client.get("/tools/new/").status_code == 403
    assert client.post(f"/tools/events/{ToolEvent.objects.first().pk}/settle/").status_code == 403
    assert ToolKitLine.objects.get(kit=kit, tool=meter).quantity == 1


def test_a_customer_user_sees_no_tool_page(client, make_user, stocked):
    _meter, _crimper, kit = stocked
    client.force_login(make_user(Role.CUSTOMER, customer=CustomerFactory()))
    for path in ("/tools/", "/tools/kits/", f"/tools/kits/{kit.pk}/", "/tools/charges/"):
        assert client.get(path).status_code == 403, path


def test_the_keeper_issues_from_the_kit_page(client, keeper, stocked):
    meter, _crimper, kit = stocked
    client.force_login(keeper)
    page = client.get(f"/tools/kits/{kit.pk}/")
    assert 'id="action-issue"' in text(page) and 'id="action-lost"' in text(page)
    response = client.post(f"/tools/kits/{kit.pk}/issue/", {f"issue-tool_{meter.pk}": "2", "issue-reference": "LY-9"})
    assert response.status_code == 302
    assert ToolKitLine.objects.get(kit=kit, tool=meter).quantity == 3
    assert Tool.objects.get(pk=meter.pk).quantity == 0


def test_a_refusal_is_shown_on_the_form_and_nothing_changes(client, keeper, stocked):
    meter, _crimper, kit = stocked
    client.force_login(keeper)
    response = client.post(f"/tools/kits/{kit.pk}/return/", {f"return-tool_{meter.pk}": "5"})
    assert response.status_code == 200
    assert "GJB-1" in text(response) and 'id="action-error"' in text(response)
    assert response.context["failed"].errors
    assert ToolKitLine.objects.get(kit=kit, tool=meter).quantity == 1


def test_a_tool_no_longer_offered_is_refused_by_the_service_not_ignored(client, keeper, stocked):
    """Two keepers at once: the form was shown while the store had the tool; now it has none."""
    meter, _crimper, kit = stocked
    Tool.objects.filter(pk=meter.pk).update(quantity=0)  # as if another keeper issued the rest
    client.force_login(keeper)
    response = client.post(f"/tools/kits/{kit.pk}/issue/", {f"issue-tool_{meter.pk}": "1"})
    assert response.status_code == 200
    assert response.context["failed"].errors
    assert ToolKitLine.objects.get(kit=kit, tool=meter).quantity == 1


def test_lost_bought_and_settle_through_the_pages(client, keeper, technician, stocked):
    _meter, crimper, kit = stocked
    client.force_login(keeper)
    response = client.post(f"/tools/kits/{kit.pk}/lost/", {"lost-tool": crimper.pk, "lost-quantity": "1"})
    assert response.status_code == 302
    assert client.post(f"/tools/kits/{kit.pk}/bought/", {"bought-tool": crimper.pk, "bought-quantity": "1",
                                                        "bought-amount": "90"}).status_code == 302
    charges = client.get("/tools/charges/")
    assert "张伟" in text(charges) and "85.00" in text(charges) and "90.00" in text(charges)
    lost = ToolEvent.objects.get(kind="lost")
    response = client.post(f"/tools/events/{lost.pk}/settle/", {f"settle-{lost.pk}-note": "已扣款", "back": "kit"})
    assert response.status_code == 302 and response["Location"] == f"/tools/kits/{kit.pk}/"
    lost.refresh_from_db()
    assert lost.settled_by == keeper and lost.settle_note == "已扣款"
    assert ToolKit.objects.filter(pk=kit.pk).exists()


def test_the_keeper_creates_a_tool_and_a_kit(client, keeper, technician):
    client.force_login(keeper)
    response = client.post("/tools/new/", {"code": "GJ-099", "name": "光功率计", "unit": "台", "unit_price": "420"})
    assert response.status_code == 302
    tool = Tool.objects.get(code="GJ-099")
    assert tool.quantity == 0
    response = client.post("/tools/kits/new/", {"code": "GJB-9", "holder": technician.pk, "issued_on": "2026-03-01"})
    assert response.status_code == 302
    assert ToolKit.objects.get(code="GJB-9").holder == technician


def test_receive_and_scrap_on_the_tool_page(client, keeper, stocked):
    meter, _crimper, kit = stocked
    client.force_login(keeper)
    page = client.get(f"/tools/{meter.pk}/")
    assert 'id="action-receive"' in text(page) and 'id="action-scrap"' not in text(page)
    assert client.post(f"/tools/{meter.pk}/receive/", {"receive-quantity": "4"}).status_code == 302
    services.tool_broken(actor=keeper, kit=kit, tool=meter)
    response = client.post(f"/tools/{meter.pk}/scrap/", {"scrap-quantity": "1"})
    assert response.status_code == 200 and response.context["failed"].errors  # a reason is needed
    assert client.post(f"/tools/{meter.pk}/scrap/", {"scrap-quantity": "1", "scrap-note": "无法修复"}).status_code == 302
    meter.refresh_from_db()
    assert (meter.quantity, meter.broken_quantity) == (5, 0)


@pytest.mark.parametrize("path", ["/tools/", "/tools/kits/", "/tools/charges/"])
def test_list_pages_queries_do_not_grow_with_rows(client, keeper, stocked, path):
    meter, crimper, kit = stocked
    client.force_login(keeper)
    client.get(path)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    few = count()
    services.tool_receive(actor=keeper, tool=crimper, quantity=4)
    for _n in range(4):
        tool = ToolFactory()
        services.tool_receive(actor=keeper, tool=tool, quantity=2)
        other = ToolKitFactory()
        services.tools_issue(actor=keeper, kit=other, lines=[(tool, 1), (crimper, 1)])
        services.tool_lost(actor=keeper, kit=other, tool=tool)
    assert count() == few <= 14
