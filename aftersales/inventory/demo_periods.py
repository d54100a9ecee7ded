"""Month-end demo data (SPEC P5, stocktakes): last month's purchases, issues and transfers,
reconciled and locked; one stocktake of a branch store posted with a difference; one stocktake of
a technician's van in progress.

Called after core.demo's create_inventory (which posts this month's stock): the movements of last
month are dated in it (posted now, so valued after this month's; each row still adds up), then
last month is locked, which closes every month before it too.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from aftersales.catalogue.models import Part

from . import posting, stocktake
from .choices import Condition, LocationKind, MovementKind
from .models import StockLocation, StockPeriod
from .reconciliation import month_start, previous_month, stock_period_lock

# part position in the catalogue, quantity received last month, unit cost of that delivery
DELIVERIES = [(0, 12, "1.10"), (1, 8, "0.95"), (2, 20, "1.05"), (3, 5, "1.20"), (4, 10, "1.00"), (5, 6, "0.90")]


def _at(month: dt.date, day: int, hour: int) -> dt.datetime:
    return month_start(month) + dt.timedelta(days=day - 1, hours=hour)


@transaction.atomic
def demo_periods(*, actor, today: dt.date) -> dict[str, object]:
    """Last month (before ``today``'s) posted and locked, a posted stocktake with a difference and
    one in progress. ``actor``: the parts keeper. Does nothing when a month is already locked."""
    if StockPeriod.objects.exists():
        return {}
    last_month = previous_month(today.replace(day=1))
    central = StockLocation.objects.filter(kind=LocationKind.CENTRAL).order_by("code").first()
    branch = StockLocation.objects.filter(kind=LocationKind.BRANCH).order_by("code").first()
    vans = list(StockLocation.objects.filter(kind=LocationKind.VAN).order_by("code"))
    parts = list(Part.objects.filter(archived_at__isnull=True).order_by("code"))
    if central is None or branch is None or not vans or len(parts) < len(DELIVERIES):
        return {}
    rows = []
    for n, (index, quantity, factor) in enumerate(DELIVERIES):  # deliveries at this month's prices ± a little
        part = parts[index]
        cost = ((part.unit_cost or Decimal("100.00")) * Decimal(factor)).quantize(Decimal("0.01"))
        rows.append({"kind": MovementKind.RECEIPT, "part": part, "quantity": quantity, "to_location": central,
                     "unit_cost": cost, "reference": f"CG-{last_month:%Y%m}-{n + 1:03d}",
                     "at": _at(last_month, 3 + n, 10)})
    for n, (index, quantity, _factor) in enumerate(DELIVERIES[:4]):
        rows.append({"kind": MovementKind.TRANSFER, "part": parts[index], "quantity": 2, "from_location": central,
                     "to_location": branch, "reference": f"DB-{last_month:%Y%m}-{n + 1:03d}",
                     "at": _at(last_month, 12 + n, 15)})
        rows.append({"kind": MovementKind.ISSUE, "part": parts[index], "quantity": 1, "from_location": branch,
                     "reference": f"BX-{last_month.year}-{8000 + n}", "at": _at(last_month, 20 + n, 9)})
    rows.append({"kind": MovementKind.DEFECTIVE_RETURN, "part": parts[0], "quantity": 1, "to_location": branch,
                 "reference": f"BX-{last_month.year}-8000", "reason": "现场换下的坏件", "at": _at(last_month, 20, 16)})
    posting.movements_post(actor=actor, rows=rows)
    period = stock_period_lock(actor=actor, month=last_month)

    counted = stocktake.stocktake_start(actor=actor, location=branch, note="月度盘点")
    lines = list(counted.lines.select_related("part").order_by("part__code", "condition"))
    counts = [{"part": line.part, "condition": line.condition, "counted": line.expected} for line in lines]
    short = next((c for c in counts if c["condition"] == Condition.GOOD and c["counted"] > 0), None)
    if short is not None:
        short["counted"] -= 1  # one unit missing
    stocktake.stocktake_count(actor=actor, stocktake=counted, counts=counts)
    stocktake.stocktake_post(actor=actor, stocktake=counted, reason="盘亏 1 个：月度盘点未找到，已报告配件经理")

    counting = stocktake.stocktake_start(actor=actor, location=vans[-1], note="车载库抽盘")
    half = list(counting.lines.select_related("part").order_by("part__code", "condition"))
    half = half[: max(1, len(half) // 2)]
    stocktake.stocktake_count(actor=actor, stocktake=counting, counts=[
        {"part": line.part, "condition": line.condition, "counted": line.expected} for line in half])
    return {"locked": period, "posted": counted, "counting": counting}
