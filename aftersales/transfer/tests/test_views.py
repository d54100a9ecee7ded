import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.accounts.roles import Role
from aftersales.customers.models import Customer
from aftersales.customers.tests.factories import CustomerFactory, SiteFactory

from .conftest import read_sheet

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_import_page_offers_kinds_templates_and_exports(client, desk_user):
    client.force_login(desk_user)

    page = client.get("/transfer/").content.decode()

    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page
    assert "/transfer/template/assets.xlsx" in page and "/transfer/export/customers.xlsx" in page
    assert "<script" not in page.split("</head>")[1]


def test_a_good_file_is_imported_and_counted(client, desk_user, upload):
    client.force_login(desk_user)

    response = client.post("/transfer/", {"kind": "customers", "file": upload("customers", [["C1", "甲医院"]])},
                           follow=True)

    assert Customer.objects.filter(code="C1").exists()
    assert "已导入 1 条客户数据。" in response.content.decode()


def test_problems_are_shown_as_a_table_of_row_column_and_problem(client, desk_user, upload):
    client.force_login(desk_user)
    rows = [["C1", "甲医院"], ["C2", "乙医院", "", "", "", "", "", "12345"], ["C3", ""]]

    page = client.post("/transfer/", {"kind": "customers", "file": upload("customers", rows)}).content.decode()

    assert not Customer.objects.exists()
    assert "<th>行</th>" in page and "<th>列</th>" in page and "<th>问题</th>" in page
    assert "<td>3</td><td>电话</td>" in page and "不是有效的电话号码" in page
    assert "<td>4</td><td>客户名称</td><td>此项为必填。</td>" in page
    assert "未导入任何数据：发现 2 个问题" in page


def test_a_file_that_is_not_a_workbook_is_refused_on_the_form(client, desk_user):
    client.force_login(desk_user)

    page = client.post("/transfer/", {"kind": "customers",
                                      "file": SimpleUploadedFile("x.xlsx", b"code,name\n")}).content.decode()

    assert "文件不是 Excel 工作簿（.xlsx）" in page


def test_a_customer_user_cannot_import_but_exports_only_their_rows(client, make_user, upload):
    own, other = CustomerFactory(code="OWN"), CustomerFactory(code="OTHER")
    SiteFactory(customer=other)
    client.force_login(make_user(Role.CUSTOMER, customer=own))

    refused = client.post("/transfer/", {"kind": "sites", "file": upload("sites", [["OWN", "新", "", "路"]])})
    template = client.get("/transfer/template/sites.xlsx")
    export = client.get("/transfer/export/customers.xlsx")

    assert refused.status_code == 403 and template.status_code == 403
    assert not own.sites.exists()
    assert [row[0] for row in read_sheet(export.content)[1:]] == ["OWN"]
    assert "/transfer/template/" not in client.get("/transfer/").content.decode()


@pytest.mark.parametrize("path,name", [("/transfer/template/assets.xlsx", "assets-template.xlsx"),
                                       ("/transfer/export/customers.xlsx", "customers-")])
def test_downloads_are_attachments_never_sniffed(client, desk_user, path, name):
    client.force_login(desk_user)

    response = client.get(path)

    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith(f'attachment; filename="{name}')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"PK\x03\x04")


def test_exports_are_not_cached(client, desk_user):
    client.force_login(desk_user)

    assert "no-store" in client.get("/transfer/export/sites.xlsx")["Cache-Control"]


def test_unknown_kinds_are_not_found(client, desk_user):
    client.force_login(desk_user)

    assert client.get("/transfer/template/users.xlsx").status_code == 404
    assert client.get("/transfer/export/users.xlsx").status_code == 404


def test_pages_need_a_login(client):
    assert client.get("/transfer/export/customers.xlsx").status_code == 302
