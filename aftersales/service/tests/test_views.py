"""The service desk's pages: intake, the queue and the request page with its actions."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from aftersales.accounts.roles import Role
from aftersales.assets.tests.factories import AssetFactory
from aftersales.contracts.tests.factories import ContractFactory
from aftersales.core.errors import ServiceError
from aftersales.customers.tests.factories import ContactFactory, CustomerFactory, SiteFactory
from aftersales.service import services
from aftersales.service.choices import SEVERITY_HELP, ClockKind, RequestType, Severity, State, TimelineKind
from aftersales.service.models import RequestAttachment, RequestClock, ServiceRequest
from aftersales.service.tests.factories import request_data

pytestmark = pytest.mark.django_db

PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "{{7*7}}<svg/onload=alert(4)>"]
RAW = ("<script>alert(1)", "<img src=x onerror", "<svg/onload")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def png(name="现场照片.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf(name="故障报告.pdf") -> SimpleUploadedFile:
    content = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def register(**overrides) -> ServiceRequest:
    return services.request_register(actor=None, data=request_data(**overrides))


def numbers_in(html: str) -> list[str]:
    return re.findall(r'data-number="([^"]+)"', html)


def status_of(html: str, number: str) -> str:
    return re.search(rf'data-status="(\w+)" data-number="{number}"', html).group(1)


def action(client, request, name: str, **fields):
    return client.post(f"/service/{request.pk}/{name}/", {f"{name}-{k}": v for k, v in fields.items()})


# ---------------------------------------------------------------- intake


def test_lookup_finds_the_caller_by_phone_serial_and_name(client, desk_user):
    # given a hospital with a contact, a unit, and another customer
    hospital = CustomerFactory(name="宁波市第一人民医院")
    ContactFactory(customer=hospital, name="陈主任", mobile="13957412345")
    AssetFactory(site=SiteFactory(customer=hospital), serial_number="NB-CAM-0042")
    CustomerFactory(name="宁波港务集团")
    client.force_login(desk_user)

    # when the desk types a phone number, a serial number, part of a name
    by_phone = client.get("/service/new/lookup/", {"q": "139-5741-2345"}).content.decode()
    by_serial = client.get("/service/new/lookup/", {"q": "cam-0042"}).content.decode()
    by_name = client.get("/service/new/lookup/", {"q": "人民医院"}).content.decode()

    # then each finds the hospital (the contact as the likely caller), and only it
    assert "宁波市第一人民医院" in by_phone and "陈主任" in by_phone and "suggest_phone=13957412345" in by_phone
    assert "NB-CAM-0042" in by_serial and "宁波市第一人民医院" in by_serial
    assert "宁波市第一人民医院" in by_name and "宁波港务集团" not in by_name
    assert client.get("/service/new/lookup/", {"q": "x"}).content.decode().strip() == ""


def test_an_earlier_callers_phone_finds_the_customer(client, desk_user):
    earlier = register(reporter_phone="021-66668888", reporter_name="刘工")
    client.force_login(desk_user)
    html = client.get("/service/new/lookup/", {"q": "66668888"}).content.decode()
    assert earlier.customer.name in html and "刘工" in html


def test_choosing_a_customer_shows_assets_entitlement_open_requests_and_history(client, desk_user):
    # given a customer whose camera is in warranty; it replaced an older unit and was repaired before
    customer = CustomerFactory(name="杭州市西湖区实验小学", is_key=True)
    site = SiteFactory(customer=customer, name="主教学楼")
    accepted = timezone.localdate() - dt.timedelta(days=200)
    old = AssetFactory(site=site, serial_number="OLD-0001")
    asset = AssetFactory(site=site, serial_number="CAM-0007", accepted_on=accepted, installed_on=accepted, replaces=old)
    ContractFactory(customer=customer, warranty_months=36, assets=[asset])
    before = register(customer=customer, site=site, asset=asset, reported_at=timezone.now() - dt.timedelta(days=30))
    services.request_resolve(request=before, actor=None, resolution="更换电源适配器",
                             at=timezone.now() - dt.timedelta(days=29))
    still_open = register(customer=customer, site=site, description="走廊摄像头无画面")
    client.force_login(desk_user)

    # when the desk chooses the customer and the camera (whole page, and the htmx partial)
    html = client.get("/service/new/", {"customer": customer.pk, "asset": asset.pk}).content.decode()
    partial = client.get("/service/new/context/", {"customer": customer.pk, "asset": asset.pk,
                                                   "suggest_name": "陈主任", "reporter_phone": "13800001111"})

    # then, before saving: the sites, the units with their cover, the open requests, the unit's history
    assert "主教学楼" in html and "CAM-0007" in html
    assert 'data-coverage="warranty"' in html
    assert still_open.number in html
    last_visit = re.search(r'id="last-visit">(.*?)</dd>', html, re.S).group(1)
    assert before.number in last_visit
    assert "OLD-0001" in html  # the unit it replaced
    # and the form's customer, unit and caller are set to match (out of band)
    body = partial.content.decode()
    assert 'id="intake-party" class="party" hx-swap-oob="true"' in body
    assert f'value="{customer.pk}"' in body and f'<option value="{asset.pk}" selected>' in body
    assert 'value="陈主任"' in body and 'value="13800001111"' in body


def test_registering_through_the_form_numbers_the_request_and_starts_its_clocks(client, desk_user, media):
    # given a customer's unit
    asset = AssetFactory()
    client.force_login(desk_user)

    # when the desk registers a call with a photo and a PDF
    response = client.post("/service/new/", {
        "customer": asset.customer_id, "site": "", "asset": asset.pk, "reporter_name": "王工",
        "reporter_phone": "13800138000", "channel": "phone", "request_type": "repair", "severity": "2",
        "description": "录像机硬盘报警", "tried_by_others": "on", "tried_note": "客户自己重启过",
        "reported_at": local(timezone.now() - dt.timedelta(minutes=3)), "attachments": [png(), pdf()],
    })

    # then a numbered request exists with its clocks and both files, stored under random names
    request = ServiceRequest.objects.get()
    assert response.status_code == 302 and response.url == f"/service/{request.pk}/"
    assert re.fullmatch(r"BX\d{4}-\d{6}", request.number)
    assert request.site == asset.site and request.severity == Severity.MAJOR and request.tried_by_others
    assert request.registered_by == desk_user
    assert set(request.clocks.values_list("clock", flat=True)) == {"response", "callback", "on_site", "fixed"}
    assert all(c.due_at is not None for c in request.clocks.all())
    names = sorted(a.original_name for a in request.attachments.all())
    assert names == ["故障报告.pdf", "现场照片.png"]
    for attachment in request.attachments.all():
        assert "现场" not in attachment.file.name and "报告" not in attachment.file.name
    assert request.timeline.filter(kind=TimelineKind.ATTACHMENT).exists()

    # and the page shows them for download, as attachments
    page = client.get(response.url).content.decode()
    attachment = request.attachments.get(original_name="故障报告.pdf")
    assert f"/service/attachments/{attachment.pk}/download/" in page
    download = client.get(f"/service/attachments/{attachment.pk}/download/")
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_a_refused_attachment_saves_nothing(client, desk_user, media):
    asset = AssetFactory()
    client.force_login(desk_user)
    response = client.post("/service/new/", {
        "customer": asset.customer_id, "asset": asset.pk, "reporter_name": "王工", "reporter_phone": "13800138000",
        "channel": "phone", "request_type": "repair", "severity": "3", "description": "黑屏",
        "reported_at": local(timezone.now()),
        "attachments": [png(), SimpleUploadedFile("发票.pdf", b"<html><script>alert(1)</script>")],
    })
    html = response.content.decode()
    assert response.status_code == 200
    assert "发票.pdf" in html and 'role="alert"' in html
    assert not ServiceRequest.objects.exists() and not RequestAttachment.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_errors_of_the_service_and_the_form_are_shown_on_the_form(client, desk_user):
    asset = AssetFactory()
    other = AssetFactory()
    client.force_login(desk_user)
    data = {"customer": asset.customer_id, "asset": asset.pk, "reporter_name": "王工",
            "reporter_phone": "13800138000", "channel": "phone", "request_type": "repair", "severity": "3",
            "description": "黑屏"}

    future = client.post("/service/new/", {**data, "reported_at": local(timezone.now() + dt.timedelta(hours=2))})
    with pytest.raises(ServiceError) as refused:
        register(reported_at=timezone.now() + dt.timedelta(hours=2))
    assert future.status_code == 200 and escape(refused.value.message) in future.content.decode()

    foreign = client.post("/service/new/", {**data, "asset": other.pk, "reported_at": local(timezone.now())})
    assert foreign.status_code == 200 and "errorlist" in foreign.content.decode()

    nobody = client.post("/service/new/", {**data, "customer": "", "reported_at": local(timezone.now())})
    assert nobody.status_code == 200 and "errorlist" in nobody.content.decode()
    assert not ServiceRequest.objects.exists()


def test_severity_definitions_are_shown_next_to_the_choice(client, desk_user):
    client.force_login(desk_user)
    html = client.get("/service/new/").content.decode()
    assert html.count('name="severity"') == 4
    for severity, definition in SEVERITY_HELP.items():
        assert f'value="{severity.value}"' in html and escape(str(definition)) in html


def test_registration_needs_the_permission(client, make_user):
    client.force_login(make_user(Role.GENERAL_MANAGER))
    assert client.get("/service/new/").status_code == 403
    assert client.get("/service/new/lookup/", {"q": "医院"}).status_code == 403
    assert client.post("/service/new/", {}).status_code == 403


# ---------------------------------------------------------------- the queue


def queue_world():
    now = timezone.now()
    breached = register(severity=Severity.CRITICAL, reported_at=now - dt.timedelta(hours=2))
    at_risk = register(severity=Severity.MINOR, reported_at=now - dt.timedelta(minutes=20))
    in_time = register(severity=Severity.MINOR, reported_at=now - dt.timedelta(minutes=2))
    services.request_acknowledge(request=in_time, actor=None)  # response met: the 3-hour callback is next
    paused = register(severity=Severity.CRITICAL, reported_at=now - dt.timedelta(minutes=5))
    services.request_pause(request=paused, actor=None, reason="等客户开门")
    return {"breached": breached, "at_risk": at_risk, "in_time": in_time, "paused": paused}


def test_queue_sorts_by_nearest_due_time_paused_last_and_colours_by_time_left(client, desk_user):
    w = queue_world()
    resolved = register()
    services.request_resolve(request=resolved, actor=None, resolution="已远程解决")
    client.force_login(desk_user)

    html = client.get("/service/").content.decode()

    assert numbers_in(html) == [w[k].number for k in ("breached", "at_risk", "in_time", "paused")]
    assert resolved.number not in html  # open requests only
    for key in ("breached", "at_risk", "in_time", "paused"):
        assert status_of(html, w[key].number) == key
    assert 'class="due due-breached"' in html and 'class="due due-at_risk"' in html
    assert 'hx-trigger="every 30s"' in html and 'hx-get="/service/rows/?' in html


def test_the_list_refreshes_from_a_partial(client, desk_user):
    w = queue_world()
    client.force_login(desk_user)
    rows = client.get("/service/rows/", {"severity": "1"}).content.decode()
    assert rows.startswith('<div id="queue-rows"') and "<html" not in rows
    assert 'hx-get="/service/rows/?severity=1"' in rows
    assert numbers_in(rows) == [w["breached"].number, w["paused"].number]


def test_filters_and_saved_views(client, desk_user, make_user):
    w = queue_world()
    other_desk = make_user(Role.DESK)
    services.request_assign(request=w["at_risk"], actor=None, assignee=desk_user)
    services.request_assign(request=w["in_time"], actor=None, assignee=other_desk)
    complaint = register(request_type=RequestType.COMPLAINT, severity=Severity.SLIGHT)
    soon = register(severity=Severity.CRITICAL)
    services.request_acknowledge(request=soon, actor=None)
    RequestClock.objects.filter(request=soon, clock=ClockKind.ON_SITE).update(
        due_at=timezone.now() + dt.timedelta(minutes=40))
    services.next_due_refresh(soon)
    client.force_login(desk_user)

    def shown(**params):
        return set(numbers_in(client.get("/service/", params).content.decode()))

    everything = {r.number for r in [*w.values(), complaint, soon]}
    assert shown() == everything
    assert shown(severity=1) == {w["breached"].number, w["paused"].number, soon.number}
    assert shown(request_type="complaint") == {complaint.number}
    assert shown(customer=w["at_risk"].customer_id) == {w["at_risk"].number}
    assert shown(assignee=other_desk.pk) == {w["in_time"].number}
    assert shown(state="waiting") == {w["paused"].number}
    assert shown(breached="yes") == {w["breached"].number}
    assert w["breached"].number not in shown(breached="no")
    assert shown(view="mine") == {w["at_risk"].number}
    assert shown(view="unassigned") == everything - {w["at_risk"].number, w["in_time"].number}
    # due within the next hour, not yet late: the half-hour responses still open, and the visit in 40 minutes
    assert shown(view="soon") == {w["at_risk"].number, complaint.number, soon.number}
    assert shown(q=complaint.number) == {complaint.number}
    assert shown(severity="nonsense") == everything  # a value that does not validate is ignored
    html = client.get("/service/").content.decode()
    for view in ("mine", "unassigned", "soon"):
        assert f'href="/service/?view={view}"' in html


def test_a_long_queue_is_counted_only_up_to_its_cap(client, desk_user, monkeypatch):
    from aftersales.service import views

    w = queue_world()
    client.force_login(desk_user)
    assert "(4 in all)" not in client.get("/service/").content.decode()  # one page: no pager
    monkeypatch.setattr(views, "QUEUE_COUNT_CAP", 3)
    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 2)

    first = client.get("/service/").content.decode()
    second = client.get("/service/", {"page": 2}).content.decode()
    beyond = client.get("/service/", {"page": 3}).content.decode()

    assert "第 1 页，共前 2 页（超过 3 条：请用筛选缩小范围）" in first
    assert numbers_in(first) == [w["breached"].number, w["at_risk"].number]
    assert numbers_in(second) == [w["in_time"].number, w["paused"].number]  # the page is whole beyond the cap
    assert numbers_in(beyond) == numbers_in(second)  # past the counted pages: the last one
    narrowed = client.get("/service/", {"severity": 1}).content.decode()
    assert "超过" not in narrowed and numbers_in(narrowed) == [w["breached"].number, w["paused"].number]


def test_queue_query_count_does_not_grow_with_requests(client, desk_user, django_assert_max_num_queries):
    levels = ["STD-7X24", "STD-5X8"]
    client.force_login(desk_user)
    client.get("/service/")  # the first request of a session stamps its activity time

    def build(n):
        from aftersales.contracts.tests.factories import MaintenanceContractFactory
        from aftersales.service.models import ServiceLevel

        for i in range(n):
            asset = AssetFactory()
            if i % 2:
                MaintenanceContractFactory(customer=asset.customer, assets=[asset],
                                           service_level=ServiceLevel.objects.get(code=levels[1]),
                                           start_date=dt.date(2020, 1, 1), end_date=dt.date(2099, 12, 31))
            request = register(customer=asset.customer, site=asset.site, asset=asset,
                               severity=Severity.CRITICAL if i % 3 else Severity.MINOR)
            services.request_assign(request=request, actor=None, assignee=desk_user)
            if i % 4 == 0:
                services.request_pause(request=request, actor=None, reason="等客户")

    build(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/service/").status_code == 200
        assert client.get("/service/rows/").status_code == 200
    build(27)
    assert ServiceRequest.objects.count() == 30
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/service/").content.decode()
        client.get("/service/rows/")
    assert len(numbers_in(html)) == 30


# ---------------------------------------------------------------- the request page and its actions


def test_the_request_page_shows_fields_clocks_and_timeline(client, desk_user):
    request = register(severity=Severity.MAJOR, reported_at=timezone.now() - dt.timedelta(minutes=40))
    client.force_login(desk_user)
    html = client.get(f"/service/{request.pk}/").content.decode()
    assert request.number in html and request.description in html and request.reporter_phone in html
    for clock in request.clocks.all():
        assert f'data-clock="{clock.clock}"' in html
        assert timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M") in html
    assert re.search(r'data-clock="response" data-status="breached"', html)
    assert re.search(r'data-clock="fixed" data-status="in_time"', html)
    assert 'data-kind="registered"' in html


def test_each_action_through_the_page(client, desk_user, make_user):
    senior = make_user(Role.SENIOR_ENGINEER)
    request = register(severity=Severity.MAJOR)
    client.force_login(desk_user)

    def state():
        request.refresh_from_db()
        return request.state

    def clock(kind):
        return request.clocks.get(clock=kind)

    page = client.get(f"/service/{request.pk}/").content.decode()
    assert 'action="/service/%d/acknowledge/"' % request.pk in page
    assert 'action="/service/%d/resume/"' % request.pk not in page  # only what the state allows

    assert action(client, request, "acknowledge").status_code == 302
    assert state() == State.ACKNOWLEDGED and clock("response").met_at is not None
    assert action(client, request, "log-call", text="已回电，客户同意下午上门").status_code == 302
    assert clock("callback").met_at is not None
    assert action(client, request, "assign", assignee=desk_user.pk).status_code == 302
    request.refresh_from_db()
    assert request.assignee == desk_user
    assert action(client, request, "start").status_code == 302
    assert state() == State.IN_PROGRESS
    assert action(client, request, "pause", reason="等客户提供机房钥匙").status_code == 302
    assert state() == State.WAITING and clock("fixed").due_at is None
    page = client.get(f"/service/{request.pk}/").content.decode()
    assert 'action="/service/%d/resume/"' % request.pk in page and "/pause/" not in page
    assert action(client, request, "resume").status_code == 302
    assert state() == State.IN_PROGRESS and clock("fixed").due_at is not None
    assert action(client, request, "escalate", engineer=senior.pk).status_code == 302
    request.refresh_from_db()
    assert request.escalated_at is not None and request.assignee == senior
    assert clock("senior").due_at is not None
    assert action(client, request, "arrive", senior="on").status_code == 302
    assert clock("on_site").met_at is not None and clock("senior").met_at is not None
    assert action(client, request, "reclassify", severity=1, request_type="emergency").status_code == 302
    request.refresh_from_db()
    assert (request.severity, request.request_type) == (1, "emergency")
    assert request.timeline.filter(kind=TimelineKind.RECOMPUTED).exists()
    assert action(client, request, "resolve", resolution="更换硬盘", remote_method="").status_code == 302
    assert state() == State.RESOLVED and clock("fixed").met_at is not None
    assert action(client, request, "report", text="硬盘老化；更换；无数据损失").status_code == 302
    request.refresh_from_db()
    assert request.report_filed_at is not None
    assert action(client, request, "close", confirmed="on").status_code == 302
    assert state() == State.CLOSED and request.customer_confirmed
    assert action(client, request, "reopen", reason="客户反馈再次报警").status_code == 302
    assert state() == State.IN_PROGRESS
    assert action(client, request, "cancel", reason="客户改为自行更换").status_code == 302
    assert state() == State.CANCELLED
    page = client.get(f"/service/{request.pk}/").content.decode()
    assert 'class="request-actions"' not in page  # nothing left to do


def test_a_remote_solution_resolves_without_a_visit(client, desk_user):
    request = register()
    client.force_login(desk_user)
    assert action(client, request, "resolve", resolution="电话指导客户重启", remote_method="phone").status_code == 302
    request.refresh_from_db()
    assert request.state == State.RESOLVED and request.remote_method == "phone"
    assert request.clocks.get(clock="on_site").met_at is not None


def test_every_refusal_shows_the_services_message(client, desk_user):
    request = register()
    client.force_login(desk_user)

    wrong_state = action(client, request, "resume")
    html = wrong_state.content.decode()
    assert wrong_state.status_code == 200 and 'id="action-error"' in html
    with pytest.raises(ServiceError) as refused:
        services.request_resume(request=request, actor=desk_user)
    assert escape(refused.value.message) in html

    empty = action(client, request, "pause", reason="  ")
    html = empty.content.decode()
    with pytest.raises(ServiceError) as refused:
        services.request_pause(request=request, actor=desk_user, reason=" ")
    assert escape(refused.value.message) in html and '<details class="card action" id="action-pause" open>' in html
    request.refresh_from_db()
    assert request.state == State.NEW

    close_without_reason = register()
    services.request_resolve(request=close_without_reason, actor=None, resolution="好了")
    html = action(client, close_without_reason, "close", reason="").content.decode()
    with pytest.raises(ServiceError) as refused:
        services.request_close(request=close_without_reason, actor=desk_user, confirmed=False, reason="")
    assert escape(refused.value.message) in html


def test_acting_needs_the_change_permission(client, make_user):
    request = register()
    client.force_login(make_user(Role.GENERAL_MANAGER))  # may read requests, not work on them
    page = client.get(f"/service/{request.pk}/")
    assert page.status_code == 200 and 'class="request-actions"' not in page.content.decode()
    assert action(client, request, "acknowledge").status_code == 403
    request.refresh_from_db()
    assert request.state == State.NEW


def test_a_customer_sees_only_their_own_requests_without_internal_entries_or_actions(client, make_user, desk_user):
    # given two customers' requests, one assigned (a staff-only timeline entry) with an attachment
    mine = register(internal_notes="内部：客户欠款")
    theirs = register()
    services.request_assign(request=mine, actor=desk_user, assignee=desk_user)
    attachment = RequestAttachment(request=theirs, original_name="x.pdf", content_type="application/pdf", size=5)
    attachment.file.save("x", SimpleUploadedFile("x.pdf", b"%PDF-"), save=False)
    attachment.save()
    user = make_user(Role.CUSTOMER, customer=mine.customer)
    client.force_login(user)

    # when the customer's user looks
    queue = client.get("/service/").content.decode()
    page = client.get(f"/service/{mine.pk}/")
    html = page.content.decode()

    # then they see their own request, not the other's; no staff-only entry, no assignee, no forms
    assert numbers_in(queue) == [mine.number]
    assert page.status_code == 200 and mine.number in html
    assert 'data-kind="assigned"' not in html and str(desk_user) not in html and "客户欠款" not in html
    assert "<form method=\"post\" action=\"/service/" not in html and "request-actions" not in html
    assert client.get(f"/service/{theirs.pk}/").status_code == 404
    assert client.get(f"/service/attachments/{attachment.pk}/download/").status_code == 404
    assert action(client, mine, "acknowledge").status_code == 403
    assert client.get("/service/new/").status_code == 403


@pytest.mark.parametrize("payload", PAYLOADS)
def test_script_payloads_come_out_escaped(client, desk_user, payload):
    asset = AssetFactory(name=payload[:100])
    request = register(customer=asset.customer, site=asset.site, asset=asset, description=payload,
                       reporter_name=payload[:50], tried_note=payload[:200], tried_by_others=True)
    services.request_log_call(request=request, actor=None, text=payload)
    client.force_login(desk_user)
    pages = [f"/service/{request.pk}/", "/service/", "/service/rows/",
             f"/service/new/?customer={asset.customer_id}&asset={asset.pk}",
             f"/service/new/context/?customer={asset.customer_id}&asset={asset.pk}&suggest_name={payload}",
             f"/service/new/lookup/?q={request.reporter_phone}"]
    for path in pages:
        html = client.get(path).content.decode()
        assert not any(raw in html for raw in RAW), path
