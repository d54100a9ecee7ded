import datetime as dt

import pytest
from django.db import connection

from aftersales.accounts.roles import Role
from aftersales.assets.models import Asset
from aftersales.assets.tests.factories import AssetFactory, ProjectFactory
from aftersales.catalogue.tests.factories import MakerFactory, ProductModelFactory
from aftersales.core.errors import ServiceError
from aftersales.customers.models import Customer
from aftersales.customers.tests.factories import ContactFactory, CustomerFactory, SiteFactory
from aftersales.transfer.services import export_workbook, import_workbook, template_workbook
from aftersales.transfer.specs import SPECS

from .conftest import read_sheet

pytestmark = pytest.mark.django_db

ARCHIVED = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


def _wipe(table: str) -> None:
    # Records are never deleted by the application; a test empties the table to import into it again.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")


@pytest.mark.parametrize("kind", list(SPECS))
def test_template_has_the_headers_an_example_and_an_explanation_sheet(kind):
    content = template_workbook(kind)

    header, example = read_sheet(content)
    assert header == SPECS[kind].headers
    assert example[0] is not None
    explanation = read_sheet(content, index=1)
    assert explanation[0] == ["列", "必填", "说明"]
    assert [row[0] for row in explanation[1:len(SPECS[kind].columns) + 1]] == SPECS[kind].headers
    assert explanation[1][1] == "必填"


def test_export_lists_what_the_actor_may_see_without_archived_rows(make_user):
    own, other = CustomerFactory(code="OWN"), CustomerFactory(code="OTHER")
    CustomerFactory(code="GONE", archived_at=ARCHIVED)
    SiteFactory(customer=own, name="主校区")
    SiteFactory(customer=other, name="别人的校区")
    user = make_user(Role.CUSTOMER, customer=own)

    customers = read_sheet(export_workbook(kind="customers", actor=user))
    sites = read_sheet(export_workbook(kind="sites", actor=user))

    assert [row[0] for row in customers[1:]] == ["OWN"]
    assert [row[:2] for row in sites[1:]] == [["OWN", "主校区"]]


def test_staff_export_has_every_active_customer(desk_user):
    CustomerFactory(code="A1")
    CustomerFactory(code="A2")
    CustomerFactory(code="A3", archived_at=ARCHIVED)

    rows = read_sheet(export_workbook(kind="customers", actor=desk_user))

    assert [row[0] for row in rows[1:]] == ["A1", "A2"]


def test_a_user_without_view_permission_cannot_export(make_user):
    user = make_user(Role.CUSTOMER, customer=CustomerFactory())
    user.groups.clear()

    with pytest.raises(ServiceError):
        export_workbook(kind="customers", actor=user)


def test_text_that_looks_like_a_formula_stays_text(desk_user):
    CustomerFactory(code="F1", name='=HYPERLINK("http://evil.example","点我")')

    content = export_workbook(kind="customers", actor=desk_user)

    assert read_sheet(content)[1][1] == '=HYPERLINK("http://evil.example","点我")'
    import io
    import zipfile

    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_customers_round_trip_into_an_empty_database(desk_user):
    CustomerFactory(code="C1", name="杭州第一医院", level="A", is_key=True, phone="0571-87654321",
                    address="解放路 1 号")
    CustomerFactory(code="C2", name="杭州第二医院", level="C", installed_by_others=True, phone="")
    fields = ["code", "name", "level", "is_key", "installed_by_others", "city", "address", "phone"]
    before = list(Customer.objects.order_by("code").values(*fields))
    content = export_workbook(kind="customers", actor=desk_user)
    _wipe("customers_customer")

    result = import_workbook(kind="customers", file=content, actor=desk_user)

    assert result.ok, result.errors
    assert list(Customer.objects.order_by("code").values(*fields)) == before


def test_assets_round_trip(desk_user):
    site = SiteFactory()
    project = ProjectFactory(customer=site.customer)
    hik = ProductModelFactory(code="DS-1", maker=MakerFactory(name="海康威视"))
    ProductModelFactory(code="DS-1", maker=MakerFactory(name="大华"))  # same number, other maker
    AssetFactory(site=site, product_model=hik, project=project, name="门口", status="faulty")
    AssetFactory(site=site, accepted_on=None)
    AssetFactory(site=SiteFactory(), archived_at=ARCHIVED)
    fields = ["customer_id", "site_id", "product_model_id", "project_id", "serial_number", "name", "installed_on",
              "accepted_on", "status"]
    before = list(Asset.objects.filter(archived_at__isnull=True).order_by("serial_number").values(*fields))
    content = export_workbook(kind="assets", actor=desk_user)
    _wipe("assets_asset")

    result = import_workbook(kind="assets", file=content, actor=desk_user)

    assert result.ok, result.errors
    assert list(Asset.objects.order_by("serial_number").values(*fields)) == before


@pytest.mark.parametrize("kind", ["sites", "contacts"])
def test_an_export_has_the_template_headers_and_reimports_into_an_empty_table(desk_user, kind):
    customer = CustomerFactory()
    SiteFactory(customer=customer)
    ContactFactory(customer=customer, is_primary=True, email="a@example.com")
    content = export_workbook(kind=kind, actor=desk_user)
    assert read_sheet(content)[0] == read_sheet(template_workbook(kind))[0]
    if kind == "contacts":
        _wipe("customers_contact")
    else:
        _wipe("customers_site")

    assert import_workbook(kind=kind, file=content, actor=desk_user).created == 1
