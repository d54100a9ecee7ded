"""The customer asks for the service report by e-mail (SPEC D5): on the report's page or through
/api/v1/work-orders/{id}/report-email/, it goes to the e-mail address of the customer user's own
account and nowhere else; refused without an address or before the report exists; once per work
order and user in ten minutes; another customer's work order does not exist for them."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import mail
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.service.models import TimelineEntry
from aftersales.service.tests.factories import ServiceRequestFactory
from aftersales.workorders import services
from aftersales.workorders.choices import Outcome
from aftersales.workorders.models import WorkOrder
from aftersales.workorders.reports import CUSTOMER_EMAIL_MINUTES
from aftersales.workorders.tests.factories import WorkOrderFactory, signature_data_url
from aftersales.workorders.tests.test_report_pdf import text_of

pytestmark = pytest.mark.django_db
API = "/api/v1/work-orders/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def crew(make_user):
    return {"desk": make_user(Role.DESK), "tech": make_user(Role.TECHNICIAN, display_name="李师傅")}


@pytest.fixture
def customer():
    return CustomerFactory(name="杭州西湖中学")


def finished(crew, customer, *, done: bool = True) -> WorkOrder:
    """A visit to the customer, signed by both sides and finished (or still on site)."""
    request = ServiceRequestFactory(customer=customer, description="三号楼监控画面黑屏")
    work_order = WorkOrderFactory(actor=crew["desk"], request=request, technician=crew["tech"])
    services.workorder_arrive(work_order=work_order, actor=crew["tech"])
    if done:
        for role, name in (("customer", "赵主任"), ("technician", "李师傅")):
            services.workorder_sign(work_order=work_order, actor=crew["tech"], role=role,
                                    image=signature_data_url(), signer_name=name)
        services.workorder_finish(work_order=work_order, actor=crew["tech"], outcome=Outcome.FIXED,
                                  work_done="更换电源适配器", minutes_spent=40)
    return work_order


def english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def messages_of(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def email_me(client, work_order, **data):
    return client.post(f"/work-orders/{work_order.pk}/report/email-me/", data)


# ---------------------------------------------------------------- the report's page


def test_the_customer_has_the_report_e_mailed_to_their_own_address(client, crew, customer, make_user,
                                                                    django_capture_on_commit_callbacks):
    work_order = finished(crew, customer)
    zhao = make_user(Role.CUSTOMER, customer=customer, email="zhao@xihu.example.cn")
    client.force_login(zhao)
    page = client.get(f"/work-orders/{work_order.pk}/report/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="report-email-me"' in html and "zhao@xihu.example.cn" in html
    assert f"/work-orders/{work_order.pk}/report.pdf" in html

    english(client)
    with django_capture_on_commit_callbacks(execute=True):
        sent = email_me(client, work_order, email="somebody@elsewhere.example")  # a typed address is ignored
    assert sent.status_code == 302 and sent["Location"] == f"/work-orders/{work_order.pk}/report/"
    assert "zhao@xihu.example.cn" in messages_of(sent)
    (message,) = mail.outbox
    assert message.to == ["zhao@xihu.example.cn"] and work_order.number in message.subject
    (_name, content, mimetype), = message.attachments
    assert mimetype == "application/pdf" and "杭州西湖中学" in text_of(content)
    entry = TimelineEntry.objects.get(request=work_order.request, data__step="report_email")
    assert entry.actor == zhao and entry.data["to"] == "zhao@xihu.example.cn" and entry.data["by_customer"] is True


def test_refused_without_an_e_mail_address_or_before_the_report_exists(client, crew, customer, make_user,
                                                                       django_capture_on_commit_callbacks):
    ready, on_site = finished(crew, customer), finished(crew, customer, done=False)
    client.force_login(make_user(Role.CUSTOMER, customer=customer, email=""))
    english(client)
    page = client.get(f"/work-orders/{ready.pk}/report/").content.decode()
    assert 'id="report-no-email"' in page
    with django_capture_on_commit_callbacks(execute=True):
        no_address = email_me(client, ready)
    assert no_address.status_code == 302 and "no e-mail address" in messages_of(no_address)

    client.force_login(make_user(Role.CUSTOMER, customer=customer, email="qian@xihu.example.cn"))
    english(client)
    assert client.get(f"/work-orders/{on_site.pk}/report/").status_code == 404  # no report yet: none to show
    with django_capture_on_commit_callbacks(execute=True):
        early = email_me(client, on_site)
    assert early.status_code == 302 and "not ready" in messages_of(early)
    assert mail.outbox == [] and not TimelineEntry.objects.filter(data__step="report_email").exists()


def test_one_e_mail_per_work_order_and_user_in_ten_minutes(client, crew, customer, make_user,
                                                           django_capture_on_commit_callbacks):
    work_order, other = finished(crew, customer), finished(crew, customer)
    zhao = make_user(Role.CUSTOMER, customer=customer, email="zhao@xihu.example.cn")
    client.force_login(zhao)
    english(client)
    with django_capture_on_commit_callbacks(execute=True):
        email_me(client, work_order)
        again = email_me(client, work_order)
    assert len(mail.outbox) == 1 and "again after" in messages_of(again)
    with django_capture_on_commit_callbacks(execute=True):
        email_me(client, other)  # another work order's report is its own
        client.force_login(make_user(Role.CUSTOMER, customer=customer, email="qian@xihu.example.cn"))
        email_me(client, work_order)  # and another user asks for their own
    assert [m.to for m in mail.outbox[1:]] == [["zhao@xihu.example.cn"], ["qian@xihu.example.cn"]]

    # ten minutes later, the same user may ask again
    earlier = timezone.now() - dt.timedelta(minutes=CUSTOMER_EMAIL_MINUTES, seconds=1)
    TimelineEntry.objects.filter(data__step="report_email", actor=zhao).update(at=earlier)
    client.force_login(zhao)
    with django_capture_on_commit_callbacks(execute=True):
        email_me(client, work_order)
    assert len(mail.outbox) == 4


def test_another_customers_work_order_is_not_theirs_and_staff_use_their_own_form(client, crew, customer,
                                                                                 make_user):
    from aftersales.dealers.tests.factories import DealerFactory

    work_order = finished(crew, customer)
    client.force_login(make_user(Role.CUSTOMER, customer=CustomerFactory(), email="x@other.example.cn"))
    assert client.get(f"/work-orders/{work_order.pk}/report/").status_code == 404
    assert email_me(client, work_order).status_code == 404
    client.force_login(make_user(Role.DEALER, dealer=DealerFactory(), email="d@dealer.example.cn"))
    assert email_me(client, work_order).status_code == 403
    client.force_login(crew["desk"])
    assert email_me(client, work_order).status_code == 403  # staff send through the work order's page
    assert client.get(f"/work-orders/{work_order.pk}/report/")["Location"] == f"/work-orders/{work_order.pk}/"
    assert mail.outbox == []


# ---------------------------------------------------------------- the API


def test_the_api_sends_the_customer_their_own_report_once_in_ten_minutes(api, crew, customer, make_user,
                                                                         django_capture_on_commit_callbacks):
    work_order = finished(crew, customer)
    zhao = make_user(Role.CUSTOMER, customer=customer, email="zhao@xihu.example.cn")
    path = f"{API}{work_order.pk}/report-email/"
    with django_capture_on_commit_callbacks(execute=True):
        sent = api(zhao).post(path, {}, format="json")
    assert sent.status_code == 200 and sent.json() == {"email": "zhao@xihu.example.cn"}
    assert mail.outbox[0].to == ["zhao@xihu.example.cn"]
    typed = api(zhao).post(path, {"email": "somebody@elsewhere.example"}, format="json")
    assert typed.status_code == 400 and "email" in typed.json()
    again = api(zhao).post(path, {}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "throttled"
    nobody = make_user(Role.CUSTOMER, customer=customer, email="")
    assert api(nobody).post(path, {}, format="json").json()["code"] == "no_email"
    stranger = make_user(Role.CUSTOMER, customer=CustomerFactory(), email="x@other.example.cn")
    assert api(stranger).post(path, {}, format="json").status_code == 404
    assert len(mail.outbox) == 1


def test_the_api_refuses_a_report_not_yet_made_and_staff_send_to_an_address(api, crew, customer, make_user,
                                                                            django_capture_on_commit_callbacks):
    on_site = finished(crew, customer, done=False)
    zhao = make_user(Role.CUSTOMER, customer=customer, email="zhao@xihu.example.cn")
    early = api(zhao).post(f"{API}{on_site.pk}/report-email/", {}, format="json")
    assert early.status_code == 400 and early.json()["code"] == "not_ready"

    work_order = finished(crew, customer)
    with django_capture_on_commit_callbacks(execute=True):
        sent = api(crew["desk"]).post(f"{API}{work_order.pk}/report-email/", {"email": "it@xihu.example.cn"},
                                      format="json")
        twice = api(crew["desk"]).post(f"{API}{work_order.pk}/report-email/", {"email": "it@xihu.example.cn"},
                                       format="json")
    assert sent.status_code == twice.status_code == 200  # staff are not held to the customer's wait
    assert [m.to for m in mail.outbox] == [["it@xihu.example.cn"]] * 2
    assert api(make_user(Role.PARTS)).post(f"{API}{work_order.pk}/report-email/", {},
                                           format="json").status_code == 403
