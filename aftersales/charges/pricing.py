"""The arithmetic of the four price rules (SPEC W6), without the database: terms and items in,
lines out. Money is Decimal, rounded half up to the cent on every line."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from aftersales.core.errors import ServiceError

from .choices import CENT, LineKind, PriceKind


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Terms:
    kind: str
    labour_rate: Decimal = Decimal("0")
    labour_cap: Decimal | None = None
    travel_charge: Decimal = Decimal("0")
    day_rates: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class PartItem:
    description: str
    quantity: int
    cost: Decimal | None = None  # the unit cost (the catalogue's, or the manager's)
    market: Decimal | None = None  # the unit market price the manager set
    part_id: int | None = None


@dataclass(frozen=True)
class Line:
    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    part_id: int | None = None


@dataclass(frozen=True)
class Totals:
    parts: Decimal
    labour: Decimal
    travel: Decimal
    total: Decimal


def _part_lines(parts: list[PartItem], *, market: bool) -> list[Line]:
    lines = []
    for item in parts:
        unit = item.market if market else item.cost
        if unit is None:
            message = (_("Give the market price of %(part)s.") if market
                       else _("Give the cost of %(part)s: the catalogue has none."))
            raise ServiceError("price_missing", message % {"part": item.description}, field="parts")
        if unit < 0:
            raise ServiceError("price_negative", _("A price cannot be negative."), field="parts")
        unit = money(unit)
        lines.append(Line(LineKind.PART, item.description, Decimal(item.quantity), unit,
                          money(unit * item.quantity), item.part_id))
    return lines


def _labour_lines(terms: Terms, hours: Decimal, person_days: dict[str, Decimal]) -> list[Line]:
    if terms.kind == PriceKind.MARKET_NO_LABOUR:
        return []
    if terms.kind == PriceKind.RATE_CARD:
        lines = []
        for role, days in person_days.items():
            if role not in terms.day_rates:
                raise ServiceError("rate_missing", _("The rate card has no rate for “%(role)s”.") % {"role": role},
                                   field="person_days")
            if days <= 0:
                raise ServiceError("days", _("Person-days must be more than 0."), field="person_days")
            rate = money(terms.day_rates[role])
            lines.append(Line(LineKind.PERSON_DAYS, role, Decimal(days), rate, money(rate * days)))
        return lines
    if hours <= 0:
        return []
    rate = money(terms.labour_rate)
    amount = money(rate * hours)
    description = _("Labour")
    if terms.kind == PriceKind.HOURLY_CAPPED and terms.labour_cap is not None and amount > terms.labour_cap:
        amount = money(terms.labour_cap)
        description = _("Labour (capped)")
    return [Line(LineKind.LABOUR, description, Decimal(hours), rate, amount)]


def price_lines(terms: Terms, *, parts: list[PartItem], hours: Decimal = Decimal("0"),
                person_days: dict[str, Decimal] | None = None, travel: bool = False, free_parts: bool = False,
                free_labour: bool = False, parts_only: bool = False) -> list[Line]:
    """The lines of a job under ``terms``. ``free_parts`` / ``free_labour``: what the entitlement
    still covers (a maintenance contract that covers labour only); ``parts_only``: misuse in
    warranty at a company that charges only the cost of the parts (W5)."""
    if hours is None or hours < 0:
        raise ServiceError("hours", _("Labour hours cannot be negative."), field="hours")
    market = terms.kind == PriceKind.MARKET_NO_LABOUR and not parts_only
    lines = [] if free_parts else _part_lines(parts, market=market)
    if not (free_labour or parts_only):
        lines += _labour_lines(terms, Decimal(hours), person_days or {})
        if travel and terms.travel_charge > 0:
            lines.append(Line(LineKind.TRAVEL, _("Travel"), Decimal(1), money(terms.travel_charge),
                              money(terms.travel_charge)))
    return lines


def totals_of(lines: list[Line]) -> Totals:
    parts = sum((line.amount for line in lines if line.kind == LineKind.PART), Decimal("0"))
    labour = sum((line.amount for line in lines if line.kind in (LineKind.LABOUR, LineKind.PERSON_DAYS)), Decimal("0"))
    travel = sum((line.amount for line in lines if line.kind == LineKind.TRAVEL), Decimal("0"))
    return Totals(money(parts), money(labour), money(travel), money(parts + labour + travel))
