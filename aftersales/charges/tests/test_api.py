"""/api/v1/quotes/, /api/v1/price-rules/, /api/v1/third-party-costs/: the same rules as the services,
and who may do what."""

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.accounts.roles import Role
from aftersales.charges.models import PriceRule
from aftersales.charges.tests.conftest import photo
from aftersales.charges.tests.test_services import _grant_portal
from aftersales.workorders.tests.factories import signature_data_url

pytestmark = pytest.mark.django_db
URL = "/api/v1/quotes/"


def test_a_chargeable_quote_through_the_api(crew, job, api):
    work_order = job(covered=False, parts=[("150", 1)])
    field, manager = api(crew["tech"]), api(crew["manager"])
    opened = field.post(URL, {"work_order": work_order.pk}, format="json")
    assert opened.status_code == 201, opened.content
    body = opened.json()
    assert (body["state"], body["decision"], body["decision_reason"]) == ("draft", "chargeable", "not_covered")
    path = f"{URL}{body['id']}/"
    early = field.post(f"{path}send/", {}, format="json")
    assert early.status_code == 400 and early.json()["code"] == "not_priced"
    assert field.post(f"{path}price/", {"rule": PriceRule.objects.get(code="RATE-004").pk},
                      format="json").status_code == 403
    rule = PriceRule.objects.get(code="RATE-004")
    priced = manager.post(f"{path}price/", {"rule": rule.pk, "person_days": [{"role": "高级开发", "days": "1"}],
                                            "part_prices": [{"part": work_order.used_parts.get().part_id,
                                                             "unit_price": "160.00"}]}, format="json")
    assert priced.status_code == 200, priced.content
    assert (priced.json()["parts_total"], priced.json()["labour_total"], priced.json()["total"]) == (
        "160.00", "1500.00", "1660.00")
    assert field.post(f"{path}send/", {}, format="json").json()["state"] == "quoted"
    accepted = field.post(f"{path}accept/", {"signer_name": "赵主任", "signature": signature_data_url()},
                          format="json")
    assert accepted.status_code == 200, accepted.content
    assert (accepted.json()["state"], accepted.json()["accepted_via"]) == ("accepted", "signature")
    again = field.post(f"{path}decline/", {"reason": "x"}, format="json")
    assert again.status_code == 400


def test_the_portal_customer_sees_and_accepts_only_their_own(crew, job, api, make_user):
    from aftersales.charges.tests.test_services import _quoted

    quote = _quoted(crew, job(covered=False, parts=[("10", 1)]))
    other = _quoted(crew, job(covered=False, parts=[("10", 1)]))
    customer = _grant_portal(make_user(Role.CUSTOMER, customer=quote.work_order.request.customer))
    portal = api(customer)
    listed = portal.get(URL).json()
    assert [row["id"] for row in listed["results"]] == [quote.pk]
    assert "work_order_number" not in listed["results"][0]  # customers do not read work orders
    assert portal.post(f"{URL}{other.pk}/accept/", {}, format="json").status_code == 404
    assert portal.post(URL, {"work_order": quote.work_order_id}, format="json").status_code == 403
    accepted = portal.post(f"{URL}{quote.pk}/accept/", {}, format="json")
    assert accepted.status_code == 200 and accepted.json()["accepted_via"] == "portal"


def test_dealers_and_staff_without_the_permission_are_refused(crew, job, api, make_user):
    quote_id = api(crew["tech"]).post(URL, {"work_order": job(covered=False).pk}, format="json").json()["id"]
    from aftersales.dealers.tests.factories import DealerFactory

    dealer = make_user(Role.DEALER, dealer=DealerFactory())
    assert api(dealer).get(URL).status_code == 403
    assert api(crew["keeper"]).post(f"{URL}{quote_id}/send/", {}, format="json").status_code == 403
    assert api(crew["keeper"]).get(f"{URL}{quote_id}/").status_code == 200  # every member of staff reads
    assert api(crew["finance"]).post(f"{URL}{quote_id}/price/", {"rule": 1}, format="json").status_code == 403


def test_mark_misuse_through_the_api(crew, job, api):
    work_order = job(covered=True)
    field = api(crew["tech"])
    opened = field.post(URL, {"work_order": work_order.pk}, format="json").json()
    assert opened["state"] == "free"
    refused = field.post(f"{URL}mark-misuse/", {"work_order": work_order.pk, "description": "进水"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "photo_required"
    photo(work_order, crew["tech"])
    marked = field.post(f"{URL}mark-misuse/", {"work_order": work_order.pk, "description": "进水"}, format="json")
    assert marked.status_code == 201, marked.content
    assert (marked.json()["state"], marked.json()["decision_reason"]) == ("draft", "misuse")


def test_price_rules_are_the_service_managers(crew, api):
    body = {"code": "HR-002", "name": "按小时（封顶）", "kind": "hourly_capped", "labour_rate": "10.00",
            "labour_cap": "80.00"}
    assert api(crew["tech"]).post("/api/v1/price-rules/", body, format="json").status_code == 403
    created = api(crew["manager"]).post("/api/v1/price-rules/", body, format="json")
    assert created.status_code == 201, created.content
    listed = api(crew["tech"]).get("/api/v1/price-rules/").json()["results"]
    card = next(row for row in listed if row["code"] == "RATE-004")
    assert len(card["rate_lines"]) == 8


def test_third_party_costs_through_the_api(crew, job, api):
    request = job(covered=False).request
    body = {"request": request.pk, "amount": "1200.00", "incurred_on": dt.date.today().isoformat(),
            "invoice_ref": "FP-9", "note": "客户自行请第三方维修"}
    assert api(crew["tech"]).post("/api/v1/third-party-costs/", body, format="json").status_code == 403
    created = api(crew["finance"]).post("/api/v1/third-party-costs/", body, format="json")
    assert created.status_code == 201, created.content
    assert Decimal(created.json()["amount"]) == Decimal("1200.00") and created.json()["recorded_by"] == \
        crew["finance"].pk


def test_opening_a_quote_twice_gives_the_same_one(crew, job, api):
    work_order = job(covered=False)
    first = api(crew["tech"]).post(URL, {"work_order": work_order.pk}, format="json")
    again = api(crew["desk"]).post(URL, {"work_order": work_order.pk}, format="json")
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
