"""The list pages and endpoints of returns and depot batches issue a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.aftercare import services

pytestmark = pytest.mark.django_db
PAGES = ["/aftercare/returns/", "/aftercare/depot/", "/aftercare/depot/?view=follow_up"]
ENDPOINTS = ["/api/v1/returns/", "/api/v1/depot-batches/"]


def build(desk, n: int) -> None:
    from aftersales.assets.tests.factories import AssetFactory

    for i in range(n):
        asset = AssetFactory()
        services.return_register(actor=desk, data={
            "customer": asset.customer, "asset": asset, "product_model": asset.product_model,
            "purchased_on": dt.date(2026, 5, 1), "requested_on": dt.date(2026, 5, 3 + i * 5), "receipt_given": True,
            "packaging_intact": True, "fault_description": "黑屏", "wanted": "refund"})
        batch = services.depot_receive(actor=desk, data={"customer": asset.customer, "unit_count": 3 + i})
        services.depot_mark_repaired(actor=desk, batch=batch)
        services.depot_mark_returned(actor=desk, batch=batch)


def count(send) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = send()
    assert response.status_code == 200
    return len(queries)


def test_lists_do_not_grow_with_rows(client, api, desk):
    client.force_login(desk)
    rest = api(desk)
    build(desk, 1)
    for path in PAGES + ENDPOINTS:  # the first requests also load the session and the permissions
        (rest if path.startswith("/api/") else client).get(path)
    few = {p: count(lambda p=p: client.get(p)) for p in PAGES} | {e: count(lambda e=e: rest.get(e)) for e in ENDPOINTS}
    build(desk, 3)
    many = {p: count(lambda p=p: client.get(p)) for p in PAGES} | {e: count(lambda e=e: rest.get(e)) for e in ENDPOINTS}
    assert many == few
