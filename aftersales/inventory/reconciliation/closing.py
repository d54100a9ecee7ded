"""Locking a month (对账锁定): once over, in order, once; its closing kept row by row."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.audit import AuditAction, audit_event, diff, snapshot
from aftersales.core.errors import ServiceError

from ..models import StockPeriod, StockSnapshot
from .figures import reconciliation_compute
from .months import months_hold, next_month


def lock_refusal(month: dt.date, *, today: dt.date | None = None) -> str | None:
    """Why ``month`` cannot be locked now (None: it can)."""
    current = (today or timezone.localdate()).replace(day=1)
    last = StockPeriod.objects.order_by("-month").values_list("month", flat=True).first()
    if last is not None and month <= last:
        return _("%(month)s is already locked.") % {"month": f"{month:%Y-%m}"}
    if month >= current:
        return _("%(month)s is not over yet: a month is locked once it has ended.") % {"month": f"{month:%Y-%m}"}
    if last is not None and month != next_month(last):
        return _("Lock %(next)s first: months are locked in order.") % {"next": f"{next_month(last):%Y-%m}"}
    return None


@transaction.atomic
def stock_period_lock(*, actor, month: dt.date) -> StockPeriod:
    """对账锁定: lock ``month`` and keep its closing stock row by row, the opening of the next month."""
    months_hold(exclusive=True)
    month = month.replace(day=1)
    refusal = lock_refusal(month)
    if refusal:
        raise ServiceError("month_not_lockable", refusal, field="month")
    result = reconciliation_compute(month=month)
    period = StockPeriod(month=month, locked_by=actor, rows=len(result.lines),
                         closing_quantity=result.totals.closing_quantity, closing_value=result.totals.closing_value)
    period.save()
    StockSnapshot.objects.bulk_create(
        [StockSnapshot(period=period, part_id=line.part_id, location_id=line.location_id, condition=line.condition,
                       quantity=line.closing_quantity, value=line.closing_value)
         for line in result.lines if line.closing_quantity or line.closing_value], batch_size=2000)
    audit_event(period, action=AuditAction.CREATE, actor=actor, changes=diff({}, snapshot(period)))
    return period
