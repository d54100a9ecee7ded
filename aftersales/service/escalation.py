"""Escalation and breaches (SPEC S2, S3): the pass the background job runs every minute.

Whether a clock is breached follows from its stored times (``RequestClock.breached``); this
pass only *records* what the stored times say: a Breach row per clock that ran out, and a
Notice per escalation rule, clock and recipient once the rule's threshold has passed.

Its cost follows the clocks near or past their due time, not the open requests. Per kind of
clock, one query reads the unmet clocks inside the widest window of that kind's rules, on the
index of (met_at, due_at) and the clock table alone (no join whose plan would depend on the
planner's guess); their requests, and the notices already sent, are then read by key:

- "late by N minutes": ``due_at < now - N`` (wall minutes; late as ``RequestClock.breached``:
  strictly after the due time);
- "at p% of the target": p% is reached when the working minutes left are at most
  (100-p)% of the target. On a 5×8 calendar the wall time to the due time can be days when
  only minutes of working time are left, so the window cannot be a wall-time offset. For a
  threshold of ``m`` working minutes the exact window is ``due_at < add_working_minutes(now,
  m + 1)`` on the clock's calendar. The window holds one term per band of targets (the current
  targets exactly, powers of four between them) with the threshold of the calendar that reaches
  it first; a calendar that reaches it later (5×8 after 7×24) gets a query of its own, limited
  to its service levels. Every candidate is then confirmed in Python on its own calendar.

The unique key of Notice (rule, clock, recipient) makes each notice exist once even when two
passes run at once; e-mail and webhook are sent only by the run that claims the notice
(``notify.claim``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, reduce
from operator import or_

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.accounts.roles import Role
from aftersales.calendars.models import WorkingCalendar
from aftersales.calendars.selectors import calendar_spec
from aftersales.core.workcalendar import CalendarSpec, add_working_minutes, working_minutes_between

from . import notify
from .choices import State, TimelineKind
from .models import (
    Breach,
    EscalationRule,
    Notice,
    RequestClock,
    ServiceLevel,
    ServiceRequest,
    ServiceTarget,
    TimelineEntry,
)

logger = logging.getLogger(__name__)

# Clocks of these requests escalate; waiting (paused), resolved, closed and cancelled do not.
ESCALATING_STATES = (State.NEW, State.ACKNOWLEDGED, State.IN_PROGRESS)
# A clock met late this long before the pass gets its breach record if it has none, and the
# final late minutes on the one it has.
MET_LATE_LOOKBACK = dt.timedelta(hours=6)
# Bands of targets between the current ones (for a target changed after its clocks started).
LADDER = tuple(4**n for n in range(1, 9))
CHUNK = 5_000  # ids per IN (...) list
ROLE_OF = {
    EscalationRule.Notify.SERVICE_MANAGER: Role.SERVICE_MANAGER,
    EscalationRule.Notify.DIRECTOR: Role.DIRECTOR,
    EscalationRule.Notify.GENERAL_MANAGER: Role.GENERAL_MANAGER,
}


@dataclass(frozen=True)
class Due:
    """A rule whose threshold a clock has passed, with the working minutes left (negative: late)."""

    rule: EscalationRule
    clock: RequestClock
    remaining: int


@dataclass(frozen=True)
class Calendars:
    specs: dict[int, CalendarSpec]  # working calendar id -> spec
    levels: dict[int, int]  # service level id -> its calendar id

    def of(self, request: ServiceRequest) -> CalendarSpec:
        return self.specs[self.levels[request.service_level_id]]


def escalation_pass(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Record new breaches, create the notices due and deliver what this run claims.

    Returns counts: breaches recorded, notices due (pairs of rule and clock), notices this run
    delivered, e-mails and webhooks sent (sent after commit: 0 when called inside a transaction).
    """
    now = now or timezone.now()
    calendars = calendars_load()
    breaches = breaches_record(now=now, calendars=calendars)
    due = notices_due(now=now, calendars=calendars)
    notices_create(due)
    claimed, delivery = notices_deliver()
    counts = {"breaches": breaches, "due": len(due), "notices": claimed, "emails": delivery.emails,
              "webhooks": delivery.webhooks}
    if breaches or claimed:
        logger.info("escalation pass: %s", counts)
    return counts


def calendars_load() -> Calendars:
    """The working calendar of every service level."""
    levels = dict(ServiceLevel.objects.values_list("pk", "calendar_id"))
    calendars = WorkingCalendar.objects.filter(pk__in=set(levels.values())).prefetch_related("periods")
    return Calendars(specs={calendar.pk: calendar_spec(calendar) for calendar in calendars}, levels=levels)


def remaining_minutes(spec: CalendarSpec, due_at: dt.datetime, now: dt.datetime) -> int:
    """Working minutes from ``now`` to the stored due time; negative when late (as clocks.read_clock)."""
    if now <= due_at:
        return working_minutes_between(spec, now, due_at)
    return -working_minutes_between(spec, due_at, now)


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _requests(ids: Iterable[int], *conditions: Q) -> dict[int, ServiceRequest]:
    found: dict[int, ServiceRequest] = {}
    for chunk in _chunks(ids):
        found.update((request.pk, request) for request in ServiceRequest.objects.filter(
            *conditions, pk__in=chunk).order_by().select_related("customer", "assignee"))
    return found


def _request_facts(ids: Iterable[int], *conditions: Q) -> dict[int, tuple[int, int]]:
    """(severity, service level) of each request that meets the conditions, read by key."""
    found: dict[int, tuple[int, int]] = {}
    for chunk in _chunks(ids):
        found.update((pk, (severity, level)) for pk, severity, level in ServiceRequest.objects.filter(
            *conditions, pk__in=chunk).order_by().values_list("pk", "severity", "service_level_id"))
    return found


def _clocks(ids: Iterable[int]) -> list[RequestClock]:
    """Clocks by key, each with its request (customer and assignee), in key order."""
    clocks: list[RequestClock] = []
    for chunk in _chunks(ids):
        clocks += RequestClock.objects.filter(pk__in=chunk).order_by("pk")
    requests = _requests({clock.request_id for clock in clocks})
    for clock in clocks:
        clock.request = requests[clock.request_id]
    return clocks


# ---------------------------------------------------------------- breaches


def breaches_record(*, now: dt.datetime, calendars: Calendars) -> int:
    """A Breach (and a timeline entry) for every clock that ran out, once; its late minutes are
    final when the clock is met. The unmet clocks of cancelled requests are not breaches."""
    clocks = RequestClock.objects.order_by()  # the model's ordering would join the requests
    late = dict(clocks.filter(met_at__isnull=True, due_at__lt=now).values_list("pk", "request_id"))
    recorded: set[int] = set()
    for chunk in _chunks(late):
        recorded.update(Breach.objects.filter(clock_id__in=chunk).values_list("clock_id", flat=True))
    todo = {pk: request for pk, request in late.items() if pk not in recorded}
    live = _request_facts(set(todo.values()), ~Q(state=State.CANCELLED))
    met_late = clocks.filter(met_at__gte=now - MET_LATE_LOOKBACK, met_at__gt=F("due_at")).values_list("pk", flat=True)
    found = _clocks([pk for pk, request in todo.items() if request in live] + list(met_late))
    breaches = {b.clock_id: b for b in Breach.objects.filter(clock_id__in=[c.pk for c in found if c.met_at])}
    created = 0
    for clock in found:
        minutes = working_minutes_between(calendars.of(clock.request), clock.due_at, clock.met_at or now)
        breach = breaches.get(clock.pk)
        if breach is None:
            created += _breach_create(clock, late_minutes=minutes)
        elif breach.late_minutes != minutes:
            breach.late_minutes = minutes
            breach.save(update_fields=["late_minutes", "updated_at"])
    return created


def _breach_create(clock: RequestClock, *, late_minutes: int) -> bool:
    """False when another run recorded it first (the one-to-one key refuses a second)."""
    request = clock.request
    with translation.override(settings.LANGUAGE_CODE):
        text = _("%(clock)s ran out at %(due)s") % {"clock": clock.get_clock_display(),
                                                     "due": notify.local_time(clock.due_at)}
    try:
        with transaction.atomic():
            Breach.objects.create(clock=clock, request=request, owner_id=request.assignee_id,
                                  late_minutes=late_minutes)
            TimelineEntry.objects.create(request=request, kind=TimelineKind.BREACH, text=text, data={
                "clock": clock.clock, "due_at": clock.due_at.isoformat(),
                "met_at": clock.met_at.isoformat() if clock.met_at else None})
    except IntegrityError:
        return False
    return True


# ---------------------------------------------------------------- which notices are due


def notices_due(*, now: dt.datetime, calendars: Calendars) -> list[Due]:
    """Every (rule, clock) whose threshold has passed and that has no notice yet. The candidates
    are read as plain values; only the clocks due a notice are loaded as objects."""
    rules = list(EscalationRule.objects.filter(active=True).order_by("pk"))
    targets = list(ServiceTarget.objects.values_list("clock", "severity", "minutes").distinct())
    windows = _Windows(calendars, targets, now)
    rows: dict[int, tuple] = {}
    for kind in sorted({rule.clock for rule in rules}):
        for query in windows.queries(kind, [rule for rule in rules if rule.clock == kind]):
            rows.update((row[0], row) for row in query.values_list("pk", "request_id", "clock", "due_at",
                                                                   "target_minutes"))
    if not rows:
        return []
    requests = _request_facts({row[1] for row in rows.values()}, Q(state__in=ESCALATING_STATES))
    sent: set[tuple[int, int]] = set()
    for chunk in _chunks(rows):
        sent.update(Notice.objects.filter(rule__in=rules, clock_id__in=chunk).values_list("rule_id", "clock_id"))
    passed: list[tuple[EscalationRule, int, int]] = []
    for pk, request_id, kind, due_at, target in sorted(rows.values()):
        if request_id not in requests:
            continue
        severity, level = requests[request_id]
        waiting = [rule for rule in rules if rule.clock == kind and (rule.pk, pk) not in sent
                   and rule.severity in (None, severity)]
        if waiting:
            left = remaining_minutes(calendars.specs[calendars.levels[level]], due_at, now)
            passed += [(rule, pk, left) for rule in waiting if _passed(rule, due_at, target, left, now)]
    clocks = {clock.pk: clock for clock in _clocks({pk for _rule, pk, _left in passed})}
    return [Due(rule=rule, clock=clocks[pk], remaining=left) for rule, pk, left in passed]


def _passed(rule: EscalationRule, due_at: dt.datetime, target: int, left: int, now: dt.datetime) -> bool:
    if rule.percent is not None:
        return left * 100 <= (100 - rule.percent) * target
    return due_at < now - dt.timedelta(minutes=rule.late_minutes)


class _Windows:
    """The SQL windows of a kind of clock: a superset of the clocks some rule of that kind has
    passed, tight on the stored due time."""

    def __init__(self, calendars: Calendars, targets: list[tuple[str, int, int]], now: dt.datetime):
        self.calendars, self.targets, self.now = calendars, targets, now
        self.at = cache(self._at)

    def _at(self, minutes: int) -> dict[int, dt.datetime]:
        """Per calendar: clocks with at most ``minutes`` working minutes left are due before this."""
        return {pk: add_working_minutes(spec, self.now, minutes + 1) for pk, spec in self.calendars.specs.items()}

    def bands(self, rule: EscalationRule) -> list[tuple[int, int | None, dict[int, dt.datetime]]]:
        """(lo, hi, thresholds): clocks with lo < target <= hi have reached the rule's percent when
        due before the threshold of their calendar. A clock of target t reaches p% when at most
        m = t·(100-p)//100 minutes are left; a clock longer than every current target is taken at
        the largest current threshold (its notice comes later, never not at all)."""
        share = 100 - rule.percent
        exact = {minutes * share // 100 for clock, severity, minutes in self.targets
                 if clock == rule.clock and rule.severity in (None, severity)}
        if not exact:
            return []
        top, bands, lower = max(exact), [], 0
        for m in sorted(exact | {b for b in LADDER if b < top}):
            upper = (100 * (m + 1) - 1) // share  # the longest target whose m is at most this one
            bands.append((lower, upper, self.at(m)))
            lower = upper
        return bands + [(lower, None, self.at(top))]

    def queries(self, kind: str, rules: list[EscalationRule]) -> list[QuerySet[RequestClock]]:
        first: list[tuple[Q, dt.datetime]] = []
        later: dict[int, list[tuple[Q, dt.datetime]]] = defaultdict(list)
        late = [rule.late_minutes for rule in rules if rule.percent is None]
        if late:
            first.append((Q(), self.now - dt.timedelta(minutes=min(late))))
        for rule in rules:
            for lower, upper, thresholds in self.bands(rule) if rule.percent is not None else []:
                band = Q(target_minutes__gt=lower) & (Q(target_minutes__lte=upper) if upper is not None else Q())
                soonest = min(thresholds.values())
                first.append((band, soonest))
                for calendar_id, threshold in thresholds.items():
                    if threshold > soonest:
                        later[calendar_id].append((band, threshold))
        base = RequestClock.objects.filter(clock=kind, met_at__isnull=True, due_at__isnull=False).order_by()
        queries = [_window(base, first)] if first else []
        for calendar_id, terms in later.items():
            levels = [level for level, calendar in self.calendars.levels.items() if calendar == calendar_id]
            queries.append(_window(base.filter(request__service_level_id__in=levels), terms))
        return queries


def _window(base: QuerySet[RequestClock], terms: list[tuple[Q, dt.datetime]]) -> QuerySet[RequestClock]:
    latest = max(before for _band, before in terms)
    return base.filter(reduce(or_, [band & Q(due_at__lt=before) for band, before in terms]), due_at__lt=latest)


# ---------------------------------------------------------------- notices


class _Recipients:
    def __init__(self):
        self.holders = cache(self._holders)

    @staticmethod
    def _holders(role: str) -> tuple:
        users = get_user_model().objects.filter(is_active=True, groups__name=role).distinct().order_by("pk")
        return tuple(users)

    def of(self, rule: EscalationRule, request) -> tuple:
        """The assignee (the service managers when nobody is assigned), or every holder of the role."""
        if rule.notify == EscalationRule.Notify.ASSIGNEE:
            if request.assignee is not None and request.assignee.is_active:
                return (request.assignee,)
            return self.holders(Role.SERVICE_MANAGER)
        return self.holders(ROLE_OF[rule.notify])


def notices_create(due: list[Due]) -> int:
    """Insert the notices; the unique (rule, clock, recipient) key drops those that already exist.
    Returns the rows offered (not how many were new: another run may have inserted some)."""
    recipients = _Recipients()
    notices = []
    for item in due:
        subject, body = notify.notice_text(rule=item.rule, clock=item.clock, remaining=item.remaining)
        notices += [Notice(rule=item.rule, clock=item.clock, recipient=user, subject=subject, body=body)
                    for user in recipients.of(item.rule, item.clock.request)]
    if notices:
        with transaction.atomic():
            Notice.objects.bulk_create(notices, ignore_conflicts=True)
    return len(notices)


def notices_deliver() -> tuple[int, notify.Delivery]:
    """Claim the undelivered notices, write their timeline entries and send them after commit."""
    at = timezone.now()
    delivery = notify.Delivery()
    with transaction.atomic():
        won = notify.claim(notify.pending("emailed_at").values_list("pk", flat=True), "emailed_at", at=at)
        emails = _loaded(won)
        _timeline_notices(emails)
        hooks = []
        if settings.NOTICE_WEBHOOK_URL:
            hooks = _loaded(notify.claim(notify.pending("webhook_at").values_list("pk", flat=True), "webhook_at",
                                         at=at))
        notify.deliver_on_commit(emails=emails, hooks=hooks, at=at, delivery=delivery)
    return len(won), delivery


def _loaded(ids: list[int]) -> list[Notice]:
    if not ids:
        return []
    return list(Notice.objects.filter(pk__in=ids).select_related("clock__request__customer", "recipient", "rule")
                .order_by("pk"))


def _timeline_notices(notices: list[Notice]) -> None:
    """One internal timeline entry per notice (a notice retried after a failed e-mail has one already)."""
    if not notices:
        return
    requests = {notice.clock.request_id for notice in notices}
    written = {data.get("notice") for data in TimelineEntry.objects.filter(
        kind=TimelineKind.NOTICE, request_id__in=requests).values_list("data", flat=True)}
    entries = []
    with translation.override(settings.LANGUAGE_CODE):
        for notice in notices:
            if notice.pk in written:
                continue
            text = _("Notice to %(recipient)s: %(subject)s") % {"recipient": notice.recipient,
                                                                 "subject": notice.subject}
            entries.append(TimelineEntry(request_id=notice.clock.request_id, kind=TimelineKind.NOTICE, text=text,
                                         internal=True, data={"notice": notice.pk, "rule": notice.rule_id,
                                                              "clock": notice.clock.clock,
                                                              "recipient": notice.recipient.get_username()}))
    TimelineEntry.objects.bulk_create(entries)
