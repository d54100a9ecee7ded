"""The stock pages (/stock/): the stock list, a part's and a location's page, the reorder list and
its export, the stores, and the forms that post movements and set minimum levels."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.roles import Role
from aftersales.catalogue.tests.factories import (
    BomLineFactory,
    PartFactory,
    ProductModelFactory,
)
from aftersales.inventory import posting, selectors, services
from aftersales.inventory.models import StockBalance, StockLocation, StockMovement

from .factories import StockLocationFactory, VanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper(make_user):
    return make_user(Role.PARTS)


@pytest.fixture
def store(keeper):
    """A central store and a van; a power module (5 good, minimum 8) and a fan (2 good, 1 defective)."""
    central = StockLocationFactory(code="ZX", name="中心库", kind="central")
    van = VanFactory(code="VAN-1", name="车载库一", holder__display_name="李师傅")
    psu = PartFactory(code="PSU-01", name="电源模块", spec="12V 5A")
    fan = PartFactory(code="FAN-02", name="散热风扇")
    services.stock_receive(actor=keeper, part=psu, location=central, quantity=5)
    services.stock_minimum_set(actor=keeper, part=psu, location=central, minimum=8)
    services.stock_receive(actor=keeper, part=fan, location=central, quantity=3)
    services.stock_transfer(actor=keeper, part=fan, from_location=central, to_location=van, quantity=1)
    services.stock_defective_return(actor=keeper, part=fan, location=central, quantity=1, reference="BX-7")
    return {"central": central, "van": van, "psu": psu, "fan": fan}


def rows(html: str) -> list[tuple[str, str, str, int]]:
    """(part, location, condition, on hand) of each stock row shown."""
    found = re.findall(r'data-part="([^"]+)" data-location="([^"]+)" data-condition="(\w+)" data-quantity="(\d+)"',
                       html)
    return [(p, loc, c, int(q)) for p, loc, c, q in found]


def get(client, user, path, data=None):
    client.force_login(user)
    return client.get(path, data or {})


def on_hand(part, location, condition="good") -> int:
    return selectors.stock_on_hand(part=part, location=location, condition=condition)


# ---------------------------------------------------------------- the stock list


def test_stock_list_shows_each_part_and_location_good_and_defective_apart(client, keeper, store):
    html = get(client, keeper, "/stock/").content.decode()
    assert rows(html) == [("FAN-02", "VAN-1", "good", 1), ("FAN-02", "ZX", "good", 2), ("FAN-02", "ZX", "defective", 1),
                          ("PSU-01", "ZX", "good", 5)]
    psu_row = html[html.index('data-part="PSU-01"'):].split("</tr>")[0]
    assert 'class="below-minimum"' in html and ">8 <" in psu_row and 'badge red">3<' in psu_row  # 8 - 5


def test_stock_list_search_and_filters(client, keeper, store):
    client.force_login(keeper)

    def shown(**params):
        return rows(client.get("/stock/", params).content.decode())

    assert {r[0] for r in shown(q="psu")} == {"PSU-01"}
    assert {r[0] for r in shown(q="风扇")} == {"FAN-02"}
    assert {r[0] for r in shown(search="psu")} == {"PSU-01"}  # the API's name for it
    assert shown(location=store["van"].pk) == [("FAN-02", "VAN-1", "good", 1)]
    assert shown(condition="defective") == [("FAN-02", "ZX", "defective", 1)]
    assert shown(below_minimum="true") == [("PSU-01", "ZX", "good", 5)]
    response = client.get("/stock/", {"location": "abc"})
    assert response.status_code == 200 and "errors" in response.content.decode()


def test_rows_without_stock_or_minimum_are_left_out_unless_asked(client, keeper, store):
    services.stock_issue(actor=keeper, part=store["fan"], location=store["van"], quantity=1, reference="BX-9")
    client.force_login(keeper)
    assert ("FAN-02", "VAN-1", "good", 0) not in rows(client.get("/stock/").content.decode())
    assert ("FAN-02", "VAN-1", "good", 0) in rows(client.get("/stock/", {"empty": "true"}).content.decode())


def test_stock_list_is_paginated(client, keeper):
    store = StockLocationFactory(code="ZX")
    posting.movements_post(actor=keeper, rows=[
        {"kind": "receipt", "part": PartFactory(code=f"P-{n:03d}"), "quantity": 1, "to_location": store}
        for n in range(60)])
    client.force_login(keeper)
    first = rows(client.get("/stock/").content.decode())
    second = rows(client.get("/stock/", {"page": 2}).content.decode())
    assert len(first) == 50 and len(second) == 10 and first[0][0] == "P-000" and second[-1][0] == "P-059"


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def _more_stock(keeper, n: int) -> None:
    locations = [StockLocationFactory(), VanFactory()]
    parts = [PartFactory() for _ in range(n)]
    posting.movements_post(actor=keeper, rows=[
        {"kind": "receipt", "part": p, "quantity": 2, "to_location": loc} for p in parts for loc in locations])
    for p in parts:
        services.stock_minimum_set(actor=keeper, part=p, location=locations[0], minimum=5)
        BomLineFactory(part=p, product_model=ProductModelFactory())


@pytest.mark.parametrize("path", ["/stock/", "/stock/reorder/", "/stock/locations/", "part", "location"])
def test_pages_ask_the_same_number_of_queries_however_many_rows(client, keeper, store, path):
    client.force_login(keeper)
    path = {"part": f"/stock/parts/{store['fan'].pk}/", "location": f"/stock/locations/{store['central'].pk}/"
            }.get(path, path)
    client.get(path)
    few = _queries(client, path)
    _more_stock(keeper, 12)
    for _ in range(6):
        services.stock_transfer(actor=keeper, part=store["fan"], from_location=store["central"],
                                to_location=store["van"], quantity=1) if on_hand(store["fan"], store["central"]) \
            else services.stock_receive(actor=keeper, part=store["fan"], location=store["central"], quantity=3)
    assert _queries(client, path) == few
    assert few <= 12, few


# ---------------------------------------------------------------- a part, a location


def test_part_page_shows_stock_per_location_the_models_it_fits_and_its_movements(client, keeper, store):
    camera = ProductModelFactory(code="DS-2CD3T46", name="网络摄像机")
    BomLineFactory(product_model=camera, part=store["fan"])
    old = ProductModelFactory(code="OLD-1")
    BomLineFactory(product_model=old, part=store["fan"])
    old.archived_at = old.created_at
    old.save()
    html = get(client, keeper, f"/stock/parts/{store['fan'].pk}/").content.decode()
    assert rows(html) == [("FAN-02", "VAN-1", "good", 1), ("FAN-02", "ZX", "good", 2),
                          ("FAN-02", "ZX", "defective", 1)]
    assert "DS-2CD3T46" in html and "OLD-1" not in html
    assert re.findall(r'data-kind="(\w+)"', html) == ["defective_return", "transfer", "receipt"]
    assert "BX-7" in html
    assert 'id="part-totals" data-good="3" data-defective="1"' in html


def test_part_movement_history_is_paginated(client, keeper, store):
    for _ in range(55):
        services.stock_receive(actor=keeper, part=store["psu"], location=store["central"], quantity=1)
    client.force_login(keeper)
    first = client.get(f"/stock/parts/{store['psu'].pk}/").content.decode()
    second = client.get(f"/stock/parts/{store['psu'].pk}/", {"page": 2}).content.decode()
    assert len(re.findall(r'data-kind="', first)) == 50 and len(re.findall(r'data-kind="', second)) == 6


def test_a_van_shows_its_technician_and_its_stock(client, keeper, store):
    html = get(client, keeper, f"/stock/locations/{store['van'].pk}/").content.decode()
    assert "李师傅" in html.split('id="van-holder">')[1][:40]
    assert rows(html) == [("FAN-02", "VAN-1", "good", 1)]
    assert get(client, keeper, "/stock/locations/999999/").status_code == 404


def test_location_page_searches_its_stock(client, keeper, store):
    client.force_login(keeper)
    html = client.get(f"/stock/locations/{store['central'].pk}/", {"q": "PSU"}).content.decode()
    assert rows(html) == [("PSU-01", "ZX", "good", 5)]


# ---------------------------------------------------------------- the reorder list


def test_reorder_list_per_location_restores_the_minimum(client, keeper, store):
    services.stock_minimum_set(actor=keeper, part=store["fan"], location=store["van"], minimum=4)
    services.stock_minimum_set(actor=keeper, part=store["fan"], location=store["central"], minimum=2)  # met
    client.force_login(keeper)
    html = client.get("/stock/reorder/").content.decode()
    groups = re.findall(r'data-location="([^"]+)">.*?</table>', html, re.S)
    assert groups == ["VAN-1", "ZX"]
    assert re.findall(r'data-part="([^"]+)" data-to-order="(\d+)"', html) == [("FAN-02", "3"), ("PSU-01", "3")]
    only_van = client.get("/stock/reorder/", {"location": store["van"].pk}).content.decode()
    assert re.findall(r'data-part="([^"]+)" data-to-order="(\d+)"', only_van) == [("FAN-02", "3")]
    assert client.get("/stock/reorder/", {"location": 999999}).status_code == 404


def test_reorder_list_downloads_for_a_spreadsheet(client, keeper, store):
    store["psu"].name = '=HYPERLINK("x")'
    store["psu"].save()
    response = get(client, keeper, "/stock/reorder.csv")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with its mark: Excel reads the Chinese
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(lines) == 2
    assert lines[1] == ["ZX", "中心库", "PSU-01", "\'=HYPERLINK(\"x\")", "12V 5A", "个", "5", "0", "8", "3"]
    assert lines[0][6:] == ["现有库存", "已预留", "最低库存", "应补数量"]
    only_van = get(client, keeper, f"/stock/reorder.csv?location={store['van'].pk}").content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(only_van)))) == 1


def test_nothing_to_order_says_so(client, keeper, store):
    services.stock_receive(actor=keeper, part=store["psu"], location=store["central"], quantity=3)
    assert 'id="nothing-to-order"' in get(client, keeper, "/stock/reorder/").content.decode()


# ---------------------------------------------------------------- posting movements


def test_parts_keeper_posts_a_receipt_by_part_number(client, keeper, store):
    client.force_login(keeper)
    form = client.get(f"/stock/movements/new/receipt/?part={store['psu'].pk}").content.decode()
    assert 'value="PSU-01"' in form
    response = client.post("/stock/movements/new/receipt/", {
        "part": "psu-01", "location": store["central"].pk, "quantity": 4, "reference": "RK-2026-01"})
    assert response.status_code == 302 and response.url == f"/stock/parts/{store['psu'].pk}/"
    assert on_hand(store["psu"], store["central"]) == 9
    assert StockMovement.objects.filter(kind="receipt", reference="RK-2026-01", actor=keeper).exists()


def test_a_transfer_to_a_van(client, keeper, store):
    client.force_login(keeper)
    response = client.post("/stock/movements/new/transfer/", {
        "part": "FAN-02", "location": store["central"].pk, "to_location": store["van"].pk, "condition": "good",
        "quantity": 2})
    assert response.status_code == 302
    assert on_hand(store["fan"], store["central"]) == 0 and on_hand(store["fan"], store["van"]) == 3


def test_the_services_refusal_is_shown_and_nothing_is_posted(client, keeper, store):
    client.force_login(keeper)
    before = StockMovement.objects.count()
    response = client.post("/stock/movements/new/issue/", {
        "part": "PSU-01", "location": store["central"].pk, "quantity": 6, "reference": "BX-1"})
    html = response.content.decode()
    error = re.search(r'class="errorlist[^>]*>(.*?)</ul>', html.split('name="quantity"')[1], re.S)
    assert response.status_code == 200 and error and "5" in error.group(1) and "6" in error.group(1)
    no_reference = client.post("/stock/movements/new/issue/", {
        "part": "PSU-01", "location": store["central"].pk, "quantity": 1}).content.decode()
    assert 'class="errorlist' in no_reference.split('name="reference"')[1][:600]
    no_reason = client.post("/stock/movements/new/scrap/", {
        "part": "FAN-02", "location": store["central"].pk, "quantity": 1}).content.decode()
    assert 'class="errorlist' in no_reason.split('name="reason"')[1][:600]
    unknown = client.post("/stock/movements/new/receipt/", {
        "part": "NOPE", "location": store["central"].pk, "quantity": 1}).content.decode()
    assert 'class="errorlist' in unknown.split('name="part"')[1][:300]
    assert StockMovement.objects.count() == before and on_hand(store["psu"], store["central"]) == 5


@pytest.mark.parametrize("kind, fields, part, location, condition, change", [
    ("return_unused", {}, "psu", "central", "good", 1),
    ("defective_return", {"serial_number": "SN-1"}, "psu", "van", "defective", 1),
    ("repaired", {}, "fan", "central", "good", 1),
    ("scrap", {"reason": "无法修复"}, "fan", "central", "defective", -1),
])
def test_each_kind_of_movement_calls_its_service(client, keeper, store, kind, fields, part, location, condition,
                                                 change):
    before = on_hand(store[part], store[location], condition)
    client.force_login(keeper)
    response = client.post(f"/stock/movements/new/{kind}/", {
        "part": store[part].code, "location": store[location].pk, "quantity": 1, **fields})
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert on_hand(store[part], store[location], condition) == before + change
    assert StockMovement.objects.filter(kind=kind).exists()


def test_an_unknown_kind_is_404(client, keeper):
    assert get(client, keeper, "/stock/movements/new/adjustment/").status_code == 404


def test_parts_keeper_sets_a_minimum_level(client, keeper, store):
    client.force_login(keeper)
    form = client.get("/stock/minimum/", {"part": store["psu"].pk, "location": store["central"].pk}).content.decode()
    assert 'value="8"' in form
    response = client.post("/stock/minimum/", {"part": "PSU-01", "location": store["van"].pk, "minimum": 2})
    assert response.status_code == 302
    assert StockBalance.objects.get(part=store["psu"], location=store["van"], condition="good").minimum == 2
    refused = client.post("/stock/minimum/", {"part": "PSU-01", "location": store["van"].pk, "minimum": -1})
    assert refused.status_code == 200 and 'class="errorlist' in refused.content.decode()


# ---------------------------------------------------------------- stores


def test_parts_keeper_creates_and_changes_a_store_a_van_needs_its_technician(client, keeper, make_user):
    technician = make_user(Role.TECHNICIAN, display_name="王师傅")
    client.force_login(keeper)
    refused = client.post("/stock/locations/new/", {"code": "VAN-9", "name": "车载库九", "kind": "van"})
    assert refused.status_code == 200 and 'class="errorlist' in refused.content.decode()
    assert not StockLocation.objects.filter(code="VAN-9").exists()
    assert "王师傅" in client.get("/stock/locations/new/").content.decode()
    response = client.post("/stock/locations/new/", {"code": "VAN-9", "name": "车载库九", "kind": "van",
                                                     "holder": technician.pk})
    van = StockLocation.objects.get(code="VAN-9")
    assert response.status_code == 302 and response.url == f"/stock/locations/{van.pk}/" and van.holder == technician
    client.post(f"/stock/locations/{van.pk}/edit/", {"code": "VAN-9", "name": "九号车", "kind": "van",
                                                     "holder": technician.pk})
    van.refresh_from_db()
    assert van.name == "九号车"
    listed = client.get("/stock/locations/").content.decode()
    assert 'data-code="VAN-9"' in listed and "王师傅" in listed


def test_an_empty_store_is_archived_and_restored(client, keeper):
    branch = StockLocationFactory(code="FK-1")
    client.force_login(keeper)
    assert client.post(f"/stock/locations/{branch.pk}/archive/").status_code == 302
    branch.refresh_from_db()
    assert branch.archived_at is not None
    assert 'data-code="FK-1"' not in client.get("/stock/locations/").content.decode()
    assert 'data-code="FK-1"' in client.get("/stock/locations/", {"archived": "1"}).content.decode()
    client.post(f"/stock/locations/{branch.pk}/archive/", {"restore": "1"})
    branch.refresh_from_db()
    assert branch.archived_at is None


def test_a_store_holding_stock_is_not_archived_and_the_page_says_why(client, keeper, store):
    client.force_login(keeper)
    response = client.post(f"/stock/locations/{store['van'].pk}/archive/", follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert StockLocation.objects.get(pk=store["van"].pk).archived_at is None


# ---------------------------------------------------------------- who may do what


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.DESK, Role.FINANCE, Role.ADMIN])
def test_other_staff_view_but_do_not_post(client, make_user, store, role):
    client.force_login(make_user(role))
    for path in ("/stock/", f"/stock/parts/{store['psu'].pk}/", f"/stock/locations/{store['van'].pk}/",
                 "/stock/reorder/", "/stock/reorder.csv", "/stock/locations/"):
        assert client.get(path).status_code == 200, path
    stock = client.get("/stock/").content.decode()
    assert 'id="post-movement"' not in stock and "/stock/movements/new/" not in stock
    before = StockMovement.objects.count()
    for path, body in [("/stock/movements/new/receipt/", {"part": "PSU-01", "location": store["central"].pk,
                                                           "quantity": 1}),
                       ("/stock/minimum/", {"part": "PSU-01", "location": store["central"].pk, "minimum": 1}),
                       ("/stock/locations/new/", {"code": "X", "name": "X", "kind": "branch"}),
                       (f"/stock/locations/{store['central'].pk}/archive/", {})]:
        assert client.get(path).status_code in (403, 405), path
        assert client.post(path, body).status_code == 403, path
    assert StockMovement.objects.count() == before and on_hand(store["psu"], store["central"]) == 5
    assert StockBalance.objects.get(part=store["psu"], location=store["central"], condition="good").minimum == 8
    assert not StockLocation.objects.filter(code="X").exists()
    assert StockLocation.objects.get(pk=store["central"].pk).archived_at is None


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.DEALER])
def test_customers_and_dealers_have_no_access(client, make_user, store, role):
    from aftersales.customers.tests.factories import CustomerFactory
    from aftersales.dealers.tests.factories import DealerFactory

    org = {"customer": CustomerFactory()} if role == Role.CUSTOMER else {"dealer": DealerFactory()}
    client.force_login(make_user(role, **org))
    for path in ("/stock/", f"/stock/parts/{store['psu'].pk}/", f"/stock/locations/{store['van'].pk}/",
                 "/stock/reorder/", "/stock/reorder.csv", "/stock/locations/", "/stock/movements/new/receipt/",
                 "/stock/minimum/", "/stock/locations/new/"):
        response = client.get(path)
        assert response.status_code in (403, 404), path
        assert "PSU-01" not in response.content.decode()
    assert client.post("/stock/movements/new/receipt/", {"part": "PSU-01", "location": store["central"].pk,
                                                         "quantity": 1}).status_code == 403
    assert on_hand(store["psu"], store["central"]) == 5
