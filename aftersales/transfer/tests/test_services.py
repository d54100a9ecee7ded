import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import override_settings

from aftersales.accounts.roles import Role
from aftersales.assets.models import Asset
from aftersales.assets.tests.factories import AssetFactory, ProjectFactory
from aftersales.catalogue.tests.factories import MakerFactory, ProductModelFactory
from aftersales.core.errors import ServiceError
from aftersales.core.models import AuditEvent
from aftersales.customers.models import Contact, Customer, Site
from aftersales.customers.tests.factories import CustomerFactory, SiteFactory
from aftersales.transfer.services import import_workbook
from aftersales.transfer.specs import ASSETS

pytestmark = pytest.mark.django_db


def customer_row(**values):
    row = {"客户编码": "C90001", "客户名称": "杭州第一医院", "级别": "A", "重点客户": "是", "非我方安装": "否",
           "城市": "杭州", "地址": "上城区解放路 1 号", "电话": "0571-87654321"}
    return row | values


def asset_row(site, product_model, **values):
    row = {"客户编码": site.customer.code, "地址名称": site.name, "型号": product_model.code,
           "序列号": "SN-0001", "名称": "门口摄像机", "安装日期": dt.date(2024, 6, 1), "验收日期": "2024-06-28",
           "状态": "在用"}
    return row | values


def errors_of(result):
    return [(e.row, e.column, e.message) for e in result.errors]


# Success, one kind at a time

def test_customers_are_imported_with_an_audit_row_each(upload, desk_user):
    rows = [customer_row(), customer_row(客户编码="C90002", 客户名称="杭州第二医院", 级别="", 重点客户="", 电话="")]

    result = import_workbook(kind="customers", file=upload("customers", rows), actor=desk_user)

    assert result.ok and result.created == 2
    first, second = Customer.objects.order_by("code")
    assert (first.name, first.level, first.is_key, first.installed_by_others, first.phone) == (
        "杭州第一医院", "A", True, False, "0571-87654321")
    assert (second.level, second.is_key, second.phone) == ("B", False, "")
    events = AuditEvent.objects.filter(action="import", object_id__in=[str(first.pk), str(second.pk)])
    assert events.count() == 2 and {e.actor for e in events} == {desk_user}
    assert events.get(object_id=str(first.pk)).changes["code"] == [None, "C90001"]


def test_sites_are_imported(upload, desk_user):
    customer = CustomerFactory(code="C1")
    rows = [["C1", "主校区", "杭州", "文三路 1 号"], ["C1", "分校区", "", "文三路 2 号"]]

    result = import_workbook(kind="sites", file=upload("sites", rows), actor=desk_user)

    assert result.created == 2
    assert sorted(customer.sites.values_list("name", flat=True)) == ["主校区", "分校区"]
    assert AuditEvent.objects.filter(action="import", content_type__model="site").count() == 2


def test_contacts_are_imported_with_numbers_read_from_number_cells(upload, desk_user):
    customer = CustomerFactory(code="1001")
    rows = [[1001, "张伟", "主任", 13812345678, "", "", "是"], ["1001", "李娜", "", "", "(0571)87654321", "", ""],
            ["1001", "王芳", "", "", "", "wang@example.com", "否"]]

    result = import_workbook(kind="contacts", file=upload("contacts", rows), actor=desk_user)

    assert result.created == 3, errors_of(result)
    contacts = {c.name: c for c in Contact.objects.filter(customer=customer)}
    assert contacts["张伟"].mobile == "13812345678" and contacts["张伟"].is_primary
    assert contacts["李娜"].phone == "0571-87654321"
    assert contacts["王芳"].email == "wang@example.com"


def test_assets_are_imported_with_dates_statuses_projects_and_makers(upload, desk_user):
    site = SiteFactory()
    project = ProjectFactory(customer=site.customer)
    hik = ProductModelFactory(code="DS-1", maker=MakerFactory(name="海康威视"))
    ProductModelFactory(code="DS-1", maker=MakerFactory(name="大华"))
    other = ProductModelFactory(code="X-9")
    rows = [
        asset_row(site, hik, 厂商="海康威视", 项目编码=project.code),
        asset_row(site, other, 序列号="SN-0002", 安装日期="2024-01-05", 验收日期=None, 状态="faulty"),
        asset_row(site, other, 序列号="SN-0003", 状态=""),
    ]

    result = import_workbook(kind="assets", file=upload("assets", rows), actor=desk_user)

    assert result.created == 3, errors_of(result)
    first = Asset.objects.get(serial_number="SN-0001")
    assert (first.product_model, first.project, first.customer) == (hik, project, site.customer)
    assert (first.installed_on, first.accepted_on, first.status) == (dt.date(2024, 6, 1), dt.date(2024, 6, 28),
                                                                     "in_service")
    second = Asset.objects.get(serial_number="SN-0002")
    assert (second.installed_on, second.accepted_on, second.status) == (dt.date(2024, 1, 5), None, "faulty")
    assert Asset.objects.get(serial_number="SN-0003").status == "in_service"
    assert AuditEvent.objects.filter(action="import", content_type__model="asset").count() == 3


def test_a_file_without_the_optional_maker_column_is_accepted(upload, desk_user):
    site, model = SiteFactory(), ProductModelFactory()
    headers = [h for h in ASSETS.headers if h != "厂商"]

    result = import_workbook(kind="assets", file=upload("assets", [asset_row(site, model)], headers), actor=desk_user)

    assert result.created == 1


# All or nothing

def test_one_bad_row_among_good_ones_saves_nothing(upload, desk_user):
    rows = [customer_row(客户编码=f"C{n}") for n in range(3)] + [customer_row(客户编码="C9", 电话="12345")]

    result = import_workbook(kind="customers", file=upload("customers", rows), actor=desk_user)

    assert not result.ok and result.created == 0
    assert not Customer.objects.exists() and not AuditEvent.objects.exists()
    [(row, column, message)] = errors_of(result)
    assert (row, column) == (5, "电话")
    assert "不是有效的电话号码" in message


def test_every_problem_of_every_row_is_reported(upload, desk_user):
    CustomerFactory(code="TAKEN")
    rows = [
        customer_row(客户编码="TAKEN"),
        customer_row(客户编码="", 客户名称=""),
        customer_row(客户编码="C1", 级别="Z", 重点客户="maybe"),
        customer_row(客户编码="C1"),
        customer_row(客户编码="C" * 21),
    ]

    result = import_workbook(kind="customers", file=upload("customers", rows), actor=desk_user)

    assert errors_of(result) == [
        (2, "客户编码", "客户编码“TAKEN”已存在。"),
        (3, "客户编码", "此项为必填。"),
        (3, "客户名称", "此项为必填。"),
        (4, "级别", "“Z”不是有效级别：请填写 A、B 或 C。"),
        (4, "重点客户", "“maybe”无效：请填写“是”或“否”。"),
        (5, "客户编码", "客户编码“C1”与第 4 行重复。"),
        (6, "客户编码", "内容过长：最多 20 个字符（当前 21 个）。"),
    ]
    assert Customer.objects.count() == 1


def test_row_numbers_are_those_excel_shows_even_after_blank_rows(upload, desk_user):
    rows = [customer_row(客户编码="C1"), [None] * 8, [None] * 8, customer_row(客户编码="C2", 电话="abc")]

    result = import_workbook(kind="customers", file=upload("customers", rows), actor=desk_user)

    assert [(e.row, e.column) for e in result.errors] == [(5, "电话")]


# Each kind of problem of equipment rows

@pytest.fixture
def installed_base():
    site = SiteFactory(name="主校区")
    return {"site": site, "model": ProductModelFactory(code="DS-7"), "other_site": SiteFactory()}


@pytest.mark.parametrize("change,column,message", [
    ({"客户编码": "NOPE"}, "客户编码", "客户编码“NOPE”不存在。"),
    ({"地址名称": "分校区"}, "地址名称", "下没有名为“分校区”的地址。"),
    ({"型号": "NO-SUCH"}, "型号", "型号“NO-SUCH”不存在。"),
    ({"型号": "DS-7", "厂商": "不存在的厂"}, "型号", "厂商“不存在的厂”没有型号“DS-7”。"),
    ({"项目编码": "PRJ-NONE"}, "项目编码", "项目编码“PRJ-NONE”不存在。"),
    ({"序列号": ""}, "序列号", "此项为必填。"),
    ({"安装日期": "2024/6/1"}, "安装日期", "“2024/6/1”不是有效日期"),
    ({"安装日期": "2024-02-30"}, "安装日期", "“2024-02-30”不是有效日期"),
    ({"验收日期": dt.date(2024, 5, 1)}, "验收日期", "验收日期不能早于安装日期。"),
    ({"状态": "坏了"}, "状态", "“坏了”不是有效状态"),
    ({"名称": "名" * 101}, "名称", "内容过长：最多 100 个字符"),
])
def test_asset_problems_are_reported_in_chinese(upload, desk_user, installed_base, change, column, message):
    row = asset_row(installed_base["site"], installed_base["model"], **change)

    result = import_workbook(kind="assets", file=upload("assets", [row]), actor=desk_user)

    assert [(e.row, e.column) for e in result.errors] == [(2, column)]
    assert message in result.errors[0].message
    assert not Asset.objects.exists()


def test_a_model_number_of_two_makers_asks_for_the_maker(upload, desk_user, installed_base):
    ProductModelFactory(code="DS-7", maker=MakerFactory(name="大华"))

    result = import_workbook(kind="assets", file=upload("assets", [asset_row(installed_base["site"],
                                                                               installed_base["model"])]),
                             actor=desk_user)

    [error] = result.errors
    assert error.column == "型号" and "存在于多个厂商（大华、海康威视）" in error.message and "厂商" in error.message


def test_duplicate_serials_are_found_in_the_file_and_in_the_database(upload, desk_user, installed_base):
    site, model = installed_base["site"], installed_base["model"]
    AssetFactory(site=site, product_model=model, serial_number="SN-OLD")
    rows = [asset_row(site, model, 序列号="SN-NEW"), asset_row(site, model, 序列号="SN-NEW"),
            asset_row(site, model, 序列号="SN-OLD"), asset_row(site, ProductModelFactory(), 序列号="SN-OLD")]

    result = import_workbook(kind="assets", file=upload("assets", rows), actor=desk_user)

    assert errors_of(result) == [
        (3, "序列号", "型号 DS-7 的序列号“SN-NEW”与第 2 行重复。"),
        (4, "序列号", "型号 DS-7 的序列号“SN-OLD”已登记。"),
    ]


def test_a_project_of_another_customer_is_refused(upload, desk_user, installed_base):
    project = ProjectFactory()  # of another customer
    row = asset_row(installed_base["site"], installed_base["model"], 项目编码=project.code)

    result = import_workbook(kind="assets", file=upload("assets", [row]), actor=desk_user)

    assert errors_of(result) == [(2, "项目编码", "该工程项目属于其他客户。")]


def test_sites_refuse_unknown_customers_and_taken_names(upload, desk_user):
    SiteFactory(customer=CustomerFactory(code="C1"), name="主校区")
    rows = [["C1", "主校区", "", "路 1 号"], ["C2", "新校区", "", "路 2 号"], ["C1", "新校区", "", ""],
            ["C1", "新校区", "", "路 3 号"]]

    result = import_workbook(kind="sites", file=upload("sites", rows), actor=desk_user)

    assert errors_of(result) == [
        (2, "地址名称", "客户“C1”已有名为“主校区”的地址。"),
        (3, "客户编码", "客户编码“C2”不存在。"),
        (4, "地址", "此项为必填。"),
        (5, "地址名称", "该客户的地址“新校区”与第 4 行重复。"),
    ]


def test_contacts_report_bad_numbers_and_what_full_clean_says(upload, desk_user):
    CustomerFactory(code="C1")
    rows = [["C1", "张伟", "", "12345", "", "", ""], ["C1", "李娜", "", "", "", "", ""],
            ["C1", "王芳", "", "", "", "not-an-address", ""], ["C1", "赵敏", "", "", "1234", "", ""]]

    result = import_workbook(kind="contacts", file=upload("contacts", rows), actor=desk_user)

    assert [(e.row, e.column) for e in result.errors] == [(2, "手机"), (3, "手机"), (4, "邮箱"), (5, "座机")]
    messages = [e.message for e in result.errors]
    assert "不是中国大陆手机号码" in messages[0]
    assert messages[1] == "请至少填写手机、固定电话或电子邮箱中的一项。"
    assert "邮件" in messages[2] or "Email" in messages[2]
    assert "不是有效的电话号码" in messages[3]


# Headers

def test_a_missing_column_and_an_unknown_column_are_reported_on_row_1(upload, desk_user):
    headers = ["客户编码", "客户名称", "级别", "重点客户", "非我方安装", "城市", "地址", "备注"]

    result = import_workbook(kind="customers", file=upload("customers", [["C1", "甲", "", "", "", "", "", ""]],
                                                              headers), actor=desk_user)

    assert errors_of(result) == [(1, "备注", "无法识别的列，请使用模板中的列标题。"),
                                 (1, "电话", "缺少此列，请保留模板中的列标题。")]
    assert not Customer.objects.exists()


def test_columns_may_come_in_any_order(upload, desk_user):
    headers = ["客户名称", "客户编码", "级别", "重点客户", "非我方安装", "城市", "地址", "电话"]

    result = import_workbook(kind="customers", file=upload("customers", [["甲医院", "C1"]], headers),
                             actor=desk_user)

    assert result.created == 1 and Customer.objects.get().name == "甲医院"


def test_a_file_without_rows_is_refused(upload, desk_user):
    with pytest.raises(ServiceError) as refused:
        import_workbook(kind="customers", file=upload("customers", []), actor=desk_user)
    assert refused.value.code == "empty"


# Files that are not workbooks, or too large

def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG")
    return out.getvalue()


def _zip_without_workbook() -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    return out.getvalue()


@pytest.mark.parametrize("content", [
    "客户编码,客户名称\nC1,甲\n".encode(),
    _png(),
    _zip_without_workbook(),
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,  # an Excel 97-2003 .xls
    b"",
], ids=["csv", "png", "docx-like zip", "xls", "empty"])
def test_files_that_are_not_xlsx_are_refused_by_content(desk_user, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ServiceError) as refused:
        import_workbook(kind="customers", file=SimpleUploadedFile("客户.xlsx", content), actor=desk_user)

    assert refused.value.code == "file_type"
    assert refused.value.message == "文件不是 Excel 工作簿（.xlsx）"


def test_a_damaged_workbook_is_refused(desk_user):
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not xml")
    with pytest.raises(ServiceError) as refused:
        import_workbook(kind="customers", file=out.getvalue(), actor=desk_user)
    assert refused.value.code == "file_content"


@override_settings(IMPORT_MAX_BYTES=1024)
def test_a_file_over_the_limit_is_refused(upload, desk_user):
    rows = [customer_row(客户编码=f"C{n}", 地址="很长的地址" * 30) for n in range(50)]

    with pytest.raises(ServiceError) as refused:
        import_workbook(kind="customers", file=upload("customers", rows), actor=desk_user)

    assert refused.value.code == "file_size"
    assert "文件过大" in refused.value.message and "1.0" in refused.value.message
    assert not Customer.objects.exists()


# Who may import what

def test_a_customer_user_may_not_import(upload, make_user):
    customer = CustomerFactory()
    user = make_user(Role.CUSTOMER, customer=customer)

    with pytest.raises(ServiceError) as refused:
        import_workbook(kind="sites", file=upload("sites", [[customer.code, "新", "", "路"]]), actor=user)

    assert refused.value.code == "not_allowed"
    assert not Site.objects.filter(name="新").exists()


def test_rows_may_only_refer_to_customers_in_the_actors_scope(upload, make_user):
    own, other = CustomerFactory(code="OWN"), CustomerFactory(code="OTHER")
    user = make_user(Role.CUSTOMER, customer=own)
    user.user_permissions.add(Permission.objects.get(codename="add_site"))
    rows = [["OWN", "新校区", "", "路 1 号"], ["OTHER", "新校区", "", "路 2 号"]]

    result = import_workbook(kind="sites", file=upload("sites", rows), actor=user)

    assert errors_of(result) == [(3, "客户编码", "客户编码“OTHER”不存在。")]
    assert not other.sites.exists()


def test_archived_customers_cannot_be_referred_to(upload, desk_user):
    CustomerFactory(code="OLD", archived_at=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))

    result = import_workbook(kind="contacts", file=upload("contacts", [["OLD", "张伟", "", "13812345678"]]),
                             actor=desk_user)

    assert errors_of(result) == [(2, "客户编码", "客户“OLD”已归档。")]


# Speed: lookups are loaded once and rows are inserted in bulk

def test_queries_are_few_whatever_the_number_of_rows(upload, desk_user, installed_base):
    from django.test.utils import CaptureQueriesContext

    site, model = installed_base["site"], installed_base["model"]

    def run(count, start):
        rows = [asset_row(site, model, 序列号=f"SN{start + n}") for n in range(count)]
        file = upload("assets", rows)
        with CaptureQueriesContext(connection) as queries:
            assert import_workbook(kind="assets", file=file, actor=desk_user).created == count
        return len(queries)

    run(1, 0)  # the user's permissions are cached from now on
    assert run(300, 1000) <= run(5, 10) + 10
