"""Monthly reconciliation with finance (月度对账, SPEC P5): per store, part and condition, the opening
stock (quantity and value), the movements of the month by kind, and the closing stock; a month
once reconciled is locked.

The movement services keep, in the transaction of each movement and under the lock of the stock
row, the month's totals per stock row, kind and side (StockMonthTotal): a month's reconciliation
reads at most one total per stock row and kind, however many movements the month had (the same
few queries, and a time that does not grow with the movements). The opening of a month is the
closing snapshot of the last locked month before it (StockSnapshot, written when that month was
locked) plus the totals of the months since, summed by the database (GROUP BY part, store,
condition); without any locked month, the totals of every month before it. Closing = opening + in
− out, in quantity and in value. The movements stay the record: ``month_totals_from_movements``
and ``stock_at`` sum them again (GROUP BY), to check the totals and the stock rows.

Months are local months (settings.TIME_ZONE). Locking a month: it must be over, and months are
locked in order (the first lock may be any month that is over: it closes everything before it
too). Once locked, no movement may be dated in it or before it (inventory.services refuses it).
A lock waits for postings in progress and holds new ones for the few seconds it takes
(``months_hold``: a PostgreSQL advisory lock, shared by postings, exclusive for the lock; SQLite
runs one writer at a time anyway).
"""

from .closing import lock_refusal, stock_period_lock
from .figures import (
    Line,
    Reconciliation,
    money,
    month_totals_add,
    month_totals_from_movements,
    month_totals_kept,
    reconciliation_compute,
    stock_at,
)
from .months import (
    closed_until,
    first_month,
    last_locked,
    month_of,
    month_start,
    months_hold,
    next_month,
    parse_month,
    previous_month,
)
from .workbook import reconciliation_workbook

__all__ = [
    "Line", "Reconciliation", "closed_until", "first_month", "last_locked", "lock_refusal", "money", "month_of",
    "month_start", "month_totals_add", "month_totals_from_movements", "month_totals_kept", "months_hold",
    "next_month", "parse_month", "previous_month", "reconciliation_compute", "reconciliation_workbook",
    "stock_at", "stock_period_lock",
]
