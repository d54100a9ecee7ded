"""Entitlement on real records: the database side of the pure rules."""

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.assets.tests.factories import AssetFactory
from aftersales.calendars.services import calendars_seed
from aftersales.contracts.selectors import asset_entitlement
from aftersales.contracts.tests.factories import ContractFactory, MaintenanceContractFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def calendar():
    calendars_seed()


def test_warranty_ending_on_national_day_runs_to_the_next_working_day():
    asset = AssetFactory(installed_on=dt.date(2022, 9, 20), accepted_on=dt.date(2022, 10, 1))
    ContractFactory(customer=asset.customer, warranty_months=36, assets=[asset])
    ent = asset_entitlement(asset=asset, on=dt.date(2025, 10, 8))
    assert ent.coverage == "warranty" and ent.until == dt.date(2025, 10, 9)
    assert asset_entitlement(asset=asset, on=dt.date(2025, 10, 10)).coverage == "latent_defect"


def test_switch_off_keeps_the_calendar_day():
    asset = AssetFactory(installed_on=dt.date(2022, 9, 20), accepted_on=dt.date(2022, 10, 1))
    ContractFactory(customer=asset.customer, warranty_months=36, roll_to_working_day=False, assets=[asset])
    assert asset_entitlement(asset=asset, on=dt.date(2025, 10, 1)).until == dt.date(2025, 10, 1)
    assert asset_entitlement(asset=asset, on=dt.date(2025, 10, 2)).coverage == "latent_defect"


def test_latent_defect_then_contract_then_nothing():
    asset = AssetFactory(installed_on=dt.date(2019, 3, 1), accepted_on=dt.date(2019, 3, 15))
    ContractFactory(customer=asset.customer, warranty_months=24, assets=[asset])
    MaintenanceContractFactory(customer=asset.customer, start_date=dt.date(2022, 1, 1),
                               end_date=dt.date(2022, 12, 31), free_parts=False, assets=[asset])
    latent = asset_entitlement(asset=asset, on=dt.date(2021, 6, 1))
    assert latent.coverage == "latent_defect" and latent.free_parts
    contract = asset_entitlement(asset=asset, on=dt.date(2022, 6, 1))
    assert contract.coverage == "contract" and contract.free_labour and not contract.free_parts
    # the last day, Saturday 2022-12-31, is followed by the New Year holiday: the term runs to 2023-01-03
    assert contract.until == dt.date(2023, 1, 3)
    assert "维保" in contract.reason or "maintenance" in contract.reason
    none = asset_entitlement(asset=asset, on=dt.date(2024, 1, 1))
    assert none.coverage == "none" and none.rule == "expired" and not none.free_labour


def test_replacement_unit_keeps_the_longer_warranty():
    old = AssetFactory(installed_on=dt.date(2024, 1, 2), accepted_on=dt.date(2024, 1, 10), status="replaced")
    ContractFactory(customer=old.customer, warranty_months=36, assets=[old])
    new = AssetFactory(site=old.site, installed_on=dt.date(2025, 5, 6), accepted_on=dt.date(2025, 5, 6), replaces=old)
    ContractFactory(customer=old.customer, warranty_months=12, assets=[new])
    ent = asset_entitlement(asset=new, on=dt.date(2026, 8, 1))
    assert ent.coverage == "warranty" and ent.rule == "inherited_warranty"
    assert ent.until == dt.date(2027, 1, 11)  # 2027-01-10 is a Sunday


def test_unaccepted_asset_is_not_covered_and_says_why():
    asset = AssetFactory(accepted_on=None)
    ContractFactory(customer=asset.customer, assets=[asset])
    ent = asset_entitlement(asset=asset, on=dt.date(2026, 1, 5))
    assert ent.coverage == "none" and ent.rule == "not_accepted"


def test_renewal_price_is_a_share_of_the_original_value():
    contract = MaintenanceContractFactory(original_value=Decimal("960000.00"))
    assert contract.renewal_price == Decimal("48000.00")
    contract.renewal_rate = Decimal("0.08")
    assert contract.renewal_price == Decimal("76800.00")


def test_contract_covering_another_customers_asset_is_refused(api, make_user):
    user = make_user("service_manager")
    asset = AssetFactory()
    other = ContractFactory()
    response = api(user).patch(f"/api/v1/contracts/{other.pk}/", {"assets": [asset.pk]}, format="json")
    assert response.status_code == 400 and "assets" in response.json()
