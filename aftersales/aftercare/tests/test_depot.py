"""Depot repairs (SPEC §4, `001`): the due date follows the batch size; after the units go back a
follow-up is due within 3 days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from aftersales.aftercare import services
from aftersales.aftercare.choices import DepotState
from aftersales.aftercare.selectors import (
    depot_follow_ups_late,
    depot_late_q,
    depot_list,
)
from aftersales.core.errors import ServiceError

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)  # no holiday in that week


@pytest.fixture
def customer(db):
    from aftersales.customers.tests.factories import CustomerFactory

    return CustomerFactory()


def receive(actor, customer, units, **kw):
    return services.depot_receive(actor=actor, data={"customer": customer, "unit_count": units,
                                                      "received_at": MONDAY, **kw})


def always_open_default():
    from aftersales.service.models import ServiceLevel

    level = ServiceLevel.objects.get(is_default=True)
    return level.calendar.always_open


@pytest.mark.parametrize("units,days", [(10, 1), (11, 2), (20, 2), (21, 3)])
def test_the_due_date_follows_the_batch_size(desk, customer, units, days):
    batch = receive(desk, customer, units)
    assert batch.due_on == MONDAY.date() + dt.timedelta(days=days)  # Monday + 1..3 days: working days either way
    assert batch.state == DepotState.RECEIVED and batch.received_by == desk


def test_the_steps_are_configurable(desk, manager, customer):
    services.policy_update(actor=manager, data={"depot_units_per_step": 5, "depot_days_per_step": 2})
    assert receive(desk, customer, 6).due_on == MONDAY.date() + dt.timedelta(days=4)


def test_a_batch_received_on_friday_counts_working_days(desk, customer):
    friday = dt.datetime(2026, 6, 5, 16, 0, tzinfo=SHANGHAI)
    batch = services.depot_receive(actor=desk, data={"customer": customer, "unit_count": 11, "received_at": friday})
    expected = dt.date(2026, 6, 7) if always_open_default() else dt.date(2026, 6, 9)
    assert batch.due_on == expected


def test_serial_numbers_must_match_the_units(desk, customer):
    with pytest.raises(ServiceError) as refused:
        receive(desk, customer, 3, serial_numbers="A1\nA2")
    assert refused.value.field == "serial_numbers"
    assert receive(desk, customer, 2, serial_numbers="A1\nA2\n").serial_list() == ["A1", "A2"]


def test_the_follow_up_is_due_three_days_after_the_return(desk, customer):
    batch = receive(desk, customer, 4)
    with pytest.raises(ServiceError):
        services.depot_mark_returned(actor=desk, batch=batch)  # not repaired yet
    services.depot_mark_repaired(actor=desk, batch=batch)
    returned_at = dt.datetime(2026, 6, 3, 15, 0, tzinfo=SHANGHAI)
    batch = services.depot_mark_returned(actor=desk, batch=batch, at=returned_at)
    assert batch.state == DepotState.RETURNED and batch.follow_up_due == dt.date(2026, 6, 6)
    with pytest.raises(ServiceError):
        services.depot_follow_up(actor=desk, batch=batch, note="")
    batch = services.depot_follow_up(actor=desk, batch=batch, note="客户满意")
    assert batch.follow_up_at is not None and batch.follow_up_by == desk
    with pytest.raises(ServiceError) as twice:
        services.depot_follow_up(actor=desk, batch=batch, note="再次")
    assert twice.value.code == "followed_up"


def test_overdue_lists(desk, customer):
    late = receive(desk, customer, 1)
    done = receive(desk, customer, 1)
    services.depot_mark_repaired(actor=desk, batch=done)
    services.depot_mark_returned(actor=desk, batch=done, at=MONDAY)
    today = dt.date(2026, 6, 10)
    assert list(depot_late_q(depot_list(actor=desk, today=today), today)) == [late]
    assert list(depot_follow_ups_late(actor=desk, today=today)) == [done]
    assert list(depot_follow_ups_late(actor=desk, today=dt.date(2026, 6, 4))) == []


def test_only_those_who_work_requests_receive_and_move_batches(make_user, desk, customer):
    with pytest.raises(PermissionDenied):
        receive(make_user("general_manager"), customer, 1)
    batch = receive(desk, customer, 1)
    with pytest.raises(PermissionDenied):
        services.depot_mark_repaired(actor=make_user("finance"), batch=batch)
