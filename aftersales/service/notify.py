"""The channels of escalation notices (SPEC S2): in-app, e-mail, and a webhook for SMS / WeChat.

In-app is the Notice row itself. E-mail and webhook are delivered at most once per notice and
channel: a run *claims* a notice for a channel with an atomic ``UPDATE ... WHERE <channel>_at IS
NULL`` on that one row; only the run whose update changed the row sends. A failed send gives
the claim back (the column returns to NULL), so the next pass tries again. Sending happens
after the claim is committed (``transaction.on_commit``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.core.errors import ServiceError

from .models import Notice

logger = logging.getLogger(__name__)

CHANNELS = ("emailed_at", "webhook_at")
# Notices older than this are not retried any more (and a webhook configured later does not
# send the notices of the past).
RETRY_WINDOW = dt.timedelta(days=1)


# ---------------------------------------------------------------- in-app


def unread_notices(user) -> QuerySet[Notice]:
    """The user's notices not yet read, newest first."""
    return (Notice.objects.filter(recipient=user, read_at__isnull=True)
            .select_related("clock__request__customer", "rule").order_by("-created_at", "-id"))


def notice_mark_read(*, notice: Notice, user) -> Notice:
    """Mark one of the user's own notices read (reading it again changes nothing)."""
    if notice.recipient_id != user.pk:
        raise ServiceError("not_your_notice", _("This notice was sent to someone else."))
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return notice


def notices_mark_all_read(*, user) -> int:
    """Mark every unread notice of the user read; returns how many."""
    return Notice.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def unread_count(user) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


# ---------------------------------------------------------------- claims


def pending(channel: str) -> QuerySet[Notice]:
    """Notices of the last RETRY_WINDOW not yet delivered on ``channel``."""
    _check(channel)
    since = timezone.now() - RETRY_WINDOW
    return Notice.objects.filter(**{f"{channel}__isnull": True}, created_at__gte=since).order_by("id")


def claim(notice_ids: Iterable[int], channel: str, *, at: dt.datetime) -> list[int]:
    """The ids this run has won on ``channel`` (call it inside a transaction).

    With row locks (PostgreSQL): the unclaimed rows are locked with SKIP LOCKED, so rows another
    run is claiming are left to it, and stamped with one UPDATE. Without (SQLite): one atomic
    ``UPDATE ... WHERE <channel> IS NULL`` per notice; only the run that changed the row has it.
    """
    _check(channel)
    ids, unclaimed = sorted(notice_ids), {f"{channel}__isnull": True}
    if not connection.features.has_select_for_update_skip_locked:
        return [pk for pk in ids if Notice.objects.filter(pk=pk, **unclaimed).update(**{channel: at})]
    won: list[int] = []
    for start in range(0, len(ids), 5_000):
        chunk = ids[start:start + 5_000]
        won += Notice.objects.select_for_update(skip_locked=True).filter(pk__in=chunk, **unclaimed).order_by(
            "pk").values_list("pk", flat=True)
    for start in range(0, len(won), 5_000):
        Notice.objects.filter(pk__in=won[start:start + 5_000]).update(**{channel: at})
    return won


def _check(channel: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")


def _release(notice: Notice, channel: str, at: dt.datetime) -> None:
    Notice.objects.filter(pk=notice.pk, **{channel: at}).update(**{channel: None})


# ---------------------------------------------------------------- e-mail and webhook


def local_time(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def notice_text(*, rule, clock, remaining: int) -> tuple[str, str]:
    """Subject and body of an escalation notice, in the site's language (Chinese): the request,
    the customer, the clock, its due time and the working minutes left (or late)."""
    request = clock.request
    with translation.override(settings.LANGUAGE_CODE):
        names = {"number": request.number, "clock": clock.get_clock_display()}
        if rule.percent is not None:
            subject = _("%(number)s %(clock)s: %(percent)s%% of the time used") % {**names, "percent": rule.percent}
        elif rule.late_minutes:
            subject = _("%(number)s %(clock)s: overdue by %(minutes)s minutes or more") % {
                **names, "minutes": rule.late_minutes}
        else:
            subject = _("%(number)s %(clock)s: overdue") % names
        lines = [
            _("Service request: %(number)s") % names,
            _("Customer: %(customer)s") % {"customer": request.customer},
            _("Severity: %(severity)s") % {"severity": request.get_severity_display()},
            _("Clock: %(clock)s") % names,
            _("Due at: %(due)s") % {"due": local_time(clock.due_at)},
            _("Time left: %(minutes)s working minutes") % {"minutes": remaining} if remaining >= 0
            else _("Late by: %(minutes)s working minutes") % {"minutes": -remaining},
            _("Assignee: %(name)s") % {"name": request.assignee} if request.assignee
            else _("Assignee: nobody yet"),
            _("Fault: %(description)s") % {"description": request.description[:200]},
            _("Escalation rule: %(rule)s") % {"rule": rule},
        ]
    return subject[:200], "\n".join(lines)


def sms_text(notice: Notice) -> str:
    """One line for SMS or WeChat: the subject, the customer and the due time."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(subject)s; customer: %(customer)s; due at %(due)s") % {
            "subject": notice.subject, "customer": notice.clock.request.customer,
            "due": local_time(notice.clock.due_at)}


def webhook_payload(notice: Notice) -> dict:
    request = notice.clock.request
    recipient = notice.recipient
    due = notice.clock.due_at
    return {
        "event": "sla_notice",
        "notice": notice.pk,
        "request": request.number,
        "clock": notice.clock.clock,
        "due_at": due.isoformat() if due else None,
        "recipient": {"username": recipient.get_username(), "phone": recipient.phone, "email": recipient.email},
        "text": sms_text(notice),
    }


def email_send(notice: Notice) -> bool:
    """Send the notice to the recipient's e-mail address; False when it has none."""
    if not notice.recipient.email:
        return False
    send_mail(notice.subject, notice.body, None, [notice.recipient.email], fail_silently=False)
    return True


def webhook_post(payload: dict, *, url: str, timeout: float, token: str = "") -> None:
    """POST the JSON payload to the SMS / WeChat gateway; raises on anything but a 2xx answer."""
    if not url.startswith(("http://", "https://")):
        raise ValueError("NOTICE_WEBHOOK_URL must be an http(s) URL")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "aftersales-notices/1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    # the scheme is checked above: never file:// or another opener
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # nosec B310
        if not 200 <= answer.status < 300:
            raise urllib.error.HTTPError(url, answer.status, "gateway refused the notice", answer.headers, None)


@dataclass
class Delivery:
    """What one run sent; filled in when the claims are committed."""

    emails: int = 0
    webhooks: int = 0
    failures: list[str] = field(default_factory=list)


def deliver_on_commit(*, emails: list[Notice], hooks: list[Notice], at: dt.datetime, delivery: Delivery) -> None:
    """Once the claims are committed: send the e-mails, then the webhooks. A failure gives the
    claim back for the next pass; a webhook failure never stops the e-mails (they go first) and
    stops the other webhooks of this pass (the gateway is probably down; each would wait for the
    timeout)."""

    def send() -> None:
        for notice in emails:
            try:
                delivery.emails += email_send(notice)
            except Exception as exc:  # noqa: BLE001 - any mail failure: retry on the next pass
                logger.warning("notice %s: e-mail to %s failed: %s", notice.pk, notice.recipient.email, exc)
                delivery.failures.append(f"email:{notice.pk}")
                _release(notice, "emailed_at", at)
        url, timeout = settings.NOTICE_WEBHOOK_URL, settings.NOTICE_WEBHOOK_TIMEOUT
        for position, notice in enumerate(hooks):
            try:
                webhook_post(webhook_payload(notice), url=url, timeout=timeout, token=settings.NOTICE_WEBHOOK_TOKEN)
                delivery.webhooks += 1
            except Exception as exc:  # noqa: BLE001 - network, HTTP or gateway error: retry on the next pass
                logger.warning("notice %s: webhook failed: %s", notice.pk, exc)
                for unsent in hooks[position:]:
                    delivery.failures.append(f"webhook:{unsent.pk}")
                    _release(unsent, "webhook_at", at)
                break

    if emails or hooks:
        transaction.on_commit(send)
