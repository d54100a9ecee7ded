"""Everything that changes a service request: registration, the state machine and the clocks.

Every function locks the request row first (select_for_update), so two people acting at once
are applied one after the other and nothing is lost; every change writes a timeline entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.calendars.selectors import calendar_spec
from aftersales.core.audit import AuditAction, audit_event, diff, snapshot
from aftersales.core.errors import ServiceError
from aftersales.core.numbering import next_in_year
from aftersales.core.services import record_archive

from .choices import (
    OPEN_STATES,
    STARTS_AT_REGISTRATION,
    ClockKind,
    RequestType,
    Severity,
    State,
    TimelineKind,
)
from .clocks import read_clock
from .models import (
    ClockPause,
    RequestClock,
    RequestNumber,
    ServiceLevel,
    ServiceRequest,
    ServiceTarget,
    TimelineEntry,
)

NUMBER_PREFIX = "BX"  # 报修


# ---------------------------------------------------------------- numbers, levels, targets


def _next_number(year: int) -> int:
    """The next sequence number of ``year``: a locked counter row, so numbers never repeat or skip."""
    return next_in_year(RequestNumber, year)


def default_service_level() -> ServiceLevel:
    level = ServiceLevel.objects.filter(is_default=True, archived_at__isnull=True).first()
    if level is None:
        raise ServiceError("no_service_level", _("No default service level is set; an administrator must set one."))
    return level


def service_level_for(contract) -> ServiceLevel:
    if contract is not None and contract.service_level_id and contract.service_level.archived_at is None:
        return contract.service_level
    return default_service_level()


def targets_for(level: ServiceLevel, severity: int, request_type: str) -> dict[str, int]:
    """Minutes per clock: a target for the request type wins over the one for every type."""
    targets: dict[str, int] = {}
    for target in sorted(level.targets.filter(severity=severity, request_type__in=["", request_type]),
                         key=lambda t: t.request_type != ""):
        targets[target.clock] = target.minutes
    return targets


# ---------------------------------------------------------------- clocks


def _pauses(request: ServiceRequest) -> list[tuple[dt.datetime, dt.datetime | None]]:
    return [(p.started_at, p.ended_at) for p in request.pauses.all()]


def clocks_refresh(request: ServiceRequest, *, now: dt.datetime | None = None) -> None:
    """Store each unmet clock's due time and paused minutes, derived from start, target, pauses
    and the service level's calendar: the one place due times are computed."""
    now = now or timezone.now()
    spec = calendar_spec(request.service_level.calendar)
    pauses = _pauses(request)
    for clock in request.clocks.all():
        if clock.met_at is not None:
            continue
        reading = read_clock(spec, started_at=clock.started_at, target_minutes=clock.target_minutes,
                             pauses=pauses, now=now)
        clock.due_at, clock.paused_minutes = reading.due_at, reading.paused_minutes
        clock.save(update_fields=["due_at", "paused_minutes"])
    next_due_refresh(request)


def next_due_refresh(request: ServiceRequest) -> None:
    """The earliest due time of the running clocks, on the request (the queue's sort key)."""
    running = request.clocks.filter(met_at__isnull=True, due_at__isnull=False)
    request.next_due_at = running.aggregate(first=Min("due_at"))["first"]
    ServiceRequest.objects.filter(pk=request.pk).update(next_due_at=request.next_due_at)


def _clocks_start(request: ServiceRequest, kinds, *, at: dt.datetime) -> None:
    targets = targets_for(request.service_level, request.severity, request.request_type)
    existing = set(request.clocks.values_list("clock", flat=True))
    RequestClock.objects.bulk_create([
        RequestClock(request=request, clock=kind, target_minutes=targets[kind], started_at=at)
        for kind in kinds if kind in targets and kind not in existing
    ])


def _meet(request: ServiceRequest, kinds, *, at: dt.datetime, actor) -> list[RequestClock]:
    met = []
    for clock in request.clocks.filter(clock__in=list(kinds), met_at__isnull=True):
        clock.met_at = at
        clock.save(update_fields=["met_at"])
        met.append(clock)
        late = clock.due_at is not None and at > clock.due_at
        _timeline(request, actor, TimelineKind.CLOCK_MET,
                  _("%(clock)s met, late") % {"clock": clock.get_clock_display()} if late
                  else _("%(clock)s met in time") % {"clock": clock.get_clock_display()},
                  {"clock": clock.clock, "met_at": at.isoformat(),
                   "due_at": clock.due_at.isoformat() if clock.due_at else None, "late": late})
    if met:
        next_due_refresh(request)
    return met


def _timeline(request, actor, kind, text="", data: dict[str, Any] | None = None, *, internal=False) -> TimelineEntry:
    return TimelineEntry.objects.create(request=request, actor=actor if getattr(actor, "pk", None) else None,
                                        kind=kind, text=text, data=data or {}, internal=internal)


def request_timeline_add(*, request: ServiceRequest, actor, kind: str, text: str = "",
                         data: dict[str, Any] | None = None, internal: bool = False) -> TimelineEntry:
    """An entry on the request's timeline written by another part of the system (a work order's steps)."""
    return _timeline(request, actor, kind, text, data, internal=internal)


def _locked(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update().select_related("service_level__calendar").get(pk=request.pk)


def _require_state(request: ServiceRequest, allowed, action: str) -> None:
    if request.state not in allowed:
        raise ServiceError("wrong_state", _("A request that is “%(state)s” cannot be %(action)s.") % {
            "state": request.get_state_display(), "action": action}, field="state")


def _set_state(request: ServiceRequest, state: str, actor, **fields) -> None:
    old = request.state
    request.state = state
    for name, value in fields.items():
        setattr(request, name, value)
    request.save()
    if old != state:
        _timeline(request, actor, TimelineKind.STATE, "", {"from": old, "to": state})


# ---------------------------------------------------------------- registration


def _covering_contract(asset, on: dt.date):
    if asset is None:
        return None
    from aftersales.contracts.models import Contract
    from aftersales.contracts.selectors import asset_entitlement

    contract_id = asset_entitlement(asset=asset, on=on).contract
    return Contract.objects.filter(pk=contract_id).select_related("service_level").first() if contract_id else None


@transaction.atomic
def request_register(*, actor, data: dict[str, Any], now: dt.datetime | None = None) -> ServiceRequest:
    """Register a request (SPEC R2): number, covering contract, service level and clocks.

    ``data`` holds the model's fields (customer, site, asset, reporter_name, reporter_phone, channel,
    request_type, severity, description, tried_by_others, tried_note, reported_at, contract ...).
    The clocks start at the time of the call.
    """
    now = now or timezone.now()
    data = dict(data)
    data.setdefault("reported_at", now)
    if data["reported_at"] > now + dt.timedelta(minutes=5):
        raise ServiceError("future_call", _("The time of the call cannot be in the future."), field="reported_at")
    asset, site, customer = data.get("asset"), data.get("site"), data.get("customer")
    if asset is not None:
        if customer is not None and asset.customer_id != customer.pk:
            raise ServiceError("asset_customer", _("This equipment belongs to another customer."), field="asset")
        data["customer"] = customer = asset.customer
        data.setdefault("site", asset.site)
        site = data["site"]
    if site is not None and customer is not None and site.customer_id != customer.pk:
        raise ServiceError("site_customer", _("This site belongs to another customer."), field="site")
    if data.get("contract") is None:
        data["contract"] = _covering_contract(asset, timezone.localdate(data["reported_at"]))
    elif customer is not None and data["contract"].customer_id != customer.pk:
        raise ServiceError("contract_customer", _("This contract belongs to another customer."), field="contract")
    data["service_level"] = service_level_for(data["contract"])
    year = timezone.localtime(data["reported_at"]).year
    request = ServiceRequest(**data, registered_by=actor if getattr(actor, "pk", None) else None, state=State.NEW)
    request.full_clean(exclude=["number", "year", "sequence"])
    request.year = year
    request.sequence = _next_number(year)
    request.number = f"{NUMBER_PREFIX}{year}-{request.sequence:06d}"
    request.save()
    audit_event(request, action=AuditAction.CREATE, actor=actor, changes=diff({}, snapshot(request)))
    _timeline(request, actor, TimelineKind.REGISTERED, "", {
        "channel": request.channel, "severity": request.severity, "service_level": request.service_level.code})
    _clocks_start(request, STARTS_AT_REGISTRATION, at=request.reported_at)
    clocks_refresh(request, now=now)
    return request


# ---------------------------------------------------------------- the state machine


@transaction.atomic
def request_acknowledge(*, request: ServiceRequest, actor, at: dt.datetime | None = None) -> ServiceRequest:
    request = _locked(request)
    _require_state(request, {State.NEW}, _("acknowledged"))
    at = at or timezone.now()
    _set_state(request, State.ACKNOWLEDGED, actor)
    _timeline(request, actor, TimelineKind.ACKNOWLEDGED)
    _meet(request, [ClockKind.RESPONSE], at=at, actor=actor)
    return request


@transaction.atomic
def request_log_call(*, request: ServiceRequest, actor, text: str, at: dt.datetime | None = None) -> ServiceRequest:
    """A telephone call with the customer: meets the callback clock (and the response, if still open)."""
    request = _locked(request)
    _require_state(request, OPEN_STATES, _("called about"))
    if not text.strip():
        raise ServiceError("text_required", _("Say what was discussed."), field="text")
    at = at or timezone.now()
    _timeline(request, actor, TimelineKind.CALL, text.strip())
    _meet(request, [ClockKind.CALLBACK, ClockKind.RESPONSE], at=at, actor=actor)
    if request.state == State.NEW:
        _set_state(request, State.ACKNOWLEDGED, actor)
    return request


@transaction.atomic
def request_start(*, request: ServiceRequest, actor, at: dt.datetime | None = None) -> ServiceRequest:
    request = _locked(request)
    _require_state(request, {State.NEW, State.ACKNOWLEDGED}, _("started"))
    at = at or timezone.now()
    _meet(request, [ClockKind.RESPONSE], at=at, actor=actor)
    _set_state(request, State.IN_PROGRESS, actor)
    return request


@transaction.atomic
def request_assign(*, request: ServiceRequest, actor, assignee) -> ServiceRequest:
    request = _locked(request)
    _require_state(request, OPEN_STATES, _("assigned"))
    if assignee is not None and (not assignee.is_staff_member):
        raise ServiceError("assignee", _("Only active staff can be assigned."), field="assignee")
    old = request.assignee
    request.assignee = assignee
    request.save(update_fields=["assignee", "updated_at"])
    _timeline(request, actor, TimelineKind.ASSIGNED, str(assignee or "-"),
              {"from": str(old) if old else None, "to": str(assignee) if assignee else None}, internal=True)
    return request


@transaction.atomic
def request_pause(*, request: ServiceRequest, actor, reason: str, at: dt.datetime | None = None) -> ServiceRequest:
    """Waiting for the customer: every open clock stops until resumed (SPEC S1)."""
    request = _locked(request)
    _require_state(request, {State.NEW, State.ACKNOWLEDGED, State.IN_PROGRESS}, _("paused"))
    if not reason.strip():
        raise ServiceError("reason_required", _("Say what the customer is to do."), field="reason")
    at = at or timezone.now()
    ClockPause.objects.create(request=request, started_at=at, reason=reason.strip())
    _set_state(request, State.WAITING, actor, paused_since=at)
    _timeline(request, actor, TimelineKind.PAUSED, reason.strip())
    clocks_refresh(request, now=at)
    return request


@transaction.atomic
def request_resume(*, request: ServiceRequest, actor, at: dt.datetime | None = None) -> ServiceRequest:
    request = _locked(request)
    _require_state(request, {State.WAITING}, _("resumed"))
    at = at or timezone.now()
    pause = request.pauses.get(ended_at__isnull=True)
    if at < pause.started_at:
        raise ServiceError("resume_before_pause", _("A request cannot resume before it was paused."), field="at")
    pause.ended_at = at
    pause.save(update_fields=["ended_at"])
    _set_state(request, State.IN_PROGRESS, actor, paused_since=None)
    clocks_refresh(request, now=at)
    paused_minutes = max((c.paused_minutes for c in request.clocks.all()), default=0)
    _timeline(request, actor, TimelineKind.RESUMED, "", {"paused_from": pause.started_at.isoformat(),
                                                          "paused_minutes": paused_minutes})
    return request


@transaction.atomic
def request_resolve(*, request: ServiceRequest, actor, resolution: str, remote_method: str = "",
                    at: dt.datetime | None = None) -> ServiceRequest:
    """Fixed: meets the fixed clock (and any response, callback or on-site clock the fix made moot:
    a remote solution needs no visit, SPEC R4) and starts the problem-report clock."""
    request = _locked(request)
    _require_state(request, {State.NEW, State.ACKNOWLEDGED, State.IN_PROGRESS}, _("resolved"))
    if not resolution.strip():
        raise ServiceError("resolution_required", _("Describe the solution."), field="resolution")
    at = at or timezone.now()
    _set_state(request, State.RESOLVED, actor, resolution=resolution.strip(), remote_method=remote_method,
               resolved_at=at)
    _timeline(request, actor, TimelineKind.RESOLVED, resolution.strip(), {"remote_method": remote_method})
    _meet(request, [ClockKind.FIXED, ClockKind.RESPONSE, ClockKind.CALLBACK, ClockKind.ON_SITE, ClockKind.SENIOR],
          at=at, actor=actor)
    _clocks_start(request, [ClockKind.REPORT], at=at)
    clocks_refresh(request, now=at)
    return request


@transaction.atomic
def request_file_report(*, request: ServiceRequest, actor, text: str, at: dt.datetime | None = None) -> ServiceRequest:
    """The problem report after fixing: problem type, cause, method used, losses (SPEC §4)."""
    request = _locked(request)
    _require_state(request, {State.RESOLVED, State.CLOSED}, _("reported on"))
    if not text.strip():
        raise ServiceError("text_required", _("Write the report: problem type, cause, method used, losses."),
                           field="text")
    at = at or timezone.now()
    request.report_filed_at = at
    request.save(update_fields=["report_filed_at", "updated_at"])
    _timeline(request, actor, TimelineKind.NOTE, text.strip(), {"report": True})
    _meet(request, [ClockKind.REPORT], at=at, actor=actor)
    return request


@transaction.atomic
def request_escalate(*, request: ServiceRequest, actor, engineer=None, at: dt.datetime | None = None) -> ServiceRequest:
    """The first technician cannot fix it: a senior engineer is due on site (SPEC §4, seed 003)."""
    request = _locked(request)
    _require_state(request, {State.ACKNOWLEDGED, State.IN_PROGRESS, State.NEW}, _("escalated"))
    if request.escalated_at is not None:
        raise ServiceError("already_escalated", _("This request is already with a senior engineer."))
    at = at or timezone.now()
    request.escalated_at = at
    if engineer is not None:
        request.assignee = engineer
    request.save()
    _timeline(request, actor, TimelineKind.ESCALATED, str(engineer or ""))
    _clocks_start(request, [ClockKind.SENIOR], at=at)
    clocks_refresh(request, now=at)
    return request


def request_arrive(*, request: ServiceRequest, actor, senior: bool = False, at: dt.datetime | None = None) -> ServiceRequest:
    """A technician arrived on site (the dispatch flow calls this): meets the on-site clock, and the
    senior-engineer clock when ``senior``."""
    with transaction.atomic():
        request = _locked(request)
        _require_state(request, OPEN_STATES, _("visited"))
        at = at or timezone.now()
        kinds = [ClockKind.ON_SITE, ClockKind.RESPONSE] + ([ClockKind.SENIOR] if senior else [])
        _meet(request, kinds, at=at, actor=actor)
        if request.state in {State.NEW, State.ACKNOWLEDGED}:
            _set_state(request, State.IN_PROGRESS, actor)
        return request


@transaction.atomic
def request_close(*, request: ServiceRequest, actor, confirmed: bool, reason: str = "",
                  at: dt.datetime | None = None) -> ServiceRequest:
    """Closed after the customer's confirmation, or with the reason why not (SPEC R5)."""
    request = _locked(request)
    _require_state(request, {State.RESOLVED}, _("closed"))
    if not confirmed and not reason.strip():
        raise ServiceError("reason_required", _("Without the customer's confirmation, say why the request is "
                                                "closed."), field="reason")
    at = at or timezone.now()
    _set_state(request, State.CLOSED, actor, closed_at=at, customer_confirmed=confirmed,
               close_reason="" if confirmed else reason.strip())
    _timeline(request, actor, TimelineKind.CLOSED,
              _("Confirmed by the customer") if confirmed else reason.strip(), {"confirmed": confirmed})
    return request


@transaction.atomic
def request_reopen(*, request: ServiceRequest, actor, reason: str, at: dt.datetime | None = None) -> ServiceRequest:
    """Not fixed after all: the fixed clock runs again; the time the request sat resolved counts
    as waiting for the customer, so no time is lost or invented."""
    request = _locked(request)
    _require_state(request, {State.RESOLVED, State.CLOSED}, _("reopened"))
    if not reason.strip():
        raise ServiceError("reason_required", _("Say why the request is reopened."), field="reason")
    at = at or timezone.now()
    ClockPause.objects.create(request=request, started_at=request.resolved_at, ended_at=at,
                              reason=_("Resolved until reopened"))
    request.clocks.filter(clock=ClockKind.FIXED).update(met_at=None)
    request.reopen_count += 1
    _set_state(request, State.IN_PROGRESS, actor, resolved_at=None, closed_at=None, customer_confirmed=False,
               close_reason="")
    _timeline(request, actor, TimelineKind.REOPENED, reason.strip())
    clocks_refresh(request, now=at)
    return request


@transaction.atomic
def request_cancel(*, request: ServiceRequest, actor, reason: str, at: dt.datetime | None = None) -> ServiceRequest:
    request = _locked(request)
    _require_state(request, OPEN_STATES, _("cancelled"))
    if not reason.strip():
        raise ServiceError("reason_required", _("Say why the request is cancelled."), field="reason")
    at = at or timezone.now()
    request.pauses.filter(ended_at__isnull=True).update(ended_at=at)
    _set_state(request, State.CANCELLED, actor, cancel_reason=reason.strip(), paused_since=None)
    _timeline(request, actor, TimelineKind.CANCELLED, reason.strip())
    return request


@transaction.atomic
def request_reclassify(*, request: ServiceRequest, actor, severity: int | None = None, contract=...,
                       request_type: str | None = None, at: dt.datetime | None = None) -> ServiceRequest:
    """A change of severity, type or contract: every clock's target is taken again from the
    (possibly new) service level and its due time recomputed from the clock's own start, so
    elapsed time is kept; the old values stay on the timeline."""
    request = _locked(request)
    _require_state(request, OPEN_STATES, _("reclassified"))
    at = at or timezone.now()
    before = {"severity": request.severity, "request_type": request.request_type,
              "contract": request.contract.number if request.contract_id else None,
              "service_level": request.service_level.code,
              "clocks": {c.clock: {"target_minutes": c.target_minutes,
                                   "due_at": c.due_at.isoformat() if c.due_at else None}
                         for c in request.clocks.all()}}
    if severity is not None:
        if severity not in Severity.values:
            raise ServiceError("severity", _("Severity is 1 to 4."), field="severity")
        request.severity = severity
    if request_type is not None:
        if request_type not in RequestType.values:
            raise ServiceError("request_type", _("Unknown request type."), field="request_type")
        request.request_type = request_type
    if contract is not ...:
        if contract is not None and contract.customer_id != request.customer_id:
            raise ServiceError("contract_customer", _("This contract belongs to another customer."),
                               field="contract")
        request.contract = contract
    request.service_level = service_level_for(request.contract)
    request.save()
    targets = targets_for(request.service_level, request.severity, request.request_type)
    for clock in request.clocks.filter(met_at__isnull=True):
        if clock.clock in targets:
            clock.target_minutes = targets[clock.clock]
            clock.save(update_fields=["target_minutes"])
    _clocks_start(request, STARTS_AT_REGISTRATION, at=request.reported_at)
    clocks_refresh(request, now=at)
    after = {c.clock: {"target_minutes": c.target_minutes, "due_at": c.due_at.isoformat() if c.due_at else None}
             for c in request.clocks.all()}
    _timeline(request, actor, TimelineKind.RECOMPUTED, "", {"before": before, "after": {
        "severity": request.severity, "request_type": request.request_type,
        "contract": request.contract.number if request.contract_id else None,
        "service_level": request.service_level.code, "clocks": after}})
    return request


# ---------------------------------------------------------------- descriptive changes and service levels

REQUEST_CHANGEABLE = ("reporter_name", "reporter_phone", "description", "tried_by_others", "tried_note", "site",
                      "asset", "internal_notes")


@transaction.atomic
def request_update(*, request: ServiceRequest, actor, data: dict[str, Any]) -> ServiceRequest:
    """Change the descriptive fields of a request (not its severity, type or contract: reclassify).

    The equipment and site must be the request's customer's; new equipment brings its site when no
    site is given. The change lands on the timeline (staff-only fields on a staff-only entry)."""
    unknown = set(data) - set(REQUEST_CHANGEABLE)
    if unknown:
        raise ValueError(f"not changeable here: {sorted(unknown)}")
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    if request.archived_at is not None:
        raise ServiceError("archived", _("This record is archived; restore it before changing it."))
    if request.state in {State.CLOSED, State.CANCELLED}:
        raise ServiceError("wrong_state", _("A request that is “%(state)s” cannot be changed; reopen it first.") % {
            "state": request.get_state_display()}, field="state")
    data = dict(data)
    asset = data.get("asset", request.asset)
    if asset is not None and asset.customer_id != request.customer_id:
        raise ServiceError("asset_customer", _("This equipment belongs to another customer."), field="asset")
    if data.get("asset") is not None and "site" not in data and asset.site_id:
        data["site"] = asset.site
    site = data.get("site", request.site)
    if site is not None and site.customer_id != request.customer_id:
        raise ServiceError("site_customer", _("This site belongs to another customer."), field="site")
    before = snapshot(request)
    for name, value in data.items():
        setattr(request, name, value)
    request.full_clean()
    changes = diff(before, snapshot(request))
    if not changes:
        return request
    request.save(update_fields=[*changes, "updated_at"])
    audit_event(request, action=AuditAction.UPDATE, actor=actor, changes=changes)
    internal = set(ServiceRequest.internal_fields)
    for staff_only in (False, True):
        part = {k: v for k, v in changes.items() if (k in internal) == staff_only}
        if part:
            names = ", ".join(str(ServiceRequest._meta.get_field(k).verbose_name) for k in part)
            TimelineEntry.objects.create(request=request, actor=actor if getattr(actor, "pk", None) else None,
                                         kind=TimelineKind.NOTE, text=_("Changed: %(fields)s") % {"fields": names},
                                         data={"changes": part}, internal=staff_only)
    return request


def _targets_text(level: ServiceLevel) -> list[str]:
    return sorted(f"{t.severity}/{t.request_type or '*'}/{t.clock}={t.minutes}" for t in level.targets.all())


@transaction.atomic
def service_level_save(*, level: ServiceLevel | None, actor, data: dict[str, Any],
                       targets: list[dict[str, Any]] | None = None) -> ServiceLevel:
    """Create or change a service level; ``targets`` (when given) replace the level's targets as a
    whole. One level is the default: making one the default unsets the former in the same
    transaction; the default cannot be unset, only replaced."""
    creating = level is None
    if creating:
        level = ServiceLevel()
        before: dict[str, Any] = {}
    else:
        level = ServiceLevel.objects.select_for_update().get(pk=level.pk)
        if level.archived_at is not None:
            raise ServiceError("archived", _("This record is archived; restore it before changing it."))
        before = snapshot(level) | {"targets": _targets_text(level)}
    was_default = level.is_default
    for name, value in data.items():
        setattr(level, name, value)
    if was_default and not level.is_default:
        raise ServiceError("default_required", _("One service level is always the default: make another one the "
                                                 "default instead."), field="is_default")
    rows = None
    if targets is not None:
        rows = [ServiceTarget(severity=t["severity"], request_type=t.get("request_type", ""), clock=t["clock"],
                              minutes=t["minutes"]) for t in targets]
        if len({(r.severity, r.request_type, r.clock) for r in rows}) != len(rows):
            raise ServiceError("duplicate_target", _("Two targets for the same severity, type and clock."),
                               field="targets")
        for row in rows:
            row.full_clean(exclude=["service_level"], validate_unique=False)
    if level.is_default and not was_default:
        for former in ServiceLevel.objects.select_for_update().filter(is_default=True).exclude(pk=level.pk):
            former.is_default = False
            former.save(update_fields=["is_default", "updated_at"])
            audit_event(former, action=AuditAction.UPDATE, actor=actor, changes={"is_default": [True, False]})
    level.full_clean()
    level.save()
    if rows is not None:
        level.targets.all().delete()
        for row in rows:
            row.service_level = level
        ServiceTarget.objects.bulk_create(rows)
    changes = diff(before, snapshot(level) | {"targets": _targets_text(level)})
    if changes:
        audit_event(level, action=AuditAction.CREATE if creating else AuditAction.UPDATE, actor=actor,
                    changes=changes)
    return level


def service_level_archive(*, level: ServiceLevel, actor) -> ServiceLevel:
    if level.is_default:
        raise ServiceError("default_level", _("The default service level cannot be archived: make another one the "
                                              "default first."))
    return record_archive(instance=level, actor=actor)
