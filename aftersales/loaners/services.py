"""Writes of the loaner pool: register a unit, lend it, extend and close its loan, send it to repair
and take it back, retire it, archive it (SPEC D6, §8).

Every change locks the loaner's row first (``select_for_update``) and, for a loan, its open loan
after it (always in that order), checks the state machine (choices.TRANSITIONS) on the locked row,
saves with ``update_fields``, writes the unit's history row (LoanerEvent) and the audit rows in the
same transaction. Two people lending the same unit at once: the second waits for the first's lock,
then finds the unit lent and is refused; the database holds one open loan per unit too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.audit import AuditAction, audit_event, diff, snapshot
from aftersales.core.errors import ServiceError, validation_messages
from aftersales.core.services import record_archive

from .choices import (
    RETURN_TO,
    TRANSITIONS,
    EventKind,
    LoanerState,
    LoanReason,
    ReturnCondition,
)
from .models import Loan, Loaner, LoanerEvent

REGISTER_FIELDS = ("code", "product_model", "serial_number", "grade", "home_store", "purchase_value", "notes")


# ---------------------------------------------------------------- checks and locks


def _invalid(exc: ValidationError) -> ServiceError:
    messages = validation_messages(exc)
    field_name = next(iter(messages))
    return ServiceError("invalid", "; ".join(m for ms in messages.values() for m in ms),
                        field=None if field_name == "non_field_errors" else field_name)


def _check_live(obj, field_name: str) -> None:
    if obj is not None and getattr(obj, "archived_at", None) is not None:
        raise ServiceError("archived", _("%(record)s is archived; restore it first.") % {"record": obj},
                           field=field_name)


def _lock(loaner: Loaner) -> Loaner:
    """The loaner's row, locked, as it is now (not as the caller's copy says)."""
    locked = Loaner.objects.select_for_update(of=("self",)).select_related("product_model__category").get(
        pk=loaner.pk)
    _check_live(locked, "loaner")
    return locked


def _check_state(loaner: Loaner, kind: str) -> None:
    starts, _leads_to = TRANSITIONS[kind]
    if loaner.state in starts:
        return
    messages = {
        EventKind.LENT: _("%(loaner)s cannot be lent: it is %(state)s, not in store."),
        EventKind.EXTENDED: _("%(loaner)s is not lent (it is %(state)s): there is no loan to extend."),
        EventKind.RETURNED: _("%(loaner)s is not lent (it is %(state)s): there is nothing to take back."),
        EventKind.REPAIR_SENT: _("%(loaner)s cannot go to repair: it is %(state)s; only a unit in store can."),
        EventKind.REPAIR_BACK: _("%(loaner)s is not in repair (it is %(state)s)."),
        EventKind.RETIRED: _("%(loaner)s cannot be retired: it is %(state)s. Take it back first."),
    }
    raise ServiceError("invalid_state", messages[kind] % {"loaner": loaner.code,
                                                          "state": loaner.get_state_display()},
                       params={"state": loaner.state})


def _open_loan(loaner: Loaner) -> Loan:
    loan = Loan.objects.select_for_update().filter(loaner=loaner, returned_at__isnull=True).first()
    if loan is None:  # a lent unit always has its open loan; the database keeps at most one
        raise ServiceError("no_open_loan", _("%(loaner)s has no open loan.") % {"loaner": loaner.code})
    return loan


def _move(loaner: Loaner, *, kind: str, to_state: str, actor, at: dt.datetime, note: str = "",
          loan: Loan | None = None) -> LoanerEvent:
    """Set the locked loaner's state and write its history and audit rows."""
    from_state = loaner.state
    if to_state != from_state:
        loaner.state = to_state
        loaner.save(update_fields=["state", "updated_at"])
        audit_event(loaner, action=AuditAction.UPDATE, actor=actor, changes={"state": [from_state, to_state]})
    return LoanerEvent.objects.create(loaner=loaner, loan=loan, kind=kind, from_state=from_state, to_state=to_state,
                                      at=at, actor=actor if getattr(actor, "pk", None) else None, note=note or "")


def _text(value: Any) -> str:
    return (value or "").strip()


# ---------------------------------------------------------------- the unit


@transaction.atomic
def loaner_register(*, actor, data: dict[str, Any], at: dt.datetime | None = None) -> Loaner:
    """登记: a unit joins the pool, in store."""
    unknown = set(data) - set(REGISTER_FIELDS)
    if unknown:
        raise ServiceError("invalid", _("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    _check_live(data.get("product_model"), "product_model")
    _check_live(data.get("home_store"), "home_store")
    loaner = Loaner(**data, state=LoanerState.IN_STORE)
    try:
        loaner.full_clean()
    except ValidationError as exc:
        raise _invalid(exc) from exc
    loaner.save()
    audit_event(loaner, action=AuditAction.CREATE, actor=actor, changes=diff({}, snapshot(loaner)))
    LoanerEvent.objects.create(loaner=loaner, kind=EventKind.REGISTERED, to_state=LoanerState.IN_STORE,
                               at=at or timezone.now(), actor=actor if getattr(actor, "pk", None) else None)
    return loaner


def _loan_parties(*, customer, site, asset, service_request):
    """The customer, site and equipment of a loan, filled in from the service request (and the
    equipment's site) where not given."""
    if service_request is not None:
        customer = customer or service_request.customer
        site = site or service_request.site
        asset = asset or service_request.asset
    if asset is not None:
        customer = customer or asset.customer
        site = site or asset.site
    if site is not None:
        customer = customer or site.customer
    if customer is None:
        raise ServiceError("required", _("Name the customer the unit is lent to (or the service request)."),
                           field="customer")
    return customer, site, asset


def _check_same_kind(loaner: Loaner, asset) -> None:
    """A loaner stands in for equipment of the same kind (SPEC D6: 同档次)."""
    if asset is None:
        return
    wanted = asset.product_model.category
    if loaner.product_model.category_id != wanted.pk:
        raise ServiceError("wrong_grade", _(
            "%(loaner)s is a %(kind)s; the equipment it would stand in for is a %(wanted)s. Lend a unit of the "
            "same kind.") % {"loaner": loaner.code, "kind": loaner.product_model.category.name,
                             "wanted": wanted.name}, field="asset")


@transaction.atomic
def loaner_lend(*, actor, loaner: Loaner, due_back: dt.date | None, reason: str = LoanReason.TAKEN_AWAY,
                customer=None, site=None, asset=None, service_request=None, received_by: str = "",
                note: str = "", at: dt.datetime | None = None) -> Loan:
    """借出: lend a unit in store to a customer until ``due_back`` (SPEC D6). The customer, site and
    equipment default to the service request's. Refused unless the unit is in store."""
    at = at or timezone.now()
    if reason not in LoanReason.values:
        raise ServiceError("invalid_reason", _("Unknown reason."), field="reason")
    if not isinstance(due_back, dt.date) or isinstance(due_back, dt.datetime):
        raise ServiceError("required", _("Give the date the unit is due back."), field="due_back")
    if due_back < timezone.localdate(at):
        raise ServiceError("invalid_due_back", _("The unit cannot be due back before it is lent."),
                           field="due_back")
    customer, site, asset = _loan_parties(customer=customer, site=site, asset=asset,
                                          service_request=service_request)
    for obj, name in ((customer, "customer"), (site, "site"), (asset, "asset"), (service_request, "service_request")):
        _check_live(obj, name)
    if service_request is not None and not service_request.is_open:
        raise ServiceError("request_closed", _("Service request %(number)s is %(state)s: lend for an open "
                                               "request.") % {"number": service_request.number,
                                                              "state": service_request.get_state_display()},
                           field="service_request")
    locked = _lock(loaner)
    _check_state(locked, EventKind.LENT)
    _check_same_kind(locked, asset)
    loan = Loan(loaner=locked, customer=customer, site=site, asset=asset, service_request=service_request,
                reason=reason, lent_at=at, due_back=due_back, lent_by=actor, received_by=_text(received_by),
                note=_text(note))
    try:
        loan.full_clean()
    except ValidationError as exc:
        raise _invalid(exc) from exc
    loan.save()
    audit_event(loan, action=AuditAction.CREATE, actor=actor, changes=diff({}, snapshot(loan)))
    _move(locked, kind=EventKind.LENT, to_state=LoanerState.LENT, actor=actor, at=at, loan=loan, note=loan.note)
    return loan


@transaction.atomic
def loaner_extend(*, actor, loaner: Loaner, due_back: dt.date | None, note: str = "",
                  at: dt.datetime | None = None) -> Loan:
    """延期: the open loan is due back later (the customer's equipment is not ready yet)."""
    at = at or timezone.now()
    if not isinstance(due_back, dt.date) or isinstance(due_back, dt.datetime):
        raise ServiceError("required", _("Give the date the unit is due back."), field="due_back")
    locked = _lock(loaner)
    _check_state(locked, EventKind.EXTENDED)
    loan = _open_loan(locked)
    if due_back < timezone.localdate(at):
        raise ServiceError("invalid_due_back", _("Give a date from today on."), field="due_back")
    if due_back == loan.due_back:
        raise ServiceError("unchanged", _("The loan is already due back on that date."), field="due_back")
    before = loan.due_back
    loan.due_back = due_back
    loan.save(update_fields=["due_back", "updated_at"])
    audit_event(loan, action=AuditAction.UPDATE, actor=actor,
                changes={"due_back": [before.isoformat(), due_back.isoformat()]})
    _move(locked, kind=EventKind.EXTENDED, to_state=LoanerState.LENT, actor=actor, at=at, loan=loan,
          note=f"{before.isoformat()} → {due_back.isoformat()} {_text(note)}".strip())
    return loan


@transaction.atomic
def loaner_return(*, actor, loaner: Loaner, condition: str, note: str = "", at: dt.datetime | None = None) -> Loan:
    """收回: the lent unit comes back and its loan closes. Good: back in store; damaged: straight to
    repair; lost: retired (the loan closes all the same, with the note of what happened)."""
    at = at or timezone.now()
    if condition not in ReturnCondition.values:
        raise ServiceError("invalid_condition", _("Say in what condition the unit came back."), field="condition")
    note = _text(note)
    if condition != ReturnCondition.GOOD and not note:
        raise ServiceError("note_required", _("Say what is wrong with the unit, or what happened to it."),
                           field="note")
    locked = _lock(loaner)
    _check_state(locked, EventKind.RETURNED)
    loan = _open_loan(locked)
    if at < loan.lent_at:
        raise ServiceError("invalid_time", _("A unit cannot come back before it was lent."))
    before = snapshot(loan)
    loan.returned_at, loan.returned_by, loan.return_condition, loan.return_note = at, actor, condition, note
    loan.save(update_fields=["returned_at", "returned_by", "return_condition", "return_note", "updated_at"])
    audit_event(loan, action=AuditAction.UPDATE, actor=actor, changes=diff(before, snapshot(loan)))
    _move(locked, kind=EventKind.RETURNED, to_state=RETURN_TO[condition], actor=actor, at=at, loan=loan, note=note)
    return loan


def _step(*, actor, loaner: Loaner, kind: str, note: str, at: dt.datetime | None) -> Loaner:
    locked = _lock(loaner)
    _check_state(locked, kind)
    _move(locked, kind=kind, to_state=TRANSITIONS[kind][1], actor=actor, at=at or timezone.now(), note=_text(note))
    return locked


@transaction.atomic
def loaner_repair_send(*, actor, loaner: Loaner, note: str = "", at: dt.datetime | None = None) -> Loaner:
    """送修: a unit in store goes to repair (it cannot be lent meanwhile)."""
    return _step(actor=actor, loaner=loaner, kind=EventKind.REPAIR_SENT, note=note, at=at)


@transaction.atomic
def loaner_repair_back(*, actor, loaner: Loaner, note: str = "", at: dt.datetime | None = None) -> Loaner:
    """修复入库: a repaired unit is back in store."""
    return _step(actor=actor, loaner=loaner, kind=EventKind.REPAIR_BACK, note=note, at=at)


@transaction.atomic
def loaner_retire(*, actor, loaner: Loaner, reason: str, at: dt.datetime | None = None) -> Loaner:
    """报废: the unit leaves the pool for good (never while lent)."""
    if not _text(reason):
        raise ServiceError("reason_required", _("Give the reason."), field="reason")
    return _step(actor=actor, loaner=loaner, kind=EventKind.RETIRED, note=reason, at=at)


@transaction.atomic
def loaner_archive(*, actor, loaner: Loaner) -> Loaner:
    """Archive a unit's record (never delete it): refused while it is lent."""
    locked = Loaner.objects.select_for_update().get(pk=loaner.pk)
    if locked.state == LoanerState.LENT:
        raise ServiceError("lent", _("%(loaner)s is lent: take it back before archiving it.")
                           % {"loaner": locked.code})
    return record_archive(instance=locked, actor=actor)
