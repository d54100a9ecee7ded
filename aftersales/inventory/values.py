"""Values of stock (moving weighted average, 移动加权平均): the one rounding, and the value stock takes.

Stock that comes from outside the stores (receipt, return unused, defective return, a count higher
than the stock) comes in at the unit cost given, else the part's unit cost, else 0: value = quantity
× unit cost, rounded half up to 0.01. Stock taken from a row takes value at that row's average:
quantity × value ÷ on hand, rounded half up to 0.01, and the last units out take the row's whole
remaining value, so a row without stock has no value left. A transfer or a repair carries the value
taken to the other row. Every movement stores its unit cost (4 places; for stock taken out, value ÷
quantity) and its value (2 places): a row's value is exactly the sum of the values of its movements,
in minus out.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from aftersales.core.errors import ServiceError

from .models import StockBalance

CENT = Decimal("0.01")
UNIT = Decimal("0.0001")
MAX_UNIT_COST = Decimal("999999999999.9999")
MAX_VALUE = Decimal("99999999999999.99")  # 16 digits, 2 places: the value columns


def money(amount: Decimal) -> Decimal:
    """Rounded half up to 0.01: the one rounding of every value."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def value_taken(balance: StockBalance, quantity: int) -> Decimal:
    """The value ``quantity`` units take from ``balance``: at its average cost; the last units out
    take all that is left."""
    if quantity >= balance.quantity:
        return balance.value
    return money(balance.value * quantity / balance.quantity)


def check_unit_cost(unit_cost: Any) -> Decimal | None:
    if unit_cost is None or unit_cost == "":
        return None
    if isinstance(unit_cost, bool) or not isinstance(unit_cost, (int, Decimal, str)):
        raise ServiceError("invalid_unit_cost", _("Give the unit cost as a number of at most 4 decimal places, "
                                             "0 or more."), field="unit_cost")
    try:
        cost = Decimal(str(unit_cost).strip())
    except InvalidOperation:
        cost = None
    if cost is None or not cost.is_finite() or cost < 0 or cost > MAX_UNIT_COST or cost != cost.quantize(UNIT):
        raise ServiceError("invalid_unit_cost", _("Give the unit cost as a number of at most 4 decimal places, "
                                             "0 or more."), field="unit_cost")
    return cost.quantize(UNIT)
