"""The pages: returns with the conditions table and the general manager's decision, depot batches with
due dates in red, the policy figures."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.aftercare import services
from aftersales.aftercare.choices import ReturnState

pytestmark = pytest.mark.django_db


def test_the_return_page_shows_the_conditions_and_the_decision_to_the_gm_only(client, desk, gm, return_data):
    ret = services.return_register(actor=desk, data=return_data(packaging_intact=False))
    client.force_login(desk)
    page = client.get(f"/aftercare/returns/{ret.pk}/").content.decode()
    assert 'data-check="packaging" data-passed="0"' in page and 'id="customer-pays"' in page
    ok = services.return_register(actor=desk, data=return_data())
    assert 'id="decision"' not in client.get(f"/aftercare/returns/{ok.pk}/").content.decode()
    assert client.post(f"/aftercare/returns/{ok.pk}/approve/", {}).status_code == 403
    client.force_login(gm)
    assert 'id="decision"' in client.get(f"/aftercare/returns/{ok.pk}/").content.decode()
    response = client.post(f"/aftercare/returns/{ok.pk}/refuse/", {"refuse-reason": ""})
    assert response.status_code == 200
    response = client.post(f"/aftercare/returns/{ok.pk}/approve/", {"approve-note": "同意"})
    assert response.status_code == 302
    ok.refresh_from_db()
    assert ok.state == ReturnState.APPROVED


def test_register_a_return_on_the_page(client, desk, return_data):
    data = return_data()
    client.force_login(desk)
    assert client.get("/aftercare/returns/new/").status_code == 200
    response = client.post("/aftercare/returns/new/", {
        "customer": data["customer"].pk, "asset": data["asset"].pk, "product_model": data["product_model"].pk,
        "serial_number": "", "purchased_on": "2026-05-10", "requested_on": "2026-05-20", "receipt_given": "on",
        "packaging_intact": "on", "fault_description": "黑屏", "wanted": "exchange"})
    assert response.status_code == 302
    listing = client.get("/aftercare/returns/").content.decode()
    assert 'data-state="rejected"' in listing


def test_the_gm_may_not_register(client, gm):
    client.force_login(gm)
    assert client.get("/aftercare/returns/new/").status_code == 403


def test_late_batches_are_red_and_follow_ups_listed(client, desk):
    from aftersales.customers.tests.factories import CustomerFactory

    customer = CustomerFactory()
    old = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    services.depot_receive(actor=desk, data={"customer": customer, "unit_count": 3, "received_at": old})
    done = services.depot_receive(actor=desk, data={"customer": customer, "unit_count": 1, "received_at": old})
    services.depot_mark_repaired(actor=desk, batch=done)
    services.depot_mark_returned(actor=desk, batch=done, at=old)
    client.force_login(desk)
    page = client.get("/aftercare/depot/").content.decode()
    assert 'data-late="1"' in page and 'id="late-notice"' in page and 'id="follow-notice"' in page
    follow = client.get("/aftercare/depot/?view=follow_up").content.decode()
    assert str(done) in follow and follow.count('data-state="returned"') == 1
    detail = client.get(f"/aftercare/depot/{done.pk}/").content.decode()
    assert 'id="follow-up-form"' in detail
    response = client.post(f"/aftercare/depot/{done.pk}/follow-up/", {"follow-note": "满意"})
    assert response.status_code == 302


def test_the_policy_page(client, desk, manager):
    client.force_login(desk)
    assert 'data-figure="unit_repair_threshold"' in client.get("/aftercare/policy/").content.decode()
    assert client.get("/aftercare/policy/edit/").status_code == 403
    client.force_login(manager)
    response = client.post("/aftercare/policy/edit/", {
        "part_repair_threshold": 4, "unit_repair_threshold": 5, "return_days": 7, "depot_units_per_step": 10,
        "depot_days_per_step": 1, "follow_up_days": 3})
    assert response.status_code == 302
    from aftersales.aftercare.selectors import policy_get

    assert policy_get().unit_repair_threshold == 5


def test_the_demo_rows(desk, gm):
    from aftersales.aftercare.demo import demo_aftercare
    from aftersales.aftercare.models import ReturnRequest
    from aftersales.assets.tests.factories import AssetFactory

    for _ in range(4):
        AssetFactory()
    counts = demo_aftercare(desk=desk, gm=gm, today=dt.date.today())
    assert counts == {"returns": 4, "depot batches": 3}
    assert sorted(ReturnRequest.objects.values_list("state", flat=True)) == [
        "approved", "rejected", "rejected", "submitted"]
