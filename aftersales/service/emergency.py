"""Emergencies (SPEC §6): the emergency plan of an emergency repair, step by step.

The project manager writes the plan; the service manager tells the customer and records their
consent; the service director approves; departure is announced to the customer with the expected
arrival; the exceptions of the flow are recorded. Each step locks the request (then its plan, in
that order), checks where the flow stands, and writes a timeline entry with who and when.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.core.audit import AuditAction, audit_event, diff, snapshot
from aftersales.core.errors import ServiceError

from .choices import RequestType, TimelineKind
from .models import EmergencyPlan, ServiceRequest, TimelineEntry

APPROVE_PERMISSION = "service.approve_emergencyplan"
CHANGE_PERMISSION = "service.change_emergencyplan"
ADD_PERMISSION = "service.add_emergencyplan"  # writing a request's first plan (page and API alike)
PLAN_FIELDS = ("expected_hours", "people", "lead", "tools", "parts", "work_items", "estimated_cost")


class EmergencyException(models.TextChoices):
    """What can go wrong on the way (SPEC §6), each with what the flow does about it."""

    TECHNICIAN_MISSING = "technician_missing", gettext_lazy(
        "Technician missing: the lead goes first, the others follow")
    SKILLS_MISMATCH = "skills_mismatch", gettext_lazy("Skills do not match: call the project manager, report up")
    TOO_HARD = "too_hard", gettext_lazy(
        "Fault too hard: the technical lead helps by phone; management decides on replacing the system")


class Step(models.TextChoices):
    PLAN = "plan", gettext_lazy("Emergency plan written")
    CONSENT = "consent", gettext_lazy("Customer agreed to the emergency plan")
    APPROVE = "approve", gettext_lazy("Emergency plan approved")
    DEPART = "depart", gettext_lazy("Emergency team departed")
    EXCEPTION = "exception", gettext_lazy("Emergency exception")


# ---------------------------------------------------------------- helpers


def plan_of(request: ServiceRequest) -> EmergencyPlan | None:
    """The request's plan, or None (read once per request object: the accessor keeps it)."""
    try:
        return request.emergency_plan
    except EmergencyPlan.DoesNotExist:
        return None


def _lock(request: ServiceRequest) -> tuple[ServiceRequest, EmergencyPlan | None]:
    """The request, then its plan, locked in that order (every step takes them so)."""
    locked = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    if locked.request_type != RequestType.EMERGENCY:
        raise ServiceError("not_emergency", _("Only an emergency repair has an emergency plan; reclassify the "
                                              "request as an emergency repair first."), field="request_type")
    plan = EmergencyPlan.objects.select_for_update().filter(request=locked).first()
    return locked, plan


def _require_plan(plan: EmergencyPlan | None) -> EmergencyPlan:
    if plan is None:
        raise ServiceError("no_plan", _("This request has no emergency plan yet: the project manager writes it "
                                        "first."))
    return plan


def _require_open(request: ServiceRequest) -> None:
    if not request.is_open:
        raise ServiceError("wrong_state", _("A request that is “%(state)s” takes no further emergency steps.") % {
            "state": request.get_state_display()}, field="state")


def _timeline(request: ServiceRequest, actor, step: str, text: str, data: dict[str, Any] | None = None, *,
              internal: bool = False) -> TimelineEntry:
    return TimelineEntry.objects.create(
        request=request, actor=actor if getattr(actor, "pk", None) else None, kind=TimelineKind.EMERGENCY,
        text=text, data={"step": step, **(data or {})}, internal=internal)


def _hours(value: Decimal) -> str:
    value = Decimal(value)
    return str(value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize())


def _local(at: dt.datetime) -> dt.datetime:
    return timezone.localtime(at)


def _arrival_text(departed: dt.datetime, arrival: dt.datetime) -> str:
    """HH:MM on the day of departure; with the date otherwise."""
    departed, arrival = _local(departed), _local(arrival)
    if departed.date() == arrival.date():
        return arrival.strftime("%H:%M")
    return _("%(month)s/%(day)s %(time)s") % {"month": arrival.month, "day": arrival.day,
                                             "time": arrival.strftime("%H:%M")}


def departure_message(*, lead, departed_at: dt.datetime, expected_arrival: dt.datetime) -> str:
    """What the customer is told on departure (SPEC §6 step 6)."""
    values = {"lead": str(lead), "phone": getattr(lead, "phone", ""),
              "time": _arrival_text(departed_at, expected_arrival)}
    if values["phone"]:
        return _("The emergency team has left, lead %(lead)s (%(phone)s), expected to arrive at %(time)s.") % values
    return _("The emergency team has left, lead %(lead)s, expected to arrive at %(time)s.") % values


# ---------------------------------------------------------------- the steps


@transaction.atomic
def plan_write(*, request: ServiceRequest, actor, data: dict[str, Any]) -> EmergencyPlan:
    """Write or rewrite the plan (SPEC §6 step 2): estimated time, people, responsible lead, tools,
    parts, work items, estimated cost. A plan can be changed until it is approved; a change after the
    customer agreed voids the consent, which must be asked again for the new plan."""
    request, plan = _lock(request)
    _require_open(request)
    unknown = set(data) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"not fields of a plan: {sorted(unknown)}")
    if plan is not None and plan.approved_at is not None:
        raise ServiceError("plan_approved", _("The emergency plan is approved and can no longer be changed."))
    lead = data.get("lead", plan.lead if plan is not None else None)
    if lead is not None and not lead.is_staff_member:
        raise ServiceError("lead", _("The responsible lead must be one of our active staff."), field="lead")
    creating = plan is None
    if creating and getattr(actor, "pk", None) and not actor.has_perm(ADD_PERMISSION):
        raise PermissionDenied(_("Your role may not write a new emergency plan."))
    plan = plan or EmergencyPlan(request=request)
    before = {} if creating else snapshot(plan)
    for name, value in data.items():
        setattr(plan, name, value)
    plan.written_by = actor if getattr(actor, "pk", None) else None
    changes = diff(before, snapshot(plan))
    consent_voided = not creating and plan.consent_at is not None and bool(set(changes) & set(PLAN_FIELDS))
    if consent_voided:
        plan.consent_at, plan.consent_by = None, ""
    plan.full_clean(exclude=["request"])
    plan.save()
    audit_event(plan, action=AuditAction.CREATE if creating else AuditAction.UPDATE, actor=actor,
                changes=diff(before, snapshot(plan)))
    text = _("Emergency plan: about %(hours)s hours, lead %(lead)s.") % {"hours": _hours(plan.expected_hours),
                                                                        "lead": plan.lead}
    if consent_voided:
        text += " " + _("The plan changed after the customer agreed: ask the customer again.")
    _timeline(request, actor, Step.PLAN, text, {"rewritten": not creating, "consent_voided": consent_voided},
              internal=True)
    return plan


@transaction.atomic
def plan_consent(*, request: ServiceRequest, actor, consent_by: str,
                 at: dt.datetime | None = None) -> EmergencyPlan:
    """The service manager told the customer the plan (arrival time, lead's name and phone, items,
    estimated cost) and records who agreed, and when (SPEC §6 step 3)."""
    request, plan = _lock(request)
    _require_open(request)
    plan = _require_plan(plan)
    now = timezone.now()
    at = at or now
    if plan.approved_at is not None:
        raise ServiceError("plan_approved", _("The emergency plan is already approved."))
    consent_by = (consent_by or "").strip()
    if not consent_by:
        raise ServiceError("consent_by_required", _("Give the name of the customer's person who agreed."),
                           field="consent_by")
    if at > now + dt.timedelta(minutes=5):
        raise ServiceError("future", _("The customer cannot have agreed in the future."), field="consent_at")
    plan.consent_by, plan.consent_at = consent_by, at
    plan.full_clean(exclude=["request"])
    plan.save(update_fields=["consent_by", "consent_at", "updated_at"])
    _timeline(request, actor, Step.CONSENT, _("%(name)s agreed to the emergency plan.") % {"name": consent_by},
              {"consent_by": consent_by, "consent_at": at.isoformat()})
    return plan


def can_approve_plan(user) -> bool:
    """Only the service director approves an emergency plan (SPEC §6 step 4)."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active
                and user.has_perm(APPROVE_PERMISSION))


@transaction.atomic
def plan_approve(*, request: ServiceRequest, actor, at: dt.datetime | None = None) -> EmergencyPlan:
    if not can_approve_plan(actor):
        raise ServiceError("approve_not_allowed", _("Only the service director can approve an emergency plan."))
    request, plan = _lock(request)
    _require_open(request)
    plan = _require_plan(plan)
    if plan.approved_at is not None:
        raise ServiceError("plan_approved", _("The emergency plan is already approved."))
    if plan.consent_at is None:
        raise ServiceError("no_consent", _("The customer has not agreed to the emergency plan yet: the service "
                                           "manager records their consent before approval."))
    plan.approved_at, plan.approved_by = at or timezone.now(), actor
    plan.save(update_fields=["approved_at", "approved_by", "updated_at"])
    _timeline(request, actor, Step.APPROVE, _("Emergency plan approved."),
              {"approved_at": plan.approved_at.isoformat()}, internal=True)
    return plan


@transaction.atomic
def plan_depart(*, request: ServiceRequest, actor, expected_arrival: dt.datetime,
                at: dt.datetime | None = None) -> EmergencyPlan:
    """The team leaves; the customer is told by phone or SMS, with the expected arrival (SPEC §6
    step 6). The timeline entry's text is the message the customer was given."""
    request, plan = _lock(request)
    _require_open(request)
    plan = _require_plan(plan)
    at = at or timezone.now()
    if plan.approved_at is None:
        raise ServiceError("not_approved", _("The emergency plan is not approved yet: the service director "
                                             "approves it before the team leaves."))
    if plan.departed_at is not None:
        raise ServiceError("already_departed", _("The emergency team has already left."))
    if expected_arrival <= at:
        raise ServiceError("arrival_before_departure", _("The expected arrival must be after the departure."),
                           field="expected_arrival")
    plan.departed_at, plan.expected_arrival = at, expected_arrival
    plan.save(update_fields=["departed_at", "expected_arrival", "updated_at"])
    message = departure_message(lead=plan.lead, departed_at=at, expected_arrival=expected_arrival)
    _timeline(request, actor, Step.DEPART, message,
              {"departed_at": at.isoformat(), "expected_arrival": expected_arrival.isoformat(),
               "lead": str(plan.lead)})
    return plan


@transaction.atomic
def plan_exception(*, request: ServiceRequest, actor, kind: str, note: str,
                   at: dt.datetime | None = None) -> EmergencyPlan:
    """Record what went wrong, and what the flow does about it (SPEC §6): the kind's own rule and a
    note of what happened."""
    request, plan = _lock(request)
    _require_open(request)
    plan = _require_plan(plan)
    if kind not in EmergencyException.values:
        raise ServiceError("exception_kind", _("Unknown kind of exception."), field="kind")
    note = (note or "").strip()
    if not note:
        raise ServiceError("note_required", _("Say what happened and what was done."), field="note")
    label = EmergencyException(kind).label
    _timeline(request, actor, Step.EXCEPTION, f"{label}: {note}",
              {"exception": kind, "note": note, "at": (at or timezone.now()).isoformat()}, internal=True)
    return plan
