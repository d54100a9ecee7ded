"""The warranty card PDF (SPEC W11) and its download view.

The view is called through this module as a temporary urlconf, so the test does
not depend on where aftersales/assets/urls.py wires it.
"""

import datetime as dt
import io
import re
from urllib.parse import quote

import pytest
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import pgettext
from pypdf import PdfReader

from aftersales.accounts.tests.factories import UserFactory
from aftersales.assets.models import Asset, WarrantyCardTemplate
from aftersales.assets.tests.factories import AssetFactory, ProjectFactory
from aftersales.assets.warranty_card import DEFAULT_PRINCIPLES, warranty_card_download, warranty_card_pdf
from aftersales.catalogue.tests.factories import ProductModelFactory
from aftersales.contracts.tests.factories import ContractFactory
from aftersales.customers.tests.factories import CustomerFactory, SiteFactory
from aftersales.dealers.tests.factories import DealerFactory

urlpatterns = [
    path("assets/projects/<int:pk>/warranty-card.pdf", warranty_card_download, name="project-warranty-card"),
    path("login/", lambda request: HttpResponse("login"), name="login"),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def url(project) -> str:
    return f"/assets/projects/{project.pk}/warranty-card.pdf"


def pages_text(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """Text without whitespace: wrapping may break a line anywhere in Chinese text."""
    return re.sub(r"\s+", "", text)


def label(msgid: str) -> str:
    """A card label as printed: the card is always in the site language."""
    with translation.override("zh-hans"):
        return flat(pgettext("warranty card", msgid))


@pytest.fixture
def site():
    return SiteFactory(name="南校区", address="西湖区文三路88号")


@pytest.fixture
def project(site):
    manager = UserFactory(display_name="王建国", phone="13812345678", roles=["project_manager"])
    return ProjectFactory(
        customer=site.customer, site=site, code="PRJ-2024-07", name="杭州第二中学校园监控改造工程",
        responsible_department="华东售后服务部", responsible_people="李工 13900001111；张工 13900002222",
        project_manager=manager,
    )


def test_card_prints_project_principles_responsibility_and_each_unit_warranty_end(project, site):
    # given an active template, a unit under a 36-month warranty, one not accepted, one without warranty
    # and one archived
    WarrantyCardTemplate.objects.create(title="设备保修卡", principles="第一条：保修期自验收之日起计算。\n\n第二条：人为损坏不在免费保修范围。")
    covered = AssetFactory(site=site, project=project, serial_number="CAM-0001", accepted_on=dt.date(2024, 6, 28))
    ContractFactory(customer=site.customer, warranty_months=36, assets=[covered])
    AssetFactory(site=site, project=project, serial_number="CAM-0002", installed_on=None, accepted_on=None)
    AssetFactory(site=site, project=project, serial_number="CAM-0003", accepted_on=dt.date(2024, 7, 1))
    gone = AssetFactory(site=site, project=project, serial_number="CAM-GONE")
    Asset.objects.filter(pk=gone.pk).update(archived_at=timezone.now())
    AssetFactory(serial_number="OTHER-PROJECT")

    # when the card is printed
    text = flat("".join(pages_text(warranty_card_pdf(project=project, today=dt.date(2025, 1, 10)))))

    # then it names the project, its customer and site, and the template's principles
    for expected in ("设备保修卡", "杭州第二中学校园监控改造工程", "PRJ-2024-07", site.customer.name, "南校区",
                     "西湖区文三路88号", "第一条：保修期自验收之日起计算。", "第二条：人为损坏不在免费保修范围。"):
        assert flat(expected) in text
    # and the responsible department and people, with the project manager's name and phone
    for expected in ("华东售后服务部", "李工13900001111；张工13900002222", "王建国", "13812345678"):
        assert expected in text
    # and each unit with its acceptance date and warranty end (36 months from 2024-06-28)
    assert "CAM-00012024-06-282027-06-28" in text
    assert f"CAM-0002—{label('Not accepted')}" in text
    assert f"CAM-00032024-07-01{label('No warranty')}" in text
    # but neither archived units nor another project's
    assert "CAM-GONE" not in text and "OTHER-PROJECT" not in text
    # and the footer carries the issue date and page number
    assert "2025-01-10" in text
    assert label("Page %(page)s of %(total)s") % {"page": 1, "total": 1} in text


def test_without_template_the_default_title_and_principles_print(project):
    text = flat("".join(pages_text(warranty_card_pdf(project=project))))

    assert "保修卡" in text
    for paragraph in DEFAULT_PRINCIPLES.split("\n\n"):
        assert flat(paragraph) in text
    assert "人为损坏" in text and "24个月" in text and "30分钟" in text


def test_inactive_template_is_ignored(project):
    WarrantyCardTemplate.objects.create(title="旧版保修卡", principles="旧条款不再适用。", is_active=False)

    text = flat("".join(pages_text(warranty_card_pdf(project=project))))

    assert "旧条款不再适用" not in text
    assert flat(DEFAULT_PRINCIPLES.split("\n\n")[0]) in text


def test_three_hundred_units_paginate_with_the_header_on_every_page(project, site, django_assert_max_num_queries):
    # given a project with 300 units under one warranty
    model = ProductModelFactory()
    assets = AssetFactory.create_batch(300, site=site, project=project, product_model=model)
    ContractFactory(customer=site.customer, warranty_months=36, assets=assets)

    # when the card is printed: a fixed number of queries, however many units
    with django_assert_max_num_queries(4):
        pages = pages_text(warranty_card_pdf(project=project, today=dt.date(2025, 1, 10)))

    # then it runs to several pages, each with the table header and "page n of m"
    assert len(pages) >= 5
    for number, page in enumerate(pages, start=1):
        assert label("Serial number") in flat(page)
        assert label("Page %(page)s of %(total)s") % {"page": number, "total": len(pages)} in flat(page)
    # and every serial number is listed, with its warranty end
    text = flat("".join(pages))
    for asset in assets:
        assert f"{asset.serial_number}2024-06-282027-06-28" in text


def test_markup_in_user_text_prints_literally(site):
    project = ProjectFactory(customer=site.customer, site=site, name="<script>&amp; 工程", code="X&<b>",
                             responsible_department="<b>售后</b>", responsible_people="A & B")
    AssetFactory(site=site, project=project, serial_number="<i>SN&1")
    WarrantyCardTemplate.objects.create(title="保修卡 <u>", principles="配件 <b>免费</b> & 人工免费")

    text = flat("".join(pages_text(warranty_card_pdf(project=project))))

    for expected in ("<script>&amp;工程", "X&<b>", "<b>售后</b>", "A&B", "<i>SN&1", "保修卡<u>",
                     "配件<b>免费</b>&人工免费"):
        assert expected in text


def test_download_sends_an_attachment_with_ascii_and_chinese_names(client, project, desk_user):
    client.force_login(desk_user)

    response = client.get(url(project))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="warranty-card-PRJ-2024-07.pdf"; ')
    chinese_name = "保修卡-杭州第二中学校园监控改造工程-PRJ-2024-07.pdf"
    assert f"filename*=UTF-8''{quote(chinese_name, safe='')}" in disposition
    disposition.encode("ascii")  # the header itself is plain ASCII
    assert "杭州第二中学校园监控改造工程" in pages_text(response.content)[0]


def test_download_filename_drops_unsafe_characters(client, site, desk_user):
    project = ProjectFactory(customer=site.customer, code='A/B "1"\r\n', name='工程/"x"')
    client.force_login(desk_user)

    disposition = client.get(url(project))["Content-Disposition"]

    assert disposition.startswith('attachment; filename="warranty-card-A_B_1.pdf"; ')
    assert "\r" not in disposition and "\n" not in disposition
    assert quote("/") not in disposition and quote('"') not in disposition


def test_customer_user_gets_own_project_but_404_for_another_customers(client, make_user, project):
    own = make_user("customer", customer=project.customer)
    stranger = make_user("customer", customer=CustomerFactory())

    client.force_login(own)
    assert client.get(url(project)).status_code == 200
    client.force_login(stranger)
    assert client.get(url(project)).status_code == 404


def test_user_who_sees_the_project_without_view_permission_gets_403(client, make_user, project):
    # given a dealer serving the customer: the project is in scope, but dealers may not view projects
    dealer = DealerFactory()
    project.customer.dealer = dealer
    project.customer.save(update_fields=["dealer"])
    client.force_login(make_user("dealer", dealer=dealer))

    assert client.get(url(project)).status_code == 403


def test_unknown_project_is_404_and_anonymous_is_sent_to_login(client, desk_user, project):
    assert client.get(url(project)).status_code == 302
    client.force_login(desk_user)
    assert client.get("/assets/projects/999999/warranty-card.pdf").status_code == 404
    assert client.post(url(project)).status_code == 405
