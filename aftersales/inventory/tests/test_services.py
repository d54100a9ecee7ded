"""The movement services: every kind, refusals that change nothing, balances that always equal the
sum of the movements, the reorder list, and 100 issues at once from a stock of 50."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import UserFactory
from aftersales.catalogue.tests.factories import PartFactory
from aftersales.core.errors import ServiceError
from aftersales.core.models import AuditEvent
from aftersales.inventory import posting, selectors, services
from aftersales.inventory.choices import Condition, MovementKind
from aftersales.inventory.models import StockBalance, StockMovement

from .factories import StockLocationFactory, VanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper():
    return UserFactory(roles=[Role.PARTS])


@pytest.fixture
def part():
    return PartFactory(code="PSU-01", name="电源模块")


@pytest.fixture
def store():
    return StockLocationFactory(code="ZX", name="中心库", kind="central")


@pytest.fixture
def van():
    return VanFactory(code="VAN-1")


def on_hand(part, location, condition=Condition.GOOD):
    return selectors.stock_on_hand(part=part, location=location, condition=condition)


def assert_balances_equal_movements():
    assert selectors.stock_stored() == selectors.stock_from_movements()


# ---------------------------------------------------------------- every kind


def test_receipt_puts_good_stock_and_writes_the_movement_and_its_audit_row(keeper, part, store):
    movement = services.stock_receive(actor=keeper, part=part, location=store, quantity=10, reference="CG-1")
    assert on_hand(part, store) == 10
    assert movement.kind == MovementKind.RECEIPT and movement.to_location == store and movement.actor == keeper
    assert AuditEvent.objects.filter(object_id=str(movement.pk), content_type__model="stockmovement").exists()


def test_transfer_moves_stock_between_locations(keeper, part, store, van):
    services.stock_receive(actor=keeper, part=part, location=store, quantity=10)
    services.stock_transfer(actor=keeper, part=part, from_location=store, to_location=van, quantity=3)
    assert (on_hand(part, store), on_hand(part, van)) == (7, 3)


def test_transfer_of_defective_stock_keeps_it_defective(keeper, part, store, van):
    services.stock_defective_return(actor=keeper, part=part, location=van, quantity=2, reference="BX-1")
    services.stock_transfer(actor=keeper, part=part, from_location=van, to_location=store, quantity=2,
                            condition=Condition.DEFECTIVE)
    assert on_hand(part, store, Condition.DEFECTIVE) == 2 and on_hand(part, store) == 0


def test_issue_takes_good_stock_for_a_work_order_and_return_unused_brings_it_back(keeper, part, van):
    services.stock_receive(actor=keeper, part=part, location=van, quantity=4)
    services.stock_issue(actor=keeper, part=part, location=van, quantity=3, reference="BX-2026-0001")
    assert on_hand(part, van) == 1
    services.stock_return_unused(actor=keeper, part=part, location=van, quantity=2, reference="BX-2026-0001")
    assert on_hand(part, van) == 3


def test_issue_needs_a_reference(keeper, part, van):
    services.stock_receive(actor=keeper, part=part, location=van, quantity=4)
    with pytest.raises(ServiceError) as exc:
        services.stock_issue(actor=keeper, part=part, location=van, quantity=1, reference=" ")
    assert exc.value.code == "reference_required"


def test_swap_and_repair_defective_return_then_repaired_becomes_a_spare(keeper, part, store):
    services.stock_defective_return(actor=keeper, part=part, location=store, quantity=2, serial_number="",
                                    reference="BX-3")
    assert on_hand(part, store, Condition.DEFECTIVE) == 2 and on_hand(part, store) == 0
    services.stock_repaired(actor=keeper, part=part, location=store, quantity=1)
    assert on_hand(part, store, Condition.DEFECTIVE) == 1 and on_hand(part, store) == 1
    services.stock_scrap(actor=keeper, part=part, location=store, quantity=1, reason="无法修复")
    assert on_hand(part, store, Condition.DEFECTIVE) == 0 and on_hand(part, store) == 1
    assert_balances_equal_movements()


def test_scrap_takes_defective_stock_only(keeper, part, store):
    services.stock_receive(actor=keeper, part=part, location=store, quantity=5)
    with pytest.raises(ServiceError) as exc:
        services.stock_scrap(actor=keeper, part=part, location=store, quantity=1, reason="损坏")
    assert exc.value.code == "insufficient_stock"
    assert on_hand(part, store) == 5


def test_adjustment_sets_the_counted_stock(keeper, part, store):
    services.stock_receive(actor=keeper, part=part, location=store, quantity=5)
    lower = services.stock_adjust(actor=keeper, part=part, location=store, counted=3, reason="盘点")
    assert lower.from_location == store and lower.quantity == 2 and on_hand(part, store) == 3
    higher = services.stock_adjust(actor=keeper, part=part, location=store, counted=6, reason="盘点")
    assert higher.to_location == store and higher.quantity == 3 and on_hand(part, store) == 6
    assert services.stock_adjust(actor=keeper, part=part, location=store, counted=6, reason="盘点") is None
    assert_balances_equal_movements()


def test_a_serial_numbered_part_moves_one_at_a_time(keeper, part, store):
    services.stock_receive(actor=keeper, part=part, location=store, quantity=1, serial_number="SN123")
    assert StockMovement.objects.get().serial_number == "SN123"
    with pytest.raises(ServiceError) as exc:
        services.stock_receive(actor=keeper, part=part, location=store, quantity=2, serial_number="SN124")
    assert exc.value.code == "serial_quantity"


# ---------------------------------------------------------------- refusals


def test_going_negative_is_refused_with_the_part_location_on_hand_and_asked(keeper, part, van):
    services.stock_receive(actor=keeper, part=part, location=van, quantity=2)
    with pytest.raises(ServiceError) as exc:
        services.stock_issue(actor=keeper, part=part, location=van, quantity=3, reference="BX-9")
    assert exc.value.code == "insufficient_stock"
    assert "PSU-01" in exc.value.message and "VAN-1" in exc.value.message
    assert exc.value.params == {"on_hand": 2, "asked": 3}
    assert on_hand(part, van) == 2 and StockMovement.objects.count() == 1


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2", True, None])
def test_quantity_must_be_a_positive_whole_number(keeper, part, store, quantity):
    with pytest.raises(ServiceError) as exc:
        services.stock_receive(actor=keeper, part=part, location=store, quantity=quantity)
    assert exc.value.code == "invalid_quantity"
    assert not StockMovement.objects.exists() and not StockBalance.objects.exists()


def test_locations_required_per_kind(keeper, part, store, van):
    with pytest.raises(ServiceError) as exc:
        posting.movement_post(actor=keeper, kind=MovementKind.ISSUE, part=part, quantity=1, to_location=store,
                               reference="X")
    assert exc.value.code == "locations"
    with pytest.raises(ServiceError):
        services.stock_transfer(actor=keeper, part=part, from_location=store, to_location=store, quantity=1)
    with pytest.raises(ServiceError):
        posting.movement_post(actor=keeper, kind=MovementKind.ADJUSTMENT, part=part, quantity=1,
                               from_location=store, to_location=van, reason="x")


def test_archived_location_and_part_are_refused(keeper, part, store):
    store.archived_at = timezone.now()
    store.save()
    with pytest.raises(ServiceError) as exc:
        services.stock_receive(actor=keeper, part=part, location=store, quantity=1)
    assert exc.value.code == "archived"
    other = StockLocationFactory()
    part.archived_at = timezone.now()
    part.save()
    with pytest.raises(ServiceError) as exc:
        services.stock_receive(actor=keeper, part=part, location=other, quantity=1)
    assert exc.value.code == "archived"


def test_a_batch_with_one_bad_row_saves_nothing_and_names_the_row(keeper, part, store, van):
    services.stock_receive(actor=keeper, part=part, location=store, quantity=5)
    before = (StockMovement.objects.count(), AuditEvent.objects.count())
    rows = [
        {"kind": MovementKind.TRANSFER, "part": part, "quantity": 3, "from_location": store, "to_location": van},
        {"kind": MovementKind.ISSUE, "part": part, "quantity": 4, "from_location": van, "reference": "BX-1"},
        {"kind": MovementKind.RECEIPT, "part": part, "quantity": 1, "to_location": van},
    ]
    with pytest.raises(ServiceError) as exc:
        posting.movements_post(actor=keeper, rows=rows)
    assert exc.value.code == "rows_refused"
    assert list(exc.value.params["rows"]) == [1]
    assert (StockMovement.objects.count(), AuditEvent.objects.count()) == before
    assert (on_hand(part, store), on_hand(part, van)) == (5, 0)


def test_a_batch_applies_rows_in_order(keeper, part, store, van):
    rows = [
        {"kind": MovementKind.RECEIPT, "part": part, "quantity": 5, "to_location": store},
        {"kind": MovementKind.TRANSFER, "part": part, "quantity": 3, "from_location": store, "to_location": van},
        {"kind": MovementKind.ISSUE, "part": part, "quantity": 3, "from_location": van, "reference": "BX-1"},
    ]
    movements = posting.movements_post(actor=keeper, rows=rows)
    assert [m.kind for m in movements] == ["receipt", "transfer", "issue"]
    assert (on_hand(part, store), on_hand(part, van)) == (2, 0)
    assert_balances_equal_movements()


def test_the_database_refuses_a_negative_quantity(part, store):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.create(part=part, location=store, quantity=-1)


# ---------------------------------------------------------------- reads


def test_reorder_list_orders_what_restores_the_original_quantity(keeper, part, store, van):
    other = PartFactory(code="FAN-01")
    services.stock_minimum_set(actor=keeper, part=part, location=store, minimum=10)
    services.stock_minimum_set(actor=keeper, part=other, location=store, minimum=2)
    services.stock_receive(actor=keeper, part=part, location=store, quantity=4)
    services.stock_receive(actor=keeper, part=other, location=store, quantity=2)
    services.stock_minimum_set(actor=keeper, part=part, location=van, minimum=1)  # nothing there yet
    rows = {(b.part.code, b.location.code): b.to_order for b in selectors.reorder_list(actor=keeper)}
    assert rows == {("PSU-01", "ZX"): 6, ("PSU-01", "VAN-1"): 1}
    assert selectors.stock_list(actor=keeper, filters={"below_minimum": True}).count() == 2
    assert selectors.stock_list(actor=keeper, filters={"search": "fan"}).get().part == other


def test_part_movements_newest_first(keeper, part, store):
    services.stock_receive(actor=keeper, part=part, location=store, quantity=4)
    services.stock_issue(actor=keeper, part=part, location=store, quantity=1, reference="BX-1")
    assert [m.kind for m in selectors.part_movements(actor=keeper, part=part)] == ["issue", "receipt"]


def test_customers_read_no_stock(keeper, part, store, make_user):
    from aftersales.customers.tests.factories import CustomerFactory

    services.stock_receive(actor=keeper, part=part, location=store, quantity=4)
    customer = make_user(Role.CUSTOMER, customer=CustomerFactory())
    assert not selectors.stock_list(actor=customer).exists()


# ---------------------------------------------------------------- balances == sum of movements

STEP = st.tuples(st.sampled_from(list(MovementKind.values)), st.integers(0, 2), st.integers(0, 2),
                 st.integers(1, 6), st.sampled_from(list(Condition.values)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=25))
def test_balances_always_equal_the_sum_of_movements(keeper, steps):
    from django.db import transaction

    with transaction.atomic():  # each example starts from nothing
        parts = [PartFactory(), PartFactory()]
        places = [StockLocationFactory(), StockLocationFactory(), VanFactory()]
        for kind, a, b, quantity, condition in steps:
            part = parts[(a + b) % 2]
            where, there = places[a], places[b]
            arguments = {"from_location": where, "to_location": there, "condition": condition,
                         "reference": "BX", "reason": "随机"}
            if kind in (MovementKind.RECEIPT, MovementKind.RETURN_UNUSED, MovementKind.DEFECTIVE_RETURN):
                arguments["from_location"] = None
            elif kind in (MovementKind.ISSUE, MovementKind.SCRAP):
                arguments["to_location"] = None
            elif kind == MovementKind.REPAIRED:
                arguments["to_location"] = where
            elif kind == MovementKind.ADJUSTMENT:
                arguments["to_location" if quantity % 2 else "from_location"] = None
            try:
                posting.movement_post(actor=keeper, kind=kind, part=part, quantity=quantity, **arguments)
            except ServiceError:
                pass
            assert StockBalance.objects.filter(quantity__lt=0).count() == 0
        assert_balances_equal_movements()
        transaction.set_rollback(True)


# ---------------------------------------------------------------- at once (PostgreSQL)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite runs one writer at a time: row locks are only tested on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_100_issues_at_once_from_a_stock_of_50_never_go_negative():
    from django.db import connections

    keeper = UserFactory(roles=[Role.PARTS])
    part = PartFactory(code="HDD-4T")
    store = StockLocationFactory(code="ZX-C")
    services.stock_receive(actor=keeper, part=part, location=store, quantity=50)
    # 100 issues of one unit from 25 threads at once (4 each, one connection per thread: the
    # server's connection limit is shared with the other tests running beside this one)
    threads_count, per_thread = 25, 4
    start = threading.Barrier(threads_count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def issue(t: int) -> None:
        try:
            start.wait()
            for n in range(per_thread):
                try:
                    services.stock_issue(actor=keeper, part=part, location=store, quantity=1,
                                         reference=f"BX-{t}-{n}")
                    outcome = "ok"
                except ServiceError as exc:
                    outcome = exc.code
                except Exception as exc:  # noqa: BLE001 - counted as a failure of the test below
                    outcome = repr(exc)
                with lock:
                    outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(t,)) for t in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 100
    assert sorted(set(outcomes)) == ["insufficient_stock", "ok"], set(outcomes)
    assert outcomes.count("ok") == 50 and outcomes.count("insufficient_stock") == 50
    assert on_hand(part, store) == 0
    assert StockMovement.objects.filter(kind=MovementKind.ISSUE).count() == 50
    assert_balances_equal_movements()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite runs one writer at a time: row locks are only tested on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_missing_stock_row_created_at_once_by_many_is_made_once():
    from django.db import connections

    keeper = UserFactory(roles=[Role.PARTS])
    part = PartFactory(code="FAN-9")
    store = StockLocationFactory(code="ZX-D")
    start = threading.Barrier(20)
    errors: list[str] = []

    def receive() -> None:
        try:
            start.wait()
            services.stock_receive(actor=keeper, part=part, location=store, quantity=1)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=receive) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert StockBalance.objects.get(part=part, location=store).quantity == 20
