"""W8: after 3 repairs of the same part the next repair proposes replacing the part; after 3 repairs of
the unit, replacing the unit. The thresholds are the policy's."""

from __future__ import annotations

import pytest

from aftersales.aftercare.selectors import asset_repair_advice
from aftersales.aftercare.services import policy_update
from aftersales.catalogue.tests.factories import PartFactory

pytestmark = pytest.mark.django_db


def kinds(asset):
    return [(a.kind, a.part.code if a.part else None, a.count) for a in asset_repair_advice(asset)]


def test_two_repairs_propose_nothing_the_third_proposes_replacing(asset, repair):
    board = PartFactory(code="PWR-01", name="电源板")
    repair(parts=[board])
    repair(parts=[board])
    assert kinds(asset) == []
    repair(parts=[board])
    assert kinds(asset) == [("unit", None, 3), ("part", "PWR-01", 3)]


def test_only_done_work_orders_count(asset, repair):
    board = PartFactory()
    repair(parts=[board])
    repair(parts=[board])
    repair(parts=[board], state="void")
    repair(parts=[board], state="planned")
    assert kinds(asset) == []


def test_two_visits_on_one_request_are_one_repair(asset, repair):
    first = repair()
    repair(request=first.request)
    repair()
    assert kinds(asset) == []
    repair()
    assert kinds(asset) == [("unit", None, 3)]


def test_parts_are_counted_each_on_their_own(asset, repair):
    fan, board = PartFactory(code="FAN"), PartFactory(code="BRD")
    repair(parts=[fan, board])
    repair(parts=[fan])
    assert kinds(asset) == []
    repair(parts=[board])  # the unit's third repair; the fan twice, the board twice
    assert kinds(asset) == [("unit", None, 3)]


def test_another_units_repairs_do_not_count(asset, repair):
    from aftersales.assets.tests.factories import AssetFactory

    board = PartFactory()
    for _ in range(3):
        repair(parts=[board])
    assert kinds(AssetFactory()) == []


def test_thresholds_are_configurable(asset, repair, manager):
    board = PartFactory(code="B1")
    repair(parts=[board])
    repair()
    assert kinds(asset) == []
    policy_update(actor=manager, data={"part_repair_threshold": 1, "unit_repair_threshold": 2})
    assert kinds(asset) == [("unit", None, 2), ("part", "B1", 1)]


def test_the_asset_page_shows_the_advice_to_staff(asset, repair, client, desk):
    from django.template import Context, Template
    from django.test import RequestFactory

    board = PartFactory(code="PWR-9", name="电源板")
    for _ in range(3):
        repair(parts=[board])
    request = RequestFactory().get("/")
    request.user = desk
    html = Template("{% load aftercare %}{% repair_advice asset %}").render(Context({"asset": asset,
                                                                                     "request": request}))
    assert 'data-advice="unit"' in html and 'data-part="PWR-9"' in html
