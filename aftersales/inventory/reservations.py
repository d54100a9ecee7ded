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
from .posting import balances_lock, check_live, check_quantity, movement_post, refuse, stores_hold


def _work_order_locked(work_order):
    from aftersales.workorders.models import WorkOrder

    return WorkOrder.objects.select_for_update().select_related("technician").get(pk=work_order.pk)


def _require_open(work_order) -> None:
    from aftersales.workorders.choices import OPEN_WORK

    if work_order.state not in OPEN_WORK:
        raise refuse("work_order_closed", _(
            "Stock is reserved for work still to be done: work order %(number)s is %(state)s."
        ) % {"number": work_order.number, "state": work_order.get_state_display()}, "work_order")


def _locked(reservation: StockReservation) -> StockReservation:
    return StockReservation.objects.select_for_update().select_related("part", "location").get(pk=reservation.pk)


def _require_held(reservation: StockReservation) -> None:
    if reservation.state != ReservationState.HELD:
        raise refuse("not_held", _("This reservation is %(state)s already.") % {
            "state": reservation.get_state_display()})


def _row(reservation: StockReservation):
    key = (reservation.part_id, reservation.location_id, Condition.GOOD)
    return balances_lock([key])[key]


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


def _release(reservation: StockReservation, actor, reason: str) -> None:
    balance = _row(reservation)
    balance.reserved = max(balance.reserved - reservation.quantity, 0)
    balance.save(update_fields=["reserved", "updated_at"])
    _close(reservation, actor, ReservationState.RELEASED, reason)


@transaction.atomic
def reservation_release(*, actor, reservation: StockReservation, reason: str) -> StockReservation:
    """The units are free again for other work."""
    reason = (reason or "").strip()
    if not reason:
        raise refuse("reason_required", _("Give the reason the reservation is released."), "reason")
    _work_order_locked(reservation.work_order)
    reservation = _locked(reservation)
    _require_held(reservation)
    _release(reservation, actor, reason)
    return reservation


@transaction.atomic
def reservation_collect(*, actor, reservation: StockReservation,
                        to_location: StockLocation | None = None) -> StockReservation:
    """领料: the technician takes the reserved units into his van (default: the work order's
    technician's van): a transfer that uses the reservation."""
    work_order = _work_order_locked(reservation.work_order)
    reservation = _locked(reservation)
    _require_held(reservation)
    _require_open(work_order)
    if to_location is None:
        to_location = StockLocation.objects.filter(kind=LocationKind.VAN, holder=work_order.technician,
                                                   archived_at__isnull=True).first()
        if to_location is None:
            raise refuse("no_van", _("%(technician)s has no van stock to collect into: name where the parts go.")
                         % {"technician": work_order.technician}, "to_location")
    movement = movement_post(actor=actor, kind=MovementKind.TRANSFER, part=reservation.part,
                             quantity=reservation.quantity, from_location=reservation.location,
                             to_location=to_location, reference=work_order.number,
                             reason=_("reserved parts collected for the work order"), releases=reservation.quantity)
    _close(reservation, actor, ReservationState.COLLECTED, movement=movement)
    return reservation


def reservations_release_for(*, actor, work_order, reason: str) -> int:
    """Release what is still held for a work order that ended (called with the work order locked);
    returns how many were released."""
    held = list(StockReservation.objects.select_for_update().filter(work_order=work_order,
                                                                    state=ReservationState.HELD).order_by("id"))
    for reservation in held:
        _release(reservation, actor, reason)
    return len(held)


def reservations_move(*, actor, old, new) -> int:
    """A job moved to another number takes its held reservations along (both work orders locked)."""
    moved = 0
    for reservation in StockReservation.objects.select_for_update().filter(work_order=old,
                                                                           state=ReservationState.HELD):
        before = snapshot(reservation)
        reservation.work_order = new
        reservation.save(update_fields=["work_order"])
        audit_event(reservation, action=AuditAction.UPDATE, actor=actor, changes=diff(before, snapshot(reservation)))
        moved += 1
    return moved
