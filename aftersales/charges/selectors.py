"""Reads of charges: may chargeable work go on, a work order's charge lines (the service report),
and the month's totals for finance (income by quote, cost against us by customer)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.scoping import scope

from .choices import Decision, QuoteState
from .models import MisuseFinding, PriceRule, Quote, QuoteLine, ThirdPartyCost

ZERO = Decimal("0.00")


def quote_of(work_order) -> Quote | None:
    return Quote.objects.filter(work_order=work_order).first()


def chargeable_work_blocked(work_order) -> str | None:
    """Why chargeable work on ``work_order`` may not go on yet, or None.

    Blocked: a chargeable quote the customer has not accepted (waiting for the price, priced,
    quoted or declined), or misuse marked with no quote yet. Free work, an accepted quote, and a
    work order nobody opened a quote for (and no misuse) go on."""
    quote = quote_of(work_order)
    if quote is None:
        if MisuseFinding.objects.filter(work_order=work_order).exists():
            return _("Damage by misuse is marked: the work is chargeable and needs a quote the customer accepted.")
        return None
    if quote.decision == Decision.FREE or quote.state == QuoteState.ACCEPTED:
        return None
    return {
        QuoteState.DRAFT: _("The work is chargeable: the service manager must set the price, then the customer "
                            "accepts the quote."),
        QuoteState.PRICED: _("The work is chargeable: the customer has not been given the quote yet."),
        QuoteState.QUOTED: _("The work is chargeable: the customer has not accepted the quote yet."),
        QuoteState.DECLINED: _("The customer declined the quote: chargeable work may not go on."),
    }.get(QuoteState(quote.state), _("The work is chargeable and the quote is not accepted."))


@dataclass(frozen=True)
class ChargeLine:
    kind: str
    kind_label: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


def charge_lines(work_order) -> dict:
    """What the service report prints of the charges: the decision, the lines and totals (empty
    lines when the work is free or not priced)."""
    quote = Quote.objects.filter(work_order=work_order).select_related("rule").first()
    if quote is None:
        return {"quote": None, "free": None, "lines": [], "total": ZERO}
    lines = [ChargeLine(line.kind, line.get_kind_display(), line.description, line.quantity, line.unit_price,
                        line.amount) for line in quote.lines.all()]
    return {"quote": quote, "free": quote.decision == Decision.FREE, "decision": quote.get_decision_display(),
            "reason": quote.get_decision_reason_display(), "state": quote.get_state_display(), "lines": lines,
            "parts": quote.parts_total, "labour": quote.labour_total, "travel": quote.travel_total,
            "total": quote.total}


def quote_list(*, actor) -> QuerySet:
    return scope(Quote.objects.all(), actor).select_related(
        "work_order__request__customer", "rule", "priced_by").order_by("-created_at", "-id")


def quote_get_for(*, actor, pk: int) -> Quote:
    from django.http import Http404

    quote = quote_list(actor=actor).filter(pk=pk).first()
    if quote is None:
        raise Http404
    return quote


def quote_lines(quote: Quote) -> QuerySet:
    return QuoteLine.objects.filter(quote=quote).select_related("part").order_by("id")


def price_rules(*, actor, archived: bool = False) -> QuerySet:
    return scope(PriceRule.objects.filter(archived_at__isnull=not archived), actor).prefetch_related("rate_lines")


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(following, dt.time.min))


def finance_month(*, actor, month: dt.date) -> dict:
    """收费汇总: the quotes accepted in the month (per customer, with parts, labour, travel and total)
    and the third-party costs of the month against us (per customer)."""
    start, end = month_bounds(month)
    accepted = scope(Quote.objects.filter(state=QuoteState.ACCEPTED, answered_at__gte=start, answered_at__lt=end),
                     actor)
    income = list(accepted.values("work_order__request__customer__id", "work_order__request__customer__name")
                  .annotate(quotes=Count("id"), parts=Sum("parts_total"), labour=Sum("labour_total"),
                            travel=Sum("travel_total"), total=Sum("total"))
                  .order_by("work_order__request__customer__name"))
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    costs = scope(ThirdPartyCost.objects.filter(incurred_on__gte=first, incurred_on__lt=following), actor)
    against = list(costs.values("request__customer__id", "request__customer__name")
                   .annotate(count=Count("id"), amount=Sum("amount")).order_by("request__customer__name"))
    return {
        "income": income,
        "income_total": sum((row["total"] for row in income), ZERO),
        "costs": against,
        "costs_total": sum((row["amount"] for row in against), ZERO),
    }


def third_party_costs(*, actor) -> QuerySet:
    return scope(ThirdPartyCost.objects.all(), actor).select_related("request__customer", "breach", "recorded_by")
