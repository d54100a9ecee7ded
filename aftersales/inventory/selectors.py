"""Reads of stock: the stock list, the reorder list, a part's movements, and the stock on hand
recomputed from the movements (which must always equal the stored rows)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import ExpressionWrapper, F, IntegerField, Q, QuerySet

from aftersales.accounts.scoping import scope

from .choices import MOVEMENT_SIDES, Condition, MovementKind
from .models import StockBalance, StockMovement

Key = tuple[int, int, str]


def balances_with_related(queryset: QuerySet | None = None) -> QuerySet:
    queryset = StockBalance.objects.all() if queryset is None else queryset
    return queryset.select_related("part", "location")


def below_minimum(queryset: QuerySet, value: bool = True) -> QuerySet:
    """Good stock whose free units (on hand less reserved) are under the store's minimum level (or,
    with ``value`` False, the rest)."""
    short = Q(condition=Condition.GOOD, quantity__lt=F("minimum") + F("reserved"))
    return queryset.filter(short) if value else queryset.exclude(short)


def stock_list(*, actor, filters: dict[str, Any] | None = None) -> QuerySet:
    """Stock rows the actor may read; filters: search (part number or name), part, location,
    condition, below_minimum."""
    filters = filters or {}
    queryset = balances_with_related(scope(StockBalance.objects.all(), actor))
    if filters.get("search"):
        text = filters["search"]
        queryset = queryset.filter(Q(part__code__icontains=text) | Q(part__name__icontains=text))
    for name in ("part", "location", "condition"):
        if filters.get(name) not in (None, ""):
            queryset = queryset.filter(**{name: filters[name]})
    if filters.get("below_minimum") is not None:
        queryset = below_minimum(queryset, bool(filters["below_minimum"]))
    return queryset


def reorder_list(*, actor, location=None) -> QuerySet:
    """补货清单: good stock below its minimum, with ``to_order``: what restores the store's original
    quantity (SPEC P1) once the stock reserved for planned work orders has gone."""
    queryset = below_minimum(balances_with_related(scope(StockBalance.objects.all(), actor)))
    if location is not None:
        queryset = queryset.filter(location=location)
    to_order = ExpressionWrapper(F("minimum") + F("reserved") - F("quantity"), output_field=IntegerField())
    return queryset.annotate(to_order=to_order).order_by("location__code", "part__code")


def part_movements(*, actor, part) -> QuerySet:
    return scope(StockMovement.objects.filter(part=part), actor).select_related(
        "part", "from_location", "to_location", "actor")


def stock_on_hand(*, part, location, condition: str = Condition.GOOD) -> int:
    row = StockBalance.objects.filter(part=part, location=location, condition=condition).values("quantity").first()
    return row["quantity"] if row else 0


def movement_effects(movement: StockMovement) -> list[tuple[Key, int]]:
    """What a stored movement did to the stock: (part, location, condition) -> change."""
    taken, given = MOVEMENT_SIDES[movement.kind]
    if movement.kind == MovementKind.REPAIRED:
        taken, given = Condition.DEFECTIVE, Condition.GOOD
    else:
        taken = movement.condition if movement.from_location_id else None
        given = movement.condition if movement.to_location_id else None
    effects = []
    if taken is not None:
        effects.append(((movement.part_id, movement.from_location_id, taken), -movement.quantity))
    if given is not None:
        effects.append(((movement.part_id, movement.to_location_id, given), movement.quantity))
    return effects


def stock_from_movements() -> dict[Key, int]:
    """The stock on hand recomputed from every movement ever posted (rows at 0 left out)."""
    totals: dict[Key, int] = defaultdict(int)
    fields = ("kind", "part_id", "from_location_id", "to_location_id", "condition", "quantity")
    for movement in StockMovement.objects.only(*fields).order_by().iterator(chunk_size=2000):
        for key, change in movement_effects(movement):
            totals[key] += change
    return {key: total for key, total in totals.items() if total}


def stock_stored() -> dict[Key, int]:
    """The stored stock rows, in the same shape (rows at 0 left out)."""
    rows = StockBalance.objects.exclude(quantity=0).values_list("part_id", "location_id", "condition", "quantity")
    return {(p, loc, c): q for p, loc, c, q in rows}


def stock_values_stored() -> dict[Key, tuple[int, Decimal]]:
    """The stored stock rows with their values (rows at 0 and without value left out)."""
    rows = (StockBalance.objects.exclude(quantity=0, value=0)
            .values_list("part_id", "location_id", "condition", "quantity", "value"))
    return {(p, loc, c): (q, v) for p, loc, c, q, v in rows}


def stock_values_from_movements(*, before=None) -> dict[Key, tuple[int, Decimal]]:
    """The stock and its value summed by the database from the movements (before ``before``, or
    all): in − out per row, rows at 0 and without value left out."""
    from .reconciliation import stock_at

    return {key: figures for key, figures in stock_at(before=before).items() if figures != (0, 0)}
