"""Stocktakes: start (the stock expected when the count started), count on the page or import the
counts from Excel (every bad row named, nothing entered), see the differences, post them as
adjustments with a reason, all or nothing; movements posted during the count are kept."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from aftersales.accounts.roles import Role
from aftersales.catalogue.tests.factories import PartFactory
from aftersales.core.errors import ServiceError
from aftersales.inventory import selectors, services, stocktake
from aftersales.inventory.choices import Condition, MovementKind, StocktakeState
from aftersales.inventory.models import StockMovement, Stocktake

from .factories import StockLocationFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def keeper(make_user):
    return make_user(Role.PARTS)


@pytest.fixture
def shelf(keeper):
    """A branch store holding 10 power units (good), 4 fans (good) and 2 defective power units."""
    psu = PartFactory(code="PSU-01", name="电源模块", unit_cost=D("12.00"))
    fan = PartFactory(code="FAN-01", name="风扇", unit_cost=D("3.00"))
    store = StockLocationFactory(code="FK-NB", name="宁波分库")
    services.stock_receive(actor=keeper, part=psu, location=store, quantity=10)
    services.stock_receive(actor=keeper, part=fan, location=store, quantity=4)
    services.stock_defective_return(actor=keeper, part=psu, location=store, quantity=2, reference="BX-1")
    return {"psu": psu, "fan": fan, "store": store}


def on_hand(part, location, condition=Condition.GOOD):
    return selectors.stock_on_hand(part=part, location=location, condition=condition)


def counts(st, **by_code):
    """{"PSU-01": 9, "PSU-01/defective": 2} as the service's entries."""
    entries = []
    for code, counted in by_code.items():
        code, _slash, condition = code.replace("__", "/").partition("/")
        entries.append({"part": PartFactory._meta.model.objects.get(code=code.replace("_", "-")),
                        "condition": condition or Condition.GOOD, "counted": counted})
    return entries


def xlsx(rows, header=None) -> bytes:
    """A workbook with the count sheet's headers (in the language of the moment) and ``rows``."""
    book = Workbook()
    sheet = book.active
    sheet.append(list(header) if header else [str(c[1]) for c in stocktake.COLUMNS])
    for r in rows:
        sheet.append(list(r))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- the service


def test_count_see_the_differences_and_post_them_as_adjustments(keeper, shelf):
    psu, fan, store = shelf["psu"], shelf["fan"], shelf["store"]
    st = stocktake.stocktake_start(actor=keeper, location=store)
    assert sorted((line.part.code, line.condition, line.expected) for line in st.lines.all()) == [
        ("FAN-01", "good", 4), ("PSU-01", "defective", 2), ("PSU-01", "good", 10)]
    stocktake.stocktake_count(actor=keeper, stocktake=st, counts=counts(st, PSU_01=8, FAN_01=5, PSU_01__defective=2))
    differences = {(line.part.code, line.condition): line.difference
                   for line in stocktake.stocktake_lines(st, differences_only=True)}
    assert differences == {("PSU-01", "good"): -2, ("FAN-01", "good"): 1}
    movements = stocktake.stocktake_post(actor=keeper, stocktake=st, reason="年终盘点")
    assert sorted((m.part.code, m.from_location_id is not None, m.quantity, m.value) for m in movements) == [
        ("FAN-01", False, 1, D("3.00")), ("PSU-01", True, 2, D("24.00"))]
    assert {(m.kind, m.reference, m.reason) for m in movements} == {(MovementKind.ADJUSTMENT, st.number, "年终盘点")}
    assert (on_hand(psu, store), on_hand(fan, store), on_hand(psu, store, Condition.DEFECTIVE)) == (8, 5, 2)
    st.refresh_from_db()
    assert st.state == StocktakeState.POSTED and st.posted_at and st.lines.filter(movement__isnull=False).count() == 2
    assert selectors.stock_values_stored() == selectors.stock_values_from_movements()
    with pytest.raises(ServiceError) as exc:
        stocktake.stocktake_count(actor=keeper, stocktake=st, counts=counts(st, PSU_01=1))
    assert exc.value.code == "not_counting"


def test_movements_posted_during_the_count_are_kept(keeper, shelf):
    psu, fan, store = shelf["psu"], shelf["fan"], shelf["store"]
    st = stocktake.stocktake_start(actor=keeper, location=store)
    services.stock_issue(actor=keeper, part=psu, location=store, quantity=3, reference="BX-2")  # during the count
    services.stock_receive(actor=keeper, part=fan, location=store, quantity=6)  # put aside, not counted
    stocktake.stocktake_count(actor=keeper, stocktake=st, counts=counts(st, PSU_01=9, FAN_01=4, PSU_01__defective=2))
    stocktake.stocktake_post(actor=keeper, stocktake=st, reason="盘点")
    assert on_hand(psu, store) == 10 - 3 - 1  # the issue is kept; one unit was missing when the count started
    assert on_hand(fan, store) == 4 + 6


def test_a_part_found_that_is_not_listed_gets_a_line_expecting_nothing(keeper, shelf):
    store = shelf["store"]
    found = PartFactory(code="HDD-4T", unit_cost=D("500.00"))
    st = stocktake.stocktake_start(actor=keeper, location=store)
    stocktake.stocktake_count(actor=keeper, stocktake=st, counts=[{"part": found, "condition": "good", "counted": 1}]
                              + counts(st, PSU_01=10, FAN_01=4, PSU_01__defective=2))
    line = st.lines.get(part=found)
    assert (line.expected, line.counted) == (0, 1)
    movement = stocktake.stocktake_post(actor=keeper, stocktake=st, reason="发现")[0]
    assert (movement.to_location_id, movement.quantity, movement.value) == (store.pk, 1, D("500.00"))


def test_nothing_is_posted_when_one_line_cannot_be_adjusted(keeper, shelf):
    psu, fan, store = shelf["psu"], shelf["fan"], shelf["store"]
    st = stocktake.stocktake_start(actor=keeper, location=store)
    stocktake.stocktake_count(actor=keeper, stocktake=st, counts=counts(st, PSU_01=7, FAN_01=1, PSU_01__defective=2))
    services.stock_issue(actor=keeper, part=fan, location=store, quantity=4, reference="BX-3")  # none left to lose
    before = (StockMovement.objects.count(), selectors.stock_values_stored())
    with pytest.raises(ServiceError) as exc:
        stocktake.stocktake_post(actor=keeper, stocktake=st, reason="盘点")
    assert exc.value.code == "lines_refused" and "FAN-01" in exc.value.message
    assert list(exc.value.params["lines"]) == [st.lines.get(part=fan).pk]
    assert (StockMovement.objects.count(), selectors.stock_values_stored()) == before
    assert on_hand(psu, store) == 10
    st.refresh_from_db()
    assert st.state == StocktakeState.COUNTING and not st.lines.filter(movement__isnull=False).exists()


def test_posting_needs_every_line_counted_and_a_reason(keeper, shelf):
    st = stocktake.stocktake_start(actor=keeper, location=shelf["store"])
    stocktake.stocktake_count(actor=keeper, stocktake=st, counts=counts(st, PSU_01=10))
    with pytest.raises(ServiceError) as exc:
        stocktake.stocktake_post(actor=keeper, stocktake=st, reason="盘点")
    assert exc.value.code == "not_counted" and "2" in exc.value.message
    stocktake.stocktake_count(actor=keeper, stocktake=st, counts=counts(st, FAN_01=4, PSU_01__defective=2))
    with pytest.raises(ServiceError) as exc:
        stocktake.stocktake_post(actor=keeper, stocktake=st, reason=" ")
    assert exc.value.code == "reason_required"
    assert stocktake.stocktake_post(actor=keeper, stocktake=st, reason="盘点无差异") == []
    st.refresh_from_db()
    assert st.state == StocktakeState.POSTED


def test_one_count_at_a_time_per_store_and_a_cancelled_count_changes_nothing(keeper, shelf):
    store = shelf["store"]
    st = stocktake.stocktake_start(actor=keeper, location=store)
    with pytest.raises(ServiceError) as exc:
        stocktake.stocktake_start(actor=keeper, location=store)
    assert exc.value.code == "already_counting"
    stocktake.stocktake_cancel(actor=keeper, stocktake=st, reason="重新盘点")
    assert Stocktake.objects.get(pk=st.pk).state == StocktakeState.CANCELLED
    assert stocktake.stocktake_start(actor=keeper, location=store).pk != st.pk


@pytest.mark.parametrize("counted", [-1, 1.5, "3", True])
def test_a_count_is_a_whole_number_of_at_least_zero(keeper, shelf, counted):
    st = stocktake.stocktake_start(actor=keeper, location=shelf["store"])
    with pytest.raises(ServiceError) as exc:
        stocktake.stocktake_count(actor=keeper, stocktake=st, counts=[
            {"part": shelf["psu"], "condition": "good", "counted": counted}])
    assert exc.value.code == "invalid_quantity"


# ---------------------------------------------------------------- Excel


def test_the_count_sheet_lists_the_lines_and_imports_back(keeper, shelf):
    st = stocktake.stocktake_start(actor=keeper, location=shelf["store"])
    sheet = load_workbook(io.BytesIO(stocktake.stocktake_template(st))).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert [r[0] for r in rows[1:]] == ["FAN-01", "PSU-01", "PSU-01"]
    assert all(r[4] is None for r in rows[1:])  # a blind count: nothing expected shown
    rows[1][4], rows[2][4], rows[3][4] = 3, 2, 9
    changed = stocktake.stocktake_import(actor=keeper, stocktake=st, file=xlsx(rows[1:], header=rows[0]))
    assert changed == 3
    assert {(line.part.code, line.condition): line.counted for line in st.lines.select_related("part")} == {
        ("FAN-01", "good"): 3, ("PSU-01", "defective"): 2, ("PSU-01", "good"): 9}


def test_an_import_with_bad_rows_names_each_and_enters_nothing(keeper, shelf):
    st = stocktake.stocktake_start(actor=keeper, location=shelf["store"])
    good = str(Condition.GOOD.label)
    content = xlsx([
        ("PSU-01", "", "", good, 9),
        ("NOPE-1", "", "", good, 1),
        ("FAN-01", "", "", good, -2),
        ("PSU-01", "", "", "坏掉", 1),
        ("PSU-01", "", "", "good", 8),
        ("", "", "", "", 1),
    ])
    with pytest.raises(ServiceError) as exc, translation.override("en"):
        stocktake.stocktake_import(actor=keeper, stocktake=st, file=content)
    assert exc.value.code == "import_refused"
    assert [(e.row, e.message) for e in exc.value.params["errors"]] == [
        (3, "No part has this number."), (4, "Give a whole number of at least 0."), (5, "Write Good or Defective."),
        (6, "This part and condition are already on row 2."), (7, "Give the part number.")]
    assert not st.lines.filter(counted__isnull=False).exists()


def test_an_import_without_the_count_column_or_not_a_workbook_is_refused(keeper, shelf):
    st = stocktake.stocktake_start(actor=keeper, location=shelf["store"])
    with pytest.raises(ServiceError) as exc:
        stocktake.stocktake_import(actor=keeper, stocktake=st, file=xlsx([("PSU-01", 1)], header=(
            str(stocktake.COLUMNS[0][1]), "数量")))
    assert exc.value.params["errors"][0].row == 1
    with pytest.raises(ServiceError) as exc:
        stocktake.stocktake_import(actor=keeper, stocktake=st, file=b"not a workbook")
    assert exc.value.code == "file_type"


# ---------------------------------------------------------------- the pages


def test_the_parts_keeper_runs_a_stocktake_through_the_pages(client, keeper, shelf):
    store = shelf["store"]
    client.force_login(keeper)
    assert client.get("/stock/stocktakes/new/").status_code == 200
    response = client.post("/stock/stocktakes/new/", {"location": store.pk, "note": "季度盘点"})
    st = Stocktake.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/stock/stocktakes/{st.pk}/"
    page = client.get(f"/stock/stocktakes/{st.pk}/")
    lines = {(line.part.code, line.condition): line.pk for line in st.lines.select_related("part")}
    assert f'name="line-{lines["PSU-01", "good"]}"' in page.content.decode()
    response = client.post(f"/stock/stocktakes/{st.pk}/", {
        f"line-{lines['PSU-01', 'good']}": "9", f"line-{lines['FAN-01', 'good']}": "4",
        f"line-{lines['PSU-01', 'defective']}": "", "part": "", "counted": ""})
    assert response.status_code == 302
    template = client.get(f"/stock/stocktakes/{st.pk}/template.xlsx")
    assert template.status_code == 200 and "spreadsheetml" in template["Content-Type"]
    upload = io.BytesIO(xlsx([("PSU-01", "", "", "defective", 2)]))
    upload.name = "counts.xlsx"
    response = client.post(f"/stock/stocktakes/{st.pk}/import/", {"file": upload})
    assert response.status_code == 302
    differences = client.get(f"/stock/stocktakes/{st.pk}/differences/")
    assert b'data-part="PSU-01" data-condition="good"' in differences.content
    assert b'data-part="FAN-01"' not in differences.content
    response = client.post(f"/stock/stocktakes/{st.pk}/post/", {"reason": "季度盘点"})
    assert response.status_code == 302
    assert on_hand(shelf["psu"], store) == 9 and Stocktake.objects.get().state == StocktakeState.POSTED
    assert client.get("/stock/stocktakes/").status_code == 200


def test_a_refused_import_shows_each_bad_row_on_the_page(client, keeper, shelf):
    st = stocktake.stocktake_start(actor=keeper, location=shelf["store"])
    client.force_login(keeper)
    upload = io.BytesIO(xlsx([("PSU-01", "", "", "", 1), ("NOPE-1", "", "", "", 1)]))
    upload.name = "counts.xlsx"
    response = client.post(f"/stock/stocktakes/{st.pk}/import/", {"file": upload})
    assert response.status_code == 200 and b'id="import-errors"' in response.content
    assert b"<tr><td>3</td>" in response.content and b"<tr><td>2</td>" not in response.content
    assert not st.lines.filter(counted__isnull=False).exists()


def test_a_refused_posting_names_the_line_on_the_page(client, keeper, shelf):
    fan, store = shelf["fan"], shelf["store"]
    st = stocktake.stocktake_start(actor=keeper, location=store)
    stocktake.stocktake_count(actor=keeper, stocktake=st, counts=counts(st, PSU_01=10, FAN_01=1, PSU_01__defective=2))
    services.stock_issue(actor=keeper, part=fan, location=store, quantity=4, reference="BX-3")
    client.force_login(keeper)
    response = client.post(f"/stock/stocktakes/{st.pk}/post/", {"reason": "盘点"})
    assert response.status_code == 200 and "FAN-01" in response.content.decode()
    assert b'class="due-breached"' in response.content


def test_a_technician_reads_stocktakes_but_does_not_run_them(client, make_user, keeper, shelf):
    st = stocktake.stocktake_start(actor=keeper, location=shelf["store"])
    client.force_login(make_user(Role.TECHNICIAN))
    assert client.get("/stock/stocktakes/").status_code == 200
    assert client.get(f"/stock/stocktakes/{st.pk}/").status_code == 200
    assert client.get("/stock/stocktakes/new/").status_code == 403
    assert client.post(f"/stock/stocktakes/{st.pk}/post/", {"reason": "x"}).status_code == 403
    assert client.post(f"/stock/stocktakes/{st.pk}/", {"part": ""}).status_code == 403
