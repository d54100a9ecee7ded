"""The rules of W10 (returns and exchanges) and of depot repairs, as pure functions: no database.

* A return is allowed (and goes to the general manager) only when every condition holds: asked
  for within ``days`` calendar days of the purchase (the day of purchase is day 0), a quality fault
  not caused by people, the purchase receipt given, the packaging intact.
* A depot batch of ``units`` units is due ``ceil(units / units_per_step) * days_per_step`` working
  days after the day it was received (the day of receipt does not count): with the defaults, up to
  10 units 1 day, up to 20 units 2 days, each further 10 units one more day (SPEC §4, `001`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .choices import ReturnCheck


@dataclass(frozen=True)
class Condition:
    code: str
    label: str
    passed: bool
    detail: str


def return_conditions(*, purchased_on: dt.date, requested_on: dt.date, fault_by_people: bool, receipt_given: bool,
                      packaging_intact: bool, days: int) -> list[Condition]:
    """Every W10 condition, passed or not, with what was found."""
    age = (requested_on - purchased_on).days
    if age < 0:
        within = _("The purchase date is after the date of the request.")
    else:
        within = _("%(age)s days after the purchase; the limit is %(days)s days.") % {"age": age, "days": days}
    return [
        Condition(ReturnCheck.WITHIN_DAYS, str(ReturnCheck.WITHIN_DAYS.label), 0 <= age <= days, within),
        Condition(ReturnCheck.QUALITY_FAULT, str(ReturnCheck.QUALITY_FAULT.label), not fault_by_people,
                  _("The fault was caused by people or misuse.") if fault_by_people else _("A quality fault.")),
        Condition(ReturnCheck.RECEIPT, str(ReturnCheck.RECEIPT.label), receipt_given,
                  _("Receipt given.") if receipt_given else _("No purchase receipt.")),
        Condition(ReturnCheck.PACKAGING, str(ReturnCheck.PACKAGING.label), packaging_intact,
                  _("Packaging intact.") if packaging_intact else _("The packaging is not intact.")),
    ]


def depot_days(units: int, *, units_per_step: int, days_per_step: int) -> int:
    """Working days allowed to repair a batch of ``units`` units."""
    if units < 1 or units_per_step < 1 or days_per_step < 1:
        raise ValueError("units and steps must be at least 1")
    return math.ceil(units / units_per_step) * days_per_step


