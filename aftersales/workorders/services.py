"""Writes of work orders: dispatch, the visit's steps, void and move (SPEC §7, D1–D8).

Who may do what: dispatching (create, reassign, move) needs ``workorders.add_workorder``; the
visit's steps (travel, arrive, parts, photos, signatures, finish) are the work order's own
technician's and team's, or a dispatcher's recording them on their behalf; making a number void
needs ``workorders.void_workorder``. The page and the API call these functions and get the same
checks. Every step locks the work order row, writes its audit row and the request's timeline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.audit import AuditAction, audit_event, diff, snapshot
from aftersales.core.errors import ServiceError
from aftersales.core.numbering import next_in_year
from aftersales.core.uploads import CheckedFile, signature_png
from aftersales.inventory import reservations
from aftersales.service import services as requests
from aftersales.service.choices import OPEN_STATES, State, TimelineKind
from aftersales.service.models import ServiceRequest

from .choices import DELAY_FORM_HOURS, OPEN_WORK, Outcome, WorkOrderState
from .models import (
    PhotoKind,
    Signature,
    SignatureRole,
    UsedPart,
    VisitPhoto,
    WorkOrder,
    WorkOrderNumber,
)

NUMBER_PREFIX = "PG"  # 派工
DISPATCH_PERMISSION = "workorders.add_workorder"
VOID_PERMISSION = "workorders.void_workorder"


# ---------------------------------------------------------------- helpers


def _locked(work_order: WorkOrder) -> WorkOrder:
    return WorkOrder.objects.select_for_update().select_related("request", "technician").get(pk=work_order.pk)


def _require_state(work_order: WorkOrder, allowed: Iterable[str], action: str) -> None:
    if work_order.state not in allowed:
        raise ServiceError("wrong_state", _("Work order %(number)s is “%(state)s” and cannot be %(action)s.") % {
            "number": work_order.number, "state": work_order.get_state_display(), "action": action}, field="state")


def is_dispatcher(user) -> bool:
    return bool(user is not None and user.has_perm(DISPATCH_PERMISSION))


def may_work_on(work_order: WorkOrder, user) -> bool:
    """The work order's technician, one of its team, or a dispatcher recording for them."""
    if not getattr(user, "pk", None):
        return False
    if work_order.technician_id == user.pk or is_dispatcher(user):
        return True
    return work_order.team.filter(pk=user.pk).exists()


def require_worker(work_order: WorkOrder, actor) -> None:
    """A rule of the work order, not of the role (every technician records visits, their own): a
    refusal with its reason, like a wrong state."""
    if actor is not None and not may_work_on(work_order, actor):
        raise ServiceError("not_yours", _("Work order %(number)s is %(technician)s's: only its technician, its team "
                                          "or a dispatcher may record its visit.") % {
            "number": work_order.number, "technician": work_order.technician})


def _require_quote_accepted(work_order: WorkOrder) -> None:
    """Chargeable work waits for the customer's acceptance of the quote (SPEC W6)."""
    from aftersales.charges.selectors import chargeable_work_blocked

    blocked = chargeable_work_blocked(work_order)
    if blocked:
        raise ServiceError("quote_not_accepted", blocked, field="quote")


def _require_dispatcher(actor) -> None:
    if actor is not None and not is_dispatcher(actor):
        raise PermissionDenied(_("Only dispatchers may plan work orders."))


def _event(work_order: WorkOrder, actor, text: str, step: str, **data: Any) -> None:
    requests.request_timeline_add(request=work_order.request, actor=actor, kind=TimelineKind.WORK_ORDER,
                                  text=f"{work_order.number}: {text}",
                                  data={"work_order": work_order.number, "step": step, **data})


def _save(work_order: WorkOrder, actor, before: dict, fields: list[str]) -> WorkOrder:
    work_order.full_clean(exclude=["request", "technician", "moved_to"])
    work_order.save(update_fields=[*fields, "updated_at"])
    audit_event(work_order, action=AuditAction.UPDATE, actor=actor, changes=diff(before, snapshot(work_order)))
    return work_order


def _check_technician(technician, field: str = "technician") -> None:
    if technician is None:
        raise ServiceError("required", _("Choose the technician."), field=field)
    if not technician.is_staff_member:
        raise ServiceError(field, _("%(user)s is not one of our active staff.") % {"user": technician}, field=field)


def _check_planned(planned_start, planned_minutes) -> None:
    if planned_start is None:
        raise ServiceError("required", _("Give the planned time."), field="planned_start")
    if planned_minutes is not None and not (15 <= planned_minutes <= 60 * 24 * 7):
        raise ServiceError("planned_minutes", _("The planned time is 15 minutes to 7 days."), field="planned_minutes")


# ---------------------------------------------------------------- dispatch rules (SPEC D7, D8)


def project_manager_of(request: ServiceRequest):
    """The project's own project manager (SPEC D7): proposed first for its repairs."""
    asset = request.asset
    project = getattr(asset, "project", None) if asset is not None else None
    return getattr(project, "project_manager", None) if project is not None else None


def review_missing(request: ServiceRequest) -> bool:
    """A customer whose systems we did not install: dispatch waits for the technical department's
    review of the system's documents (SPEC D8)."""
    customer = request.customer
    return bool(customer.installed_by_others and customer.documents_reviewed_on is None)


def _check_dispatch_rules(request: ServiceRequest, technician, briefing: str) -> None:
    if review_missing(request):
        raise ServiceError("review_required", _(
            "%(customer)s is marked “not installed by us”: the technical department must review the system's "
            "documents before anyone is sent.") % {"customer": request.customer}, field="request")
    manager = project_manager_of(request)
    if manager is not None and technician is not None and technician.pk != manager.pk \
            and not manager.is_active and not briefing.strip():
        raise ServiceError("briefing_required", _(
            "The project's own project manager %(manager)s has left: brief %(technician)s on the project "
            "(write the briefing).") % {"manager": manager, "technician": technician}, field="briefing")


# ---------------------------------------------------------------- dispatch


def _require_waiting(request: ServiceRequest) -> None:
    planned = WorkOrder.objects.filter(request=request, state__in=OPEN_WORK).select_related("technician").first()
    if planned is not None:
        raise ServiceError("already_planned", _("%(request)s is no longer waiting: work order %(number)s, "
                                                "%(technician)s.") % {"request": request.number,
                                                                      "number": planned.number,
                                                                      "technician": planned.technician},
                           field="request")


@transaction.atomic
def workorder_create(*, actor, request: ServiceRequest, technician, planned_start: dt.datetime,
                     planned_minutes: int = 120, team: Iterable = (), instructions: str = "",
                     briefing: str = "", now: dt.datetime | None = None, only_if_waiting: bool = False) -> WorkOrder:
    """Dispatch (派工): a new work order for an open request, numbered in the year of its creation.
    ``only_if_waiting`` (the board's click on a waiting request): refused when the request already
    has a work order under way, so two dispatchers clicking the same row send one technician."""
    _require_dispatcher(actor)
    request = ServiceRequest.objects.select_for_update(of=("self",)).select_related(
        "customer", "asset__project__project_manager").get(pk=request.pk)
    if request.state not in OPEN_STATES:
        raise ServiceError("wrong_state", _("Request %(number)s is “%(state)s”: nobody is sent to a request "
                                            "that is not open.") % {"number": request.number,
                                                                    "state": request.get_state_display()},
                           field="request")
    if only_if_waiting:
        _require_waiting(request)
    _check_technician(technician)
    _check_planned(planned_start, planned_minutes)
    team = [member for member in team if member.pk != technician.pk]
    for member in team:
        _check_technician(member, "team")
    _check_dispatch_rules(request, technician, briefing)
    year = timezone.localtime(now or timezone.now()).year
    sequence = next_in_year(WorkOrderNumber, year)
    work_order = WorkOrder(number=f"{NUMBER_PREFIX}{year}-{sequence:06d}", year=year, sequence=sequence,
                           request=request, technician=technician, planned_start=planned_start,
                           planned_minutes=planned_minutes, instructions=instructions.strip(),
                           briefing=briefing.strip(), created_by=actor if getattr(actor, "pk", None) else None)
    work_order.full_clean(exclude=["request", "technician", "moved_to"])
    work_order.save()
    work_order.team.set(team)
    audit_event(work_order, action=AuditAction.CREATE, actor=actor, changes=diff({}, snapshot(work_order)))
    _event(work_order, actor, _("dispatched to %(technician)s, planned %(when)s") % {
        "technician": technician, "when": timezone.localtime(planned_start).strftime("%Y-%m-%d %H:%M")}, "create",
        technician=technician.pk)
    if request.assignee_id is None:
        requests.request_assign(request=request, actor=actor, assignee=technician)
    return work_order


@transaction.atomic
def workorder_plan(*, work_order: WorkOrder, actor, technician=None, planned_start: dt.datetime | None = None,
                   planned_minutes: int | None = None, briefing: str | None = None) -> WorkOrder:
    """Assign to another technician or move in time (the dispatch board's click), before departure."""
    _require_dispatcher(actor)
    work_order = _locked(work_order)
    _require_state(work_order, [WorkOrderState.PLANNED], _("re-planned"))
    before = snapshot(work_order)
    technician = technician or work_order.technician
    _check_technician(technician)
    _check_planned(planned_start or work_order.planned_start, planned_minutes)
    briefing = work_order.briefing if briefing is None else briefing.strip()
    _check_dispatch_rules(work_order.request, technician, briefing)
    work_order.technician = technician
    work_order.planned_start = planned_start or work_order.planned_start
    work_order.planned_minutes = planned_minutes or work_order.planned_minutes
    work_order.briefing = briefing
    _save(work_order, actor, before, ["technician", "planned_start", "planned_minutes", "briefing"])
    work_order.team.remove(technician)
    _event(work_order, actor, _("planned for %(technician)s at %(when)s") % {
        "technician": technician, "when": timezone.localtime(work_order.planned_start).strftime("%Y-%m-%d %H:%M")},
        "plan", technician=technician.pk)
    return work_order


@transaction.atomic
def workorder_void(*, work_order: WorkOrder, actor, reason: str, moved_to: WorkOrder | None = None) -> WorkOrder:
    """作废: the number is kept, marked void with its reason (SPEC D2); only before departure."""
    if actor is not None and not actor.has_perm(VOID_PERMISSION):
        raise PermissionDenied(_("Your role may not make work orders void."))
    work_order = _locked(work_order)
    _require_state(work_order, [WorkOrderState.PLANNED], _("made void"))
    if not (reason or "").strip():
        raise ServiceError("reason_required", _("Give the reason the work order is void."), field="reason")
    before = snapshot(work_order)
    work_order.state = WorkOrderState.VOID
    work_order.void_reason = reason.strip()
    work_order.voided_at = timezone.now()
    work_order.voided_by = actor if getattr(actor, "pk", None) else None
    work_order.moved_to = moved_to
    _save(work_order, actor, before, ["state", "void_reason", "voided_at", "voided_by", "moved_to"])
    if moved_to is not None:
        reservations.reservations_move(actor=actor, old=work_order, new=moved_to)
    _release_reservations(work_order, actor, _("work order %(number)s void") % {"number": work_order.number})
    _event(work_order, actor, _("void: %(reason)s") % {"reason": work_order.void_reason}, "void",
           moved_to=moved_to.number if moved_to else None)
    return work_order


def _release_reservations(work_order: WorkOrder, actor, reason: str) -> None:
    """Stock still reserved for a work order that ended is free again (SPEC P1)."""
    if reservations.reservations_release_for(actor=actor, work_order=work_order, reason=reason):
        _event(work_order, actor, _("reserved parts released"), "reservations_released")


@transaction.atomic
def workorder_move(*, work_order: WorkOrder, actor, reason: str, technician=None,
                   planned_start: dt.datetime | None = None) -> WorkOrder:
    """Move the job to a new number (a spoiled form, another day's sheet): the new work order says
    where it came from, the old one is void and names the new (SPEC D2). Returns the new one."""
    old = _locked(work_order)
    _require_state(old, [WorkOrderState.PLANNED], _("moved"))
    if not (reason or "").strip():
        raise ServiceError("reason_required", _("Give the reason the job moves to another number."), field="reason")
    new = workorder_create(actor=actor, request=old.request, technician=technician or old.technician,
                           planned_start=planned_start or old.planned_start, planned_minutes=old.planned_minutes,
                           team=list(old.team.all()), instructions=old.instructions, briefing=old.briefing)
    workorder_void(work_order=old, actor=actor, reason=reason, moved_to=new)
    _event(new, actor, _("moved here from %(number)s") % {"number": old.number}, "moved", moved_from=old.number)
    return new


# ---------------------------------------------------------------- the visit


@transaction.atomic
def workorder_start_travel(*, work_order: WorkOrder, actor, at: dt.datetime | None = None) -> WorkOrder:
    work_order = _locked(work_order)
    require_worker(work_order, actor)
    _require_state(work_order, [WorkOrderState.PLANNED], _("started"))
    before = snapshot(work_order)
    work_order.state = WorkOrderState.TRAVELLING
    work_order.travel_started_at = at or timezone.now()
    _save(work_order, actor, before, ["state", "travel_started_at"])
    _event(work_order, actor, _("on the way"), "travel")
    return work_order


@transaction.atomic
def workorder_arrive(*, work_order: WorkOrder, actor, at: dt.datetime | None = None) -> WorkOrder:
    """Arrival on site: meets the request's on-site clock (and the senior-engineer clock when the
    technician is a senior engineer)."""
    work_order = _locked(work_order)
    require_worker(work_order, actor)
    _require_state(work_order, [WorkOrderState.PLANNED, WorkOrderState.TRAVELLING], _("marked arrived"))
    at = at or timezone.now()
    if work_order.travel_started_at and at < work_order.travel_started_at:
        raise ServiceError("arrived_at", _("The arrival cannot be before the departure."), field="arrived_at")
    before = snapshot(work_order)
    work_order.state = WorkOrderState.ON_SITE
    work_order.arrived_at = at
    _save(work_order, actor, before, ["state", "arrived_at"])
    _event(work_order, actor, _("arrived on site"), "arrive")
    from aftersales.accounts.roles import Role

    if work_order.request.state in OPEN_STATES and work_order.request.state != State.WAITING:
        requests.request_arrive(request=work_order.request, actor=actor, at=at,
                                senior=Role.SENIOR_ENGINEER in work_order.technician.role_codes)
    return work_order


VISIT_STATES = [WorkOrderState.TRAVELLING, WorkOrderState.ON_SITE]


@transaction.atomic
def workorder_use_part(*, work_order: WorkOrder, actor, part, quantity: int, serial_number: str = "",
                       removed_serial: str = "", swapped_out: bool = False) -> UsedPart:
    """A part used on the visit, issued from the technician's own van stock (refused when the van
    has not enough); a part swapped out comes back into the van as defective stock (SPEC P3)."""
    from aftersales.inventory import posting
    from aftersales.inventory.choices import LocationKind, MovementKind
    from aftersales.inventory.models import StockLocation
    from aftersales.inventory.serials import normalise

    work_order = _locked(work_order)
    require_worker(work_order, actor)
    _require_state(work_order, [WorkOrderState.ON_SITE], _("given parts"))
    _require_quote_accepted(work_order)
    van = StockLocation.objects.filter(kind=LocationKind.VAN, holder=work_order.technician,
                                       archived_at__isnull=True).first()
    if van is None:
        raise ServiceError("no_van", _("%(technician)s has no van stock to take parts from.") % {
            "technician": work_order.technician}, field="part")
    serial_number, removed_serial = normalise(serial_number), normalise(removed_serial)
    rows = [{"kind": MovementKind.ISSUE, "part": part, "quantity": quantity, "from_location": van,
             "reference": work_order.number, "serial_number": serial_number, "reason": _("used on the visit")}]
    if swapped_out or removed_serial:  # one posting: both units checked and held together
        rows.append({"kind": MovementKind.DEFECTIVE_RETURN, "part": part, "quantity": quantity, "to_location": van,
                     "reference": work_order.number, "serial_number": removed_serial,
                     "reason": _("swapped out at the customer")})
    movements = posting.movements_post(actor=actor, rows=rows, errors_of_one=True)
    issue, returned = movements[0], (movements[1] if len(movements) > 1 else None)
    used = UsedPart.objects.create(work_order=work_order, part=part, quantity=quantity,
                                   serial_number=serial_number, removed_serial=removed_serial,
                                   issue=issue, defective_return=returned, added_by=actor)
    audit_event(used, action=AuditAction.CREATE, actor=actor, changes=diff({}, snapshot(used)))
    _event(work_order, actor, _("part used: %(part)s × %(quantity)s") % {"part": part, "quantity": quantity}, "part",
           part=part.code, quantity=quantity)
    return used


MAX_PHOTO_BYTES = 8 * 1024 * 1024


@transaction.atomic
def workorder_add_photo(*, work_order: WorkOrder, actor, checked: CheckedFile, kind: str = PhotoKind.WORK,
                        caption: str = "") -> VisitPhoto:
    """A photo of the visit; ``checked`` comes from core.uploads.check_upload with images only."""
    work_order = _locked(work_order)
    require_worker(work_order, actor)
    _require_state(work_order, VISIT_STATES, _("given photos"))
    if checked.extension not in {"jpg", "jpeg", "png"}:
        raise ServiceError("file_type", _("A photo is a JPEG or PNG image."), field="file")
    if kind not in PhotoKind.values:
        raise ServiceError("kind", _("Unknown kind of photo."), field="kind")
    photo = VisitPhoto(work_order=work_order, kind=kind, original_name=checked.original_name[:200],
                       content_type=checked.content_type, size=len(checked.content), caption=caption.strip()[:200],
                       uploaded_by=actor)
    photo.file.save(f"photo.{checked.extension}", ContentFile(checked.content), save=False)
    photo.save()
    _event(work_order, actor, _("photo added"), "photo", kind=kind)
    return photo


@transaction.atomic
def workorder_sign(*, work_order: WorkOrder, actor, role: str, image: str | bytes, signer_name: str,
                   comment: str = "", at: dt.datetime | None = None) -> Signature:
    """A signature drawn on the phone: the customer's (with name and comment) or the technician's."""
    work_order = _locked(work_order)
    require_worker(work_order, actor)
    _require_state(work_order, [WorkOrderState.ON_SITE], _("signed"))
    if role not in SignatureRole.values:
        raise ServiceError("role", _("Unknown signer."), field="role")
    if not (signer_name or "").strip():
        raise ServiceError("signer_name", _("Give the signer's name."), field="signer_name")
    png = signature_png(image)
    if work_order.signatures.filter(role=role).exists():
        raise ServiceError("signed", _("This side has already signed the work order."), field="role")
    signature = Signature(work_order=work_order, role=role, signer_name=signer_name.strip()[:50],
                          comment=(comment or "").strip(), signed_at=at or timezone.now(), recorded_by=actor)
    signature.image.save("signature.png", ContentFile(png), save=False)
    signature.save()
    _event(work_order, actor, _("signed by %(name)s (%(role)s)") % {"name": signature.signer_name,
                                                                   "role": signature.get_role_display()}, "sign",
           role=role)
    return signature


def _delay_fields(reason: str, next_step: str, expected_at) -> dict[str, Any]:
    missing = {}
    if not (reason or "").strip():
        missing["delay_reason"] = _("Give the reason it is not finished.")
    if not (next_step or "").strip():
        missing["next_step"] = _("Give the next step.")
    if expected_at is None:
        missing["expected_at"] = _("Give when it is expected to be finished.")
    return missing


@transaction.atomic
def workorder_finish(*, work_order: WorkOrder, actor, outcome: str, work_done: str, minutes_spent: int | None = None,
                     delay_reason: str = "", next_step: str = "", expected_at: dt.datetime | None = None,
                     at: dt.datetime | None = None) -> WorkOrder:
    """Close the visit after both signatures. Fixed: the request is resolved with the work done (and
    chargeable work needs its quote accepted). Not finished (also when the customer declined the
    quote): the delay-reason form (reason, next step, expected time) closes it now, or is due
    within 48 hours of this report (the work order waits in “delay reason due”)."""
    work_order = _locked(work_order)
    require_worker(work_order, actor)
    _require_state(work_order, [WorkOrderState.ON_SITE], _("finished"))
    at = at or timezone.now()
    if outcome not in Outcome.values:
        raise ServiceError("outcome", _("Say whether the fault is fixed."), field="outcome")
    if outcome == Outcome.FIXED:  # a visit that ends unfixed (a quote declined, a price awaited) may close
        _require_quote_accepted(work_order)
    if not (work_done or "").strip():
        raise ServiceError("work_done", _("Describe the work done."), field="work_done")
    signed = set(work_order.signatures.values_list("role", flat=True))
    if SignatureRole.CUSTOMER not in signed:
        raise ServiceError("signature_missing", _("The customer signs before the visit ends."), field="signatures")
    if SignatureRole.TECHNICIAN not in signed:
        raise ServiceError("signature_missing", _("The technician signs before the visit ends."), field="signatures")
    if minutes_spent is None and work_order.arrived_at:
        minutes_spent = max(1, int((at - work_order.arrived_at).total_seconds() // 60))
    before = snapshot(work_order)
    work_order.outcome, work_order.work_done, work_order.minutes_spent = outcome, work_done.strip(), minutes_spent
    work_order.finished_at = at
    fields = ["outcome", "work_done", "minutes_spent", "finished_at", "state"]
    if outcome == Outcome.FIXED:
        work_order.state = WorkOrderState.DONE
    else:
        work_order.delay_due_at = at + dt.timedelta(hours=DELAY_FORM_HOURS)
        fields.append("delay_due_at")
        given = any([(delay_reason or "").strip(), (next_step or "").strip(), expected_at])
        if given:
            missing = _delay_fields(delay_reason, next_step, expected_at)
            if missing:
                field_name, message = next(iter(missing.items()))
                raise ServiceError("delay_form", message, field=field_name)
            _set_delay(work_order, delay_reason, next_step, expected_at, at)
            fields += ["delay_reason", "next_step", "expected_at", "delay_given_at"]
        else:
            work_order.state = WorkOrderState.DELAY_DUE
    _save(work_order, actor, before, fields)
    _event(work_order, actor, _("visit finished: %(outcome)s") % {"outcome": work_order.get_outcome_display()},
           "finish", outcome=outcome)
    _release_reservations(work_order, actor, _("work order %(number)s finished") % {"number": work_order.number})
    if outcome == Outcome.FIXED and not work_order.request.work_orders.exclude(pk=work_order.pk).filter(
            state__in=[WorkOrderState.TRAVELLING, WorkOrderState.ON_SITE]).exists():
        request = work_order.request
        if request.state in {State.NEW, State.ACKNOWLEDGED, State.IN_PROGRESS}:
            requests.request_resolve(request=request, actor=actor, resolution=work_order.work_done, at=at)
    return work_order


def _set_delay(work_order: WorkOrder, reason: str, next_step: str, expected_at, at) -> None:
    if expected_at <= at:
        raise ServiceError("expected_at", _("The expected time must be later than now."), field="expected_at")
    work_order.delay_reason, work_order.next_step = reason.strip(), next_step.strip()
    work_order.expected_at, work_order.delay_given_at = expected_at, at
    work_order.state = WorkOrderState.DONE


@transaction.atomic
def workorder_delay_reason(*, work_order: WorkOrder, actor, delay_reason: str, next_step: str,
                           expected_at: dt.datetime | None, at: dt.datetime | None = None) -> WorkOrder:
    """延误原因: the form a visit left unfinished needs (SPEC D4); it closes the work order."""
    work_order = _locked(work_order)
    require_worker(work_order, actor)
    _require_state(work_order, [WorkOrderState.DELAY_DUE], _("given a delay reason"))
    missing = _delay_fields(delay_reason, next_step, expected_at)
    if missing:
        field_name, message = next(iter(missing.items()))
        raise ServiceError("delay_form", message, field=field_name)
    at = at or timezone.now()
    before = snapshot(work_order)
    _set_delay(work_order, delay_reason, next_step, expected_at, at)
    _save(work_order, actor, before, ["delay_reason", "next_step", "expected_at", "delay_given_at", "state"])
    _event(work_order, actor, _("delay reason: %(reason)s; next: %(next)s") % {
        "reason": work_order.delay_reason, "next": work_order.next_step}, "delay",
        late=bool(work_order.delay_due_at and at > work_order.delay_due_at))
    return work_order
