"""Escalation (SPEC S2) and breach records (S3): the pass the job runs every minute.

The default service level is 7×24 with a 30-minute response clock at every severity; the seeded
ladder: 75% → the assignee, breached → service managers, breached by a further hour → service
directors, a severity-1 breach → general managers.
"""

import datetime as dt
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.assets.tests.factories import AssetFactory
from aftersales.contracts.tests.factories import MaintenanceContractFactory
from aftersales.core.errors import ServiceError
from aftersales.service import services
from aftersales.service.choices import Severity, TimelineKind
from aftersales.service.escalation import escalation_pass
from aftersales.service.models import (
    Breach,
    EscalationRule,
    Notice,
    ServiceLevel,
    TimelineEntry,
)
from aftersales.service.notify import notice_mark_read, unread_notices
from aftersales.service.tasks import escalation_run
from aftersales.service.tests.factories import request_data

pytestmark = pytest.mark.django_db
CN = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=CN)


def nov17(hh, mm=0):
    return at(2025, 11, 17, hh, mm)


@pytest.fixture
def people(make_user):
    """One holder of each role on the ladder, each with an e-mail address and a mobile number."""

    def person(role, n):
        return make_user(role, email=f"{role}@example.cn", phone=f"1390000000{n}")

    return {"tech": person("technician", 1), "manager": person("service_manager", 2),
            "director": person("director", 3), "gm": person("general_manager", 4)}


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """One pass at ``now``, with what it sends after commit really sent."""

    def go(now):
        with django_capture_on_commit_callbacks(execute=True):
            return escalation_pass(now=now)

    return go


def register(actor, *, reported_at, assignee=None, severity=Severity.MINOR, **data):
    request = services.request_register(actor=actor, data=request_data(
        severity=severity, reported_at=reported_at, **data), now=reported_at)
    if assignee is not None:
        services.request_assign(request=request, actor=actor, assignee=assignee)
    return request


def sent_to():
    return sorted(address for message in mail.outbox for address in message.to)


def notified(request, notify):
    return set(Notice.objects.filter(clock__request=request, rule__notify=notify)
               .values_list("recipient__username", "clock__clock"))


# ---------------------------------------------------------------- the ladder


def test_at_75_percent_the_assignee_is_notified_once(desk_user, people, run):
    request = register(desk_user, reported_at=nov17(9), assignee=people["tech"])

    run(nov17(9, 22))  # 22 of 30 minutes: 8 left, more than a quarter
    assert not Notice.objects.exists() and mail.outbox == []

    counts = run(nov17(9, 23))  # 7 left
    notice = Notice.objects.get()
    assert (notice.recipient, notice.clock.clock, notice.rule.percent) == (people["tech"], "response", 75)
    assert counts["notices"] == 1
    assert sent_to() == ["technician@example.cn"]
    assert request.number in mail.outbox[0].subject and request.customer.name in mail.outbox[0].body
    entry = request.timeline.get(kind=TimelineKind.NOTICE)
    assert entry.internal and entry.data["notice"] == notice.pk

    run(nov17(9, 25))
    run(nov17(9, 29))
    assert Notice.objects.count() == 1 and len(mail.outbox) == 1
    assert request.timeline.filter(kind=TimelineKind.NOTICE).count() == 1


def test_a_breach_goes_to_the_service_managers_and_an_hour_later_to_the_directors(desk_user, people, run):
    request = register(desk_user, reported_at=nov17(9), assignee=people["tech"])

    run(nov17(9, 30))  # due at 9:30: not late yet
    assert notified(request, "service_manager") == set()

    run(nov17(9, 31))
    assert notified(request, "service_manager") == {(people["manager"].username, "response")}
    assert notified(request, "assignee") == {(people["tech"].username, "response")}  # 75% came late, still told
    assert notified(request, "director") == set()

    run(nov17(10, 30))  # late by exactly an hour: not more
    assert notified(request, "director") == set()
    run(nov17(10, 31))
    assert notified(request, "director") == {(people["director"].username, "response")}
    assert sent_to() == sorted(["technician@example.cn", "service_manager@example.cn", "director@example.cn"])


def test_only_a_severity_1_breach_goes_to_the_general_managers(desk_user, people, run):
    critical = register(desk_user, reported_at=nov17(9), severity=Severity.CRITICAL, assignee=people["tech"])
    minor = register(desk_user, reported_at=nov17(9), severity=Severity.MINOR, assignee=people["tech"])

    run(nov17(9, 31))

    assert notified(critical, "general_manager") == {(people["gm"].username, "response")}
    assert notified(minor, "general_manager") == set()
    assert notified(minor, "service_manager") == {(people["manager"].username, "response")}


def test_without_an_assignee_the_service_managers_get_the_assignees_notice(desk_user, people, make_user, run):
    second = make_user("service_manager", email="second@example.cn")
    request = register(desk_user, reported_at=nov17(9))

    run(nov17(9, 24))

    assert notified(request, "assignee") == {(people["manager"].username, "response"), (second.username, "response")}
    assert sent_to() == ["second@example.cn", "service_manager@example.cn"]


def test_running_the_pass_twice_sends_nothing_new(desk_user, people, run):
    register(desk_user, reported_at=nov17(9), severity=Severity.CRITICAL, assignee=people["tech"])
    first = run(nov17(10, 31))
    sent = len(mail.outbox)
    # response: assignee, manager, director, general manager; on site (2 hours): 75% to the assignee
    assert first["notices"] == Notice.objects.count() == sent == 5

    second = run(nov17(10, 32))

    assert (second["breaches"], second["due"], second["notices"]) == (0, 0, 0)
    assert len(mail.outbox) == sent and Notice.objects.count() == 5
    assert Breach.objects.count() == 1


def test_a_paused_request_gets_no_notice_and_runs_again_after_resuming(desk_user, people, run):
    request = register(desk_user, reported_at=nov17(9), assignee=people["tech"])
    services.request_pause(request=request, actor=desk_user, reason="等客户确认停机时间", at=nov17(9, 10))

    run(nov17(9, 40))
    run(nov17(12))
    assert not Notice.objects.exists() and not Breach.objects.exists() and mail.outbox == []

    services.request_resume(request=request, actor=desk_user, at=nov17(12))  # 20 minutes left: due 12:20
    run(nov17(12, 12))
    assert not Notice.objects.exists()
    run(nov17(12, 13))
    assert notified(request, "assignee") == {(people["tech"].username, "response")}


def test_met_and_closed_clocks_are_not_escalated(desk_user, people, run):
    request = register(desk_user, reported_at=nov17(9), assignee=people["tech"])
    services.request_acknowledge(request=request, actor=desk_user, at=nov17(9, 20))
    cancelled = register(desk_user, reported_at=nov17(9), assignee=people["tech"])
    services.request_cancel(request=cancelled, actor=desk_user, reason="客户重复报修", at=nov17(9, 5))

    run(nov17(9, 40))

    assert not Notice.objects.exists() and not Breach.objects.exists()


def test_inactive_rules_send_nothing(desk_user, people, run):
    EscalationRule.objects.update(active=False)
    register(desk_user, reported_at=nov17(9), assignee=people["tech"])
    run(nov17(11))
    assert not Notice.objects.exists()


# ---------------------------------------------------------------- working calendars


@pytest.fixture
def office_hours_request(desk_user, people):
    """On the 5×8 calendar (work ends 17:30): reported Friday 17:05, 25 working minutes on
    Friday and the last 5 of the 30 on Monday: the response is due Monday 9:05."""
    asset = AssetFactory()
    MaintenanceContractFactory(customer=asset.customer, assets=[asset],
                               service_level=ServiceLevel.objects.get(code="STD-5X8"),
                               start_date=dt.date(2025, 1, 1), end_date=dt.date(2026, 12, 31))
    request = register(desk_user, reported_at=at(2025, 11, 14, 17, 5), assignee=people["tech"],
                       customer=asset.customer, site=asset.site, asset=asset)
    assert request.clocks.get(clock="response").due_at == at(2025, 11, 17, 9, 5)
    return request


def test_75_percent_counts_working_minutes_not_the_wall_time_to_the_due_time(office_hours_request, people, run):
    run(at(2025, 11, 14, 17, 27))  # 22 working minutes gone, 8 left
    assert not Notice.objects.exists()

    run(at(2025, 11, 14, 17, 28))  # 7 working minutes left, although the due time is 2½ days away

    assert notified(office_hours_request, "assignee") == {(people["tech"].username, "response")}
    run(at(2025, 11, 16, 12))  # Sunday: the clock stands still, nothing more is due
    assert Notice.objects.count() == 1


def test_a_breach_is_recorded_once_with_its_owner_and_working_minutes_late(office_hours_request, desk_user,
                                                                            people, run):
    request = office_hours_request
    run(at(2025, 11, 17, 9, 6))  # Monday: one minute late
    breach = Breach.objects.get()
    assert (breach.clock.clock, breach.owner, breach.late_minutes) == ("response", people["tech"], 1)
    assert breach.request == request
    assert request.timeline.filter(kind=TimelineKind.BREACH).count() == 1

    services.request_acknowledge(request=request, actor=desk_user, at=at(2025, 11, 17, 9, 35))
    run(at(2025, 11, 17, 9, 36))
    run(at(2025, 11, 17, 9, 40))

    breach.refresh_from_db()
    assert breach.late_minutes == 30  # final once met: working minutes, not the 3 days of wall time
    assert Breach.objects.count() == 1 and request.timeline.filter(kind=TimelineKind.BREACH).count() == 1


def test_a_clock_met_late_between_two_passes_gets_its_breach(desk_user, people, run):
    request = register(desk_user, reported_at=nov17(9), assignee=people["tech"])
    services.request_acknowledge(request=request, actor=desk_user, at=nov17(9, 42))

    run(nov17(9, 43))

    breach = Breach.objects.get()
    assert (breach.clock.clock, breach.late_minutes, breach.owner) == ("response", 12, people["tech"])
    assert not breach.clock.notices.exists()  # met: nothing to escalate


# ---------------------------------------------------------------- webhook (a real local server)


class Gateway(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append({"headers": dict(self.headers), "json": json.loads(body)})
        self.send_response(self.server.answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    server.received, server.answer = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.NOTICE_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/sms"
    settings.NOTICE_WEBHOOK_TOKEN = "gateway-token"
    settings.NOTICE_WEBHOOK_TIMEOUT = 5
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_webhook_receives_the_notice_as_json(desk_user, people, gateway, run):
    request = register(desk_user, reported_at=nov17(9), assignee=people["tech"])

    run(nov17(9, 23))

    assert len(gateway.received) == 1
    got = gateway.received[0]
    assert got["headers"]["Authorization"] == "Bearer gateway-token"
    assert got["headers"]["Content-Type"].startswith("application/json")
    payload = got["json"]
    assert payload["event"] == "sla_notice"
    assert (payload["request"], payload["clock"]) == (request.number, "response")
    assert dt.datetime.fromisoformat(payload["due_at"]) == nov17(9, 30)
    assert payload["recipient"] == {"username": people["tech"].username, "phone": "13900000001",
                                    "email": "technician@example.cn"}
    assert request.number in payload["text"]
    assert Notice.objects.get().webhook_at is not None

    run(nov17(9, 24))
    assert len(gateway.received) == 1


def test_a_failing_webhook_is_retried_on_the_next_pass_and_never_blocks_the_email(desk_user, people, gateway, run):
    register(desk_user, reported_at=nov17(9), assignee=people["tech"])
    gateway.answer = 503

    run(nov17(9, 23))

    assert len(mail.outbox) == 1 and len(gateway.received) == 1
    assert Notice.objects.get().webhook_at is None

    gateway.answer = 200
    run(nov17(9, 24))

    assert len(mail.outbox) == 1 and len(gateway.received) == 2
    assert Notice.objects.get().webhook_at is not None


def test_a_failed_email_is_retried_without_a_second_timeline_entry(desk_user, people, run, settings):
    request = register(desk_user, reported_at=nov17(9), assignee=people["tech"])
    settings.EMAIL_BACKEND = "aftersales.service.tests.test_escalation.BrokenMail"
    run(nov17(9, 23))
    assert Notice.objects.get().emailed_at is None and mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run(nov17(9, 24))

    assert Notice.objects.get().emailed_at is not None and len(mail.outbox) == 1
    assert request.timeline.filter(kind=TimelineKind.NOTICE).count() == 1


class BrokenMail:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("mail server down")


# ---------------------------------------------------------------- in-app


def test_unread_notices_and_marking_one_read(desk_user, people, run):
    register(desk_user, reported_at=nov17(9), assignee=people["tech"])
    run(nov17(9, 31))
    mine = list(unread_notices(people["tech"]))
    assert len(mine) == 1 and list(unread_notices(people["director"])) == []

    with pytest.raises(ServiceError):
        notice_mark_read(notice=mine[0], user=people["manager"])
    notice_mark_read(notice=mine[0], user=people["tech"])

    assert list(unread_notices(people["tech"])) == []
    assert len(unread_notices(people["manager"])) == 1


def test_the_technician_sees_the_notice_in_the_top_bar_and_opens_the_request(desk_user, people, run, client,
                                                                            make_user):
    request = register(desk_user, reported_at=nov17(9), assignee=people["tech"])
    run(nov17(9, 31))  # 75% and late: the technician's notice (and the service manager's)
    client.force_login(people["tech"])

    page = client.get("/service/").content.decode()
    assert re.search(r'id="notice-count"[^>]*>[^<]*<span class="count">1</span>', page)
    listing = client.get("/service/notices/").content.decode()
    notice = Notice.objects.get(recipient=people["tech"])
    assert notice.subject in listing and request.customer.name in listing and 'class="unread"' in listing

    # someone else's notice is not theirs to open; customers have no notices page
    other = Notice.objects.exclude(recipient=people["tech"]).first()
    assert client.post(f"/service/notices/{other.pk}/read/").status_code == 404
    opened = client.post(f"/service/notices/{notice.pk}/read/")
    assert opened.status_code == 302 and opened["Location"] == request.get_absolute_url()
    assert '<span class="count">' not in client.get("/service/").content.decode()
    other.refresh_from_db()
    assert other.read_at is None

    client.force_login(make_user("customer", customer=request.customer))
    assert client.get("/service/notices/").status_code == 403


def test_mark_all_read(desk_user, people, run, client):
    register(desk_user, reported_at=nov17(9), assignee=people["manager"], severity=Severity.CRITICAL)
    run(nov17(12))
    client.force_login(people["manager"])
    assert Notice.objects.filter(recipient=people["manager"], read_at__isnull=True).count() > 1

    client.post("/service/notices/read-all/")

    assert not Notice.objects.filter(recipient=people["manager"], read_at__isnull=True).exists()
    assert Notice.objects.filter(recipient=people["director"], read_at__isnull=True).exists()


# ---------------------------------------------------------------- cost


def test_the_pass_does_not_query_more_with_more_quiet_requests(desk_user, people, run, django_assert_max_num_queries):
    def quiet(n):  # reported at 9:15: at 9:23 every clock has most of its time left
        for _ in range(n):
            register(desk_user, reported_at=nov17(9, 15))

    register(desk_user, reported_at=nov17(9), assignee=people["tech"])  # its 75% notice is due at 9:23
    quiet(5)
    with CaptureQueriesContext(connection) as five:
        assert run(nov17(9, 23))["notices"] == 1

    register(desk_user, reported_at=nov17(9), assignee=people["tech"])  # the same work again
    quiet(45)
    with django_assert_max_num_queries(len(five.captured_queries)):
        assert run(nov17(9, 23))["notices"] == 1


# ---------------------------------------------------------------- the job


def test_the_job_runs_the_pass_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["service-escalation"]
    assert entry["task"] == escalation_run.name == "aftersales.service.tasks.escalation_run"
    assert entry["schedule"] == 60
    assert set(escalation_run.delay().get()) == {"breaches", "due", "notices", "emails", "webhooks"}


# ---------------------------------------------------------------- two workers at once


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_passes_at_once_create_and_send_each_notice_once(desk_user, people, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: SQLite's shared in-memory test database refuses a second "
                    "writer at once (table locked) instead of waiting")
    make_user("service_manager", email="second@example.cn")
    for severity in (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR):
        register(desk_user, reported_at=nov17(9), severity=severity, assignee=people["tech"])
    results, errors = [], []

    def both_at_once(now):
        barrier = threading.Barrier(2)

        def worker():
            try:
                barrier.wait()
                results.append(escalation_pass(now=now))
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    for now in (nov17(9, 23), nov17(9, 31), nov17(9, 32), nov17(10, 31)):
        both_at_once(now)

    assert errors == [] and len(results) == 8
    # response of each of the 3: assignee (75%), 2 managers, 1 director; the critical one also the
    # general manager; on site within 2 hours (severities 1 and 2): 75% to the assignee
    expected = 3 * 4 + 1 + 2
    assert Notice.objects.count() == expected
    assert sorted(m.to[0] for m in mail.outbox) == sorted(Notice.objects.values_list("recipient__email", flat=True))
    assert sum(r["notices"] for r in results) == sum(r["emails"] for r in results) == expected
    assert TimelineEntry.objects.filter(kind=TimelineKind.NOTICE).count() == expected
    assert Breach.objects.count() == 3 and TimelineEntry.objects.filter(kind=TimelineKind.BREACH).count() == 3
