"""Months of the reconciliation: local months (settings.TIME_ZONE), the locked months, and the
hold that keeps them still while a month is locked."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Min
from django.utils import timezone

from ..models import StockMovement, StockPeriod

LOCK_KEY = 0x53544F434B  # "STOCK": the advisory lock that holds the locked months still

def month_of(at: dt.datetime) -> dt.date:
    """The (local) month of a moment, as its first day."""
    return timezone.localtime(at).date().replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def month_start(month: dt.date) -> dt.datetime:
    """The first moment of a (local) month."""
    return timezone.make_aware(dt.datetime(month.year, month.month, 1))


def parse_month(text: str | None) -> dt.date | None:
    """``2026-10`` as 2026-10-01; None when it is not a month."""
    try:
        return dt.datetime.strptime((text or "").strip(), "%Y-%m").date()
    except ValueError:
        return None


def months_hold(*, exclusive: bool = False) -> None:
    """Hold the locked months still until the transaction ends: every posting takes it shared (before
    any row lock), a month's lock takes it exclusive."""
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("months_hold() is held until the end of a transaction: call it in one.")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_xact_lock{'' if exclusive else '_shared'}(%s)", [LOCK_KEY])


def last_locked() -> StockPeriod | None:
    return StockPeriod.objects.select_related("locked_by").order_by("-month").first()


def closed_until() -> dt.datetime | None:
    """The first moment a movement may be dated at: the end of the last locked month (None: none is)."""
    month = StockPeriod.objects.order_by("-month").values_list("month", flat=True).first()
    return month_start(next_month(month)) if month else None


def first_month() -> dt.date | None:
    """The month of the first movement ever."""
    first = StockMovement.objects.aggregate(first=Min("at"))["first"]
    return month_of(first) if first else None
