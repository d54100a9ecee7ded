"""Reading service requests: the desk queue, the intake lookup and one request's page.

Every read goes through accounts.scoping.scope(); list reads issue a fixed number of queries,
however many rows they show (the rows' clocks, calendars and related records are fetched in bulk).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import (
    F,
    Prefetch,
    Q,
    QuerySet,
)
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from aftersales.accounts.scoping import scope
from aftersales.assets.models import Asset
from aftersales.calendars.selectors import special_days, working_day_checker
from aftersales.contracts.selectors import EntitlementView, asset_entitlement
from aftersales.core.workcalendar import CalendarSpec, working_minutes_between
from aftersales.customers.models import Contact, Customer, Site
from aftersales.customers.selectors import customer_search

from .choices import OPEN_STATES, ClockKind, RequestType, Severity, State, TimelineKind
from .clocks import read_clock
from .models import RequestAttachment, RequestClock, ServiceRequest, TimelineEntry

AT_RISK_SHARE = 0.25  # less than a quarter of the target left
AT_RISK_MINUTES = 30  # or less than half an hour
SOON = dt.timedelta(hours=1)  # "breaching within the hour"
LOOKUP_MIN_LENGTH = 2
LOOKUP_LIMIT = 10
INTAKE_ASSET_LIMIT = 50

SEVERITY_BADGE = {Severity.CRITICAL: "red", Severity.MAJOR: "orange", Severity.MINOR: "blue", Severity.SLIGHT: "grey"}
STATE_BADGE = {State.NEW: "orange", State.ACKNOWLEDGED: "blue", State.IN_PROGRESS: "blue", State.WAITING: "grey",
               State.RESOLVED: "green", State.CLOSED: "green", State.CANCELLED: "grey"}


# ---------------------------------------------------------------- time left


def duration_text(minutes: int) -> str:
    """Working minutes as hours and minutes, e.g. "2 h 05 min"."""
    minutes = abs(int(minutes))
    hours, rest = divmod(minutes, 60)
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": rest}
    return _("%(minutes)d min") % {"minutes": rest}


def due_status(*, remaining: int, target: int) -> str:
    """in_time, at_risk or breached, from the working minutes left of a clock and its target."""
    if remaining < 0:
        return "breached"
    if remaining < AT_RISK_MINUTES or remaining < target * AT_RISK_SHARE:
        return "at_risk"
    return "in_time"


def _remaining(spec: CalendarSpec, due: dt.datetime, now: dt.datetime) -> int:
    if now <= due:
        return working_minutes_between(spec, now, due)
    return -max(working_minutes_between(spec, due, now), 1)


def calendar_specs(levels: Iterable) -> dict[int, CalendarSpec]:
    """calendar id -> CalendarSpec for the service levels given (their calendars' periods prefetched);
    the statutory days are read once, and only when a calendar has working hours."""
    calendars = {level.calendar_id: level.calendar for level in levels}
    days = special_days() if any(not c.always_open for c in calendars.values()) else {}
    return {
        pk: CalendarSpec(always_open=c.always_open, periods=tuple((p.start, p.end) for p in c.periods.all()),
                         special_days={} if c.always_open else days)
        for pk, c in calendars.items()
    }


@dataclass(frozen=True)
class DueView:
    """The nearest unmet clock of a request as the queue shows it."""

    status: str  # in_time, at_risk, breached, paused, none
    clock: str = ""
    due_at: dt.datetime | None = None
    remaining: int | None = None  # working minutes; negative when late

    @property
    def text(self) -> str:
        if self.remaining is None:
            return ""
        return duration_text(self.remaining)


# ---------------------------------------------------------------- the queue


def request_queue(*, actor, filters: Mapping, now: dt.datetime) -> QuerySet[ServiceRequest]:
    """Requests the actor may see, open ones unless a state is asked for, nearest due time first and
    waiting-for-customer ones last. ``filters``: severity, request_type, state, customer (id),
    assignee (a user), breached ("yes"/"no"), view ("mine", "unassigned", "soon"), q (text)."""
    qs = scope(ServiceRequest.objects.all(), actor)
    state = filters.get("state")
    qs = qs.filter(state=state) if state in State.values else qs.filter(state__in=OPEN_STATES)
    if filters.get("severity"):
        qs = qs.filter(severity=filters["severity"])
    if filters.get("request_type"):
        qs = qs.filter(request_type=filters["request_type"])
    if filters.get("customer"):
        qs = qs.filter(customer_id=filters["customer"])
    text = (filters.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(number__icontains=text) | Q(customer__name__icontains=text)
                       | Q(reporter_name__icontains=text) | Q(reporter_phone__contains=text))
    if not actor.is_external:  # the assignee is internal
        if filters.get("assignee"):
            qs = qs.filter(assignee=filters["assignee"])
        if filters.get("view") == "mine":
            qs = qs.filter(assignee=actor)
        elif filters.get("view") == "unassigned":
            qs = qs.filter(assignee__isnull=True)
    # next_due_at: the earliest due time of the running clocks, stored (none while waiting for the
    # customer, so those come last); the open queue reads it through the index service_queue_order
    if filters.get("view") == "soon":
        qs = qs.filter(next_due_at__gt=now, next_due_at__lte=now + SOON)
    if filters.get("breached") == "yes":
        qs = qs.filter(next_due_at__lt=now)
    elif filters.get("breached") == "no":
        qs = qs.filter(Q(next_due_at__isnull=True) | Q(next_due_at__gte=now))
    return (
        # few joins: planning a seven-table join cost PostgreSQL more than running it; the equipment and
        # the service levels (a handful) come in queries of their own
        qs.select_related("customer", "site", "assignee")
        .prefetch_related(
            "asset__product_model",
            "service_level__calendar__periods",
            Prefetch("clocks", queryset=RequestClock.objects.filter(met_at__isnull=True), to_attr="open_clocks"),
        )
        .order_by(F("next_due_at").asc(nulls_last=True), "reported_at", "pk")
    )


def queue_rows(rows: Iterable[ServiceRequest], *, now: dt.datetime) -> list[ServiceRequest]:
    """The page's rows with ``due`` (a DueView), ``severity_badge`` and ``state_badge`` set."""
    rows = list(rows)
    specs = calendar_specs(r.service_level for r in rows)
    for row in rows:
        row.due = _nearest_due(row, specs[row.service_level.calendar_id], now)
        row.severity_badge = SEVERITY_BADGE.get(row.severity, "grey")
        row.state_badge = STATE_BADGE.get(row.state, "grey")
    return rows


def _nearest_due(row: ServiceRequest, spec: CalendarSpec, now: dt.datetime) -> DueView:
    running = [c for c in row.open_clocks if c.due_at is not None]
    if not running:
        return DueView(status="paused" if row.state == State.WAITING else "none")
    clock = min(running, key=lambda c: (c.due_at, c.pk))
    remaining = _remaining(spec, clock.due_at, now)
    status = due_status(remaining=remaining, target=clock.target_minutes)
    if row.state == State.WAITING and status != "breached":
        status = "paused"
    return DueView(status=status, clock=clock.get_clock_display(), due_at=clock.due_at, remaining=remaining)


# ---------------------------------------------------------------- one request


def request_get_for(*, actor, pk: int) -> ServiceRequest:
    qs = ServiceRequest.objects.select_related(
        "customer", "site", "asset__product_model", "contract", "service_level__calendar", "assignee",
        "registered_by",
    ).prefetch_related("service_level__calendar__periods", "clocks", "pauses")
    return get_object_or_404(scope(qs, actor), pk=pk)


@dataclass(frozen=True)
class ClockView:
    """One clock of a request as its page shows it."""

    kind: str
    label: str
    target_minutes: int
    started_at: dt.datetime
    due_at: dt.datetime | None
    met_at: dt.datetime | None
    paused_minutes: int
    remaining: int  # working minutes left at now, or when met; negative when late
    status: str  # in_time, at_risk, breached, paused, met, met_late

    @property
    def target_text(self) -> str:
        return duration_text(self.target_minutes)

    @property
    def remaining_text(self) -> str:
        return duration_text(self.remaining)

    @property
    def paused_text(self) -> str:
        return duration_text(self.paused_minutes)


def request_clocks(request: ServiceRequest, *, now: dt.datetime) -> list[ClockView]:
    """Each clock with its due time and the working time left (or by how much it is late), read on
    the service level's calendar with the request's pauses."""
    spec = calendar_specs([request.service_level])[request.service_level.calendar_id]
    pauses = [(p.started_at, p.ended_at) for p in request.pauses.all()]
    order = {kind: i for i, kind in enumerate(ClockKind.values)}
    views = []
    for clock in sorted(request.clocks.all(), key=lambda c: (order.get(c.clock, 99), c.started_at)):
        reading = read_clock(spec, started_at=clock.started_at, target_minutes=clock.target_minutes, pauses=pauses,
                             now=now, stopped_at=clock.met_at)
        due = clock.due_at if clock.met_at is not None else reading.due_at
        if clock.met_at is not None:
            late = clock.due_at is not None and clock.met_at > clock.due_at
            status = "met_late" if late else "met"
        elif due is None:
            status = "paused"
        else:
            status = due_status(remaining=reading.remaining_minutes, target=clock.target_minutes)
        views.append(ClockView(
            kind=clock.clock, label=clock.get_clock_display(), target_minutes=clock.target_minutes,
            started_at=clock.started_at, due_at=due, met_at=clock.met_at,
            paused_minutes=reading.paused_minutes, remaining=reading.remaining_minutes, status=status,
        ))
    return views


@dataclass(frozen=True)
class TimelineView:
    at: dt.datetime
    kind: str
    label: str
    text: str
    detail: str
    by: str  # empty for customers and dealers: who on our side did it is internal
    internal: bool


def _state_label(value) -> str:
    try:
        return str(State(value).label)
    except ValueError:
        return str(value or "")


def _timeline_detail(entry: TimelineEntry) -> str:
    data = entry.data or {}
    if entry.kind == TimelineKind.STATE:
        return f"{_state_label(data.get('from'))} → {_state_label(data.get('to'))}"
    if entry.kind == TimelineKind.RESUMED and data.get("paused_minutes") is not None:
        return _("paused for %(time)s of working time") % {"time": duration_text(data["paused_minutes"])}
    if entry.kind == TimelineKind.RECOMPUTED:
        before, after = data.get("before", {}), data.get("after", {})
        parts = []
        for key, label, show in (("severity", _("severity"), lambda v: Severity(v).label if v else "—"),
                                 ("request_type", _("type"), lambda v: RequestType(v).label if v else "—"),
                                 ("service_level", _("service level"), lambda v: v or "—")):
            if before.get(key) != after.get(key):
                parts.append(f"{label}: {show(before.get(key))} → {show(after.get(key))}")
        return "；".join(str(p) for p in parts)
    if entry.kind == TimelineKind.REGISTERED and data.get("service_level"):
        return _("service level %(code)s") % {"code": data["service_level"]}
    return ""


# Entries whose text names our staff: customers and dealers see the event, not the name.
_STAFF_NAMING = {TimelineKind.ESCALATED, TimelineKind.ASSIGNED}


def request_timeline(request: ServiceRequest, *, actor) -> list[TimelineView]:
    """The request's timeline, oldest first; staff-only entries are left out for customers and dealers."""
    external = actor.is_external
    entries = TimelineEntry.objects.filter(request=request).select_related("actor")
    if external:
        entries = entries.filter(internal=False)
    return [
        TimelineView(
            at=e.at, kind=e.kind, label=e.get_kind_display(),
            text="" if external and e.kind in _STAFF_NAMING else e.text,
            detail=_timeline_detail(e), by="" if external else str(e.actor or ""), internal=e.internal,
        )
        for e in entries
    ]


@dataclass(frozen=True)
class AttachmentView:
    pk: int
    name: str
    content_type: str
    size: int
    uploaded_at: dt.datetime


def request_attachments(request: ServiceRequest, *, actor) -> list[AttachmentView]:
    return [AttachmentView(pk=a.pk, name=a.original_name, content_type=a.content_type, size=a.size,
                           uploaded_at=a.uploaded_at)
            for a in scope(RequestAttachment.objects.filter(request=request), actor)]


def attachment_get_for(*, actor, pk: int) -> RequestAttachment:
    return get_object_or_404(scope(RequestAttachment.objects.all(), actor), pk=pk)


# ---------------------------------------------------------------- intake


@dataclass(frozen=True)
class Candidate:
    """Someone the desk may be talking to: a customer, perhaps a unit, perhaps a known caller."""

    customer: Customer
    why: str
    asset: Asset | None = None
    reporter_name: str = ""
    reporter_phone: str = ""

    @property
    def query(self) -> str:
        """The intake's parameters for this choice (the caller's name and phone as suggestions)."""
        params = {"customer": self.customer.pk, "asset": self.asset.pk if self.asset else "",
                  "suggest_name": self.reporter_name, "suggest_phone": self.reporter_phone}
        return urlencode({k: v for k, v in params.items() if v})


def _digits(text: str) -> str:
    return text.replace("-", "").replace(" ", "")


def intake_candidates(*, actor, text: str, limit: int = LOOKUP_LIMIT) -> list[Candidate]:
    """Candidates for a phone number, a serial number or a customer's name, as the desk types:
    units by serial number, contacts and earlier callers by phone, then customers."""
    text = (text or "").strip()
    if len(text) < LOOKUP_MIN_LENGTH:
        return []
    digits = _digits(text)
    found: list[Candidate] = []
    assets = (scope(Asset.objects.filter(archived_at__isnull=True, customer__archived_at__isnull=True,
                                         serial_number__icontains=text), actor)
              .select_related("customer", "site", "product_model").order_by("serial_number")[:limit])
    found += [Candidate(customer=a.customer, asset=a, why=_("serial number")) for a in assets]
    if digits.isdigit() and len(digits) >= 3:
        contacts = (scope(Contact.objects.filter(archived_at__isnull=True, customer__archived_at__isnull=True)
                          .filter(Q(mobile__contains=digits) | Q(phone__contains=digits) | Q(phone__contains=text)),
                          actor).select_related("customer").order_by("name")[:limit])
        found += [Candidate(customer=c.customer, why=_("contact"), reporter_name=c.name,
                            reporter_phone=c.mobile or c.phone) for c in contacts]
        callers = (scope(ServiceRequest.objects.filter(customer__archived_at__isnull=True)
                         .filter(Q(reporter_phone__contains=digits) | Q(reporter_phone__contains=text)), actor)
                   .select_related("customer").order_by("-reported_at")[:limit])
        found += [Candidate(customer=r.customer, why=_("earlier call"), reporter_name=r.reporter_name,
                            reporter_phone=r.reporter_phone) for r in callers]
    customers = customer_search(scope(Customer.objects.filter(archived_at__isnull=True), actor), text)
    found += [Candidate(customer=c, why=_("customer")) for c in customers.order_by("name")[:limit]]
    return _unique(found)[:limit]


def _unique(candidates: list[Candidate]) -> list[Candidate]:
    seen_callers, seen_customers, out = set(), set(), []
    for c in candidates:
        key = (c.customer.pk, c.asset.pk if c.asset else None, c.reporter_phone)
        if key in seen_callers or (c.asset is None and not c.reporter_phone and c.customer.pk in seen_customers):
            continue
        seen_callers.add(key)
        seen_customers.add(c.customer.pk)
        out.append(c)
    return out


@dataclass(frozen=True)
class AssetView:
    asset: Asset
    entitlement: EntitlementView


@dataclass
class IntakeContext:
    """What the desk sees of a caller before saving (SPEC R2)."""

    customer: Customer
    sites: list[Site]
    assets: list[AssetView]
    asset_count: int
    open_requests: list[ServiceRequest]
    asset: Asset | None = None
    entitlement: EntitlementView | None = None
    history: list[ServiceRequest] = field(default_factory=list)
    last_visit: ServiceRequest | None = None
    replaces: list[Asset] = field(default_factory=list)  # the units this one replaced, newest first
    replaced_by: list[Asset] = field(default_factory=list)


def intake_customer(*, actor, pk) -> Customer | None:
    """The customer the desk chose, if the actor may see it; None for an empty or malformed id."""
    if not str(pk or "").isdigit():
        return None
    return get_object_or_404(scope(Customer.objects.filter(archived_at__isnull=True), actor)
                             .select_related("dealer"), pk=int(pk))


def intake_asset(*, actor, customer: Customer, pk) -> Asset | None:
    if customer is None or not str(pk or "").isdigit():
        return None
    return scope(Asset.objects.filter(customer=customer, archived_at__isnull=True), actor).filter(pk=int(pk)).first()


def _for_entitlement(qs: QuerySet[Asset]) -> QuerySet[Asset]:
    return qs.select_related("product_model", "site", "replaces").prefetch_related("contracts",
                                                                                     "replaces__contracts")


def intake_context(*, actor, customer: Customer, asset: Asset | None, today: dt.date) -> IntakeContext:
    is_working_day = working_day_checker()
    show_contract = actor.has_perm("contracts.view_contract")
    assets_qs = _for_entitlement(scope(Asset.objects.filter(customer=customer, archived_at__isnull=True), actor)
                                 .order_by("site__name", "serial_number"))
    shown = list(assets_qs[:INTAKE_ASSET_LIMIT])
    if asset is not None and asset.pk not in {a.pk for a in shown}:
        shown.insert(0, assets_qs.get(pk=asset.pk))

    def entitled(a: Asset) -> EntitlementView:
        return asset_entitlement(asset=a, on=today, is_working_day=is_working_day, show_contract=show_contract)

    views = [AssetView(asset=a, entitlement=entitled(a)) for a in shown]
    requests = scope(ServiceRequest.objects.filter(customer=customer), actor).select_related(
        "asset__product_model", "site")
    context = IntakeContext(
        customer=customer,
        sites=list(scope(Site.objects.filter(customer=customer, archived_at__isnull=True), actor).order_by("name")),
        assets=views,
        asset_count=assets_qs.count(),
        open_requests=list(requests.filter(state__in=OPEN_STATES).order_by("-reported_at")[:20]),
    )
    if asset is not None:
        chosen = next(v for v in views if v.asset.pk == asset.pk)
        context.asset, context.entitlement = chosen.asset, chosen.entitlement
        history = requests.filter(asset=asset).order_by("-reported_at")
        context.history = list(history[:20])
        context.last_visit = history.filter(resolved_at__isnull=False).order_by("-resolved_at").first()
        context.replaces = _replaced_chain(chosen.asset, actor)
        context.replaced_by = list(scope(Asset.objects.filter(replaces=asset), actor).select_related("product_model"))
    return context


def _replaced_chain(asset: Asset, actor, depth: int = 10) -> list[Asset]:
    """The units ``asset`` replaced (Asset.replaces), one after the other."""
    chain, seen, current = [], {asset.pk}, asset
    while current.replaces_id and current.replaces_id not in seen and len(chain) < depth:
        current = scope(Asset.objects.select_related("product_model"), actor).filter(pk=current.replaces_id).first()
        if current is None:
            break
        seen.add(current.pk)
        chain.append(current)
    return chain
