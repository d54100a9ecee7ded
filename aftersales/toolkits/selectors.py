"""Reads of tool kits: the store's tools, every kit with what it holds and what its holder owes,
one kit's history, the charges still open per holder, and the counts recomputed from the events
(which must always equal the stored ones)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from aftersales.accounts.scoping import scope

from .choices import EFFECTS, ToolEventKind
from .models import Tool, ToolEvent, ToolKit, ToolKitLine

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def tools_with_counts(queryset: QuerySet | None = None) -> QuerySet:
    """Tools with ``in_kits``: how many are out in kits."""
    queryset = Tool.objects.all() if queryset is None else queryset
    in_kits = Subquery(ToolKitLine.objects.filter(tool=OuterRef("pk")).order_by().values("tool")
                       .annotate(total=Sum("quantity")).values("total")[:1], output_field=IntegerField())
    return queryset.annotate(in_kits=Coalesce(in_kits, Value(0)))


def tool_list(*, actor, filters: dict[str, Any] | None = None) -> QuerySet:
    """The store's tools; filters: search (code, name, specification), archived (include them)."""
    filters = filters or {}
    queryset = tools_with_counts(scope(Tool.objects.all(), actor))
    if not filters.get("archived"):
        queryset = queryset.filter(archived_at__isnull=True)
    if filters.get("search"):
        text = filters["search"]
        queryset = queryset.filter(Q(code__icontains=text) | Q(name__icontains=text) | Q(spec__icontains=text))
    return queryset.order_by("code")


def tool_get_for(*, actor, pk: int) -> Tool:
    tool = tools_with_counts(scope(Tool.objects.all(), actor)).filter(pk=pk).first()
    if tool is None:
        raise Http404
    return tool


def _open_charges(kind: str) -> Subquery:
    events = ToolEvent.objects.filter(kit=OuterRef("pk"), kind=kind, settled_at__isnull=True)
    return Subquery(events.order_by().values("kit").annotate(total=Sum("amount")).values("total")[:1],
                    output_field=MONEY)


def kits_with_related(queryset: QuerySet | None = None) -> QuerySet:
    """Kits with their holder, the lines they hold (with the tool), ``owed`` (lost tools not yet
    paid by the holder) and ``to_repay`` (tools bought on the road not yet paid back)."""
    queryset = ToolKit.objects.all() if queryset is None else queryset
    lines = ToolKitLine.objects.filter(quantity__gt=0).select_related("tool").order_by("tool__code")
    return queryset.select_related("holder").prefetch_related(Prefetch("lines", queryset=lines)).annotate(
        owed=Coalesce(_open_charges(ToolEventKind.LOST), Value(ZERO), output_field=MONEY),
        to_repay=Coalesce(_open_charges(ToolEventKind.BOUGHT), Value(ZERO), output_field=MONEY))


def kit_value(kit: ToolKit) -> Decimal:
    """What the tools a kit holds are worth at their unit prices (from the prefetched lines)."""
    return sum((line.quantity * line.tool.unit_price for line in kit.lines.all()), ZERO)


def kit_list(*, actor, filters: dict[str, Any] | None = None) -> QuerySet:
    """Every kit (current ones unless ``archived``); filters: search (kit code or name, holder's
    name), holder (a user id), mine (the actor's own kits)."""
    filters = filters or {}
    queryset = kits_with_related(scope(ToolKit.objects.all(), actor))
    if not filters.get("archived"):
        queryset = queryset.filter(archived_at__isnull=True)
    if filters.get("search"):
        text = filters["search"]
        queryset = queryset.filter(Q(code__icontains=text) | Q(name__icontains=text)
                                   | Q(holder__display_name__icontains=text) | Q(holder__username__icontains=text))
    if filters.get("holder"):
        queryset = queryset.filter(holder_id=filters["holder"])
    if filters.get("mine"):
        queryset = queryset.filter(holder=actor)
    return queryset.order_by("holder__display_name", "holder__username", "code")


def kit_get_for(*, actor, pk: int) -> ToolKit:
    kit = kits_with_related(scope(ToolKit.objects.all(), actor)).filter(pk=pk).first()
    if kit is None:
        raise Http404
    return kit


def events_with_related(queryset: QuerySet | None = None) -> QuerySet:
    queryset = ToolEvent.objects.all() if queryset is None else queryset
    return queryset.select_related("tool", "kit", "holder", "actor", "settled_by")


def kit_events(*, actor, kit: ToolKit) -> QuerySet:
    return events_with_related(scope(ToolEvent.objects.filter(kit=kit), actor))


def tool_events(*, actor, tool: Tool) -> QuerySet:
    return events_with_related(scope(ToolEvent.objects.filter(tool=tool), actor))


def kits_holding(*, actor, tool: Tool) -> QuerySet:
    """The lines of the kits that hold ``tool``, with the kit and its holder."""
    return (scope(ToolKitLine.objects.filter(tool=tool, quantity__gt=0), actor)
            .select_related("kit__holder").order_by("kit__code"))


def open_charges(*, actor, holder=None) -> QuerySet:
    """Lost tools not yet paid for and tools bought on the road not yet paid back, oldest first."""
    queryset = events_with_related(scope(ToolEvent.objects.unsettled(), actor))
    if holder is not None:
        queryset = queryset.filter(holder=holder)
    return queryset.order_by("at", "id")


def charges_by_holder(*, actor) -> list[dict[str, Any]]:
    """Per holder with an open charge: ``name``, ``owes`` (lost tools to pay for), ``to_repay``
    (bought on the road, to pay back) and ``count``; largest debt first. Plain values, for finance."""
    rows = (scope(ToolEvent.objects.unsettled(), actor).order_by()
            .values("holder", "holder__display_name", "holder__username")
            .annotate(owes=Coalesce(Sum("amount", filter=Q(kind=ToolEventKind.LOST)), Value(ZERO),
                                    output_field=MONEY),
                      to_repay=Coalesce(Sum("amount", filter=Q(kind=ToolEventKind.BOUGHT)), Value(ZERO),
                                        output_field=MONEY),
                      count=Count("id")))
    result = [{"holder": r["holder"], "name": r["holder__display_name"] or r["holder__username"],
               "owes": r["owes"], "to_repay": r["to_repay"], "count": r["count"]} for r in rows]
    return sorted(result, key=lambda r: (-r["owes"], -r["to_repay"], r["name"]))


# ---------------------------------------------------------------- stored counts == sum of events


Counts = dict[tuple[str, int, int | None], int]  # ("store" | "broken" | "kit", tool id, kit id) -> count


def counts_from_events() -> Counts:
    """The counts recomputed from every event ever posted (zeros left out)."""
    totals: Counts = defaultdict(int)
    for kind, tool_id, kit_id, quantity in ToolEvent.objects.order_by().values_list(
            "kind", "tool_id", "kit_id", "quantity").iterator(chunk_size=2000):
        effect = EFFECTS[kind]
        totals[("store", tool_id, None)] += effect.store * quantity
        totals[("broken", tool_id, None)] += effect.broken * quantity
        if kit_id is not None:
            totals[("kit", tool_id, kit_id)] += effect.kit * quantity
    return {key: total for key, total in totals.items() if total}


def counts_stored() -> Counts:
    counts: Counts = {}
    for pk, quantity, broken in Tool.objects.values_list("pk", "quantity", "broken_quantity"):
        if quantity:
            counts[("store", pk, None)] = quantity
        if broken:
            counts[("broken", pk, None)] = broken
    for tool_id, kit_id, quantity in ToolKitLine.objects.exclude(quantity=0).values_list("tool_id", "kit_id",
                                                                                           "quantity"):
        counts[("kit", tool_id, kit_id)] = quantity
    return counts
