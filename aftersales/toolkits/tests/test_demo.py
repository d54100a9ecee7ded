"""The demo tool store: a kit per technician, and one of each thing that happens to tools."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import UserFactory
from aftersales.toolkits import selectors
from aftersales.toolkits.demo import demo_toolkits
from aftersales.toolkits.models import ToolEvent, ToolKit

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_kit_per_technician_and_every_kind_of_event():
    keeper = UserFactory(roles=[Role.PARTS])
    technicians = [UserFactory(roles=[Role.TECHNICIAN]) for _ in range(3)] + [
        UserFactory(roles=[Role.SENIOR_ENGINEER])]
    counts = demo_toolkits(keeper=keeper, technicians=technicians, today=timezone.localdate())
    assert counts == {"tools": 12, "tool kits": 4}
    assert {k.holder_id for k in ToolKit.objects.all()} == {t.pk for t in technicians}
    assert set(ToolEvent.objects.values_list("kind", flat=True)) == {"receipt", "issue", "lost", "broken", "bought"}
    owed = {(e.kind, e.amount) for e in ToolEvent.objects.unsettled()}
    assert owed == {("lost", Decimal("60.00")), ("bought", Decimal("380.00"))}
    assert ToolEvent.objects.filter(kind="lost", settled_at__isnull=False).count() == 1
    assert selectors.counts_stored() == selectors.counts_from_events()
    assert all(t.quantity >= 0 for t in selectors.tool_list(actor=keeper))
