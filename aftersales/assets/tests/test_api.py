import datetime as dt

import pytest

from aftersales.assets.tests.factories import AssetFactory
from aftersales.catalogue.tests.factories import ProductModelFactory
from aftersales.contracts.tests.factories import ContractFactory
from aftersales.customers.tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def test_token_then_entitlement_in_warranty(api, desk_user):
    # given an asset accepted on 2024-06-28 under a 3-year warranty
    asset = AssetFactory(accepted_on=dt.date(2024, 6, 28))
    contract = ContractFactory(customer=asset.customer, warranty_months=36, assets=[asset])
    # when the desk asks with a token obtained by username and password
    token = api().post("/api/v1/auth/token/", {"username": desk_user.username, "password": "Servi<e-Pass-2026"})
    assert token.status_code == 200, token.content
    client = api(desk_user)
    body = client.get(f"/api/v1/assets/{asset.pk}/entitlement/?on=2025-01-10").json()
    # then the warranty covers it, free, until the corresponding day three years later
    assert body["coverage"] == "warranty"
    assert body["until"] == "2027-06-28"
    assert body["free_labour"] is True and body["free_parts"] is True
    assert body["contract"] == contract.pk
    assert contract.number in body["reason"]


def test_entitlement_bad_date_is_400(api, desk_user):
    asset = AssetFactory()
    response = api(desk_user).get(f"/api/v1/assets/{asset.pk}/entitlement/?on=2025-13-01")
    assert response.status_code == 400
    assert "on" in response.json()


def test_asset_create_takes_customer_from_site_and_refuses_duplicate_serial(api, desk_user):
    site = SiteFactory()
    model = ProductModelFactory()
    client = api(desk_user)
    payload = {"site": site.pk, "product_model": model.pk, "serial_number": "ABC123", "installed_on": "2025-01-02",
               "accepted_on": "2025-01-05"}
    created = client.post("/api/v1/assets/", payload, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["customer"] == site.customer_id
    again = client.post("/api/v1/assets/", payload, format="json")
    assert again.status_code == 400
    before = client.post("/api/v1/assets/", {**payload, "serial_number": "X2", "accepted_on": "2024-12-31"},
                         format="json")
    assert before.status_code == 400
    assert "accepted_on" in before.json()
