"""Serial-numbered units (SPEC P3): one unit is in one place at a time, through swap, repair and
scrap; its trail shows every movement, the visits that fitted or removed it, and where it is now."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import UserFactory
from aftersales.catalogue.tests.factories import PartFactory
from aftersales.core.errors import ServiceError
from aftersales.inventory import posting, serials, services
from aftersales.inventory.choices import Condition, MovementKind
from aftersales.inventory.models import StockMovement

from .factories import StockLocationFactory, VanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper():
    return UserFactory(roles=[Role.PARTS])


@pytest.fixture
def places():
    part = PartFactory(code="NVR-16", name="十六路网络录像机")
    return part, StockLocationFactory(code="ZX", name="中心库", kind="central"), VanFactory(code="VAN-1")


def test_a_unit_in_stock_is_not_received_again(keeper, places):
    part, store, van = places
    services.stock_receive(actor=keeper, part=part, location=store, quantity=1, serial_number="SN-001")
    with pytest.raises(ServiceError) as refused:
        services.stock_receive(actor=keeper, part=part, location=van, quantity=1, serial_number="SN-001")
    assert refused.value.code == "serial_in_stock"
    assert "SN-001" in refused.value.message and "中心库" in refused.value.message
    with pytest.raises(ServiceError) as refused:
        services.stock_defective_return(actor=keeper, part=part, location=van, quantity=1, serial_number="SN-001")
    assert refused.value.code == "serial_in_stock"
    # another part may carry the same serial number (makers number their own products)
    services.stock_receive(actor=keeper, part=PartFactory(), location=store, quantity=1, serial_number="SN-001")


def test_a_unit_is_taken_only_from_where_it_is(keeper, places):
    part, store, van = places
    services.stock_receive(actor=keeper, part=part, location=store, quantity=3)
    services.stock_receive(actor=keeper, part=part, location=van, quantity=1, serial_number="SN-002")
    with pytest.raises(ServiceError) as refused:
        services.stock_issue(actor=keeper, part=part, location=store, quantity=1, reference="PG-1",
                             serial_number="SN-002")
    assert refused.value.code == "serial_not_here" and "VAN-1" in refused.value.message
    services.stock_issue(actor=keeper, part=part, location=van, quantity=1, reference="PG-1", serial_number="SN-002")
    with pytest.raises(ServiceError) as refused:  # it is at the customer now
        services.stock_issue(actor=keeper, part=part, location=store, quantity=1, reference="PG-2",
                             serial_number="SN-002")
    assert refused.value.code == "serial_not_here" and "PG-1" in refused.value.message
    # a serial never seen may be taken from stock received before units were tracked by serial
    services.stock_issue(actor=keeper, part=part, location=store, quantity=1, reference="PG-3",
                         serial_number="SN-OLD")


def test_swap_repair_and_scrap_follow_the_unit_and_a_scrapped_unit_does_not_come_back(keeper, places):
    part, store, van = places
    services.stock_defective_return(actor=keeper, part=part, location=van, quantity=1, serial_number="SN-003",
                                    reference="PG-7")
    with pytest.raises(ServiceError) as refused:  # defective: not a good spare yet
        services.stock_transfer(actor=keeper, part=part, from_location=van, to_location=store, quantity=1,
                                serial_number="SN-003")
    assert refused.value.code == "serial_not_here"
    services.stock_transfer(actor=keeper, part=part, from_location=van, to_location=store, quantity=1,
                            condition=Condition.DEFECTIVE, serial_number="SN-003")
    services.stock_repaired(actor=keeper, part=part, location=store, quantity=1, serial_number="SN-003")
    where = serials.places({(part.pk, "SN-003")})[(part.pk, "SN-003")]
    assert (where.location_id, where.condition) == (store.pk, Condition.GOOD)
    services.stock_transfer(actor=keeper, part=part, from_location=store, to_location=van, quantity=1,
                            serial_number="SN-003")
    services.stock_transfer(actor=keeper, part=part, from_location=van, to_location=store, quantity=1,
                            serial_number="SN-003")
    with pytest.raises(ServiceError):  # good now: there is no defective unit to scrap
        services.stock_scrap(actor=keeper, part=part, location=store, quantity=1, reason="坏", serial_number="SN-003")
    services.stock_issue(actor=keeper, part=part, location=store, quantity=1, reference="PG-8", serial_number="SN-003")
    services.stock_defective_return(actor=keeper, part=part, location=store, quantity=1, serial_number="SN-003")
    services.stock_scrap(actor=keeper, part=part, location=store, quantity=1, reason="无法修复", serial_number="SN-003")
    with pytest.raises(ServiceError) as refused:
        services.stock_receive(actor=keeper, part=part, location=store, quantity=1, serial_number="SN-003")
    assert refused.value.code == "serial_scrapped" and "报废" in refused.value.message


def test_a_batch_is_checked_in_its_own_order_and_refused_whole(keeper, places):
    part, store, van = places
    rows = [
        {"kind": MovementKind.RECEIPT, "part": part, "quantity": 1, "to_location": store, "serial_number": "SN-9"},
        {"kind": MovementKind.TRANSFER, "part": part, "quantity": 1, "from_location": store, "to_location": van,
         "serial_number": "SN-9"},
        {"kind": MovementKind.ISSUE, "part": part, "quantity": 1, "from_location": van, "reference": "PG-9",
         "serial_number": "SN-9"},
    ]
    posting.movements_post(actor=keeper, rows=rows)
    with pytest.raises(ServiceError) as refused:
        posting.movements_post(actor=keeper, rows=[
            {"kind": MovementKind.RECEIPT, "part": part, "quantity": 1, "to_location": store, "serial_number": "SN-10"},
            {"kind": MovementKind.RECEIPT, "part": part, "quantity": 1, "to_location": van, "serial_number": "SN-10"},
        ])
    assert refused.value.code == "rows_refused" and list(refused.value.params["rows"]) == [1]
    assert not StockMovement.objects.filter(serial_number="SN-10").exists()


def test_the_trail_shows_movements_visits_and_where_the_unit_is(client, keeper, places):
    from aftersales.workorders.models import UsedPart
    from aftersales.workorders.tests.factories import WorkOrderFactory

    part, store, van = places
    services.stock_receive(actor=keeper, part=part, location=store, quantity=1, serial_number="SN-T1")
    services.stock_transfer(actor=keeper, part=part, from_location=store, to_location=van, quantity=1,
                            serial_number="SN-T1")
    issue = services.stock_issue(actor=keeper, part=part, location=van, quantity=1, reference="PG-T",
                                 serial_number="SN-T1")
    work_order = WorkOrderFactory(actor=UserFactory(roles=[Role.DESK]))
    UsedPart.objects.create(work_order=work_order, part=part, quantity=1, serial_number="SN-T1", issue=issue,
                            added_by=keeper)
    client.force_login(keeper)
    page = client.get(reverse("stock-serials"), {"serial": "SN-T1"}).content.decode()
    assert page.count('data-kind="') == 3 and work_order.number in page and "已装上" in page
    assert "出库" in page and "PG-T" in page  # where it is now: out of the stores, issued on PG-T
    unknown = client.get(reverse("stock-serials"), {"serial": "NOPE"}).content.decode()
    assert 'id="serial-unknown"' in unknown
    client.force_login(UserFactory(roles=[Role.CUSTOMER]))
    assert client.get(reverse("stock-serials"), {"serial": "SN-T1"}).status_code == 403


def test_the_api_gives_the_trail_to_staff_only(api, keeper, places, make_user):
    part, store, _van = places
    services.stock_receive(actor=keeper, part=part, location=store, quantity=1, serial_number="SN-A1")
    trail = api(keeper).get("/api/v1/stock-movements/trail/", {"serial": "SN-A1"}).json()
    assert [m["kind"] for m in trail["movements"]] == ["receipt"]
    assert trail["places"] == [{"part": part.pk, "part_code": "NVR-16", "where": f"在 {store}（良品）"}]
    assert api(keeper).get("/api/v1/stock-movements/trail/", {"serial": "x" * 61}).status_code == 400
    assert api(make_user(Role.CUSTOMER)).get("/api/v1/stock-movements/trail/", {"serial": "SN-A1"}).status_code == 403


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite runs one writer at a time: the serial holds are only tested on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_unit_received_into_many_stores_at_once_is_received_once():
    from django.db import connections

    keeper = UserFactory(roles=[Role.PARTS])
    part = PartFactory(code="UPS-3")
    stores = [StockLocationFactory(code=f"ZX-S{n}") for n in range(10)]
    start = threading.Barrier(10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def receive(n: int) -> None:
        try:
            start.wait()
            try:
                services.stock_receive(actor=keeper, part=part, location=stores[n], quantity=1, serial_number="SN-X")
                outcome = "ok"
            except ServiceError as exc:
                outcome = exc.code
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=receive, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok"] + ["serial_in_stock"] * 9
    assert StockMovement.objects.filter(serial_number="SN-X").count() == 1


def test_a_repaired_unit_restores_the_minimum_and_a_scrapped_one_leaves_it_to_the_reorder_list(keeper, places):
    from aftersales.inventory import selectors

    part, store, _van = places
    services.stock_receive(actor=keeper, part=part, location=store, quantity=2)
    services.stock_minimum_set(actor=keeper, part=part, location=store, minimum=2)
    services.stock_issue(actor=keeper, part=part, location=store, quantity=1, reference="PG-1")  # swap at a site
    services.stock_defective_return(actor=keeper, part=part, location=store, quantity=1, serial_number="SN-R1")
    assert selectors.reorder_list(actor=keeper).get().to_order == 1
    services.stock_repaired(actor=keeper, part=part, location=store, quantity=1, serial_number="SN-R1")
    assert not selectors.reorder_list(actor=keeper).exists()  # repaired: a spare again, the store is whole
    services.stock_issue(actor=keeper, part=part, location=store, quantity=1, reference="PG-2", serial_number="SN-R1")
    services.stock_defective_return(actor=keeper, part=part, location=store, quantity=1, serial_number="SN-R2")
    services.stock_scrap(actor=keeper, part=part, location=store, quantity=1, reason="无法修复",
                         serial_number="SN-R2")
    assert selectors.reorder_list(actor=keeper).get().to_order == 1  # beyond repair: a new one is ordered


def test_serial_numbers_are_one_whatever_the_spaces_and_case(client, keeper, places):
    part, store, van = places
    services.stock_receive(actor=keeper, part=part, location=store, quantity=1, serial_number="sn 0012ab")
    with pytest.raises(ServiceError) as refused:
        services.stock_receive(actor=keeper, part=part, location=van, quantity=1, serial_number="SN0012AB")
    assert refused.value.code == "serial_in_stock"
    assert StockMovement.objects.get().serial_number == "SN0012AB"
    client.force_login(keeper)
    assert 'data-kind="receipt"' in client.get(reverse("stock-serials"), {"serial": "sn0012ab "}).content.decode()
