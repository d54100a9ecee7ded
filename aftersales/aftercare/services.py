"""Writes of the after-sales policies: the policy figures, returns and exchanges (W10), depot repairs.

Every write is atomic, locks the row it changes, saves with update_fields and writes its audit row
in the same transaction; a refusal is a ServiceError with the reason.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.audit import AuditAction, audit_event, diff, snapshot
from aftersales.core.errors import ServiceError
from aftersales.core.workcalendar import add_working_days

from . import permissions
from .choices import DEPOT_TRANSITIONS, DepotState, ReturnState
from .models import DepotBatch, PolicySetting, ReturnRequest
from .rules import depot_days
from .selectors import POLICY_ID, depot_calendar_day_checker, policy_get, return_checks

POLICY_FIELDS = ["part_repair_threshold", "unit_repair_threshold", "return_days", "depot_units_per_step",
                 "depot_days_per_step", "follow_up_days"]
RETURN_FIELDS = ["customer", "asset", "product_model", "serial_number", "purchased_on", "requested_on",
                 "receipt_given", "packaging_intact", "fault_by_people", "fault_description", "wanted"]
DEPOT_FIELDS = ["customer", "reference", "received_at", "unit_count", "serial_numbers", "description"]


# ---------------------------------------------------------------- policy figures


@transaction.atomic
def policy_update(*, actor, data: dict) -> PolicySetting:
    if not permissions.can_change_policy(actor):
        raise PermissionDenied
    policy, created = PolicySetting.objects.select_for_update().get_or_create(pk=POLICY_ID)
    before = snapshot(policy)
    for name in POLICY_FIELDS:
        if name in data:
            setattr(policy, name, data[name])
    policy.full_clean()
    policy.save(update_fields=POLICY_FIELDS + ["updated_at"])
    audit_event(policy, action=AuditAction.CREATE if created else AuditAction.UPDATE, actor=actor,
                changes=diff(before, snapshot(policy)))
    return policy


# ---------------------------------------------------------------- returns and exchanges (W10)


def _failed_reason(failed) -> str:
    return "; ".join(f"{c.label}: {c.detail}" for c in failed)


@transaction.atomic
def return_register(*, actor, data: dict) -> ReturnRequest:
    """Register a return or exchange; every W10 condition is checked at once. One that fails any is
    refused by the rules (the customer bears the cost) with each failed condition named; the others
    wait for the general manager."""
    if not permissions.can_register_return(actor):
        raise PermissionDenied
    values = {k: v for k, v in data.items() if k in RETURN_FIELDS}
    values.setdefault("requested_on", timezone.localdate())
    ret = ReturnRequest(registered_by=actor, **values)
    if ret.asset_id:
        if ret.asset.product_model_id != ret.product_model_id:
            raise ServiceError("asset_model", _("This equipment is of another model."), field="product_model")
        ret.serial_number = ret.serial_number or ret.asset.serial_number
    ret.full_clean()
    failed = [c for c in return_checks(ret) if not c.passed]
    if failed:
        ret.state = ReturnState.REJECTED
        ret.failed_checks = [c.code for c in failed]
        ret.decided_at = timezone.now()
        ret.reason = _("Refused by the rules; the customer bears the cost.") + " " + _failed_reason(failed)
    ret.save()
    audit_event(ret, action=AuditAction.CREATE, actor=actor, changes=diff({}, snapshot(ret)))
    return ret


def _lock_submitted(ret: ReturnRequest) -> ReturnRequest:
    locked = ReturnRequest.objects.select_for_update().get(pk=ret.pk)
    if locked.archived_at is not None:
        raise ServiceError("archived", _("This return is archived."))
    if locked.state != ReturnState.SUBMITTED:
        raise ServiceError("already_decided", _("This return was already decided: %(state)s.")
                           % {"state": locked.get_state_display()})
    return locked


def _decide(ret: ReturnRequest, *, actor, state: str, reason: str) -> ReturnRequest:
    before = snapshot(ret)
    ret.state, ret.decided_by, ret.decided_at, ret.reason = state, actor, timezone.now(), reason
    ret.save(update_fields=["state", "decided_by", "decided_at", "reason", "failed_checks", "updated_at"])
    audit_event(ret, action=AuditAction.UPDATE, actor=actor, changes=diff(before, snapshot(ret)))
    return ret


@transaction.atomic
def return_approve(*, actor, ret: ReturnRequest, note: str = "") -> ReturnRequest:
    """The general manager approves: the refund or the exchange for the same model the customer asked for."""
    if not permissions.can_approve_return(actor):
        raise PermissionDenied(_("Only the general manager approves returns and exchanges."))
    ret = _lock_submitted(ret)
    failed = [c for c in return_checks(ret) if not c.passed]
    if failed:  # the figures may have changed since it was registered
        raise ServiceError("conditions_failed", _("The conditions of a return are not met: %(reasons)s")
                           % {"reasons": _failed_reason(failed)})
    text = _("Approved: %(wanted)s.") % {"wanted": ret.get_wanted_display()}
    return _decide(ret, actor=actor, state=ReturnState.APPROVED, reason=f"{text} {note}".strip())


@transaction.atomic
def return_refuse(*, actor, ret: ReturnRequest, reason: str) -> ReturnRequest:
    """The general manager refuses, with the reason: the customer bears the cost."""
    if not permissions.can_approve_return(actor):
        raise PermissionDenied(_("Only the general manager approves returns and exchanges."))
    if not (reason or "").strip():
        raise ServiceError("reason_required", _("Give the reason for refusing."), field="reason")
    ret = _lock_submitted(ret)
    return _decide(ret, actor=actor, state=ReturnState.REFUSED, reason=reason.strip())


# ---------------------------------------------------------------- depot repairs


def depot_due_on(*, received_at: dt.datetime, units: int, policy: PolicySetting | None = None,
                 is_working_day=None) -> dt.date:
    policy = policy or policy_get()
    days = depot_days(units, units_per_step=policy.depot_units_per_step, days_per_step=policy.depot_days_per_step)
    checker = is_working_day or depot_calendar_day_checker()
    return add_working_days(timezone.localtime(received_at).date(), days, checker)


@transaction.atomic
def depot_receive(*, actor, data: dict) -> DepotBatch:
    """Receive a batch of units sent in for repair; its due date follows the batch size."""
    if not permissions.can_receive_depot(actor):
        raise PermissionDenied
    values = {k: v for k, v in data.items() if k in DEPOT_FIELDS}
    values.setdefault("received_at", timezone.now())
    batch = DepotBatch(received_by=actor, **values)
    serials = batch.serial_list()
    if serials and len(serials) != batch.unit_count:
        raise ServiceError("serial_count", _("%(serials)s serial numbers for %(units)s units: give one per unit, "
                                             "or none.") % {"serials": len(serials), "units": batch.unit_count},
                           field="serial_numbers")
    if serials and len(set(serials)) != len(serials):
        raise ServiceError("serial_twice", _("A serial number is given twice."), field="serial_numbers")
    if batch.received_at and batch.received_at > timezone.now() + dt.timedelta(minutes=5):
        raise ServiceError("future", _("The time of receipt is in the future."), field="received_at")
    batch.due_on = dt.date.min  # set below, once the fields are valid
    batch.full_clean()
    batch.due_on = depot_due_on(received_at=batch.received_at, units=batch.unit_count)
    batch.save()
    audit_event(batch, action=AuditAction.CREATE, actor=actor, changes=diff({}, snapshot(batch)))
    return batch


def _lock_batch(batch: DepotBatch, to_state: str) -> DepotBatch:
    locked = DepotBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.archived_at is not None:
        raise ServiceError("archived", _("This batch is archived."))
    if to_state not in DEPOT_TRANSITIONS[locked.state]:
        raise ServiceError("bad_state", _("A batch in the state %(state)s cannot become %(to)s.")
                           % {"state": locked.get_state_display(), "to": DepotState(to_state).label})
    return locked


def _save_batch(batch: DepotBatch, before: dict, *, actor, fields: list[str]) -> DepotBatch:
    batch.save(update_fields=fields + ["updated_at"])
    audit_event(batch, action=AuditAction.UPDATE, actor=actor, changes=diff(before, snapshot(batch)))
    return batch


@transaction.atomic
def depot_mark_repaired(*, actor, batch: DepotBatch, at: dt.datetime | None = None) -> DepotBatch:
    if not permissions.can_work_depot(actor):
        raise PermissionDenied
    batch = _lock_batch(batch, DepotState.REPAIRED)
    before = snapshot(batch)
    batch.state, batch.repaired_at = DepotState.REPAIRED, at or timezone.now()
    return _save_batch(batch, before, actor=actor, fields=["state", "repaired_at"])


@transaction.atomic
def depot_mark_returned(*, actor, batch: DepotBatch, at: dt.datetime | None = None) -> DepotBatch:
    """The units went back to the customer: a follow-up is due within the policy's days (SPEC F1)."""
    if not permissions.can_work_depot(actor):
        raise PermissionDenied
    batch = _lock_batch(batch, DepotState.RETURNED)
    before = snapshot(batch)
    batch.state, batch.returned_at = DepotState.RETURNED, at or timezone.now()
    batch.follow_up_due = timezone.localtime(batch.returned_at).date() + dt.timedelta(days=policy_get().follow_up_days)
    return _save_batch(batch, before, actor=actor, fields=["state", "returned_at", "follow_up_due"])


@transaction.atomic
def depot_follow_up(*, actor, batch: DepotBatch, note: str, at: dt.datetime | None = None) -> DepotBatch:
    """Record the follow-up (回访) after the units went back: once."""
    if not permissions.can_work_depot(actor):
        raise PermissionDenied
    if not (note or "").strip():
        raise ServiceError("note_required", _("Write what the customer said."), field="note")
    locked = DepotBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.state != DepotState.RETURNED:
        raise ServiceError("not_returned", _("The units have not gone back to the customer yet."))
    if locked.follow_up_at is not None:
        raise ServiceError("followed_up", _("The follow-up of this batch is already recorded."))
    before = snapshot(locked)
    locked.follow_up_at, locked.follow_up_by, locked.follow_up_note = at or timezone.now(), actor, note.strip()
    return _save_batch(locked, before, actor=actor, fields=["follow_up_at", "follow_up_by", "follow_up_note"])
