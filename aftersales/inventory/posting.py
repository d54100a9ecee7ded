"""Posting of stock movements: one movement or a batch, all or nothing (the engine under the
services of each kind, inventory.services).

Every movement locks the stock rows it changes (``select_for_update``, one by one in the order
part id, location id, condition, so two movements never wait on each other in a circle), creates
a missing row under the same discipline (``get_or_create`` inside a savepoint: a concurrent
insert of the same row fails alone and is read, locked, instead), refuses to take stock below
zero, saves the rows with ``update_fields``, records the movement and its audit row in the same
transaction. The database refuses a negative quantity too (a check constraint).

Before any row lock, a posting holds the locked months still (reconciliation.months_hold, shared:
postings never wait on each other for it) and refuses a movement dated in a locked month; then it
holds its stores (stores_hold, shared too) and refuses one archived meanwhile: archiving a store
waits for the postings in progress, and refuses while the store holds stock
(location_archive_check). Serial-numbered movements are checked against where each unit is, with
the units held (inventory.serials), before the stores and rows.

Good stock reserved for planned work orders (StockBalance.reserved, inventory.reservations) is
not taken by other movements: only a movement that collects the reservation (``releases``) may
take it; a count (adjustment) takes what is not there whatever is reserved.

Values follow inventory.values (moving weighted average).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.catalogue.models import Part
from aftersales.core.audit import AuditAction, audit_event, diff, snapshot
from aftersales.core.errors import ServiceError, validation_messages

from . import reconciliation, serials
from .choices import ANY, MOVEMENT_SIDES, Condition, Direction, MovementKind
from .models import StockBalance, StockLocation, StockMovement
from .values import MAX_VALUE, UNIT, check_unit_cost, money, value_taken

Key = tuple[int, int, str]  # (part id, location id, condition): the lock order


@dataclass
class _Planned:
    movement: StockMovement
    effects: list[tuple[Key, int]] = field(default_factory=list)  # (balance key, change of quantity)
    unit_cost: Decimal | None = None  # of stock coming from outside (None: stock taken from a row)
    releases: int = 0  # reserved units of the row taken from that this movement uses (a reservation collected)


# ---------------------------------------------------------------- checks


def refuse(code: str, message: str, field_name: str | None = None) -> ServiceError:
    return ServiceError(code, message, field=field_name)


def check_quantity(quantity: Any) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise refuse("invalid_quantity", _("Give a whole number of at least 1."), "quantity")
    return quantity


def check_live(obj, field_name: str) -> None:
    if obj is not None and obj.archived_at is not None:
        raise refuse("archived", _("%(record)s is archived; restore it first.") % {"record": obj}, field_name)


def _sides(kind: str, from_location, to_location, condition: str) -> tuple[str | None, str | None]:
    """The condition taken from ``from_location`` and put into ``to_location``, checking that the kind
    has the locations it needs and no other."""
    if kind not in MovementKind.values:
        raise refuse("invalid_kind", _("Unknown kind of movement."), "kind")
    if condition not in Condition.values:
        raise refuse("invalid_condition", _("Unknown condition."), "condition")
    taken, given = MOVEMENT_SIDES[kind]
    if kind == MovementKind.ADJUSTMENT:
        if (from_location is None) == (to_location is None):
            raise refuse("locations", _("An adjustment names one location: from (count lower) or to (count "
                                         "higher)."), "from_location")
        return (condition if from_location else None), (condition if to_location else None)
    taken = condition if taken == ANY else taken
    given = condition if given == ANY else given
    if kind == MovementKind.REPAIRED:
        if from_location is None or from_location != to_location:
            raise refuse("locations", _("A repair names one location, the store that keeps the part."),
                          "from_location")
        return taken, given
    if (taken is None) != (from_location is None):
        raise refuse("locations", _("This kind of movement needs a location to take from.") if taken
                      else _("This kind of movement takes from no location."), "from_location")
    if (given is None) != (to_location is None):
        raise refuse("locations", _("This kind of movement needs a location to put into.") if given
                      else _("This kind of movement puts into no location."), "to_location")
    if from_location is not None and from_location == to_location:
        raise refuse("locations", _("A transfer goes to another location."), "to_location")
    return taken, given


def _check_open(at: dt.datetime, closed: dt.datetime | None) -> None:
    """A movement dated in a locked month (or before it) is refused: corrections are new movements
    in an open month."""
    if closed is not None and at < closed:
        last = reconciliation.month_of(closed - dt.timedelta(microseconds=1))
        raise refuse("month_locked", _(
            "The months up to %(last)s are reconciled and locked: no movement can be dated %(at)s. Post the "
            "correction as a new movement dated in an open month (%(open)s or later)."
        ) % {"last": f"{last:%Y-%m}", "at": f"{timezone.localtime(at):%Y-%m-%d %H:%M}",
             "open": f"{reconciliation.month_of(closed):%Y-%m}"}, "at")


def _plan(*, actor, kind: str, part: Part, quantity: Any, from_location: StockLocation | None = None,
          to_location: StockLocation | None = None, condition: str = Condition.GOOD, serial_number: str = "",
          reference: str = "", reason: str = "", at: dt.datetime | None = None, unit_cost: Any = None,
          closed: dt.datetime | None = None, releases: int = 0) -> _Planned:
    quantity = check_quantity(quantity)
    if part is None:
        raise refuse("required", _("Give the part."), "part")
    check_live(part, "part")
    check_live(from_location, "from_location")
    check_live(to_location, "to_location")
    taken, given = _sides(kind, from_location, to_location, condition)
    cost = check_unit_cost(unit_cost)
    if cost is not None and taken is not None:
        raise refuse("unit_cost_not_given", _("Stock taken from a store goes at the store's average cost: give a "
                                               "unit cost only for stock that comes in from outside."), "unit_cost")
    if at is not None and (not isinstance(at, dt.datetime) or timezone.is_naive(at)):
        raise refuse("invalid_at", _("Give the date and time of the movement with its time zone."), "at")
    at = at or timezone.now()
    _check_open(at, closed)
    serial_number = serials.normalise(serial_number)
    if serial_number and quantity != 1:
        raise refuse("serial_quantity", _("A serial-numbered part moves one at a time."), "quantity")
    if kind == MovementKind.ISSUE and not (reference or "").strip():
        raise refuse("reference_required", _("Name the work order or service request the part is issued to."),
                      "reference")
    if kind in (MovementKind.SCRAP, MovementKind.ADJUSTMENT) and not (reason or "").strip():
        raise refuse("reason_required", _("Give the reason."), "reason")
    movement = StockMovement(kind=kind, part=part, quantity=quantity, from_location=from_location,
                             to_location=to_location, condition=taken or given, serial_number=serial_number,
                             reference=reference or "", reason=reason or "", actor=actor, at=at)
    try:
        movement.full_clean()
    except ValidationError as exc:
        raise ServiceError("invalid", "; ".join(m for ms in validation_messages(exc).values() for m in ms)) from exc
    planned = _Planned(movement, releases=releases)
    if taken is None:
        planned.unit_cost = cost if cost is not None else (part.unit_cost or Decimal(0)).quantize(UNIT)
    if taken is not None:
        planned.effects.append(((part.pk, from_location.pk, taken), -quantity))
    if given is not None:
        planned.effects.append(((part.pk, to_location.pk, given), quantity))
    return planned


# ---------------------------------------------------------------- locks


def balances_lock(keys: Iterable[Key]) -> dict[Key, StockBalance]:
    """The stock rows of ``keys``, locked one by one in key order; a missing row is created (at 0)."""
    locked = {}
    for part_id, location_id, condition in sorted(set(keys)):
        balance, _created = StockBalance.objects.select_for_update().get_or_create(
            part_id=part_id, location_id=location_id, condition=condition)
        locked[(part_id, location_id, condition)] = balance
    return locked


def _short(balance: StockBalance, asked: int) -> ServiceError:
    return ServiceError("insufficient_stock", _(
        "Not enough stock: %(part)s (%(condition)s) at %(location)s has %(on_hand)s on hand, %(asked)s asked."
    ) % {"part": balance.part, "condition": balance.get_condition_display(), "location": balance.location,
         "on_hand": balance.quantity, "asked": asked}, field="quantity",
        params={"on_hand": balance.quantity, "asked": asked})


def _reserved(balance: StockBalance, asked: int, reserved: int) -> ServiceError:
    free = max(balance.quantity - reserved, 0)
    return ServiceError("reserved_stock", _(
        "Only %(free)s of %(part)s at %(location)s may be taken: %(on_hand)s on hand, %(reserved)s reserved for "
        "planned work orders; %(asked)s asked. Release a reservation or take from another store."
    ) % {"free": free, "part": balance.part, "location": balance.location, "on_hand": balance.quantity,
         "reserved": reserved, "asked": asked}, field="quantity",
        params={"free": free, "reserved": reserved, "asked": asked})


def _apply(planned: _Planned, locked: dict[Key, StockBalance]) -> None:
    """Apply one movement to the locked rows, or refuse it and change nothing; the movement gets
    its unit cost and value."""
    movement = planned.movement
    for key, change in planned.effects:
        balance = locked[key]
        if balance.quantity + change < 0:
            raise _short(balance, -change)
        if change < 0 and movement.kind != MovementKind.ADJUSTMENT and not planned.releases:
            # other work takes only what is free; a count takes what is not there; collecting a
            # reservation takes its own units (after a count found less, the first to collect has them)
            if balance.reserved > 0 and balance.quantity + change < balance.reserved:
                raise _reserved(balance, -change, balance.reserved)
    if planned.unit_cost is None:  # taken from a row (the first effect): at that row's average
        value = value_taken(locked[planned.effects[0][0]], movement.quantity)
        movement.unit_cost = (value / movement.quantity).quantize(UNIT, rounding=ROUND_HALF_UP)
    else:
        value = money(planned.unit_cost * movement.quantity)
        movement.unit_cost = planned.unit_cost
    movement.value = value
    if value > MAX_VALUE or any(locked[key].value + value > MAX_VALUE for key, change in planned.effects
                                if change > 0):
        raise refuse("value_too_large", _("The value of this stock would be too large to keep: check the unit "
                                           "cost and the quantity."), "unit_cost")
    for key, change in planned.effects:
        locked[key].quantity += change
        locked[key].value += value if change > 0 else -value
    if planned.releases:
        locked[planned.effects[0][0]].reserved -= planned.releases  # never below 0: a check constraint


def stores_hold(location_ids: Iterable[int]) -> None:
    """Hold the stores still (PostgreSQL: FOR KEY SHARE, in id order, before any stock row lock):
    postings do not wait on each other for it, an archive (FOR UPDATE) waits for them and they for
    it. A store found archived is refused."""
    ids = sorted(set(location_ids))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT "id", "archived_at" FROM "{StockLocation._meta.db_table}" WHERE "id" = ANY(%s) '
                           'ORDER BY "id" FOR KEY SHARE', [ids])
            rows = cursor.fetchall()
    else:  # SQLite: one writer at a time
        rows = list(StockLocation.objects.filter(pk__in=ids).values_list("pk", "archived_at"))
    archived = [pk for pk, archived_at in rows if archived_at is not None]
    if archived:
        check_live(StockLocation.objects.get(pk=archived[0]), "location")


def _stores_of(plans: list[_Planned]) -> set[int]:
    return {key[1] for p in plans for key, _change in p.effects}


def _month_totals(plans: list[_Planned]) -> None:
    """Add the movements to their month's totals (reconciliation.month_totals_add), per stock row,
    kind and side: the rows are locked, so the totals of a row change one posting at a time."""
    deltas: dict[tuple, tuple[int, Decimal]] = {}
    for planned in plans:
        movement = planned.movement
        month = reconciliation.month_of(movement.at)
        for (part_id, location_id, condition), change in planned.effects:
            direction = Direction.IN if change > 0 else Direction.OUT
            key = (month, location_id, part_id, condition, movement.kind, direction)
            quantity, value = deltas.get(key, (0, Decimal("0.00")))
            deltas[key] = (quantity + movement.quantity, value + movement.value)
    reconciliation.month_totals_add(deltas)


def _save(plans: list[_Planned], locked: dict[Key, StockBalance], actor) -> list[StockMovement]:
    for balance in locked.values():
        balance.save(update_fields=["quantity", "value", "reserved", "updated_at"])
    _month_totals(plans)
    movements = []
    for planned in plans:
        planned.movement.save()
        audit_event(planned.movement, action=AuditAction.CREATE, actor=actor,
                    changes=diff({}, snapshot(planned.movement)))
        movements.append(planned.movement)
    return movements


# ---------------------------------------------------------------- posting


@transaction.atomic
def movement_post(*, actor, kind: str, part: Part, quantity: int, **details: Any) -> StockMovement:
    """Post one movement of any kind (the kind services below name their own arguments);
    ``unit_cost``: of stock that comes in from outside (else the part's unit cost)."""
    reconciliation.months_hold()
    planned = _plan(actor=actor, kind=kind, part=part, quantity=quantity, closed=reconciliation.closed_until(),
                    **details)
    refused = serials.check([planned])
    if refused:
        raise refused[0]
    stores_hold(_stores_of([planned]))
    locked = balances_lock(key for key, _change in planned.effects)
    _apply(planned, locked)
    return _save([planned], locked, actor)[0]


@transaction.atomic
def movements_post(*, actor, rows: list[dict[str, Any]], errors_of_one: bool = False) -> list[StockMovement]:
    """Post a batch of movements (each a dict of movement_post's arguments), all or nothing. Every row
    that is refused is named: ServiceError("rows_refused") with ``params["rows"]`` = {index: {field:
    [message]}}; nothing is saved. ``errors_of_one``: the first refusal is raised as it is (a batch
    that stands for one act, such as the units of one reservation collected)."""
    if not rows:
        raise ServiceError("empty", _("Give at least one movement."))
    reconciliation.months_hold()
    closed = reconciliation.closed_until()
    plans: list[_Planned | None] = []
    refused: dict[int, ServiceError] = {}
    for index, row in enumerate(rows):
        try:
            plans.append(_plan(actor=actor, closed=closed, **row))
        except ServiceError as exc:
            plans.append(None)
            refused[index] = exc
    if not refused:
        refused = serials.check(plans)
    if not refused:
        stores_hold(_stores_of([p for p in plans if p]))
    locked = balances_lock(key for p in plans if p for key, _change in p.effects) if not refused else {}
    for index, planned in enumerate(plans):
        if planned is None or refused:
            continue
        try:
            _apply(planned, locked)
        except ServiceError as exc:
            refused[index] = exc
    if refused and errors_of_one:
        raise refused[min(refused)]
    if refused:
        raise ServiceError("rows_refused", _("%(count)s of %(total)s movements are refused; none was posted.")
                           % {"count": len(refused), "total": len(rows)},
                           params={"rows": {index: exc.as_dict() for index, exc in refused.items()}})
    return _save([p for p in plans if p], locked, actor)
