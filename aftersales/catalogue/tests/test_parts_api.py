"""/api/v1/parts/: the spare parts of the catalogue with the product models each fits; the parts
keeper writes them, other staff read them, customers and dealers may not."""

from __future__ import annotations

import pytest

from aftersales.accounts.roles import Role
from aftersales.catalogue.models import Part

from .factories import BomLineFactory, PartFactory, ProductModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper(make_user):
    return make_user(Role.PARTS)


@pytest.fixture
def parts():
    psu = PartFactory(code="PSU-01", name="电源模块", spec="12V 5A", unit="个", unit_cost="85.50",
                      service_life_months=36)
    fan = PartFactory(code="FAN-02", name="散热风扇", spec="80mm")
    camera = ProductModelFactory(code="DS-2CD3T46", name="网络摄像机")
    recorder = ProductModelFactory(code="DS-7608", name="硬盘录像机")
    BomLineFactory(product_model=camera, part=psu, quantity=1)
    BomLineFactory(product_model=recorder, part=psu, quantity=2)
    gone = ProductModelFactory(code="OLD-1", archived_at="2025-01-01T00:00:00+08:00")
    BomLineFactory(product_model=gone, part=psu)
    return {"psu": psu, "fan": fan, "camera": camera, "recorder": recorder}


def test_a_part_shows_its_specification_cost_life_and_the_current_models_it_fits(api, keeper, parts):
    body = api(keeper).get(f"/api/v1/parts/{parts['psu'].pk}/").json()
    assert {k: body[k] for k in ("code", "name", "spec", "unit", "unit_cost", "service_life_months",
                                 "archived_at")} == {
        "code": "PSU-01", "name": "电源模块", "spec": "12V 5A", "unit": "个", "unit_cost": "85.50",
        "service_life_months": 36, "archived_at": None}
    assert [(m["code"], m["quantity"]) for m in body["product_models"]] == [("DS-2CD3T46", 1), ("DS-7608", 2)]


def test_search_and_filters(api, keeper, parts):
    client = api(keeper)
    assert [p["code"] for p in client.get("/api/v1/parts/", {"search": "80mm"}).json()["results"]] == ["FAN-02"]
    assert [p["code"] for p in client.get("/api/v1/parts/", {"search": "电源"}).json()["results"]] == ["PSU-01"]
    fits = client.get("/api/v1/parts/", {"product_model": parts["recorder"].pk}).json()["results"]
    assert [p["code"] for p in fits] == ["PSU-01"]
    assert client.get("/api/v1/parts/", {"product_model": "x"}).status_code == 400
    assert [p["code"] for p in client.get("/api/v1/parts/", {"ordering": "code"}).json()["results"]] == [
        "FAN-02", "PSU-01"]


def test_parts_keeper_creates_changes_and_archives_a_part(api, keeper, parts):
    client = api(keeper)
    created = client.post("/api/v1/parts/", {"code": "HDD-4T", "name": "监控硬盘", "spec": "4TB SATA", "unit": "块",
                                             "unit_cost": "520.00", "service_life_months": 36}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert client.patch(f"/api/v1/parts/{pk}/", {"spec": "4TB 监控级"}, format="json").status_code == 200
    assert Part.objects.get(pk=pk).spec == "4TB 监控级"
    assert client.post(f"/api/v1/parts/{pk}/archive/").status_code == 200
    assert "HDD-4T" not in [p["code"] for p in client.get("/api/v1/parts/").json()["results"]]
    assert client.delete(f"/api/v1/parts/{pk}/").status_code == 405
    duplicate = client.post("/api/v1/parts/", {"code": "PSU-01", "name": "x"}, format="json")
    assert duplicate.status_code == 400 and "code" in duplicate.json()


@pytest.mark.parametrize("cost", [85.5, -1, "-1.00", "abc"])
def test_a_unit_cost_is_an_amount_written_as_text_and_not_negative(api, keeper, cost):
    response = api(keeper).post("/api/v1/parts/", {"code": "X-1", "name": "x", "unit_cost": cost}, format="json")
    assert response.status_code == 400 and "unit_cost" in response.json()


@pytest.mark.parametrize("role", [Role.DESK, Role.TECHNICIAN, Role.FINANCE])
def test_other_staff_read_but_do_not_write(api, make_user, parts, role):
    client = api(make_user(role))
    assert client.get("/api/v1/parts/").json()["count"] == 2
    assert client.post("/api/v1/parts/", {"code": "X", "name": "X"}, format="json").status_code == 403
    assert client.patch(f"/api/v1/parts/{parts['psu'].pk}/", {"name": "X"}, format="json").status_code == 403


def test_customers_and_dealers_may_not_read_the_parts(api, make_user, parts):
    from aftersales.customers.tests.factories import CustomerFactory
    from aftersales.dealers.tests.factories import DealerFactory

    for user in (make_user(Role.CUSTOMER, customer=CustomerFactory()), make_user(Role.DEALER, dealer=DealerFactory())):
        assert api(user).get("/api/v1/parts/").status_code == 403
        assert api(user).get(f"/api/v1/parts/{parts['psu'].pk}/").status_code == 403
