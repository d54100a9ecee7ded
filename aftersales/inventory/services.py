"""Writes of stock: one service per kind of movement (each posts through inventory.posting, which
locks, checks and values every movement), counts replacing the stock, minimum levels, and the check
before a store is archived."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.catalogue.models import Part
from aftersales.core.audit import AuditAction, audit_event
from aftersales.core.errors import ServiceError

from . import reconciliation
from .choices import Condition, MovementKind, ReservationState
from .models import StockBalance, StockLocation, StockMovement, StockReservation
from .posting import balances_lock, check_live, movement_post, refuse, stores_hold


def stock_receive(*, actor, part: Part, location: StockLocation, quantity: int, reference: str = "",
                  serial_number: str = "", reason: str = "", unit_cost: Decimal | None = None,
                  at: dt.datetime | None = None) -> StockMovement:
    """入库: new spares arrive at a store, at ``unit_cost`` (else the part's unit cost, else 0)."""
    return movement_post(actor=actor, kind=MovementKind.RECEIPT, part=part, quantity=quantity, to_location=location,
                         reference=reference, serial_number=serial_number, reason=reason, unit_cost=unit_cost, at=at)


def stock_transfer(*, actor, part: Part, from_location: StockLocation, to_location: StockLocation, quantity: int,
                   condition: str = Condition.GOOD, reference: str = "", serial_number: str = "",
                   reason: str = "") -> StockMovement:
    """调拨: from one store to another (a branch store, a van), good or defective stock."""
    return movement_post(actor=actor, kind=MovementKind.TRANSFER, part=part, quantity=quantity,
                         from_location=from_location, to_location=to_location, condition=condition,
                         reference=reference, serial_number=serial_number, reason=reason)


def stock_issue(*, actor, part: Part, location: StockLocation, quantity: int, reference: str,
                serial_number: str = "", reason: str = "") -> StockMovement:
    """领用: good spares leave the store for a work order or service request (``reference``)."""
    return movement_post(actor=actor, kind=MovementKind.ISSUE, part=part, quantity=quantity,
                         from_location=location, reference=reference, serial_number=serial_number, reason=reason)


def stock_return_unused(*, actor, part: Part, location: StockLocation, quantity: int, reference: str = "",
                        serial_number: str = "", reason: str = "", unit_cost: Decimal | None = None) -> StockMovement:
    """退库: an issued spare that was not used comes back as good stock."""
    return movement_post(actor=actor, kind=MovementKind.RETURN_UNUSED, part=part, quantity=quantity,
                         to_location=location, reference=reference, serial_number=serial_number, reason=reason,
                         unit_cost=unit_cost)


def stock_defective_return(*, actor, part: Part, location: StockLocation, quantity: int, reference: str = "",
                           serial_number: str = "", reason: str = "",
                           unit_cost: Decimal | None = None) -> StockMovement:
    """坏件返回: the part swapped out at the customer comes in as defective stock (SPEC P3)."""
    return movement_post(actor=actor, kind=MovementKind.DEFECTIVE_RETURN, part=part, quantity=quantity,
                         to_location=location, reference=reference, serial_number=serial_number, reason=reason,
                         unit_cost=unit_cost)


def stock_repaired(*, actor, part: Part, location: StockLocation, quantity: int, reference: str = "",
                   serial_number: str = "", reason: str = "") -> StockMovement:
    """修复入库: a repaired defective part becomes a good spare in the same store (SPEC P3)."""
    return movement_post(actor=actor, kind=MovementKind.REPAIRED, part=part, quantity=quantity,
                         from_location=location, to_location=location, condition=Condition.DEFECTIVE,
                         reference=reference, serial_number=serial_number, reason=reason)


def stock_scrap(*, actor, part: Part, location: StockLocation, quantity: int, reason: str, reference: str = "",
                serial_number: str = "") -> StockMovement:
    """报废: a defective part that cannot be repaired leaves the stock."""
    return movement_post(actor=actor, kind=MovementKind.SCRAP, part=part, quantity=quantity,
                         from_location=location, condition=Condition.DEFECTIVE, reference=reference,
                         serial_number=serial_number, reason=reason)


def stock_adjust(*, actor, part: Part, location: StockLocation, counted: int, reason: str,
                 condition: str = Condition.GOOD, reference: str = "") -> StockMovement | None:
    """盘点调整: the stock counted replaces the stock on hand; the difference is the movement (None
    when the count agrees)."""
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        raise refuse("invalid_quantity", _("Give a whole number of at least 0."), "counted")
    with transaction.atomic():
        reconciliation.months_hold()  # before the row locks, as every posting
        stores_hold([location.pk])
        balance = balances_lock([(part.pk, location.pk, condition)])[(part.pk, location.pk, condition)]
        change = counted - balance.quantity
        if change == 0:
            return None
        sides = {"to_location": location} if change > 0 else {"from_location": location}
        return movement_post(actor=actor, kind=MovementKind.ADJUSTMENT, part=part, quantity=abs(change),
                             condition=condition, reference=reference, reason=reason, **sides)


@transaction.atomic
def stock_minimum_set(*, actor, part: Part, location: StockLocation, minimum: int) -> StockBalance:
    """最低库存: the store's original quantity of a part (SPEC P1), restored by the reorder list."""
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        raise refuse("invalid_quantity", _("Give a whole number of at least 0."), "minimum")
    check_live(part, "part")
    check_live(location, "location")
    balance = balances_lock([(part.pk, location.pk, Condition.GOOD)])[(part.pk, location.pk, Condition.GOOD)]
    if balance.minimum != minimum:
        audit_event(balance, action=AuditAction.UPDATE, actor=actor, changes={"minimum": [balance.minimum, minimum]})
        balance.minimum = minimum
        balance.save(update_fields=["minimum", "updated_at"])
    return balance


# ---------------------------------------------------------------- archiving a store


def location_archive_check(*, location: StockLocation) -> None:
    """A store that holds stock is not archived: its stock is transferred or adjusted to zero first.
    Called with the store locked FOR UPDATE (core.services.record_archive), which waits for the
    postings holding it (stores_hold) and holds off new ones until the archive is saved; the rows
    are read locked too, so that nothing changes them meanwhile."""
    quantities = list(StockBalance.objects.select_for_update().filter(location_id=location.pk)
                      .order_by("part_id", "condition").values_list("quantity", flat=True))
    held = [q for q in quantities if q > 0]
    if held:
        raise ServiceError("location_holds_stock", _(
            "%(location)s still holds stock (%(rows)s stock rows, %(units)s units): transfer it to another store "
            "or adjust it to zero before archiving the store."
        ) % {"location": location, "rows": len(held), "units": sum(held)},
            params={"rows": len(held), "units": sum(held)})
    reserved = StockReservation.objects.filter(location_id=location.pk, state=ReservationState.HELD).count()
    if reserved:
        raise ServiceError("location_has_reservations", _(
            "%(location)s has %(count)s reservations held for planned work orders: release them before archiving "
            "the store."
        ) % {"location": location, "count": reserved}, params={"count": reserved})
