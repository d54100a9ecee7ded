"""A customer user of organisation A walks every page and every API route over the records of
organisation B: nothing of B is readable or changeable. Routes are enumerated from the URL
configuration, so a new route joins this test by itself."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from aftersales.accounts.roles import Role
from aftersales.assets.models import Asset, Project, ProjectDocument
from aftersales.assets.tests.factories import AssetFactory, ProjectFactory
from aftersales.contracts.models import Contract
from aftersales.contracts.tests.factories import ContractFactory
from aftersales.customers.models import Contact, Customer, Site
from aftersales.customers.tests.factories import ContactFactory, CustomerFactory, SiteFactory
from aftersales.dealers.tests.factories import DealerFactory

from .matrix import fill, walk

pytestmark = pytest.mark.django_db

MARK = "乙方机密"  # every text of organisation B carries it
B_ID = 900001  # B's rows get ids no row of A has, so any answer for them is a leak


@pytest.fixture
def world(make_user):
    a = CustomerFactory(name="甲方医院")
    site_a = SiteFactory(customer=a)
    AssetFactory(site=site_a)
    b = CustomerFactory(id=B_ID, code="B-0001", name=f"{MARK}银行", phone="021-66668888",
                        internal_notes=MARK)
    site_b = SiteFactory(id=B_ID, customer=b, name=f"{MARK}总部", address=f"{MARK}路1号")
    ContactFactory(id=B_ID, customer=b, name=f"{MARK}张三", mobile="13900009999")
    project_b = ProjectFactory(id=B_ID, customer=b, name=f"{MARK}工程", code="PRJ-B")
    asset_b = AssetFactory(id=B_ID, site=site_b, project=project_b, serial_number=f"SN-{MARK}")
    ContractFactory(id=B_ID, customer=b, number="HT-B-0001", title=f"{MARK}质保", assets=[asset_b])
    doc = ProjectDocument(id=B_ID, project=project_b, title=f"{MARK}验收单", original_name="b.pdf",
                          content_type="application/pdf", size=4)
    doc.file.save("b", ContentFile(b"%PDF"), save=False)
    doc.save()
    user = make_user(Role.CUSTOMER, customer=a)
    return {"a": a, "b": b, "user": user}


def b_snapshot():
    return [
        list(m.objects.filter(pk=B_ID).values()) for m in (Customer, Site, Contact, Project, Asset, Contract)
    ]


def test_pages_show_nothing_of_b(client, world):
    before = b_snapshot()
    client.force_login(world["user"])
    checked = 0
    for route, _pattern in walk():
        if route.startswith("api/") or route.startswith("i18n/") or "static" in route:
            continue
        path = fill(route, B_ID)
        if path is None:
            continue
        response = client.get(path, {"q": MARK[:2]})
        checked += 1
        assert MARK not in response.content.decode("utf-8", "replace"), path
        if any(tok in route for tok in ("<int:", "(?P<pk>")):
            assert response.status_code in {403, 404, 405}, (path, response.status_code)
            posted = client.post(path, {"name": "x", "title": "x", "days": "2030-01-01 休 x"})
            assert posted.status_code in {403, 404, 405}, (path, posted.status_code)
        else:
            assert response.status_code in {200, 302, 403, 405}, (path, response.status_code)
    assert checked >= 10
    assert b_snapshot() == before


def test_api_reads_and_writes_nothing_of_b(api, world):
    client = api(world["user"])
    before = b_snapshot()
    routes = [r for r, _p in walk() if r.startswith("api/v1/")]
    detail_routes = [r for r in routes if fill(r, B_ID) and str(B_ID) in fill(r, B_ID)]
    assert len(detail_routes) >= 8, detail_routes
    for route in routes:
        path = fill(route, B_ID)
        if path is None or "auth/token" in path:
            continue
        body = client.get(path, {"search": MARK[:2], "q": MARK[:2]})
        assert MARK not in body.content.decode("utf-8", "replace"), path
        if "900001" in path:
            assert body.status_code in {403, 404, 405}, (path, body.status_code)
            if path.endswith(f"/{B_ID}/"):
                assert body.status_code in {403, 404}, path  # 403 only where the role may see no such record at all
            for method in ("patch", "put", "post"):
                answer = getattr(client, method)(path, {"name": "x", "title": "x", "customer": world["a"].pk},
                                                 format="json")
                assert answer.status_code in {403, 404, 405}, (method, path, answer.status_code)
        else:
            answer = client.post(path, {"customer": B_ID, "site": B_ID, "name": "x"}, format="json")
            assert answer.status_code in {403, 405}, (path, answer.status_code)
    assert b_snapshot() == before


def test_dealer_sees_only_the_customers_it_serves(api, make_user, world):
    dealer = DealerFactory()
    world["a"].dealer = dealer
    world["a"].save()
    user = make_user(Role.DEALER, dealer=dealer)
    listed = api(user).get("/api/v1/customers/").json()["results"]
    assert [c["id"] for c in listed] == [world["a"].pk]
    assert api(user).get(f"/api/v1/assets/{B_ID}/entitlement/").status_code == 404


def test_customer_user_never_sees_internal_fields(api, world):
    body = api(world["user"]).get(f"/api/v1/customers/{world['a'].pk}/").json()
    assert "internal_notes" not in body and "account_manager" not in body


def test_entitlement_of_b_is_404(api, world):
    assert api(world["user"]).get(f"/api/v1/assets/{B_ID}/entitlement/?on=2025-01-01").status_code == 404
