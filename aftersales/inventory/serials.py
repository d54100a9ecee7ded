"""Serial-numbered units (SPEC P3): where a unit is, that it is in one place at a time, and its trail.

Serial numbers are kept without spaces and in capitals (``normalise``). A unit's place is where
its last movement (in posting order) left it: in a store with a condition,
or out of the stores (issued to a work order, scrapped). A movement of a serial number is refused
when it does not fit that place: stock that comes in from outside (a receipt, a return, a defective
part swapped out at a customer, a count found higher) cannot bring in a unit that is still in a
store, or one scrapped; stock taken from a store can only take the unit from the store and
condition it is in. A serial never seen before may be taken from any store (stock received before
it was tracked by serial). The check runs inside the posting, with every serial it touches held
(PostgreSQL: an advisory lock per part and serial, taken in order), so two postings of one unit at
once are checked one after the other.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.scoping import scope
from aftersales.core.errors import ServiceError

from .choices import Condition, MovementKind
from .models import StockLocation, StockMovement

if TYPE_CHECKING:
    from .posting import _Planned

SerialKey = tuple[int, str]  # (part id, serial number)
LOCK_SPACE = 0x5E41  # the first key of the two-key advisory locks of serial numbers


@dataclass(frozen=True)
class Place:
    """Where a unit is after a movement: ``location_id`` None when out of the stores."""

    location_id: int | None
    condition: str
    kind: str
    at: object
    reference: str

    @classmethod
    def after(cls, movement: StockMovement) -> Place:
        condition = Condition.GOOD if movement.kind == MovementKind.REPAIRED else movement.condition
        return cls(movement.to_location_id, condition if movement.to_location_id else "", movement.kind,
                   movement.at, movement.reference)


def normalise(serial: str | None) -> str:
    """A serial number as it is kept and looked up: without spaces, in capitals (makers print them
    either way: "sn 0012ab" and "SN0012AB" are one unit)."""
    return "".join((serial or "").split()).upper()


def describe(place: Place, locations: dict[int, StockLocation] | None = None) -> str:
    """Where the unit is, in words."""
    at = f"{timezone.localtime(place.at):%Y-%m-%d}"
    if place.location_id is not None:
        location = (locations or {}).get(place.location_id) or StockLocation.objects.get(pk=place.location_id)
        return _("in %(location)s (%(condition)s)") % {"location": location,
                                                         "condition": Condition(place.condition).label}
    if place.kind == MovementKind.SCRAP:
        return _("scrapped on %(date)s") % {"date": at}
    if place.reference:
        return _("out of the stores since %(date)s (%(kind)s, %(reference)s)") % {
            "date": at, "kind": MovementKind(place.kind).label, "reference": place.reference}
    return _("out of the stores since %(date)s (%(kind)s)") % {"date": at, "kind": MovementKind(place.kind).label}


def _hold(keys: set[SerialKey]) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: one writer at a time
    with connection.cursor() as cursor:
        for key in sorted({_lock_key(part_id, serial) for part_id, serial in keys}):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, key])


def _lock_key(part_id: int, serial: str) -> int:
    value = zlib.crc32(f"{part_id}:{serial}".encode())
    return value - 2**32 if value >= 2**31 else value  # a signed 32-bit key


def places(keys: set[SerialKey]) -> dict[SerialKey, Place]:
    """The place of each unit seen before (units never moved are left out)."""
    if not keys:
        return {}
    serials = {serial for _part, serial in keys}
    parts = {part for part, _serial in keys}
    latest: dict[SerialKey, StockMovement] = {}
    for movement in StockMovement.objects.filter(serial_number__in=serials, part_id__in=parts).order_by("id").only(
            "id", "part_id", "serial_number", "kind", "to_location_id", "condition", "at", "reference"):
        latest[(movement.part_id, movement.serial_number)] = movement
    return {key: Place.after(movement) for key, movement in latest.items() if key in keys}


def check(plans: list[_Planned]) -> dict[int, ServiceError]:
    """Check the serial-numbered movements of a posting, in order, against where each unit is
    (holding the units first); returns the refusals by index of the plan."""
    keys = {(p.movement.part_id, p.movement.serial_number) for p in plans if p.movement.serial_number}
    if not keys:
        return {}
    _hold(keys)
    where = places(keys)
    refused: dict[int, ServiceError] = {}
    for index, planned in enumerate(plans):
        movement = planned.movement
        if not movement.serial_number:
            continue
        key = (movement.part_id, movement.serial_number)
        place = where.get(key)
        taken = [k for k, change in planned.effects if change < 0]
        error = _misfit(movement, place, taken[0] if taken else None)
        if error is not None:
            refused[index] = error
            continue
        given = [k for k, change in planned.effects if change > 0]
        where[key] = Place(given[0][1] if given else None, given[0][2] if given else "", movement.kind, movement.at,
                           movement.reference)
    return refused


def _misfit(movement: StockMovement, place: Place | None, taken: tuple[int, int, str] | None) -> ServiceError | None:
    if place is None:
        return None
    names = {"serial": movement.serial_number, "part": movement.part, "where": describe(place)}
    if taken is None:  # comes in from outside the stores
        if place.location_id is not None:
            return ServiceError("serial_in_stock", _(
                "Serial number %(serial)s of %(part)s is already in stock, %(where)s: one unit is in one place at "
                "a time. Check the serial number, or move the unit from where it is."
            ) % names, field="serial_number")
        if place.kind == MovementKind.SCRAP:
            return ServiceError("serial_scrapped", _(
                "Serial number %(serial)s of %(part)s was %(where)s: a scrapped unit does not come back."
            ) % names, field="serial_number")
        return None
    _part_id, location_id, condition = taken
    if (place.location_id, place.condition) != (location_id, condition):
        names["location"] = movement.from_location
        names["condition"] = Condition(condition).label
        return ServiceError("serial_not_here", _(
            "Serial number %(serial)s of %(part)s is not in %(location)s (%(condition)s): it is %(where)s."
        ) % names, field="serial_number")
    return None


# ---------------------------------------------------------------- the trail


@dataclass
class UnitPlace:
    part: object
    where: str


@dataclass
class Trail:
    serial: str
    movements: list[StockMovement]
    used_parts: list  # workorders.UsedPart: installed (serial_number) or swapped out (removed_serial)
    places: list[UnitPlace]  # where it is now, in words: one per part with this serial


def serial_trail(*, actor, serial: str) -> Trail:
    """Every movement of a serial number (any part), the work orders that installed or swapped out
    the unit, and where it is now."""
    from aftersales.workorders.models import UsedPart

    serial = normalise(serial)
    movements = list(scope(StockMovement.objects.filter(serial_number=serial), actor)
                     .select_related("part", "from_location", "to_location", "actor").order_by("id")) if serial else []
    used = list(scope(UsedPart.objects.filter(Q(serial_number=serial) | Q(removed_serial=serial)), actor)
                .select_related("part", "work_order__request__customer", "work_order__request__site")
                .order_by("id")) if serial else []
    latest: dict[int, StockMovement] = {}
    for movement in movements:
        latest[movement.part_id] = movement
    locations = {m.to_location_id: m.to_location for m in movements if m.to_location_id}
    now = [UnitPlace(m.part, describe(Place.after(m), locations)) for m in latest.values()]
    return Trail(serial=serial, movements=movements, used_parts=used, places=now)
