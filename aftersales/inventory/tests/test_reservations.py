"""Reservations for planned work orders (SPEC P1): reserved stock is kept from other work, collected
into the technician's van, released by hand or when the work order ends; the reorder list counts
it; pages and API; and reservations at once never promise one unit twice (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import UserFactory
from aftersales.catalogue.tests.factories import PartFactory
from aftersales.core.errors import ServiceError
from aftersales.inventory import reservations, selectors, services
from aftersales.inventory.choices import Condition, ReservationState
from aftersales.inventory.models import StockBalance, StockReservation
from aftersales.workorders import services as work
from aftersales.workorders.choices import WorkOrderState
from aftersales.workorders.tests.factories import WorkOrderFactory

from .factories import StockLocationFactory, VanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper():
    return UserFactory(roles=[Role.PARTS])


@pytest.fixture
def desk():
    return UserFactory(roles=[Role.DESK])


@pytest.fixture
def stocked(keeper):
    part = PartFactory(code="DVR-8", name="八路硬盘录像机")
    store = StockLocationFactory(code="ZX", name="中心库", kind="central")
    services.stock_receive(actor=keeper, part=part, location=store, quantity=5)
    return part, store


@pytest.fixture
def job(desk):
    technician = UserFactory(roles=[Role.TECHNICIAN], display_name="王师傅")
    van = VanFactory(code="VAN-W", holder=technician)
    return WorkOrderFactory(actor=desk, technician=technician), van


def row(part, store) -> StockBalance:
    return StockBalance.objects.get(part=part, location=store, condition=Condition.GOOD)


def test_reserved_stock_is_kept_from_other_work_and_the_refusal_says_what_is_free(desk, keeper, stocked, job):
    part, store = stocked
    work_order, _van = job
    reservations.reservation_create(actor=desk, work_order=work_order, part=part, location=store, quantity=3)
    assert (row(part, store).quantity, row(part, store).reserved, row(part, store).free) == (5, 3, 2)
    services.stock_issue(actor=keeper, part=part, location=store, quantity=2, reference="SR-1")
    with pytest.raises(ServiceError) as refused:
        services.stock_issue(actor=keeper, part=part, location=store, quantity=1, reference="SR-2")
    assert refused.value.code == "reserved_stock"
    assert "只有 0" in refused.value.message and "预留" in refused.value.message
    assert row(part, store).quantity == 3  # nothing taken


def test_reserving_more_than_is_free_is_refused_and_changes_nothing(desk, stocked, job):
    part, store = stocked
    work_order, _van = job
    reservations.reservation_create(actor=desk, work_order=work_order, part=part, location=store, quantity=4)
    other = WorkOrderFactory(actor=desk)
    with pytest.raises(ServiceError) as refused:
        reservations.reservation_create(actor=desk, work_order=other, part=part, location=store, quantity=2)
    assert refused.value.code == "not_available" and refused.value.params["free"] == 1
    assert row(part, store).reserved == 4
    assert StockReservation.objects.count() == 1


def test_reservations_are_made_in_stores_for_work_still_to_do(desk, stocked, job):
    part, store = stocked
    work_order, van = job
    with pytest.raises(ServiceError) as refused:
        reservations.reservation_create(actor=desk, work_order=work_order, part=part, location=van, quantity=1)
    assert refused.value.code == "van"
    work.workorder_void(work_order=work_order, actor=desk, reason="重复派工")
    with pytest.raises(ServiceError) as refused:
        reservations.reservation_create(actor=desk, work_order=work_order, part=part, location=store, quantity=1)
    assert refused.value.code == "work_order_closed"
    for quantity in (0, -1, "2", True):
        with pytest.raises(ServiceError):
            reservations.reservation_create(actor=desk, work_order=WorkOrderFactory(actor=desk), part=part,
                                            location=store, quantity=quantity)
    assert row(part, store).reserved == 0


def test_collecting_moves_the_reserved_units_into_the_technicians_van(desk, keeper, stocked, job):
    part, store = stocked
    work_order, van = job
    held = reservations.reservation_create(actor=desk, work_order=work_order, part=part, location=store, quantity=5)
    done = reservations.reservation_collect(actor=keeper, reservation=held)
    assert done.state == ReservationState.COLLECTED and done.movement.to_location == van
    assert done.movement.reference == work_order.number
    assert (row(part, store).quantity, row(part, store).reserved) == (0, 0)
    assert row(part, van).quantity == 5
    with pytest.raises(ServiceError) as refused:
        reservations.reservation_collect(actor=keeper, reservation=done)
    assert refused.value.code == "not_held"
    assert selectors.stock_stored() == selectors.stock_from_movements()


def test_releasing_needs_a_reason_and_frees_the_units(desk, keeper, stocked, job):
    part, store = stocked
    work_order, _van = job
    held = reservations.reservation_create(actor=desk, work_order=work_order, part=part, location=store, quantity=5)
    with pytest.raises(ServiceError) as refused:
        reservations.reservation_release(actor=desk, reservation=held, reason=" ")
    assert refused.value.code == "reason_required" and row(part, store).reserved == 5
    reservations.reservation_release(actor=desk, reservation=held, reason="客户改期")
    held.refresh_from_db()
    assert held.state == ReservationState.RELEASED and held.close_reason == "客户改期" and held.closed_by == desk
    assert row(part, store).reserved == 0
    services.stock_issue(actor=keeper, part=part, location=store, quantity=5, reference="SR-9")


def test_a_work_order_that_ends_or_is_void_releases_what_it_held_and_a_moved_job_takes_it_along(desk, stocked, job):
    part, store = stocked
    work_order, _van = job
    reservations.reservation_create(actor=desk, work_order=work_order, part=part, location=store, quantity=2)
    moved = work.workorder_move(work_order=work_order, actor=desk, reason="改派")
    assert list(moved.reservations.values_list("state", flat=True)) == [ReservationState.HELD]
    assert row(part, store).reserved == 2
    work.workorder_void(work_order=moved, actor=desk, reason="客户取消")
    assert list(moved.reservations.values_list("state", flat=True)) == [ReservationState.RELEASED]
    assert row(part, store).reserved == 0
    assert moved.request.timeline.filter(data__step="reservations_released").exists()


def test_a_count_may_find_less_than_is_reserved_and_the_row_shows_short(desk, keeper, stocked, job):
    part, store = stocked
    work_order, _van = job
    reservations.reservation_create(actor=desk, work_order=work_order, part=part, location=store, quantity=4)
    services.stock_adjust(actor=keeper, part=part, location=store, counted=2, reason="盘亏")
    assert row(part, store).free == -2
    with pytest.raises(ServiceError) as refused:
        services.stock_transfer(actor=keeper, part=part, from_location=store, to_location=StockLocationFactory(),
                                quantity=1)
    assert refused.value.code == "reserved_stock"


def test_the_reorder_list_orders_what_the_reservations_will_take(desk, keeper, stocked, job):
    part, store = stocked
    work_order, _van = job
    services.stock_minimum_set(actor=keeper, part=part, location=store, minimum=4)
    assert not selectors.reorder_list(actor=keeper).exists()  # 5 on hand, minimum 4
    reservations.reservation_create(actor=desk, work_order=work_order, part=part, location=store, quantity=3)
    line = selectors.reorder_list(actor=keeper).get()
    assert line.to_order == 2  # 2 free, 4 wanted


def test_a_store_with_held_reservations_is_not_archived(desk, keeper, stocked, job):
    part, store = stocked
    work_order, _van = job
    reservations.reservation_create(actor=desk, work_order=work_order, part=part, location=store, quantity=1)
    services.stock_adjust(actor=keeper, part=part, location=store, counted=0, reason="清库")
    from aftersales.core.services import record_archive

    with pytest.raises(ServiceError) as refused:
        record_archive(instance=store, actor=keeper)
    assert refused.value.code == "location_has_reservations"


# ---------------------------------------------------------------- pages and API


def test_the_desk_reserves_on_the_page_and_the_store_hands_the_parts_out(client, desk, keeper, stocked, job):
    part, store = stocked
    work_order, van = job
    client.force_login(desk)
    response = client.post(reverse("stock-reservation-create"), {
        "work_order": work_order.number, "part": part.code, "location": store.pk, "quantity": 2, "note": "换主机"},
        follow=True)
    assert f"为 {work_order.number} 预留" in response.content.decode()
    held = StockReservation.objects.get()
    assert (held.work_order, held.quantity, held.note) == (work_order, 2, "换主机")
    page = client.get(reverse("stock-reservations"), {"held": "1"}).content.decode()
    assert work_order.number in page and f'id="reservation-{held.pk}"' in page
    assert reverse("stock-reservation-collect", args=[held.pk]) not in page  # the desk does not hand out
    work_order_page = client.get(work_order.get_absolute_url()).content.decode()
    assert 'id="work-order-reservations"' in work_order_page and f"{part.code} {part.name} × 2" in work_order_page
    assert "为此派工单预留备件" in work_order_page
    assert client.post(reverse("stock-reservation-collect", args=[held.pk])).status_code == 403
    client.force_login(keeper)
    assert reverse("stock-reservation-collect", args=[held.pk]) in client.get(
        reverse("stock-reservations")).content.decode()
    client.post(reverse("stock-reservation-collect", args=[held.pk]))
    assert row(part, van).quantity == 2
    stock_page = client.get(reverse("stock-list"), {"search": part.code}).content.decode()
    assert 'data-reserved="' not in stock_page  # nothing held any more


def test_a_refused_reservation_on_the_page_says_why(client, desk, stocked, job):
    part, store = stocked
    work_order, _van = job
    client.force_login(desk)
    response = client.post(reverse("stock-reservation-create"), {
        "work_order": work_order.number, "part": part.code, "location": store.pk, "quantity": 9}, follow=True)
    assert "只有 5" in response.content.decode()
    response = client.post(reverse("stock-reservation-create"), {
        "work_order": "PG2099-999999", "part": part.code, "location": store.pk, "quantity": 1}, follow=True)
    assert "没有这个编号的派工单" in response.content.decode()
    assert not StockReservation.objects.exists()


def test_the_api_reserves_releases_and_refuses_like_the_page(api, desk, keeper, stocked, job):
    part, store = stocked
    work_order, van = job
    made = api(desk).post("/api/v1/stock-reservations/", {
        "work_order": work_order.pk, "part": part.pk, "location": store.pk, "quantity": 5}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["state"] == "held" and made.json()["work_order_number"] == work_order.number
    stock = api(keeper).get("/api/v1/stock/", {"location": store.pk}).json()["results"][0]
    assert (stock["quantity"], stock["reserved"], stock["free"]) == (5, 5, 0)
    taken = api(keeper).post("/api/v1/stock-movements/", {
        "kind": "issue", "part": part.pk, "quantity": 1, "from_location": store.pk, "reference": "X"}, format="json")
    assert taken.status_code == 400 and taken.json()["code"] == "reserved_stock"
    pk = made.json()["id"]
    assert api(desk).post(f"/api/v1/stock-reservations/{pk}/collect/", {}, format="json").status_code == 403
    collected = api(keeper).post(f"/api/v1/stock-reservations/{pk}/collect/", {}, format="json")
    assert collected.status_code == 200 and collected.json()["collected_into"] == van.pk
    again = api(desk).post(f"/api/v1/stock-reservations/{pk}/release/", {"reason": "不用了"}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "not_held"


# ---------------------------------------------------------------- at once (PostgreSQL)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite runs one writer at a time: row locks are only tested on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reservations_and_issues_at_once_never_promise_one_unit_twice():
    from django.db import connections

    desk, keeper = UserFactory(roles=[Role.DESK]), UserFactory(roles=[Role.PARTS])
    part = PartFactory(code="CAM-2")
    store = StockLocationFactory(code="ZX-R")
    services.stock_receive(actor=keeper, part=part, location=store, quantity=10)
    orders = [WorkOrderFactory(actor=desk) for _ in range(8)]
    start = threading.Barrier(16)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        try:
            start.wait()
            try:
                if n < 8:
                    reservations.reservation_create(actor=desk, work_order=orders[n], part=part, location=store,
                                                    quantity=1)
                    outcome = "reserved"
                else:
                    services.stock_issue(actor=keeper, part=part, location=store, quantity=1, reference=f"X{n}")
                    outcome = "issued"
            except ServiceError as exc:
                outcome = exc.code
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    balance = StockBalance.objects.get(part=part, location=store)
    assert outcomes.count("reserved") + outcomes.count("issued") == 10, outcomes
    assert balance.reserved == outcomes.count("reserved") == StockReservation.objects.count()
    assert balance.quantity == 10 - outcomes.count("issued") == balance.reserved
    assert set(outcomes) <= {"reserved", "issued", "not_available", "reserved_stock", "insufficient_stock"}
    assert WorkOrderState.PLANNED == orders[0].state


def test_after_a_count_found_less_the_first_to_collect_has_the_units(desk, keeper, stocked, job):
    part, store = stocked
    work_order, van = job
    first = reservations.reservation_create(actor=desk, work_order=work_order, part=part, location=store, quantity=3)
    second = reservations.reservation_create(actor=desk, work_order=WorkOrderFactory(actor=desk), part=part,
                                             location=store, quantity=2)
    services.stock_adjust(actor=keeper, part=part, location=store, counted=3, reason="盘亏")
    reservations.reservation_collect(actor=keeper, reservation=first)
    assert row(part, van).quantity == 3 and (row(part, store).quantity, row(part, store).reserved) == (0, 2)
    with pytest.raises(ServiceError) as refused:
        reservations.reservation_collect(actor=keeper, reservation=second, to_location=van)
    assert refused.value.code == "insufficient_stock"


def test_collecting_serial_numbered_units_takes_their_trail_into_the_van(desk, keeper, stocked, job):
    part, store = stocked
    work_order, van = job
    for serial in ("SN-1", "SN-2"):
        services.stock_receive(actor=keeper, part=part, location=store, quantity=1, serial_number=serial)
    held = reservations.reservation_create(actor=desk, work_order=work_order, part=part, location=store, quantity=2)
    for wrong in (["SN-1"], ["SN-1", "sn-1"]):
        with pytest.raises(ServiceError) as refused:
            reservations.reservation_collect(actor=keeper, reservation=held, serials=wrong)
        assert refused.value.code == "serials"
    reservations.reservation_collect(actor=keeper, reservation=held, serials="sn-1, SN-2")
    assert row(part, van).quantity == 2
    services.stock_issue(actor=keeper, part=part, location=van, quantity=1, reference=work_order.number,
                         serial_number="SN-1")  # the unit is where its trail says


def test_a_reservation_read_before_its_job_moved_is_released_on_the_new_number(desk, keeper, stocked, job):
    part, store = stocked
    work_order, _van = job
    held = reservations.reservation_create(actor=desk, work_order=work_order, part=part, location=store, quantity=2)
    stale = StockReservation.objects.select_related("work_order").get(pk=held.pk)
    moved = work.workorder_move(work_order=work_order, actor=desk, reason="改派")
    reservations.reservation_collect(actor=keeper, reservation=stale)
    stale.refresh_from_db()
    assert stale.work_order == moved and stale.state == ReservationState.COLLECTED
    assert stale.movement.reference == moved.number


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite runs one writer at a time: row locks are only tested on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_work_orders_void_at_once_release_their_parts_without_a_deadlock():
    from django.db import connections

    desk, keeper = UserFactory(roles=[Role.DESK]), UserFactory(roles=[Role.PARTS])
    first, second = PartFactory(code="DL-A"), PartFactory(code="DL-B")
    store = StockLocationFactory(code="DL", kind="central")
    for part in (first, second):
        services.stock_receive(actor=keeper, part=part, location=store, quantity=100)
    failures: list[str] = []
    for _round in range(4):
        one, other = WorkOrderFactory(actor=desk), WorkOrderFactory(actor=desk)
        # one reserves B then A, the other A then B: released in reservation order, they would cross
        for _ in range(10):
            reservations.reservation_create(actor=desk, work_order=one, part=second, location=store, quantity=1)
            reservations.reservation_create(actor=desk, work_order=other, part=first, location=store, quantity=1)
        reservations.reservation_create(actor=desk, work_order=one, part=first, location=store, quantity=1)
        reservations.reservation_create(actor=desk, work_order=other, part=second, location=store, quantity=1)
        start = threading.Barrier(2)

        def void(work_order) -> None:
            try:
                start.wait()
                work.workorder_void(work_order=work_order, actor=desk, reason="客户取消")
            except Exception as exc:  # noqa: BLE001 - reported below
                failures.append(repr(exc)[:200])
            finally:
                connections.close_all()

        threads = [threading.Thread(target=void, args=(w,)) for w in (one, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not failures
    assert StockBalance.objects.filter(location=store, reserved__gt=0).count() == 0
