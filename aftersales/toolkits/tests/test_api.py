"""The tool API: tools and kits as records, the kit's events as actions (the same rules as the
services), events read-only with the open charges settled once; staff read, the store writes,
customers get nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.roles import Role
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.toolkits import services
from aftersales.toolkits.models import Tool, ToolEvent, ToolKitLine

from .factories import ToolFactory, ToolKitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper(make_user):
    return make_user(Role.PARTS)


@pytest.fixture
def technician(make_user):
    return make_user(Role.TECHNICIAN)


@pytest.fixture
def stocked(keeper, technician):
    meter = ToolFactory(code="WYB", name="万用表", unit_price=Decimal("680.00"))
    crimper = ToolFactory(code="WXQ", name="网线钳", unit_price=Decimal("85.00"))
    services.tool_receive(actor=keeper, tool=meter, quantity=3)
    services.tool_receive(actor=keeper, tool=crimper, quantity=5)
    kit = ToolKitFactory(code="GJB-1", holder=technician)
    return meter, crimper, kit


def post(client, path, body=None):
    return client.post(path, body or {}, format="json")


def test_keeper_issues_tools_and_the_kit_shows_its_lines_and_value(api, keeper, stocked):
    meter, crimper, kit = stocked
    response = post(api(keeper), f"/api/v1/tool-kits/{kit.pk}/issue/", {
        "lines": [{"tool": meter.pk, "quantity": 1}, {"tool": crimper.pk, "quantity": 2}], "reference": "LY-1"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [(line["tool_code"], line["quantity"]) for line in body["lines"]] == [("WXQ", 2), ("WYB", 1)]
    assert body["value"] == "850.00" and body["owed"] == "0.00"
    tools = {t["code"]: t for t in api(keeper).get("/api/v1/tools/").json()["results"]}
    assert (tools["WYB"]["quantity"], tools["WYB"]["in_kits"]) == (2, 1)


def test_issuing_more_than_in_store_is_400_with_the_code_and_nothing_moves(api, keeper, stocked):
    meter, crimper, kit = stocked
    response = post(api(keeper), f"/api/v1/tool-kits/{kit.pk}/issue/", {
        "lines": [{"tool": crimper.pk, "quantity": 1}, {"tool": meter.pk, "quantity": 4}]})
    assert response.status_code == 400
    assert response.json()["code"] == "insufficient_store" and response.json()["quantity"]
    assert not ToolKitLine.objects.exists() and Tool.objects.get(pk=crimper.pk).quantity == 5


def test_return_more_than_held_is_400(api, keeper, stocked):
    meter, _crimper, kit = stocked
    services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 1)])
    response = post(api(keeper), f"/api/v1/tool-kits/{kit.pk}/return/", {"lines": [{"tool": meter.pk, "quantity": 2}]})
    assert response.status_code == 400 and response.json()["code"] == "not_held"
    response = post(api(keeper), f"/api/v1/tool-kits/{kit.pk}/return/", {"lines": [{"tool": meter.pk, "quantity": 1}]})
    assert response.status_code == 200 and response.json()["lines"] == []


def test_lost_broken_bought_through_the_api_and_the_open_charges(api, keeper, technician, stocked):
    meter, crimper, kit = stocked
    client = api(keeper)
    services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 1), (crimper, 1)])
    assert post(client, f"/api/v1/tool-kits/{kit.pk}/lost/", {"tool": crimper.pk}).json()["owed"] == "85.00"
    broken = post(client, f"/api/v1/tool-kits/{kit.pk}/broken/", {"tool": meter.pk, "note": "摔坏"})
    assert broken.status_code == 200 and [line["quantity"] for line in broken.json()["lines"]] == [1]
    bought = post(client, f"/api/v1/tool-kits/{kit.pk}/bought/", {"tool": crimper.pk, "amount": "92.00"})
    assert bought.json()["to_repay"] == "92.00"
    charges = client.get("/api/v1/tool-events/", {"unsettled": "true", "holder": technician.pk}).json()["results"]
    assert sorted((c["kind"], c["amount"]) for c in charges) == [("bought", "92.00"), ("lost", "85.00")]
    assert {c["holder_name"] for c in charges} == {str(technician)}
    meter_now = client.get(f"/api/v1/tools/{meter.pk}/").json()
    assert (meter_now["quantity"], meter_now["broken_quantity"]) == (1, 1)


def test_lost_without_a_price_needs_an_amount(api, keeper, stocked):
    _meter, _crimper, kit = stocked
    ladder = ToolFactory(code="TZ", unit_price=Decimal("0"))
    services.tool_receive(actor=keeper, tool=ladder, quantity=1)
    services.tools_issue(actor=keeper, kit=kit, lines=[(ladder, 1)])
    response = post(api(keeper), f"/api/v1/tool-kits/{kit.pk}/lost/", {"tool": ladder.pk})
    assert response.status_code == 400
    assert response.json()["code"] == "amount_required" and response.json()["amount"]
    response = post(api(keeper), f"/api/v1/tool-kits/{kit.pk}/lost/", {"tool": ladder.pk, "amount": "300"})
    assert response.status_code == 200 and response.json()["owed"] == "300.00"


def test_settle_once_then_already_settled(api, keeper, stocked):
    _meter, crimper, kit = stocked
    services.tools_issue(actor=keeper, kit=kit, lines=[(crimper, 1)])
    lost = services.tool_lost(actor=keeper, kit=kit, tool=crimper)
    response = post(api(keeper), f"/api/v1/tool-events/{lost.pk}/settle/", {"note": "工资扣除"})
    assert response.status_code == 200
    assert response.json()["settled_by"] == keeper.pk and response.json()["settle_note"] == "工资扣除"
    again = post(api(keeper), f"/api/v1/tool-events/{lost.pk}/settle/")
    assert again.status_code == 400 and again.json()["code"] == "already_settled"


def test_receive_and_scrap_on_a_tool(api, keeper, stocked):
    meter, _crimper, kit = stocked
    response = post(api(keeper), f"/api/v1/tools/{meter.pk}/receive/", {"quantity": 2, "reference": "CG-2"})
    assert response.status_code == 200 and response.json()["quantity"] == 5
    response = post(api(keeper), f"/api/v1/tools/{meter.pk}/scrap/", {"quantity": 1, "note": "报废"})
    assert response.status_code == 400 and response.json()["code"] == "insufficient_broken"


def test_counts_are_read_only_through_the_record_routes(api, keeper, stocked):
    meter, _crimper, _kit = stocked
    response = api(keeper).patch(f"/api/v1/tools/{meter.pk}/", {"quantity": 99, "name": "数字万用表"}, format="json")
    assert response.status_code == 200
    assert response.json()["quantity"] == 3 and response.json()["name"] == "数字万用表"


def test_archiving_a_kit_that_holds_tools_is_refused(api, keeper, stocked):
    meter, _crimper, kit = stocked
    services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 1)])
    response = post(api(keeper), f"/api/v1/tool-kits/{kit.pk}/archive/")
    assert response.status_code == 400 and response.json()["code"] == "kit_not_empty"
    response = post(api(keeper), f"/api/v1/tools/{meter.pk}/archive/")
    assert response.status_code == 400 and response.json()["code"] == "tool_in_kits"


@pytest.mark.parametrize("body", [
    {"lines": []}, {"lines": [{"tool": 1, "quantity": "2"}]}, {"lines": [{"tool": "x", "quantity": 1}]},
    {"lines": [{"tool": 1, "quantity": 0}]}, {"lines": "x"}, {}])
def test_bad_bodies_are_400(api, keeper, stocked, body):
    _meter, _crimper, kit = stocked
    assert post(api(keeper), f"/api/v1/tool-kits/{kit.pk}/issue/", body).status_code == 400


def test_a_technician_sees_the_kits_and_events_but_records_nothing(api, technician, stocked):
    meter, _crimper, kit = stocked
    client = api(technician)
    mine = client.get("/api/v1/tool-kits/", {"mine": "true"}).json()["results"]
    assert [k["code"] for k in mine] == ["GJB-1"]
    assert client.get("/api/v1/tool-events/").status_code == 200
    for path, body in [(f"/api/v1/tool-kits/{kit.pk}/issue/", {"lines": [{"tool": meter.pk, "quantity": 1}]}),
                       (f"/api/v1/tool-kits/{kit.pk}/lost/", {"tool": meter.pk}),
                       (f"/api/v1/tools/{meter.pk}/receive/", {"quantity": 1}),
                       ("/api/v1/tools/", {"code": "X", "name": "X"}),
                       (f"/api/v1/tool-events/{ToolEvent.objects.first().pk}/settle/", {})]:
        assert post(client, path, body).status_code == 403, path
    assert not ToolKitLine.objects.exists()


def test_a_customer_user_reads_nothing(api, make_user, stocked):
    _meter, _crimper, kit = stocked
    client = api(make_user(Role.CUSTOMER, customer=CustomerFactory()))
    for path in ("/api/v1/tools/", "/api/v1/tool-kits/", f"/api/v1/tool-kits/{kit.pk}/", "/api/v1/tool-events/"):
        assert client.get(path).status_code == 403, path


def test_kit_list_queries_do_not_grow_with_kits(api, keeper, stocked):
    meter, crimper, _kit = stocked
    client = api(keeper)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/tool-kits/").status_code == 200
        return len(queries)

    few = count()
    for _ in range(4):
        kit = ToolKitFactory()
        services.tool_receive(actor=keeper, tool=meter, quantity=1)
        services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 1)])
    assert count() == few <= 8
