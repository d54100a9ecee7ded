"""The work-order pages: dispatch from a request, the work order's page, my jobs and the visit screen
with its steps (plain form posts and the page script's JSON), who may see and do what."""

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.assets.tests.factories import AssetFactory, ProjectFactory
from aftersales.catalogue.tests.factories import PartFactory
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.inventory import services as stock
from aftersales.inventory.selectors import stock_on_hand
from aftersales.inventory.tests.factories import VanFactory
from aftersales.service.choices import ClockKind, State
from aftersales.service.tests.factories import ServiceRequestFactory
from aftersales.workorders import services
from aftersales.workorders.choices import WorkOrderState
from aftersales.workorders.models import WorkOrder
from aftersales.workorders.tests.factories import WorkOrderFactory, signature_data_url

pytestmark = pytest.mark.django_db
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def crew(make_user):
    return {"desk": make_user(Role.DESK), "tech": make_user(Role.TECHNICIAN, display_name="李师傅"),
            "other": make_user(Role.TECHNICIAN, display_name="王师傅"), "keeper": make_user(Role.PARTS)}


def login(client, user):
    client.force_login(user)
    return client


def step(client, work_order, name, data=None, **extra):
    body = {f"{name}-{key}": value for key, value in (data or {}).items()}
    return client.post(f"/work-orders/{work_order.pk}/visit/{name}/", body, **extra)


# ---------------------------------------------------------------- dispatch


def test_the_desk_dispatches_a_request_with_the_project_manager_proposed_first(client, crew, make_user):
    manager = make_user(Role.PROJECT_MANAGER, display_name="张经理")
    project = ProjectFactory(project_manager=manager)
    asset = AssetFactory(project=project, site__customer=project.customer)
    request = ServiceRequestFactory(customer=asset.customer, site=asset.site, asset=asset)
    login(client, crew["desk"])
    page = client.get(f"/work-orders/new/?request={request.pk}")
    assert page.status_code == 200
    assert page.context["form"].initial["technician"] == manager.pk
    start = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    answer = client.post(f"/work-orders/new/?request={request.pk}", {
        "technician": crew["tech"].pk, "planned_start": start, "planned_minutes": 90, "instructions": "带光功率计"})
    work_order = WorkOrder.objects.get(request=request)
    assert answer.status_code == 302 and answer["Location"] == f"/work-orders/{work_order.pk}/"
    assert work_order.technician == crew["tech"] and work_order.planned_minutes == 90
    detail = client.get(answer["Location"])
    assert work_order.number in detail.content.decode() and "带光功率计" in detail.content.decode()


def test_dispatch_shows_the_services_refusal_and_saves_nothing(client, crew):
    request = ServiceRequestFactory(customer=CustomerFactory(installed_by_others=True))
    login(client, crew["desk"])
    start = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    answer = client.post(f"/work-orders/new/?request={request.pk}", {
        "technician": crew["tech"].pk, "planned_start": start, "planned_minutes": 120})
    assert answer.status_code == 400
    assert "非我方安装" in " ".join(answer.context["form"].non_field_errors())
    assert not WorkOrder.objects.exists()


def test_the_briefing_refusal_lands_on_the_briefing_field(client, crew, make_user):
    manager = make_user(Role.PROJECT_MANAGER, is_active=False)
    project = ProjectFactory(project_manager=manager)
    asset = AssetFactory(project=project, site__customer=project.customer)
    request = ServiceRequestFactory(customer=asset.customer, site=asset.site, asset=asset)
    login(client, crew["desk"])
    start = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    answer = client.post(f"/work-orders/new/?request={request.pk}", {
        "technician": crew["tech"].pk, "planned_start": start, "planned_minutes": 120})
    assert answer.status_code == 400 and answer.context["form"].errors["briefing"]
    assert not WorkOrder.objects.exists()


def test_a_technician_may_not_dispatch_and_a_customer_sees_no_work_order(client, crew, make_user):
    work_order = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"])
    login(client, crew["tech"])
    assert client.get(f"/work-orders/new/?request={work_order.request_id}").status_code == 403
    customer = make_user(Role.CUSTOMER, customer=work_order.request.customer)
    login(client, customer)
    for url in (f"/work-orders/{work_order.pk}/", f"/work-orders/{work_order.pk}/visit/", "/work-orders/my/"):
        assert client.get(url).status_code == 403, url
    assert step(client, work_order, "travel").status_code == 403
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.PLANNED


# ---------------------------------------------------------------- my jobs and the visit screen


def test_my_jobs_lists_todays_jobs_with_a_tap_to_call_number(client, crew):
    request = ServiceRequestFactory(reporter_phone="13957412345")
    mine = WorkOrderFactory(actor=crew["desk"], request=request, technician=crew["tech"],
                            planned_start=timezone.now())
    WorkOrderFactory(actor=crew["desk"], technician=crew["other"], planned_start=timezone.now())
    tomorrow = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"],
                                planned_start=timezone.now() + dt.timedelta(days=1))
    page = login(client, crew["tech"]).get("/work-orders/my/")
    assert [job.pk for job in page.context["jobs"]] == [mine.pk]
    html = page.content.decode()
    assert 'href="tel:13957412345"' in html and f"/work-orders/{mine.pk}/visit/" in html
    later = client.get(f"/work-orders/my/?day={timezone.localtime(tomorrow.planned_start).date():%Y-%m-%d}")
    assert tomorrow.pk in [job.pk for job in later.context["jobs"]]


def test_another_technician_is_refused_the_visit_screen_with_the_reason(client, crew):
    work_order = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"])
    login(client, crew["other"])
    page = client.get(f"/work-orders/{work_order.pk}/visit/")
    assert page.status_code == 403 and "李师傅" in page.content.decode()
    refused = step(client, work_order, "travel", **FETCH)
    assert refused.status_code == 400 and refused.json()["ok"] is False and "李师傅" in refused.json()["message"]
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.PLANNED
    assert login(client, crew["tech"]).get(f"/work-orders/{work_order.pk}/visit/").status_code == 200


def test_a_whole_visit_through_the_visit_screen(client, crew):
    van = VanFactory(holder=crew["tech"])
    part = PartFactory(code="PSU-12V", name="电源")
    stock.stock_receive(actor=crew["keeper"], part=part, location=van, quantity=2)
    request = ServiceRequestFactory(severity=1)
    work_order = WorkOrderFactory(actor=crew["desk"], request=request, technician=crew["tech"])
    login(client, crew["tech"])
    page = client.get(f"/work-orders/{work_order.pk}/visit/")
    assert "PSU-12V" in page.content.decode()  # the van's stock is shown
    left = timezone.now() - dt.timedelta(minutes=45)
    answer = step(client, work_order, "travel", {"at": left.isoformat()}, **FETCH)
    assert answer.status_code == 200 and answer.json()["ok"] is True and answer.json()["state"] == "travelling"
    arrived = left + dt.timedelta(minutes=30)
    assert step(client, work_order, "arrive", {"at": arrived.isoformat()}, **FETCH).json()["state"] == "on_site"
    assert request.clocks.get(clock=ClockKind.ON_SITE).met_at == arrived  # the time it happened, not the send
    used = step(client, work_order, "part", {"part": part.pk, "quantity": 1, "serial_number": "N-1",
                                             "swapped_out": "on", "removed_serial": "OLD-9"}, **FETCH)
    assert used.status_code == 200, used.content
    assert stock_on_hand(part=part, location=van) == 1
    for role, name in (("customer", "赵主任"), ("technician", "李师傅")):
        signed = step(client, work_order, f"sign-{role}", {"image": signature_data_url(), "signer_name": name,
                                                           "comment": "满意"}, **FETCH)
        assert signed.status_code == 200, signed.content
    done = step(client, work_order, "finish", {"outcome": "fixed", "work_done": "更换电源", "minutes_spent": 25},
                **FETCH)
    assert done.json()["state"] == "done"
    request.refresh_from_db()
    assert request.state == State.RESOLVED
    work_order.refresh_from_db()
    assert work_order.minutes_spent == 25 and work_order.travel_started_at == left
    detail = client.get(f"/work-orders/{work_order.pk}/").content.decode()
    assert "赵主任" in detail and "PSU-12V" in detail


def test_a_step_sent_twice_after_a_lost_answer_is_done_once(client, crew):
    van = VanFactory(holder=crew["tech"])
    part = PartFactory()
    stock.stock_receive(actor=crew["keeper"], part=part, location=van, quantity=5)
    work_order = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"])
    services.workorder_arrive(work_order=work_order, actor=crew["tech"])
    login(client, crew["tech"])
    body = {"part": part.pk, "quantity": 2, "step_id": "abc-123"}
    assert step(client, work_order, "part", body, **FETCH).json()["ok"] is True
    assert step(client, work_order, "part", body, **FETCH).json()["ok"] is True
    assert work_order.used_parts.count() == 1 and stock_on_hand(part=part, location=van) == 3


def test_refusals_show_on_the_visit_screen_and_save_nothing(client, crew):
    van = VanFactory(holder=crew["tech"])
    part = PartFactory()
    stock.stock_receive(actor=crew["keeper"], part=part, location=van, quantity=1)
    work_order = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"])
    login(client, crew["tech"])
    early = step(client, work_order, "part", {"part": part.pk, "quantity": 1})  # not on site yet: a plain post
    assert early.status_code == 400 and "不能登记备件" in early.content.decode()
    services.workorder_arrive(work_order=work_order, actor=crew["tech"])
    short = step(client, work_order, "part", {"part": part.pk, "quantity": 3}, **FETCH)
    assert short.status_code == 400 and short.json()["ok"] is False
    blank = step(client, work_order, "sign-customer", {"image": signature_data_url(blank=True),
                                                       "signer_name": "赵主任"}, **FETCH)
    assert blank.status_code == 400 and "签名为空" in blank.json()["message"]
    unsigned = step(client, work_order, "finish", {"outcome": "fixed", "work_done": "好了"})
    assert unsigned.status_code == 400 and "结束上门服务前须由客户签字。" in unsigned.content.decode()
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.ON_SITE and not work_order.used_parts.exists()
    assert not work_order.signatures.exists() and stock_on_hand(part=part, location=van) == 1


def test_a_fake_photo_is_refused_and_a_real_one_is_served_through_the_checked_view(client, crew, make_user):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    work_order = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"])
    services.workorder_arrive(work_order=work_order, actor=crew["tech"])
    login(client, crew["tech"])
    fake = client.post(f"/work-orders/{work_order.pk}/visit/photo/",
                       {"photo-file": SimpleUploadedFile("x.jpg", b"<html>no</html>"), "photo-kind": "work"}, **FETCH)
    assert fake.status_code == 400 and not work_order.photos.exists()
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(out, format="JPEG")
    real = client.post(f"/work-orders/{work_order.pk}/visit/photo/",
                       {"photo-file": SimpleUploadedFile("机房.jpg", out.getvalue()), "photo-kind": "work",
                        "photo-caption": "机柜"}, **FETCH)
    assert real.status_code == 200, real.content
    photo = work_order.photos.get()
    served = client.get(f"/work-orders/photos/{photo.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content)[:3] == b"\xff\xd8\xff"
    customer = make_user(Role.CUSTOMER, customer=work_order.request.customer)
    assert login(client, customer).get(f"/work-orders/photos/{photo.pk}/").status_code == 403


def test_an_unfinished_visit_needs_the_delay_form_on_the_phone(client, crew):
    work_order = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"])
    services.workorder_arrive(work_order=work_order, actor=crew["tech"])
    for role in ("customer", "technician"):
        services.workorder_sign(work_order=work_order, actor=crew["tech"], role=role, image=signature_data_url(),
                                signer_name="某人")
    login(client, crew["tech"])
    left = step(client, work_order, "finish", {"outcome": "not_fixed", "work_done": "主板损坏"}, **FETCH)
    assert left.json()["state"] == "delay_due"
    page = client.get(f"/work-orders/{work_order.pk}/visit/")
    assert 'data-state="delay_due"' in page.content.decode() and "step-delay" in page.content.decode()
    partial = step(client, work_order, "delay", {"delay_reason": "等备件"}, **FETCH)
    assert partial.status_code == 400 and partial.json()["errors"]["next_step"]
    expected = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    given = step(client, work_order, "delay", {"delay_reason": "主板需返厂", "next_step": "返厂后上门更换",
                                               "expected_at": expected}, **FETCH)
    assert given.json()["state"] == "done"
    work_order.refresh_from_db()
    assert work_order.next_step == "返厂后上门更换"


def test_void_from_the_work_orders_page_needs_a_reason_and_the_permission(client, crew):
    work_order = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"])
    login(client, crew["tech"])
    assert client.post(f"/work-orders/{work_order.pk}/void/", {"void-reason": "x"}).status_code == 403
    login(client, crew["desk"])
    empty = client.post(f"/work-orders/{work_order.pk}/void/", {"void-reason": ""})
    assert empty.status_code == 400 and "请填写派工单作废的原因" in empty.content.decode()
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.PLANNED
    done = client.post(f"/work-orders/{work_order.pk}/void/", {"void-reason": "单据污损"})
    assert done.status_code == 302
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.VOID and work_order.void_reason == "单据污损"


def test_moving_a_job_to_another_number_records_both(client, crew):
    work_order = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"])
    login(client, crew["desk"])
    moved = client.post(f"/work-orders/{work_order.pk}/move/", {"move-reason": "改到明天",
                                                                "move-technician": crew["other"].pk})
    assert moved.status_code == 302
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.VOID and work_order.moved_to.technician == crew["other"]
    assert moved["Location"] == work_order.moved_to.get_absolute_url()
    page = client.get(moved["Location"]).content.decode()
    assert work_order.number in page


def test_my_jobs_and_the_visit_screen_need_the_same_queries_for_more_rows(client, crew):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    van = VanFactory(holder=crew["tech"])
    first = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"], planned_start=timezone.now())
    services.workorder_arrive(work_order=first, actor=crew["tech"])
    part = PartFactory()
    stock.stock_receive(actor=crew["keeper"], part=part, location=van, quantity=9)
    services.workorder_use_part(work_order=first, actor=crew["tech"], part=part, quantity=1)
    login(client, crew["tech"])
    client.get("/work-orders/my/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/work-orders/my/").status_code == 200
    with CaptureQueriesContext(connection) as one_visit:
        assert client.get(f"/work-orders/{first.pk}/visit/").status_code == 200
    for _n in range(4):
        WorkOrderFactory(actor=crew["desk"], technician=crew["tech"], planned_start=timezone.now())
        other = PartFactory()
        stock.stock_receive(actor=crew["keeper"], part=other, location=van, quantity=3)
        services.workorder_use_part(work_order=first, actor=crew["tech"], part=other, quantity=1)
    with CaptureQueriesContext(connection) as five:
        page = client.get("/work-orders/my/")
    assert len(page.context["jobs"]) == 5 and len(five) == len(one)
    with CaptureQueriesContext(connection) as five_visit:
        client.get(f"/work-orders/{first.pk}/visit/")
    assert len(five_visit) == len(one_visit)


def test_the_work_order_offers_loaners_of_the_same_grade_and_the_lend_form_names_the_request(client, crew):
    from aftersales.loaners.tests.factories import LoanerFactory

    asset = AssetFactory()
    request = ServiceRequestFactory(customer=asset.customer, site=asset.site, asset=asset)
    work_order = WorkOrderFactory(actor=crew["desk"], request=request, technician=crew["tech"])
    same_model = LoanerFactory(product_model=asset.product_model, code="BYJ-SAME")
    LoanerFactory(product_model=asset.product_model, code="BYJ-LENT", state="lent")
    client.force_login(crew["desk"])

    page = client.get(f"/work-orders/{work_order.pk}/").content.decode()

    assert 'id="stand-ins"' in page and "BYJ-SAME" in page and "BYJ-LENT" not in page  # in store only
    link = f"/loaners/{same_model.pk}/?service_request={request.number}"
    assert link in page
    lend = client.get(link).content.decode()
    assert f'value="{request.number}"' in lend and 'id="action-lend" open' in lend
