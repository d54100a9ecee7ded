"""Fixtures of the after-sales policy tests: people by role, a unit with its repairs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from aftersales.accounts.roles import Role


@pytest.fixture
def desk(make_user):
    return make_user(Role.DESK)


@pytest.fixture
def gm(make_user):
    return make_user(Role.GENERAL_MANAGER)


@pytest.fixture
def manager(make_user):
    """A service manager who may change the policy figures (see the roles snippet of the report)."""
    user = make_user(Role.SERVICE_MANAGER)
    user.user_permissions.add(Permission.objects.get(codename="change_policysetting"))
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def asset(db):
    from aftersales.assets.tests.factories import AssetFactory

    return AssetFactory()


@pytest.fixture
def repair(asset):
    """repair(parts=[...], state="done") -> a service request of the unit with one work order in that state,
    using those parts."""
    from aftersales.accounts.tests.factories import UserFactory
    from aftersales.inventory.tests.factories import (
        StockLocationFactory,
        StockMovementFactory,
    )
    from aftersales.service.tests.factories import ServiceRequestFactory
    from aftersales.workorders.models import UsedPart, WorkOrder
    from aftersales.workorders.tests.factories import WorkOrderFactory

    tech = UserFactory(roles=[Role.TECHNICIAN])
    store = StockLocationFactory()

    def make(parts=(), state="done", request=None):
        request = request or ServiceRequestFactory(customer=asset.customer, site=asset.site, asset=asset)
        order = WorkOrderFactory(request=request, technician=tech)
        WorkOrder.objects.filter(pk=order.pk).update(state=state, void_reason="作废" if state == "void" else "")
        for part in parts:
            issue = StockMovementFactory(kind="issue", part=part, from_location=store, to_location=None, quantity=1,
                                         actor=tech)
            UsedPart.objects.create(work_order=order, part=part, quantity=1, issue=issue, added_by=tech)
        return order

    return make


@pytest.fixture
def return_data(asset):
    """return_data(**overrides) -> the fields of a return that meets every condition of W10."""

    def make(**overrides):
        today = dt.date(2026, 5, 20)
        data = {"customer": asset.customer, "asset": asset, "product_model": asset.product_model,
                "serial_number": asset.serial_number, "purchased_on": today - dt.timedelta(days=7),
                "requested_on": today, "receipt_given": True, "packaging_intact": True, "fault_by_people": False,
                "fault_description": "屏幕花屏，无法显示", "wanted": "exchange"}
        data.update(overrides)
        return data

    return make
