"""Stock values by moving weighted average: receipts at their cost, everything taken out at the row's
average, transfers and repairs carrying the value, the last unit out taking what is left, every
row's value exactly the sum of its movements'; the values given to existing data; and the guard
that keeps a store holding stock from being archived."""

from __future__ import annotations

import importlib
import threading
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import UserFactory
from aftersales.catalogue.tests.factories import PartFactory
from aftersales.core.errors import ServiceError
from aftersales.core.services import record_archive
from aftersales.inventory import posting, reconciliation, selectors, services
from aftersales.inventory.choices import Condition, MovementKind
from aftersales.inventory.models import StockBalance, StockLocation, StockMovement

from .factories import (
    StockBalanceFactory,
    StockLocationFactory,
    StockMovementFactory,
    VanFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def keeper():
    return UserFactory(roles=[Role.PARTS])


@pytest.fixture
def part():
    return PartFactory(code="PSU-01", name="电源模块", unit_cost=D("12.00"))


@pytest.fixture
def store():
    return StockLocationFactory(code="ZX", name="中心库", kind="central")


@pytest.fixture
def van():
    return VanFactory(code="VAN-1")


def row(part, location, condition=Condition.GOOD) -> tuple[int, Decimal]:
    balance = StockBalance.objects.filter(part=part, location=location, condition=condition).first()
    return (balance.quantity, balance.value) if balance else (0, D("0.00"))


def assert_values_equal_movements():
    assert selectors.stock_values_stored() == selectors.stock_values_from_movements()
    assert reconciliation.month_totals_kept() == reconciliation.month_totals_from_movements()


# ---------------------------------------------------------------- moving weighted average


def test_two_receipts_at_two_prices_then_issue_and_transfer_at_the_average(keeper, part, store, van):
    services.stock_receive(actor=keeper, part=part, location=store, quantity=10, unit_cost=D("10.00"))
    services.stock_receive(actor=keeper, part=part, location=store, quantity=5, unit_cost=D("13.00"))
    assert row(part, store) == (15, D("165.00"))  # average 11.00
    issue = services.stock_issue(actor=keeper, part=part, location=store, quantity=3, reference="BX-1")
    assert (issue.unit_cost, issue.value) == (D("11.0000"), D("33.00"))
    transfer = services.stock_transfer(actor=keeper, part=part, from_location=store, to_location=van, quantity=4)
    assert transfer.value == D("44.00")
    assert row(part, store) == (8, D("88.00")) and row(part, van) == (4, D("44.00"))
    last = services.stock_issue(actor=keeper, part=part, location=van, quantity=4, reference="BX-2")
    assert last.value == D("44.00") and row(part, van) == (0, D("0.00"))
    assert_values_equal_movements()


def test_rounding_half_up_and_the_last_unit_takes_the_remaining_value(keeper, part, store):
    services.stock_receive(actor=keeper, part=part, location=store, quantity=1, unit_cost=D("10.00"))
    services.stock_receive(actor=keeper, part=part, location=store, quantity=2, unit_cost=D("10.01"))
    assert row(part, store) == (3, D("30.02"))
    values = [services.stock_issue(actor=keeper, part=part, location=store, quantity=1, reference="BX").value
              for _n in range(3)]
    assert values == [D("10.01"), D("10.01"), D("10.00")]  # 10.0067 → 10.01; 10.005 → 10.01; what is left
    assert sum(values) == D("30.02") and row(part, store) == (0, D("0.00"))


def test_unit_cost_given_else_the_parts_else_zero(keeper, part, store):
    given_cost = services.stock_receive(actor=keeper, part=part, location=store, quantity=3, unit_cost=D("9.5"))
    assert (given_cost.unit_cost, given_cost.value) == (D("9.5000"), D("28.50"))
    from_part = services.stock_receive(actor=keeper, part=part, location=store, quantity=2)
    assert (from_part.unit_cost, from_part.value) == (D("12.0000"), D("24.00"))
    uncosted = PartFactory(unit_cost=None)
    nothing = services.stock_receive(actor=keeper, part=uncosted, location=store, quantity=2)
    assert (nothing.unit_cost, nothing.value) == (D("0.0000"), D("0.00"))
    fractional = services.stock_receive(actor=keeper, part=part, location=store, quantity=3, unit_cost=D("0.3333"))
    assert fractional.value == D("1.00")  # 0.9999 rounded half up


def test_defective_return_repair_and_scrap_carry_values(keeper, part, store):
    services.stock_receive(actor=keeper, part=part, location=store, quantity=2, unit_cost=D("20.00"))
    returned = services.stock_defective_return(actor=keeper, part=part, location=store, quantity=2, reference="BX")
    assert returned.value == D("24.00")  # the part's unit cost
    repaired = services.stock_repaired(actor=keeper, part=part, location=store, quantity=1)
    assert repaired.value == D("12.00")
    assert row(part, store, Condition.DEFECTIVE) == (1, D("12.00"))
    assert row(part, store) == (3, D("52.00"))  # 40.00 + 12.00
    scrapped = services.stock_scrap(actor=keeper, part=part, location=store, quantity=1, reason="无法修复")
    assert scrapped.value == D("12.00") and row(part, store, Condition.DEFECTIVE) == (0, D("0.00"))
    assert_values_equal_movements()


def test_count_lower_at_the_average_count_higher_at_the_parts_cost(keeper, part, store):
    services.stock_receive(actor=keeper, part=part, location=store, quantity=4, unit_cost=D("15.00"))
    lower = services.stock_adjust(actor=keeper, part=part, location=store, counted=3, reason="盘亏")
    assert lower.value == D("15.00") and row(part, store) == (3, D("45.00"))
    higher = services.stock_adjust(actor=keeper, part=part, location=store, counted=5, reason="盘盈")
    assert higher.value == D("24.00") and row(part, store) == (5, D("69.00"))


def test_a_unit_cost_is_refused_for_stock_taken_out_and_must_be_a_plain_amount(keeper, part, store, van):
    services.stock_receive(actor=keeper, part=part, location=store, quantity=5)
    with pytest.raises(ServiceError) as exc:
        posting.movement_post(actor=keeper, kind=MovementKind.TRANSFER, part=part, quantity=1, from_location=store,
                               to_location=van, unit_cost=D("1.00"))
    assert exc.value.code == "unit_cost_not_given" and exc.value.field == "unit_cost"
    for bad in (D("-1"), D("1.00001"), 1.5, True, "abc", D("NaN")):
        with pytest.raises(ServiceError) as exc:
            services.stock_receive(actor=keeper, part=part, location=store, quantity=1, unit_cost=bad)
        assert exc.value.code == "invalid_unit_cost"
    assert StockMovement.objects.count() == 1 and row(part, store) == (5, D("60.00"))


def test_a_value_too_large_to_keep_is_refused_not_an_error(keeper, part, store):
    with pytest.raises(ServiceError) as exc:
        services.stock_receive(actor=keeper, part=part, location=store, quantity=1000,
                               unit_cost=D("999999999999.9999"))
    assert exc.value.code == "value_too_large" and not StockMovement.objects.exists()


def test_a_refused_row_of_a_batch_leaves_every_value_as_it_was(keeper, part, store, van):
    services.stock_receive(actor=keeper, part=part, location=store, quantity=5, unit_cost=D("10.00"))
    rows = [{"kind": MovementKind.TRANSFER, "part": part, "quantity": 2, "from_location": store, "to_location": van},
            {"kind": MovementKind.ISSUE, "part": part, "quantity": 3, "from_location": van, "reference": "BX"}]
    with pytest.raises(ServiceError):
        posting.movements_post(actor=keeper, rows=rows)
    assert row(part, store) == (5, D("50.00")) and row(part, van) == (0, D("0.00"))


STEP = st.tuples(st.sampled_from(list(MovementKind.values)), st.integers(0, 2), st.integers(0, 2),
                 st.integers(1, 7), st.sampled_from(list(Condition.values)),
                 st.one_of(st.none(), st.decimals(min_value=0, max_value=1000, places=4)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=30))
def test_every_rows_value_is_exactly_the_sum_of_its_movements(keeper, steps):
    from django.db import transaction

    with transaction.atomic():  # each example starts from nothing
        parts = [PartFactory(unit_cost=D("3.33")), PartFactory(unit_cost=None)]
        places = [StockLocationFactory(), StockLocationFactory(), VanFactory()]
        for kind, a, b, quantity, condition, cost in steps:
            arguments = {"from_location": places[a], "to_location": places[b], "condition": condition,
                         "reference": "BX", "reason": "随机"}
            if kind in (MovementKind.RECEIPT, MovementKind.RETURN_UNUSED, MovementKind.DEFECTIVE_RETURN):
                arguments["from_location"] = None
                arguments["unit_cost"] = cost
            elif kind in (MovementKind.ISSUE, MovementKind.SCRAP):
                arguments["to_location"] = None
            elif kind == MovementKind.REPAIRED:
                arguments["to_location"] = places[a]
            elif kind == MovementKind.ADJUSTMENT:
                arguments["to_location" if quantity % 2 else "from_location"] = None
            try:
                posting.movement_post(actor=keeper, kind=kind, part=parts[(a + b) % 2], quantity=quantity,
                                       **arguments)
            except ServiceError:
                pass
        assert_values_equal_movements()
        assert not StockBalance.objects.filter(value__lt=0).exists()
        assert not StockBalance.objects.filter(quantity=0).exclude(value=0).exists()
        transaction.set_rollback(True)


# ---------------------------------------------------------------- the API


def test_the_api_takes_a_receipts_unit_cost_and_shows_values(api, keeper, part, store):
    client = api(keeper)
    response = client.post("/api/v1/stock-movements/", {"kind": "receipt", "part": part.pk, "quantity": 4,
                                                        "to_location": store.pk, "unit_cost": "10.25"}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["unit_cost"], response.json()["value"]) == ("10.2500", "41.00")
    response = client.post("/api/v1/stock-movements/", {"kind": "issue", "part": part.pk, "quantity": 1,
                                                        "from_location": store.pk, "reference": "BX-1",
                                                        "unit_cost": "1.00"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "unit_cost_not_given"
    stock = client.get("/api/v1/stock/", {"location": store.pk}).json()["results"]
    assert [(s["quantity"], s["value"], s["average_cost"]) for s in stock] == [(4, "41.00", "10.2500")]


# ---------------------------------------------------------------- existing data


def test_the_migration_values_existing_stock_at_the_parts_cost_and_sums_its_months(part, store):
    """Rows made before values were kept (value 0) get quantity × the part's unit cost; a part
    without a cost stays at 0; each row is still the sum of its movements; the monthly totals are
    summed from the movements."""
    uncosted = PartFactory(unit_cost=None)
    StockMovementFactory(part=part, to_location=store, quantity=7)
    StockMovementFactory(part=uncosted, to_location=store, quantity=3)
    StockBalanceFactory(part=part, location=store, quantity=7)
    StockBalanceFactory(part=uncosted, location=store, quantity=3)
    migration = importlib.import_module("aftersales.inventory.migrations.0003_values_from_part_costs")
    migration.values_from_part_costs(apps, None)
    assert not reconciliation.month_totals_kept()
    migration.month_totals_from_movements(apps, None)
    assert list(StockMovement.objects.order_by("quantity").values_list("unit_cost", "value")) == [
        (D("0.0000"), D("0.00")), (D("12.0000"), D("84.00"))]
    assert row(part, store) == (7, D("84.00")) and row(uncosted, store) == (3, D("0.00"))
    assert_values_equal_movements()


# ---------------------------------------------------------------- archiving a store


def test_a_store_holding_stock_is_not_archived(keeper, part, store, van):
    services.stock_receive(actor=keeper, part=part, location=store, quantity=2)
    with pytest.raises(ServiceError) as exc:
        record_archive(instance=store, actor=keeper)
    assert exc.value.code == "location_holds_stock"
    assert "ZX" in exc.value.message and "2" in exc.value.message
    store.refresh_from_db()
    assert store.archived_at is None
    services.stock_transfer(actor=keeper, part=part, from_location=store, to_location=van, quantity=2)
    assert record_archive(instance=store, actor=keeper).archived_at is not None  # empty rows do not hold it


def test_the_api_refuses_archiving_a_store_holding_stock_with_the_reason(api, keeper, part, store):
    services.stock_receive(actor=keeper, part=part, location=store, quantity=1)
    response = api(keeper).post(f"/api/v1/stock-locations/{store.pk}/archive/")
    assert response.status_code == 400
    assert response.json()["code"] == "location_holds_stock" and "ZX" in response.json()["non_field_errors"][0]
    empty = StockLocationFactory()
    assert api(keeper).post(f"/api/v1/stock-locations/{empty.pk}/archive/").status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite runs one writer at a time: row locks are only tested on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_archiving_and_receiving_at_once_never_leave_stock_in_an_archived_store():
    from django.db import connections

    keeper = UserFactory(roles=[Role.PARTS])
    part = PartFactory()
    outcomes = []
    for round_ in range(8):
        store = StockLocationFactory()
        if round_ % 2:  # the stock row exists (at 0) half of the time: locked, not inserted
            services.stock_receive(actor=keeper, part=part, location=store, quantity=1)
            services.stock_issue(actor=keeper, part=part, location=store, quantity=1, reference="BX")
        start = threading.Barrier(2)

        def archive(store=store):
            try:
                start.wait()
                record_archive(instance=store, actor=keeper)
                outcomes.append("archive saved")
            except ServiceError as exc:
                outcomes.append(exc.code)
            finally:
                connections.close_all()

        def receive(store=store):
            try:
                start.wait()
                services.stock_receive(actor=keeper, part=part, location=store, quantity=3)
                outcomes.append("received")
            except ServiceError as exc:
                outcomes.append(exc.code)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=archive), threading.Thread(target=receive)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        store = StockLocation.objects.get(pk=store.pk)
        assert not (store.archived_at is not None and row(part, store)[0] > 0), outcomes
    assert set(outcomes) <= {"archive saved", "received", "location_holds_stock", "archived"}
