"""The monthly reconciliation (SPEC P5): opening + in − out = closing in quantity and value, across a
locked month and an open one; a locked month refuses movements dated in it (one or a batch); the
Excel export for finance; the lock's rules and who may lock; the same few queries whatever the
number of movements."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import UserFactory
from aftersales.catalogue.tests.factories import PartFactory
from aftersales.core.errors import ServiceError
from aftersales.inventory import posting, selectors, services
from aftersales.inventory.choices import (
    RECONCILIATION_COLUMNS,
    Condition,
    Direction,
    MovementKind,
)
from aftersales.inventory.models import StockMovement, StockPeriod, StockSnapshot
from aftersales.inventory.reconciliation import (
    month_of,
    month_start,
    month_totals_from_movements,
    month_totals_kept,
    previous_month,
    reconciliation_compute,
    stock_period_lock,
)

from .factories import StockLocationFactory, VanFactory

pytestmark = pytest.mark.django_db
D = Decimal
CURRENT = month_of(timezone.now())
M2 = previous_month(CURRENT)  # last month: left open in these tests
M1 = previous_month(M2)  # the month before: locked


def at(month: dt.date, day: int, hour: int = 10) -> dt.datetime:
    return month_start(month) + dt.timedelta(days=day - 1, hours=hour)


def column(kind: str, direction: str) -> int:
    return next(i for i, c in enumerate(RECONCILIATION_COLUMNS) if c[0] == kind and c[1] == direction)


def replay(before: dt.datetime) -> dict:
    """What the stock was at ``before``, replayed movement by movement (the test's own sum)."""
    totals = defaultdict(lambda: [0, D("0.00")])
    for movement in StockMovement.objects.filter(at__lt=before):
        for key, change in selectors.movement_effects(movement):
            totals[key][0] += change
            totals[key][1] += movement.value if change > 0 else -movement.value
    return {key: tuple(v) for key, v in totals.items() if v != [0, 0]}


def opening_and_closing(result) -> tuple[dict, dict]:
    opening, closing = {}, {}
    for x in result.lines:
        key = (x.part_id, x.location_id, x.condition)
        if (x.opening_quantity, x.opening_value) != (0, 0):
            opening[key] = (x.opening_quantity, x.opening_value)
        if (x.closing_quantity, x.closing_value) != (0, 0):
            closing[key] = (x.closing_quantity, x.closing_value)
    return opening, closing


@pytest.fixture
def keeper():
    return UserFactory(roles=[Role.PARTS])


@pytest.fixture
def world(keeper):
    """M1: two receipts at two prices, a transfer to the van, an issue from it, a defective part back
    and repaired; M2: a receipt, an issue, a count lower; this month: an issue."""
    psu = PartFactory(code="PSU-01", name="电源模块", unit_cost=D("12.00"))
    fan = PartFactory(code="FAN-01", name="风扇", unit_cost=D("3.50"))
    store = StockLocationFactory(code="ZX", name="中心库", kind="central")
    van = VanFactory(code="VAN-1")
    post = posting.movement_post
    post(actor=keeper, kind="receipt", part=psu, quantity=10, to_location=store, unit_cost=D("10.00"), at=at(M1, 2))
    post(actor=keeper, kind="receipt", part=psu, quantity=5, to_location=store, unit_cost=D("13.00"), at=at(M1, 3))
    post(actor=keeper, kind="receipt", part=fan, quantity=6, to_location=store, at=at(M1, 3))
    post(actor=keeper, kind="transfer", part=psu, quantity=4, from_location=store, to_location=van, at=at(M1, 10))
    post(actor=keeper, kind="issue", part=psu, quantity=1, from_location=van, reference="BX-1", at=at(M1, 12))
    post(actor=keeper, kind="defective_return", part=psu, quantity=1, to_location=van, reference="BX-1",
         at=at(M1, 12, 11))
    post(actor=keeper, kind="transfer", part=psu, quantity=1, from_location=van, to_location=store,
         condition=Condition.DEFECTIVE, at=at(M1, 15))
    post(actor=keeper, kind="repaired", part=psu, quantity=1, from_location=store, to_location=store,
         condition=Condition.DEFECTIVE, at=at(M1, 20))
    post(actor=keeper, kind="receipt", part=psu, quantity=3, to_location=store, unit_cost=D("14.00"), at=at(M2, 5))
    post(actor=keeper, kind="issue", part=psu, quantity=2, from_location=store, reference="BX-2", at=at(M2, 6))
    post(actor=keeper, kind="adjustment", part=fan, quantity=1, from_location=store, reason="盘亏", at=at(M2, 28))
    services.stock_issue(actor=keeper, part=fan, location=store, quantity=2, reference="BX-3")
    return {"psu": psu, "fan": fan, "store": store, "van": van}


def line_of(result, part, location, condition=Condition.GOOD):
    return next(x for x in result.lines if (x.part_id, x.location_id, x.condition) == (part.pk, location.pk, condition))


# ---------------------------------------------------------------- the identities


def test_a_locked_month_and_the_open_month_after_it_add_up(keeper, world):
    psu, store = world["psu"], world["store"]
    first = reconciliation_compute(month=M1)
    opening, closing = opening_and_closing(first)
    assert opening == replay(month_start(M1)) == {}
    assert closing == replay(month_start(M2))
    line = line_of(first, psu, store)
    assert line.moves[column(MovementKind.RECEIPT, Direction.IN)] == [15, D("165.00")]
    assert line.moves[column(MovementKind.TRANSFER, Direction.OUT)] == [4, D("44.00")]
    assert line.moves[column(MovementKind.REPAIRED, Direction.IN)] == [1, D("12.00")]
    assert (line.closing_quantity, line.closing_value) == (12, D("133.00"))
    defective = line_of(first, psu, store, Condition.DEFECTIVE)
    assert defective.moves[column(MovementKind.TRANSFER, Direction.IN)] == [1, D("12.00")]
    assert defective.moves[column(MovementKind.REPAIRED, Direction.OUT)] == [1, D("12.00")]
    assert (defective.closing_quantity, defective.closing_value) == (0, D("0.00"))
    totals = first.totals
    assert totals.moves[column(MovementKind.TRANSFER, Direction.IN)] == totals.moves[
        column(MovementKind.TRANSFER, Direction.OUT)]

    period = stock_period_lock(actor=keeper, month=M1)
    snapshots = {(s.part_id, s.location_id, s.condition): (s.quantity, s.value) for s in period.snapshots.all()}
    assert snapshots == closing
    assert (period.closing_quantity, period.closing_value) == (totals.closing_quantity, totals.closing_value)

    second = reconciliation_compute(month=M2)
    opening2, closing2 = opening_and_closing(second)
    assert opening2 == closing  # the open month opens with the locked month's closing
    assert closing2 == replay(month_start(CURRENT))
    for x in second.lines:  # opening + in − out = closing, in quantity and in value
        assert x.opening_quantity + x.quantity_in - x.quantity_out == x.closing_quantity
        assert x.opening_value + x.value_in - x.value_out == x.closing_value
    current = reconciliation_compute(month=CURRENT)
    assert opening_and_closing(current)[1] == selectors.stock_values_stored()  # and this month ends at the stock
    assert month_totals_kept() == month_totals_from_movements()


def test_the_opening_of_the_month_after_a_lock_is_read_from_its_snapshot(keeper, world):
    psu, store = world["psu"], world["store"]
    stock_period_lock(actor=keeper, month=M1)
    StockSnapshot.objects.filter(part=psu, location=store, condition=Condition.GOOD).update(quantity=1000)
    assert line_of(reconciliation_compute(month=M2), psu, store).opening_quantity == 1000


def test_a_month_after_unlocked_months_opens_with_every_movement_before_it(world):
    result = reconciliation_compute(month=CURRENT)
    assert opening_and_closing(result)[0] == replay(month_start(CURRENT))


def test_one_store_shows_the_same_figures_as_in_the_whole(world):
    store = world["store"]
    whole = [x for x in reconciliation_compute(month=M2).lines if x.location_id == store.pk]
    alone = reconciliation_compute(month=M2, location=store).lines
    assert [(x.part_id, x.condition, x.opening_value, x.moves, x.closing_value) for x in alone] == [
        (x.part_id, x.condition, x.opening_value, x.moves, x.closing_value) for x in whole]
    assert {x.location_id for x in alone} == {store.pk}


def test_the_same_few_queries_whatever_the_number_of_movements(keeper, world):
    psu, store = world["psu"], world["store"]
    stock_period_lock(actor=keeper, month=M1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            reconciliation_compute(month=M2)
        return len(captured)

    before = queries()
    parts = [PartFactory() for _n in range(5)]
    posting.movements_post(actor=keeper, rows=[
        {"kind": "receipt", "part": p, "quantity": n + 1, "to_location": store, "at": at(M2, 1 + n)}
        for n in range(20) for p in parts + [psu]])
    assert queries() == before <= 10


# ---------------------------------------------------------------- locking


def test_a_movement_dated_in_a_locked_month_is_refused(keeper, world):
    psu, store = world["psu"], world["store"]
    stock_period_lock(actor=keeper, month=M1)
    with pytest.raises(ServiceError) as exc:
        services.stock_receive(actor=keeper, part=psu, location=store, quantity=1, at=at(M1, 30))
    assert exc.value.code == "month_locked" and exc.value.field == "at"
    assert f"{M1:%Y-%m}" in exc.value.message and f"{M2:%Y-%m}" in exc.value.message
    count = StockMovement.objects.count()
    services.stock_receive(actor=keeper, part=psu, location=store, quantity=1, at=at(M2, 1, 0))  # the open month
    assert StockMovement.objects.count() == count + 1


def test_a_batch_with_a_row_dated_in_a_locked_month_posts_nothing_and_names_it(keeper, world):
    psu, store, van = world["psu"], world["store"], world["van"]
    stock_period_lock(actor=keeper, month=M1)
    before = (StockMovement.objects.count(), selectors.stock_values_stored())
    rows = [{"kind": "receipt", "part": psu, "quantity": 1, "to_location": store},
            {"kind": "transfer", "part": psu, "quantity": 1, "from_location": store, "to_location": van,
             "at": at(M1, 28)},
            {"kind": "receipt", "part": psu, "quantity": 2, "to_location": van, "at": at(M2, 3)}]
    with pytest.raises(ServiceError) as exc:
        posting.movements_post(actor=keeper, rows=rows)
    assert exc.value.code == "rows_refused" and list(exc.value.params["rows"]) == [1]
    assert "at" in exc.value.params["rows"][1]
    assert (StockMovement.objects.count(), selectors.stock_values_stored()) == before


def test_the_api_refuses_a_movement_dated_in_a_locked_month(api, keeper, world):
    psu, store = world["psu"], world["store"]
    stock_period_lock(actor=keeper, month=M1)
    response = api(keeper).post("/api/v1/stock-movements/", {
        "kind": "receipt", "part": psu.pk, "quantity": 1, "to_location": store.pk,
        "at": at(M1, 20).isoformat()}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "month_locked"
    response = api(keeper).post("/api/v1/stock-movements/batch/", [
        {"kind": "receipt", "part": psu.pk, "quantity": 1, "to_location": store.pk},
        {"kind": "receipt", "part": psu.pk, "quantity": 1, "to_location": store.pk, "at": at(M1, 2).isoformat()}],
        format="json")
    assert response.status_code == 400 and response.json()["rows"][0] == {} and response.json()["rows"][1]["at"]


def test_months_are_locked_once_over_in_order_and_once(keeper, world):
    def refused(month) -> str:
        with pytest.raises(ServiceError) as exc:
            stock_period_lock(actor=keeper, month=month)
        return exc.value.message

    assert f"{CURRENT:%Y-%m}" in refused(CURRENT)  # not over yet
    earlier = previous_month(M1)
    stock_period_lock(actor=keeper, month=earlier)  # the first lock: any month that is over
    assert f"{M1:%Y-%m}" in refused(M2)  # in order
    stock_period_lock(actor=keeper, month=M1)
    assert f"{M1:%Y-%m}" in refused(M1)  # once
    assert list(StockPeriod.objects.values_list("month", flat=True)) == [M1, earlier]


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite runs one writer at a time: the months' lock is only tested on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_movements_dated_in_a_month_being_locked_either_make_its_snapshot_or_are_refused():
    from django.db import connections

    keeper = UserFactory(roles=[Role.PARTS])
    part = PartFactory(unit_cost=D("2.00"))
    store = StockLocationFactory()
    services.stock_receive(actor=keeper, part=part, location=store, quantity=1, at=at(M1, 1))
    start = threading.Barrier(5)
    outcomes = []

    def lock():
        try:
            start.wait()
            stock_period_lock(actor=keeper, month=M1)
            outcomes.append("locked")
        finally:
            connections.close_all()

    def receive(n):
        try:
            start.wait()
            for i in range(6):
                try:
                    services.stock_receive(actor=keeper, part=part, location=store, quantity=1, at=at(M1, 2 + i))
                    outcomes.append("received")
                except ServiceError as exc:
                    outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=lock)] + [threading.Thread(target=receive, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "locked" in outcomes and set(outcomes) <= {"locked", "received", "month_locked"}
    snapshot = StockSnapshot.objects.get(period__month=M1, part=part)
    in_month = StockMovement.objects.filter(part=part, at__lt=month_start(M2)).count()
    assert snapshot.quantity == in_month == 1 + outcomes.count("received")


# ---------------------------------------------------------------- pages and the export


def test_finance_reads_the_month_and_its_excel_export_with_the_right_figures(client, keeper, world, make_user):
    stock_period_lock(actor=keeper, month=M1)
    finance = make_user(Role.FINANCE)
    client.force_login(finance)
    page = client.get("/stock/reconciliation/", {"month": f"{M2:%Y-%m}"})
    assert page.status_code == 200
    assert 'data-part="PSU-01" data-location="ZX" data-condition="good"' in page.content.decode()
    assert b'id="lock-month"' not in page.content  # finance reads, the parts keeper locks
    response = client.get("/stock/reconciliation/export.xlsx", {"month": f"{M2:%Y-%m}"})
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    assert "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert len(rows[0]) == 6 + 2 + 2 * len(RECONCILIATION_COLUMNS) + 2
    line = next(r for r in rows[1:] if r[0] == "ZX" and r[2] == "PSU-01" and r[5] == str(Condition.GOOD.label))
    figures = line[6:]
    receipt, issue = 2 + 2 * column("receipt", Direction.IN), 2 + 2 * column("issue", Direction.OUT)
    assert (figures[0], D(str(figures[1]))) == (12, D("133.00"))  # opening: M1's closing
    assert (figures[receipt], D(str(figures[receipt + 1]))) == (3, D("42.00"))
    assert (figures[issue], D(str(figures[issue + 1]))) == (2, D("23.33"))  # 175.00 × 2 / 15
    assert (figures[-2], D(str(figures[-1]))) == (13, D("151.67"))
    total = rows[-1]
    assert total[0] and total[-2] == sum(r[-2] for r in rows[1:-1])
    assert D(str(total[-1])) == sum(D(str(r[-1])) for r in rows[1:-1])


def test_the_parts_keeper_locks_the_month_from_its_page_and_finance_may_not(client, world, make_user):
    finance = make_user(Role.FINANCE)
    client.force_login(finance)
    assert client.post("/stock/reconciliation/lock/", {"month": f"{M1:%Y-%m}", "confirm": "on"}).status_code == 403
    client.force_login(make_user(Role.PARTS))
    page = client.get("/stock/reconciliation/", {"month": f"{M1:%Y-%m}"})
    assert b'id="lock-month"' in page.content
    client.post("/stock/reconciliation/lock/", {"month": f"{M1:%Y-%m}"})  # not confirmed
    assert not StockPeriod.objects.exists()
    response = client.post("/stock/reconciliation/lock/", {"month": f"{M1:%Y-%m}", "confirm": "on"}, follow=True)
    assert StockPeriod.objects.get().month == M1
    assert b'id="lock-month"' not in response.content


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.DEALER])
def test_customers_and_dealers_see_no_reconciliation(client, make_user, role):
    from aftersales.customers.tests.factories import CustomerFactory
    from aftersales.dealers.tests.factories import DealerFactory

    user = make_user(role, customer=CustomerFactory()) if role == Role.CUSTOMER else make_user(
        role, dealer=DealerFactory())
    client.force_login(user)
    assert client.get("/stock/reconciliation/").status_code == 403
    assert client.get("/stock/reconciliation/export.xlsx").status_code == 403


# ---------------------------------------------------------------- the demo


@pytest.mark.slow
def test_the_demo_has_last_month_locked_a_posted_stocktake_and_one_in_progress():
    from django.core.management import call_command

    from aftersales.accounts.models import User
    from aftersales.inventory.choices import StocktakeState
    from aftersales.inventory.demo_periods import demo_periods
    from aftersales.inventory.models import Stocktake

    call_command("demo_data", stdout=io.StringIO())  # the demo runs demo_periods
    assert demo_periods(actor=User.objects.get(username="parts"), today=timezone.localdate()) == {}  # only once
    period = StockPeriod.objects.get()
    assert period.month == M2
    result = reconciliation_compute(month=M2)
    snapshots = {(s.part_id, s.location_id, s.condition): (s.quantity, s.value) for s in period.snapshots.all()}
    assert opening_and_closing(result)[1] == snapshots and result.totals.quantity_in > 0
    assert not result.negative_lines
    posted = Stocktake.objects.get(state=StocktakeState.POSTED)
    assert posted.lines.filter(movement__isnull=False).count() == 1
    assert Stocktake.objects.filter(state=StocktakeState.COUNTING).count() == 1
    assert selectors.stock_values_stored() == selectors.stock_values_from_movements()
    assert selectors.stock_stored() == selectors.stock_from_movements()
    assert demo_periods(actor=User.objects.get(username="parts"), today=timezone.localdate()) == {}
