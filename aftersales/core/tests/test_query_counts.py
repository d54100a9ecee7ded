"""List pages and list endpoints issue a fixed number of queries, however many rows they show."""

import pytest

from aftersales.assets.tests.factories import AssetFactory, ProjectFactory
from aftersales.contracts.tests.factories import ContractFactory
from aftersales.customers.tests.factories import (
    ContactFactory,
    CustomerFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db

PAGES = ["/customers/", "/assets/", "/assets/projects/", "/contracts/", "/stock/", "/stock/reorder/",
         "/stock/locations/"]
ENDPOINTS = ["/api/v1/customers/", "/api/v1/sites/", "/api/v1/contacts/", "/api/v1/product-models/",
             "/api/v1/projects/", "/api/v1/assets/", "/api/v1/contracts/", "/api/v1/calendars/",
             "/api/v1/stock/", "/api/v1/stock-movements/", "/api/v1/stock-locations/", "/api/v1/stock/reorder/",
             "/api/v1/parts/"]


def build(n: int) -> None:
    for _ in range(n):
        customer = CustomerFactory()
        site = SiteFactory(customer=customer)
        ContactFactory(customer=customer)
        project = ProjectFactory(customer=customer)
        assets = [AssetFactory(site=site, project=project) for _ in range(2)]
        ContractFactory(customer=customer, project=project, assets=assets)
        stock_build()


def stock_build() -> None:
    from aftersales.accounts.tests.factories import UserFactory
    from aftersales.catalogue.tests.factories import BomLineFactory, PartFactory
    from aftersales.inventory import services
    from aftersales.inventory.tests.factories import StockLocationFactory, VanFactory

    keeper = UserFactory(roles=["parts"])
    part, store, van = PartFactory(), StockLocationFactory(), VanFactory()
    services.stock_receive(actor=keeper, part=part, location=store, quantity=3)
    services.stock_transfer(actor=keeper, part=part, from_location=store, to_location=van, quantity=1)
    services.stock_minimum_set(actor=keeper, part=part, location=van, minimum=2)  # on the reorder list
    BomLineFactory(part=part)  # a product model the part fits


def count(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", PAGES)
def test_list_page_queries_do_not_grow_with_rows(client, desk_user, path):
    client.force_login(desk_user)
    client.get(path)  # the first request of a session stamps its activity time
    build(2)
    few = count(lambda: client.get(path))
    build(8)
    many = count(lambda: client.get(path))
    assert many == few, (path, few, many)
    assert few <= 14


@pytest.mark.parametrize("path", ENDPOINTS)
def test_list_endpoint_queries_do_not_grow_with_rows(api, admin_user, path):
    client = api(admin_user)
    build(2)
    few = count(lambda: client.get(path))
    build(8)
    many = count(lambda: client.get(path))
    assert many == few, (path, few, many)
    assert few <= 10
