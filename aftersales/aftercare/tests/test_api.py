"""/api/v1/returns/ and /api/v1/depot-batches/: who may do what, and the rules through the API."""

from __future__ import annotations

import pytest

from aftersales.aftercare.choices import ReturnState

pytestmark = pytest.mark.django_db


def return_body(asset, **overrides):
    body = {"customer": asset.customer_id, "asset": asset.pk, "product_model": asset.product_model_id,
            "purchased_on": "2026-05-13", "requested_on": "2026-05-20", "receipt_given": True,
            "packaging_intact": True, "fault_by_people": False, "fault_description": "不开机", "wanted": "refund"}
    body.update(overrides)
    return body


def test_register_then_the_general_manager_approves(api, desk, gm, asset):
    created = api(desk).post("/api/v1/returns/", return_body(asset), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["state"] == ReturnState.SUBMITTED and data["serial_number"] == asset.serial_number
    assert [c["passed"] for c in data["conditions"]] == [True, True, True, True]
    url = f"/api/v1/returns/{data['id']}/approve/"
    assert api(desk).post(url, {}, format="json").status_code == 403
    approved = api(gm).post(url, {"note": "同意退款"}, format="json")
    assert approved.status_code == 200 and approved.json()["state"] == ReturnState.APPROVED
    again = api(gm).post(url, {}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "already_decided"


def test_a_return_outside_the_rules_is_refused_with_each_reason(api, desk, asset):
    created = api(desk).post("/api/v1/returns/", return_body(asset, purchased_on="2026-05-01", receipt_given=False),
                             format="json")
    data = created.json()
    assert data["state"] == ReturnState.REJECTED and data["customer_bears_cost"] is True
    assert data["failed_checks"] == ["within_days", "receipt"]
    assert {c["code"]: c["passed"] for c in data["conditions"]}["receipt"] is False


def test_refuse_needs_a_reason(api, desk, gm, asset):
    pk = api(desk).post("/api/v1/returns/", return_body(asset), format="json").json()["id"]
    assert api(gm).post(f"/api/v1/returns/{pk}/refuse/", {}, format="json").status_code == 400
    refused = api(gm).post(f"/api/v1/returns/{pk}/refuse/", {"reason": "人为损坏"}, format="json")
    assert refused.json()["state"] == ReturnState.REFUSED and refused.json()["customer_bears_cost"]


def test_the_general_manager_does_not_register_and_customers_see_nothing(api, gm, make_user, asset, desk):
    assert api(gm).post("/api/v1/returns/", return_body(asset), format="json").status_code == 403
    api(desk).post("/api/v1/returns/", return_body(asset), format="json")
    customer = make_user("customer", customer=asset.customer)
    assert api(customer).get("/api/v1/returns/").status_code == 403
    assert api(customer).get("/api/v1/depot-batches/").status_code == 403
    assert api(gm).get("/api/v1/returns/").json()["count"] == 1


def test_depot_batch_through_its_states(api, desk, gm, asset):
    created = api(desk).post("/api/v1/depot-batches/", {"customer": asset.customer_id, "unit_count": 21,
                                                         "received_at": "2026-06-01T10:00:00+08:00"}, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["due_on"] == "2026-06-04" and data["state"] == "received"
    base = f"/api/v1/depot-batches/{data['id']}"
    assert api(gm).post(f"{base}/repaired/", {}, format="json").status_code == 403
    assert api(desk).post(f"{base}/returned/", {}, format="json").status_code == 400
    assert api(desk).post(f"{base}/repaired/", {}, format="json").status_code == 200
    returned = api(desk).post(f"{base}/returned/", {"at": "2026-06-03T09:00:00+08:00"}, format="json")
    assert returned.json()["follow_up_due"] == "2026-06-06"
    done = api(desk).post(f"{base}/follow-up/", {"note": "客户满意"}, format="json")
    assert done.status_code == 200 and done.json()["follow_up_at"]


def test_records_are_never_deleted_nor_changed(api, desk, asset):
    pk = api(desk).post("/api/v1/returns/", return_body(asset), format="json").json()["id"]
    assert api(desk).delete(f"/api/v1/returns/{pk}/").status_code == 405
    assert api(desk).patch(f"/api/v1/returns/{pk}/", {"wanted": "exchange"}, format="json").status_code == 405
