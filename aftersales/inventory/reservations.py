"""Reservations of good stock for planned work orders (预留, SPEC P1).

Reserving counts the units as reserved on the store's stock row (under its row lock, so two
reservations, or a reservation and an issue, at once never promise the same unit twice); other
movements may then take only what is free (on hand less reserved, inventory.posting). The
technician collects the reservation: a transfer into his van that uses the reservation. A
reservation no longer needed is released, by hand with a reason, or when its work order is
finished or void; a job moved to another number takes its reservations along.

Locks are taken in one order everywhere: the work order, the reservation, then the posting's
(months, units, stores, stock rows).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.catalogue.models import Part
from aftersales.core.audit import AuditAction, audit_event, diff, snapshot
from aftersales.core.errors import ServiceError

from .choices import Condition, LocationKind, MovementKind, ReservationState
from .models import StockLocation, StockReservation
from .posting import balances_lock, check_live, check_quantity, movements_post, refuse, stores_hold
from .serials import normalise


def _work_order_locked(work_order=None, *, pk: int | None = None):
    from aftersales.workorders.models import WorkOrder

    return WorkOrder.objects.select_for_update().select_related("technician").get(
        pk=pk if pk is not None else work_order.pk)


def _open_states():
    from aftersales.workorders.choices import OPEN_WORK

    return OPEN_WORK


def _require_open(work_order) -> None:
    if work_order.state not in _open_states():
        raise refuse("work_order_closed", _(
            "Stock is reserved for work still to be done: work order %(number)s is %(state)s."
        ) % {"number": work_order.number, "state": work_order.get_state_display()}, "work_order")


def _locked(reservation: StockReservation) -> StockReservation:
    return StockReservation.objects.select_for_update().select_related("part", "location").get(pk=reservation.pk)


def _locked_with_work_order(reservation: StockReservation):
    """The reservation and its work order, both locked, the work order first (the order of every
    lock here), read afresh: a job moved to another number meanwhile has taken the reservation along."""
    while True:
        work_order_id = StockReservation.objects.values_list("work_order_id", flat=True).get(pk=reservation.pk)
        work_order = _work_order_locked(pk=work_order_id)
        locked = _locked(reservation)
        if locked.work_order_id == work_order.pk:  # moving it needs this work order's lock: it stays
            return work_order, locked


def _require_held(reservation: StockReservation) -> None:
    if reservation.state != ReservationState.HELD:
        raise refuse("not_held", _("This reservation is %(state)s already.") % {
            "state": reservation.get_state_display()})


@transaction.atomic
def reservation_create(*, actor, work_order, part: Part, location: StockLocation, quantity: Any,
                       note: str = "") -> StockReservation:
    """Hold ``quantity`` good units of ``part`` in ``location`` for ``work_order``; refused when fewer
    are free (on hand less what is reserved already)."""
    quantity = check_quantity(quantity)
    if part is None:
        raise refuse("required", _("Give the part."), "part")
    if location is None:
        raise refuse("required", _("Give the store."), "location")
    check_live(part, "part")
    check_live(location, "location")
    if location.kind == LocationKind.VAN:
        raise refuse("van", _("A van's stock is its technician's own: reserve in a store, and the technician "
                              "collects it into the van."), "location")
    work_order = _work_order_locked(work_order)
    _require_open(work_order)
    stores_hold([location.pk])
    balance = balances_lock([(part.pk, location.pk, Condition.GOOD)])[(part.pk, location.pk, Condition.GOOD)]
    if quantity > balance.free:
        raise ServiceError("not_available", _(
            "Only %(free)s of %(part)s are free at %(location)s: %(on_hand)s on hand, %(reserved)s reserved for "
            "other work; %(asked)s asked."
        ) % {"free": max(balance.free, 0), "part": part, "location": location, "on_hand": balance.quantity,
             "reserved": balance.reserved, "asked": quantity}, field="quantity",
            params={"free": max(balance.free, 0), "asked": quantity})
    balance.reserved += quantity
    balance.save(update_fields=["reserved", "updated_at"])
    reservation = StockReservation.objects.create(work_order=work_order, part=part, location=location,
                                                  quantity=quantity, note=(note or "").strip(), created_by=actor)
    audit_event(reservation, action=AuditAction.CREATE, actor=actor, changes=diff({}, snapshot(reservation)))
    return reservation


def _close(reservation: StockReservation, actor, state: str, reason: str = "", movement=None) -> None:
    before = snapshot(reservation)
    reservation.state = state
    reservation.closed_at = timezone.now()
    reservation.closed_by = actor if getattr(actor, "pk", None) else None
    reservation.close_reason = reason
    reservation.movement = movement
    reservation.save(update_fields=["state", "closed_at", "closed_by", "close_reason", "movement"])
    audit_event(reservation, action=AuditAction.UPDATE, actor=actor, changes=diff(before, snapshot(reservation)))


def _release(reservations: list[StockReservation], actor, reason: str) -> None:
    """Free the units of held reservations: their stock rows locked at once, in key order (as
    every posting locks them)."""
    rows = balances_lock((r.part_id, r.location_id, Condition.GOOD) for r in reservations)
    for reservation in reservations:
        balance = rows[(reservation.part_id, reservation.location_id, Condition.GOOD)]
        if balance.reserved < reservation.quantity:  # never: every change is made under this lock
            raise ServiceError("reserved_mismatch", _("The reserved count of %(row)s does not match its "
                                                      "reservations: ask the administrator.") % {"row": balance})
        balance.reserved -= reservation.quantity
    for balance in rows.values():
        balance.save(update_fields=["reserved", "updated_at"])
    for reservation in reservations:
        _close(reservation, actor, ReservationState.RELEASED, reason)


@transaction.atomic
def reservation_release(*, actor, reservation: StockReservation, reason: str) -> StockReservation:
    """The units are free again for other work."""
    reason = (reason or "").strip()
    if not reason:
        raise refuse("reason_required", _("Give the reason the reservation is released."), "reason")
    _work_order, reservation = _locked_with_work_order(reservation)
    _require_held(reservation)
    _release([reservation], actor, reason)
    return reservation


def _serials(serials: Any, quantity: int) -> list[str]:
    """The serial numbers of the units collected: none, or one per unit, each once."""
    if serials in (None, "", []):
        return []
    if isinstance(serials, str):
        serials = serials.replace(",", " ").replace("，", " ").split()
    if not isinstance(serials, (list, tuple)) or not all(isinstance(x, str) for x in serials):
        raise refuse("serials", _("Give the serial numbers as text, one per unit."), "serials")
    found = [normalise(x) for x in serials if normalise(x)]
    if len(found) != quantity or len(set(found)) != len(found):
        raise refuse("serials", _("Give one serial number for each of the %(quantity)s units, each once, or none.")
                     % {"quantity": quantity}, "serials")
    return found


@transaction.atomic
def reservation_collect(*, actor, reservation: StockReservation, to_location: StockLocation | None = None,
                        serials: Any = None) -> StockReservation:
    """领料: the technician takes the reserved units into his van (default: the work order's
    technician's van): a transfer that uses the reservation; with ``serials`` (one per unit), one
    transfer per unit, so that each unit's trail follows it into the van."""
    work_order, reservation = _locked_with_work_order(reservation)
    _require_held(reservation)
    if work_order.state not in _open_states():
        raise refuse("work_order_closed", _(
            "Work order %(number)s is %(state)s: release the reservation instead of collecting it."
        ) % {"number": work_order.number, "state": work_order.get_state_display()}, "work_order")
    units = _serials(serials, reservation.quantity)
    if to_location is None:
        to_location = StockLocation.objects.filter(kind=LocationKind.VAN, holder=work_order.technician,
                                                   archived_at__isnull=True).first()
        if to_location is None:
            raise refuse("no_van", _("%(technician)s has no van stock to collect into: name where the parts go.")
                         % {"technician": work_order.technician}, "to_location")
    move = {"kind": MovementKind.TRANSFER, "part": reservation.part, "from_location": reservation.location,
            "to_location": to_location, "reference": work_order.number,
            "reason": _("reserved parts collected for the work order")}
    rows = ([{**move, "quantity": 1, "serial_number": serial, "releases": 1} for serial in units] if units
            else [{**move, "quantity": reservation.quantity, "releases": reservation.quantity}])
    movements = movements_post(actor=actor, rows=rows, errors_of_one=True)
    _close(reservation, actor, ReservationState.COLLECTED, movement=movements[0])
    return reservation


def reservations_release_for(*, actor, work_order, reason: str) -> int:
    """Release what is still held for a work order that ended (called with the work order locked);
    returns how many were released."""
    held = list(StockReservation.objects.select_for_update().filter(work_order=work_order,
                                                                    state=ReservationState.HELD).order_by("id"))
    if held:
        _release(held, actor, reason)
    return len(held)


def reservations_move(*, actor, old, new) -> int:
    """A job moved to another number takes its reservations along, held ones and those already
    collected into the van (the job's parts, which its quote prices), both work orders locked."""
    moved = 0
    for reservation in StockReservation.objects.select_for_update().filter(
            work_order=old, state__in=[ReservationState.HELD, ReservationState.COLLECTED]).order_by("id"):
        before = snapshot(reservation)
        reservation.work_order = new
        reservation.save(update_fields=["work_order"])
        audit_event(reservation, action=AuditAction.UPDATE, actor=actor, changes=diff(before, snapshot(reservation)))
        moved += 1
    return moved
