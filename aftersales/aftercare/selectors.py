"""Reads of the after-sales policies: the policy figures, repair advice (W8), returns and depot batches.

How repairs are counted (W8): a repair of a unit is a service request for that unit on which a work
order was done (several visits on one request are one repair); a repair of a part is such a request
whose done work orders used that part (a UsedPart row). Void and unfinished work orders do not count.
When the count reaches the threshold (3 by default), the next repair proposes replacing the part or
the unit: "already repaired 3 times, the next repair replaces".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from aftersales.accounts.scoping import scope
from aftersales.workorders.choices import WorkOrderState

from .choices import DepotState
from .models import DepotBatch, PolicySetting, ReturnRequest
from .rules import Condition, return_conditions

POLICY_ID = 1


def policy_get() -> PolicySetting:
    """The policy row; its defaults when none was ever saved (reading never writes)."""
    return PolicySetting.objects.filter(pk=POLICY_ID).first() or PolicySetting(pk=POLICY_ID)


# ---------------------------------------------------------------- repair counts (W8)


@dataclass(frozen=True)
class Advice:
    kind: str  # "part" or "unit"
    count: int
    threshold: int
    part: object = None
    message: str = ""


def unit_repair_count(asset) -> int:
    from aftersales.workorders.models import WorkOrder

    return (WorkOrder.objects.filter(request__asset=asset, state=WorkOrderState.DONE)
            .values("request_id").distinct().count())


def part_repair_counts(asset) -> list[tuple[object, int]]:
    """(part, number of repairs that used it) for every part used on the unit's done work orders."""
    from aftersales.catalogue.models import Part
    from aftersales.workorders.models import UsedPart

    rows = (UsedPart.objects.filter(work_order__request__asset=asset, work_order__state=WorkOrderState.DONE)
            .values("part_id").annotate(n=Count("work_order__request_id", distinct=True)).order_by("-n", "part_id"))
    counts = {row["part_id"]: row["n"] for row in rows}
    parts = Part.objects.in_bulk(list(counts))
    return [(parts[pk], n) for pk, n in counts.items() if pk in parts]


def asset_repair_advice(asset, *, policy: PolicySetting | None = None) -> list[Advice]:
    """What the next repair of ``asset`` should propose: replacing a part repaired ``threshold`` times
    or more, replacing the unit once it has been repaired ``threshold`` times or more."""
    policy = policy or policy_get()
    advice = []
    units = unit_repair_count(asset)
    if units >= policy.unit_repair_threshold:
        advice.append(Advice("unit", units, policy.unit_repair_threshold, message=_(
            "Replace the unit: it has been repaired %(n)s times (the rule: %(t)s).")
            % {"n": units, "t": policy.unit_repair_threshold}))
    for part, n in part_repair_counts(asset):
        if n >= policy.part_repair_threshold:
            advice.append(Advice("part", n, policy.part_repair_threshold, part=part, message=_(
                "Replace the part %(part)s: it has been repaired %(n)s times (the rule: %(t)s).")
                % {"part": f"{part.code} {part.name}", "n": n, "t": policy.part_repair_threshold}))
    return advice


# ---------------------------------------------------------------- returns (W10)


def return_list(*, actor, filters=None) -> QuerySet[ReturnRequest]:
    qs = scope(ReturnRequest.objects.filter(archived_at__isnull=True), actor).select_related(
        "customer", "product_model", "decided_by")
    filters = filters or {}
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("q"):
        text = filters["q"]
        qs = qs.filter(Q(serial_number__icontains=text) | Q(customer__name__icontains=text)
                       | Q(product_model__code__icontains=text))
    return qs


def return_get_for(*, actor, pk: int) -> ReturnRequest:
    qs = scope(ReturnRequest.objects.select_related("customer", "asset", "product_model", "decided_by",
                                                    "registered_by"), actor)
    return get_object_or_404(qs, pk=pk)


def return_checks(ret: ReturnRequest, *, policy: PolicySetting | None = None) -> list[Condition]:
    policy = policy or policy_get()
    return return_conditions(purchased_on=ret.purchased_on, requested_on=ret.requested_on,
                             fault_by_people=ret.fault_by_people, receipt_given=ret.receipt_given,
                             packaging_intact=ret.packaging_intact, days=policy.return_days)


# ---------------------------------------------------------------- depot repairs


def depot_list(*, actor, filters=None, today: dt.date) -> QuerySet[DepotBatch]:
    qs = scope(DepotBatch.objects.filter(archived_at__isnull=True), actor).select_related("customer")
    filters = filters or {}
    view = filters.get("view", "")
    if view == "late":
        qs = depot_late_q(qs, today)
    elif view == "follow_up":
        qs = qs.filter(state=DepotState.RETURNED, follow_up_at__isnull=True).order_by("follow_up_due", "id")
    elif filters.get("state"):
        qs = qs.filter(state=filters["state"])
    return qs


def depot_late_q(qs: QuerySet[DepotBatch], today: dt.date) -> QuerySet[DepotBatch]:
    return qs.filter(state=DepotState.RECEIVED, due_on__lt=today).order_by("due_on", "id")


def depot_follow_ups_late(*, actor, today: dt.date) -> QuerySet[DepotBatch]:
    return scope(DepotBatch.objects.filter(archived_at__isnull=True, state=DepotState.RETURNED,
                                           follow_up_at__isnull=True, follow_up_due__lt=today), actor)


def depot_get_for(*, actor, pk: int) -> DepotBatch:
    qs = scope(DepotBatch.objects.select_related("customer", "received_by", "follow_up_by"), actor)
    return get_object_or_404(qs, pk=pk)


def depot_calendar_day_checker():
    """Working days of the default service level's calendar (a 7x24 calendar: every day)."""
    from aftersales.calendars.selectors import calendar_spec
    from aftersales.core.workcalendar import working_day_predicate
    from aftersales.service.models import ServiceLevel

    level = ServiceLevel.objects.filter(is_default=True).select_related("calendar").first()
    if level is None:
        from aftersales.calendars.selectors import working_day_checker

        return working_day_checker()
    return working_day_predicate(calendar_spec(level.calendar))
