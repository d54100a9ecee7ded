"""Spares sent to a customer's site (SPEC P4, `004`): leave within 24 hours of the request, arrive within
2 working days of leaving (Chinese statutory calendar); late either way shows. Leaving issues the part."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from aftersales.accounts.roles import Role
from aftersales.catalogue.tests.factories import PartFactory
from aftersales.core.errors import ServiceError
from aftersales.customers.tests.factories import SiteFactory
from aftersales.inventory import dispatch
from aftersales.inventory import services as stock
from aftersales.inventory.models import SpareDispatch, StockMovement
from aftersales.inventory.selectors import stock_on_hand
from aftersales.inventory.tests.factories import StockLocationFactory

pytestmark = pytest.mark.django_db
CN = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CN)


@pytest.fixture
def world(make_user):
    keeper = make_user(Role.PARTS)
    store, part = StockLocationFactory(code="ZX"), PartFactory(code="NVR-PSU")
    stock.stock_receive(actor=keeper, part=part, location=store, quantity=1)
    return {"keeper": keeper, "store": store, "part": part, "site": SiteFactory()}


def ask(world, when):
    return dispatch.spare_dispatch_request(actor=world["keeper"], part=world["part"], quantity=1,
                                           from_location=world["store"], site=world["site"], at=when)


def test_leaving_issues_the_part_and_arriving_closes_the_dispatch(world):
    sent = ask(world, at(2026, 11, 2, 9))
    dispatch.spare_dispatch_leave(actor=world["keeper"], dispatch=sent, carrier="顺丰 SF123", at=at(2026, 11, 2, 15))
    assert stock_on_hand(part=world["part"], location=world["store"]) == 0
    assert StockMovement.objects.get(kind="issue").reference == sent.number
    dispatch.spare_dispatch_arrive(actor=world["keeper"], dispatch=sent, received_by="赵主任", at=at(2026, 11, 3, 10))
    late = dispatch.lateness(SpareDispatch.objects.get(pk=sent.pk), now=at(2026, 11, 20))
    assert not late.late


def test_not_leaving_within_24_hours_is_late_to_leave(world):
    sent = ask(world, at(2026, 11, 2, 9))
    assert not dispatch.lateness(sent, now=at(2026, 11, 3, 9)).left_late  # exactly 24 hours: in time
    assert dispatch.lateness(sent, now=at(2026, 11, 3, 9, 1)).left_late  # still here after 24 hours
    dispatch.spare_dispatch_leave(actor=world["keeper"], dispatch=sent, at=at(2026, 11, 3, 10))
    assert dispatch.lateness(SpareDispatch.objects.get(pk=sent.pk), now=at(2026, 11, 3, 11)).left_late


def test_two_working_days_to_arrive_skip_the_weekend_and_national_day(world):
    # left on Friday 2026-11-06: Monday and Tuesday are the two working days; due by the end of Tuesday
    friday = ask(world, at(2026, 11, 6, 8))
    dispatch.spare_dispatch_leave(actor=world["keeper"], dispatch=friday, at=at(2026, 11, 6, 10))
    friday = SpareDispatch.objects.get(pk=friday.pk)
    assert dispatch.arrive_due(friday) == at(2026, 11, 11, 0, 0)
    assert not dispatch.lateness(friday, now=at(2026, 11, 10, 23, 59)).arrived_late
    assert dispatch.lateness(friday, now=at(2026, 11, 11, 0, 1)).arrived_late
    # left on 2026-09-30: 1-7 October are holidays, so the two working days are 8 and 9 October
    stock.stock_receive(actor=world["keeper"], part=world["part"], location=world["store"], quantity=1)
    holiday = ask(world, at(2026, 9, 30, 8))
    dispatch.spare_dispatch_leave(actor=world["keeper"], dispatch=holiday, at=at(2026, 9, 30, 9))
    assert dispatch.arrive_due(SpareDispatch.objects.get(pk=holiday.pk)) == at(2026, 10, 10, 0, 0)


def test_refusals_change_nothing(world):
    sent = ask(world, at(2026, 11, 2, 9))
    with pytest.raises(ServiceError) as early:
        dispatch.spare_dispatch_arrive(actor=world["keeper"], dispatch=sent, received_by="赵主任")
    assert early.value.code == "not_left"
    other = ask(world, at(2026, 11, 2, 9))
    dispatch.spare_dispatch_leave(actor=world["keeper"], dispatch=sent, at=at(2026, 11, 2, 10))
    with pytest.raises(ServiceError) as short:
        dispatch.spare_dispatch_leave(actor=world["keeper"], dispatch=other, at=at(2026, 11, 2, 10))
    assert short.value.code == "insufficient_stock"
    assert SpareDispatch.objects.get(pk=other.pk).left_at is None
    with pytest.raises(ServiceError) as nobody:
        dispatch.spare_dispatch_arrive(actor=world["keeper"], dispatch=sent, received_by=" ")
    assert nobody.value.code == "received_by"


def test_the_page_shows_what_is_late_and_only_the_store_sends(client, world, make_user):
    sent = ask(world, at(2026, 11, 2, 9))
    client.force_login(world["keeper"])
    page = client.get("/stock/dispatches/").content.decode()
    assert f'id="dispatch-{sent.pk}" data-late="yes"' in page and "late-leave" in page
    answer = client.post(f"/stock/dispatches/{sent.pk}/leave/", {"carrier": "自送"})
    assert answer.status_code == 302 and SpareDispatch.objects.get(pk=sent.pk).left_at is not None
    technician = make_user(Role.TECHNICIAN)
    client.force_login(technician)
    assert client.get("/stock/dispatches/").status_code == 200
    assert client.post(f"/stock/dispatches/{sent.pk}/arrive/", {"received_by": "x"}).status_code == 403
    client.force_login(make_user(Role.CUSTOMER, customer=world["site"].customer))
    assert client.get("/stock/dispatches/").status_code == 403
