"""The demo data command: one believable world, loaded once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from aftersales.accounts.models import User
from aftersales.accounts.roles import Role
from aftersales.assets.choices import AssetStatus
from aftersales.assets.models import Asset, Project, WarrantyCardTemplate
from aftersales.calendars.models import HolidayYear, WorkingCalendar
from aftersales.calendars.selectors import working_day_checker
from aftersales.contracts.choices import ContractKind
from aftersales.contracts.models import Contract
from aftersales.contracts.selectors import asset_entitlement
from aftersales.core.demo import DEMO_LOGINS, DEMO_PASSWORD, demo_counts
from aftersales.core.models import AuditEvent
from aftersales.customers.models import Customer

pytestmark = pytest.mark.django_db


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo():
    return load()


def test_there_is_a_user_for_every_role_with_the_demo_password(demo):
    for role in Role:
        assert User.objects.filter(groups__name=role.value).exists(), role
    assert {u for u, _label in DEMO_LOGINS} == set(User.objects.values_list("username", flat=True))
    assert User.objects.get(username="technician").check_password(DEMO_PASSWORD)
    assert User.objects.get(username="customer").customer.code == "KH0001"
    assert User.objects.get(username="customer2").customer.code != "KH0001"
    assert User.objects.get(username="dealer").dealer.customers.exists()
    assert User.objects.filter(groups__name=Role.TECHNICIAN).count() >= 3


def test_customers_catalogue_and_assets_look_like_a_real_installed_base(demo):
    assert Customer.objects.count() == 40
    assert Customer.objects.values("city").distinct().count() >= 5
    assert Customer.objects.filter(installed_by_others=True).count() == 2
    assert Customer.objects.filter(installed_by_others=True, documents_reviewed_on__isnull=False).count() == 1
    assert not Customer.objects.annotate(n=Count("sites")).filter(n=0).exists()
    assert not Customer.objects.annotate(n=Count("contacts")).filter(n=0).exists()
    assert Project.objects.count() >= 50
    assets = Asset.objects.all()
    assert assets.count() >= 900
    assert assets.values("product_model").distinct().count() >= 25
    pairs = assets.values("product_model", "serial_number")
    assert pairs.distinct().count() == assets.count()
    assert assets.filter(parent__isnull=False).exists()
    assert assets.filter(replaces__status=AssetStatus.REPLACED).exists()
    assert {AssetStatus.FAULTY, AssetStatus.UNDER_REPAIR, AssetStatus.RETIRED} <= set(
        assets.values_list("status", flat=True)
    )
    assert WarrantyCardTemplate.objects.filter(is_active=True).exists()
    assert WorkingCalendar.objects.exists() and HolidayYear.objects.exists()
    assert AuditEvent.objects.filter(action="create", object_id=str(assets.first().pk)).exists()


def test_on_today_some_warranties_run_some_are_latent_some_ended(demo):
    today, checker = timezone.localdate(), working_day_checker()
    sample = [
        p.assets.filter(replaces__isnull=True).order_by("pk").first()
        for p in Project.objects.order_by("code")
    ]
    rules = {asset_entitlement(asset=a, on=today, is_working_day=checker).rule for a in sample}
    assert {"in_warranty", "latent_defect", "expired", "maintenance_contract"} <= rules
    maintenance = Contract.objects.filter(kind=ContractKind.MAINTENANCE)
    assert maintenance.filter(end_date__lt=today).exists()
    assert maintenance.filter(start_date__lte=today, end_date__gte=today).exists()
    assert Contract.objects.filter(kind=ContractKind.WARRANTY).count() == Project.objects.count()


def test_running_it_again_changes_nothing(demo):
    before = demo_counts()
    assert "already loaded" in load()
    assert load("--once") == ""
    assert demo_counts() == before
