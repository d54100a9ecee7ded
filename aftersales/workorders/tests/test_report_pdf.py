"""The service report (SPEC D5): the PDF of a signed visit with its parts, times, work and both
signatures; who may download it; e-mailing it as an attachment, written on the request's timeline."""

import datetime as dt
import io
import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from aftersales.accounts.roles import Role
from aftersales.assets.tests.factories import AssetFactory
from aftersales.catalogue.tests.factories import PartFactory, ProductModelFactory
from aftersales.customers.tests.factories import (
    ContactFactory,
    CustomerFactory,
    SiteFactory,
)
from aftersales.inventory import services as stock
from aftersales.inventory.tests.factories import VanFactory
from aftersales.service.choices import TimelineKind
from aftersales.service.models import TimelineEntry
from aftersales.service.tests.factories import ServiceRequestFactory
from aftersales.workorders import services
from aftersales.workorders.choices import Outcome
from aftersales.workorders.report_pdf import TITLE, charges_of, service_report_pdf
from aftersales.workorders.tests.factories import WorkOrderFactory, signature_data_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def text_of(pdf: bytes) -> str:
    """The PDF's text without whitespace (wrapping may break a Chinese line anywhere)."""
    assert pdf.startswith(b"%PDF-")
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def crew(make_user):
    return {"desk": make_user(Role.DESK), "tech": make_user(Role.TECHNICIAN, display_name="李师傅"),
            "keeper": make_user(Role.PARTS)}


@pytest.fixture
def customer():
    return CustomerFactory(name="杭州西湖中学")


def visit(crew, customer, *, finish: bool = True, sign: bool = True, outcome=Outcome.FIXED):
    """A visit to the customer's camera with a power supply swapped, signed by both, finished."""
    site = SiteFactory(customer=customer, name="南校区", address="文三路88号")
    asset = AssetFactory(site=site, product_model=ProductModelFactory(code="DS-2CD3T45", name="网络摄像机"),
                         serial_number="CAM-778899")
    request = ServiceRequestFactory(customer=customer, site=site, asset=asset, reporter_name="赵主任",
                                    description="三号楼监控画面黑屏")
    van = VanFactory(holder=crew["tech"])
    part = PartFactory(code="PSU-12V", name="12V电源适配器")
    stock.stock_receive(actor=crew["keeper"], part=part, location=van, quantity=2)
    work_order = WorkOrderFactory(actor=crew["desk"], request=request, technician=crew["tech"])
    left = timezone.now() - dt.timedelta(hours=2)
    services.workorder_start_travel(work_order=work_order, actor=crew["tech"], at=left)
    services.workorder_arrive(work_order=work_order, actor=crew["tech"], at=left + dt.timedelta(minutes=40))
    services.workorder_use_part(work_order=work_order, actor=crew["tech"], part=part, quantity=1,
                                serial_number="PSU-NEW-1", removed_serial="PSU-OLD-9", swapped_out=True)
    if sign:
        services.workorder_sign(work_order=work_order, actor=crew["tech"], role="customer",
                                image=signature_data_url(), signer_name="赵主任", comment="已恢复，满意")
        services.workorder_sign(work_order=work_order, actor=crew["tech"], role="technician",
                                image=signature_data_url(width=320), signer_name="李师傅")
    if finish:
        services.workorder_finish(work_order=work_order, actor=crew["tech"], outcome=outcome,
                                  work_done="更换电源适配器，画面恢复", minutes_spent=75)
    work_order.refresh_from_db()
    return work_order


def test_the_report_holds_the_visit_the_parts_and_both_signatures(crew, customer):
    work_order = visit(crew, customer)
    pdf = service_report_pdf(work_order=work_order)
    text = text_of(pdf)
    for expected in (TITLE, work_order.number, work_order.request.number, "杭州西湖中学", "南校区文三路88号",
                     "DS-2CD3T45", "CAM-778899", "三号楼监控画面黑屏", "李师傅", "更换电源适配器，画面恢复",
                     "PSU-12V", "12V电源适配器", "PSU-NEW-1", "PSU-OLD-9", "赵主任", "已恢复，满意"):
        assert expected in text, expected
    assert timezone.localtime(work_order.arrived_at).strftime("%Y-%m-%d%H:%M") in text
    assert image_count(pdf) == 2  # both signature images


def test_charges_are_the_parts_without_amounts_until_the_charges_app_prices_them(crew, customer):
    work_order = visit(crew, customer)
    lines = charges_of(work_order)
    assert [(line.description, line.quantity, line.amount) for line in lines] == [("PSU-12V 12V电源适配器", 1, None)]


def test_an_unfinished_visit_prints_its_delay_reason(crew, customer):
    work_order = visit(crew, customer, outcome=Outcome.NOT_FIXED)
    services.workorder_delay_reason(work_order=work_order, actor=crew["tech"], delay_reason="主板需返厂维修",
                                    next_step="借用备机，返厂后上门更换",
                                    expected_at=timezone.now() + dt.timedelta(days=5))
    work_order.refresh_from_db()
    text = text_of(service_report_pdf(work_order=work_order))
    assert "主板需返厂维修" in text and "借用备机，返厂后上门更换" in text


def test_staff_and_the_customers_own_users_download_it_others_do_not(client, crew, customer, make_user):
    from aftersales.dealers.tests.factories import DealerFactory

    work_order = visit(crew, customer)
    url = f"/work-orders/{work_order.pk}/report.pdf"
    client.force_login(crew["desk"])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="service-report-{work_order.number}.pdf"' in response["Content-Disposition"]
    assert work_order.number in text_of(response.content)
    client.force_login(make_user(Role.CUSTOMER, customer=customer))
    assert "杭州西湖中学" in text_of(client.get(url).content)
    client.force_login(make_user(Role.CUSTOMER, customer=CustomerFactory()))
    assert client.get(url).status_code == 404  # another customer's report does not exist for them
    client.force_login(make_user(Role.DEALER, dealer=DealerFactory()))
    assert client.get(url).status_code == 403
    client.force_login(crew["desk"])
    assert client.get("/work-orders/999999/report.pdf").status_code == 404


def test_no_report_before_the_visit_is_finished_and_signed(client, crew, customer, make_user):
    unsigned = visit(crew, customer, sign=False, finish=False)
    client.force_login(crew["desk"])
    refused = client.get(f"/work-orders/{unsigned.pk}/report.pdf")
    assert refused.status_code == 302 and refused["Content-Type"] != "application/pdf"
    assert any(unsigned.number in str(m) for m in get_messages(refused.wsgi_request))
    client.force_login(make_user(Role.CUSTOMER, customer=customer))
    assert client.get(f"/work-orders/{unsigned.pk}/report.pdf").status_code == 404


def test_the_report_is_e_mailed_to_the_reporter_after_commit_and_written_on_the_timeline(
        client, crew, customer, django_capture_on_commit_callbacks):
    ContactFactory(customer=customer, name="钱经理", email="qian@example.cn", is_primary=True)
    ContactFactory(customer=customer, name="赵主任", email="zhao@example.cn")
    work_order = visit(crew, customer)
    client.force_login(crew["desk"])
    with django_capture_on_commit_callbacks(execute=False) as pending:
        response = client.post(f"/work-orders/{work_order.pk}/report/email/", {"email": ""})
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert response.status_code == 302
    for callback in pending:
        callback()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["zhao@example.cn"] and work_order.number in sent.subject  # the reporter, by name
    (name, content, mimetype), = sent.attachments
    assert name == f"service-report-{work_order.number}.pdf" and mimetype == "application/pdf"
    assert work_order.number in text_of(content) and "PSU-12V" in text_of(content)
    entry = TimelineEntry.objects.filter(request=work_order.request, kind=TimelineKind.WORK_ORDER,
                                         data__step="report_email").get()
    assert entry.data["to"] == "zhao@example.cn" and entry.actor == crew["desk"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/work-orders/{work_order.pk}/report/email/", {"email": "someone@example.org"})
    assert mail.outbox[-1].to == ["someone@example.org"]


def test_e_mail_refusals_send_nothing(client, crew, customer, make_user, django_capture_on_commit_callbacks):
    work_order = visit(crew, customer)  # the customer has no contact with an e-mail address
    client.force_login(crew["desk"])
    with django_capture_on_commit_callbacks(execute=True):
        no_address = client.post(f"/work-orders/{work_order.pk}/report/email/", {"email": ""})
        bad = client.post(f"/work-orders/{work_order.pk}/report/email/", {"email": "not an address"})
    assert no_address.status_code == bad.status_code == 302 and mail.outbox == []
    assert get_messages(no_address.wsgi_request) and get_messages(bad.wsgi_request)
    planned = WorkOrderFactory(actor=crew["desk"], request=ServiceRequestFactory(customer=customer),
                               technician=crew["tech"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/work-orders/{planned.pk}/report/email/", {"email": "x@example.org"})
    assert mail.outbox == []
    client.force_login(make_user(Role.CUSTOMER, customer=customer))
    assert client.post(f"/work-orders/{work_order.pk}/report/email/", {"email": "x@example.org"}).status_code == 403
    assert not TimelineEntry.objects.filter(data__step="report_email").exists()
