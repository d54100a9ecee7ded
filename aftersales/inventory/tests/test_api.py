"""The stock API: read-only stock, movements posted one by one or as a batch (all or nothing),
stores as records; staff only."""

from __future__ import annotations

import pytest

from aftersales.accounts.roles import Role
from aftersales.catalogue.tests.factories import PartFactory
from aftersales.inventory import services
from aftersales.inventory.models import StockMovement

from .factories import StockLocationFactory, VanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper(make_user):
    return make_user(Role.PARTS)


@pytest.fixture
def stocked(keeper):
    part = PartFactory(code="PSU-01", name="电源模块")
    store = StockLocationFactory(code="ZX", kind="central")
    van = VanFactory(code="VAN-1")
    services.stock_receive(actor=keeper, part=part, location=store, quantity=5)
    services.stock_minimum_set(actor=keeper, part=part, location=store, minimum=8)
    return part, store, van


def test_parts_keeper_posts_a_transfer_and_the_stock_follows(api, keeper, stocked):
    part, store, van = stocked
    response = api(keeper).post("/api/v1/stock-movements/", {
        "kind": "transfer", "part": part.pk, "quantity": 2, "from_location": store.pk, "to_location": van.pk},
        format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["actor"] == keeper.pk
    stock = api(keeper).get("/api/v1/stock/", {"location": van.pk}).json()["results"]
    assert [(s["part_code"], s["quantity"]) for s in stock] == [("PSU-01", 2)]


def test_going_negative_is_400_with_the_code(api, keeper, stocked):
    part, store, _van = stocked
    response = api(keeper).post("/api/v1/stock-movements/", {
        "kind": "issue", "part": part.pk, "quantity": 6, "from_location": store.pk, "reference": "BX-1"},
        format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "insufficient_stock" and response.json()["quantity"]


@pytest.mark.parametrize("quantity", ["2", 1.5, True, 0])
def test_quantity_is_a_strict_positive_integer(api, keeper, stocked, quantity):
    part, store, _van = stocked
    response = api(keeper).post("/api/v1/stock-movements/", {
        "kind": "receipt", "part": part.pk, "quantity": quantity, "to_location": store.pk}, format="json")
    assert response.status_code == 400


def test_batch_all_or_nothing_with_per_row_errors(api, keeper, stocked):
    part, store, van = stocked
    rows = [{"kind": "transfer", "part": part.pk, "quantity": 3, "from_location": store.pk, "to_location": van.pk},
            {"kind": "issue", "part": part.pk, "quantity": 4, "from_location": van.pk, "reference": "BX-1"}]
    before = StockMovement.objects.count()
    response = api(keeper).post("/api/v1/stock-movements/batch/", rows, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "rows_refused" and body["rows"][0] == {} and body["rows"][1]["quantity"]
    assert StockMovement.objects.count() == before
    rows[1]["quantity"] = 3
    response = api(keeper).post("/api/v1/stock-movements/batch/", rows, format="json")
    assert response.status_code == 201 and len(response.json()) == 2


def test_batch_with_an_invalid_row_names_it(api, keeper, stocked):
    part, store, _van = stocked
    rows = [{"kind": "receipt", "part": part.pk, "quantity": 1, "to_location": store.pk},
            {"kind": "receipt", "part": "x", "quantity": 1, "to_location": store.pk}]
    body = api(keeper).post("/api/v1/stock-movements/batch/", rows, format="json").json()
    assert body["code"] == "invalid" and body["rows"][0] == {} and "part" in body["rows"][1]
    assert api(keeper).post("/api/v1/stock-movements/batch/", {"rows": []}, format="json").status_code == 400


def test_stock_filters_and_the_reorder_view(api, keeper, stocked):
    part, store, _van = stocked
    client = api(keeper)
    short = client.get("/api/v1/stock/", {"below_minimum": "true"}).json()["results"]
    assert [(s["location_code"], s["to_order"]) for s in short] == [("ZX", 3)]
    assert client.get("/api/v1/stock/", {"search": "电源"}).json()["count"] == 1
    assert client.get("/api/v1/stock/", {"below_minimum": "maybe"}).status_code == 400
    assert client.get("/api/v1/stock/", {"condition": "defective"}).json()["count"] == 0


def test_movement_list_filters_by_location_either_side(api, keeper, stocked):
    part, store, van = stocked
    services.stock_transfer(actor=keeper, part=part, from_location=store, to_location=van, quantity=1)
    client = api(keeper)
    assert client.get("/api/v1/stock-movements/", {"location": van.pk}).json()["count"] == 1
    assert client.get("/api/v1/stock-movements/", {"location": store.pk}).json()["count"] == 2
    assert client.get("/api/v1/stock-movements/", {"kind": "nonsense"}).status_code == 400


def test_stock_locations_are_archived_not_deleted_and_a_van_needs_its_technician(api, keeper, stocked):
    _part, store, van = stocked
    client = api(keeper)
    assert client.post("/api/v1/stock-locations/", {"code": "VAN-2", "name": "车载库", "kind": "van"},
                       format="json").status_code == 400
    assert client.delete(f"/api/v1/stock-locations/{store.pk}/").status_code == 405
    refused = client.post(f"/api/v1/stock-locations/{store.pk}/archive/")  # it holds stock
    assert refused.status_code == 400 and refused.json()["code"] == "location_holds_stock"
    assert client.post(f"/api/v1/stock-locations/{van.pk}/archive/").status_code == 200
    assert client.post(f"/api/v1/stock-locations/{van.pk}/restore/").status_code == 200


def test_stock_is_read_only_and_movements_are_never_changed(api, keeper, stocked):
    client = api(keeper)
    movement = StockMovement.objects.first()
    assert client.post("/api/v1/stock/", {}, format="json").status_code == 405
    assert client.patch(f"/api/v1/stock-movements/{movement.pk}/", {"quantity": 1}, format="json").status_code == 405


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.FINANCE, Role.DESK])
def test_other_staff_read_but_do_not_post(api, make_user, stocked, role):
    part, store, _van = stocked
    client = api(make_user(role))
    assert client.get("/api/v1/stock/").status_code == 200
    assert client.get("/api/v1/stock-movements/").status_code == 200
    assert client.post("/api/v1/stock-movements/", {"kind": "receipt", "part": part.pk, "quantity": 1,
                                                    "to_location": store.pk}, format="json").status_code == 403


def test_customers_see_nothing(api, make_user, stocked):
    from aftersales.customers.tests.factories import CustomerFactory

    client = api(make_user(Role.CUSTOMER, customer=CustomerFactory()))
    for path in ("/api/v1/stock/", "/api/v1/stock-movements/", "/api/v1/stock-locations/"):
        assert client.get(path).status_code == 403


# ---------------------------------------------------------------- minimum levels and the reorder list


def test_parts_keeper_sets_a_minimum_level(api, keeper, stocked):
    part, _store, van = stocked
    response = api(keeper).post("/api/v1/stock/set-minimum/", {"part": part.pk, "location": van.pk, "minimum": 3},
                                format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["location_code"], body["condition"], body["quantity"], body["minimum"], body["to_order"]) == (
        "VAN-1", "good", 0, 3, 3)
    from aftersales.inventory.models import StockBalance

    assert StockBalance.objects.get(part=part, location=van, condition="good").minimum == 3


@pytest.mark.parametrize("body", [{"minimum": -1}, {"minimum": "3"}, {"minimum": 1.5}, {"part": 999999},
                                  {"location": "x"}, {"minimum": None}])
def test_a_minimum_level_must_be_a_whole_number_of_a_known_part_and_store(api, keeper, stocked, body):
    part, store, _van = stocked
    data = {"part": part.pk, "location": store.pk, "minimum": 3, **body}
    assert api(keeper).post("/api/v1/stock/set-minimum/", data, format="json").status_code == 400


def test_no_minimum_level_for_an_archived_store(api, keeper, stocked):
    part, _store, van = stocked
    api(keeper).post(f"/api/v1/stock-locations/{van.pk}/archive/")
    response = api(keeper).post("/api/v1/stock/set-minimum/", {"part": part.pk, "location": van.pk, "minimum": 3},
                                format="json")
    assert response.status_code == 400 and response.json()["code"] == "archived"


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.DESK, Role.ADMIN])
def test_only_who_may_change_stock_rows_sets_minimum_levels(api, make_user, stocked, role):
    part, store, _van = stocked
    response = api(make_user(role)).post("/api/v1/stock/set-minimum/", {
        "part": part.pk, "location": store.pk, "minimum": 1}, format="json")
    assert response.status_code == 403


def test_the_reorder_list_by_location(api, keeper, stocked):
    part, store, van = stocked
    other = PartFactory(code="FAN-02")
    services.stock_minimum_set(actor=keeper, part=other, location=van, minimum=2)
    services.stock_minimum_set(actor=keeper, part=PartFactory(code="MET-03"), location=van, minimum=0)
    client = api(keeper)
    rows = client.get("/api/v1/stock/reorder/").json()["results"]
    assert [(r["location_code"], r["part_code"], r["to_order"]) for r in rows] == [("VAN-1", "FAN-02", 2),
                                                                                   ("ZX", "PSU-01", 3)]
    only = client.get("/api/v1/stock/reorder/", {"location": store.pk}).json()["results"]
    assert [(r["part_code"], r["to_order"]) for r in only] == [("PSU-01", 3)]
    assert client.get("/api/v1/stock/reorder/", {"location": "x"}).status_code == 400
    assert [r["part_code"] for r in client.get("/api/v1/stock/reorder/", {"search": "fan"}).json()["results"]] == [
        "FAN-02"]


def test_reorder_list_is_staff_only(api, make_user, stocked):
    from aftersales.customers.tests.factories import CustomerFactory

    assert api(make_user(Role.TECHNICIAN)).get("/api/v1/stock/reorder/").status_code == 200
    assert api(make_user(Role.CUSTOMER, customer=CustomerFactory())).get("/api/v1/stock/reorder/").status_code == 403
