"""Writes of charges (SPEC W5–W9): the quote of a work order through its states, misuse found on
site, and the cost of a third party hired when we were late.

Who may do what: opening a quote, sending it and recording misuse need ``charges.add_quote`` /
``charges.change_quote`` / ``charges.add_misusefinding`` (whoever works requests); pricing needs
``charges.price_quote`` (the service manager, W6); recording the customer's answer needs
``charges.accept_quote``: staff record a signature on site, a customer user answers through the
portal for their own customer only. Every step locks its rows (work order, then quote), checks
the state table, writes the audit row and the request's timeline.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.audit import AuditAction, audit_event, diff, snapshot
from aftersales.core.errors import ServiceError
from aftersales.core.uploads import signature_png
from aftersales.service import services as requests
from aftersales.service.choices import TimelineKind
from aftersales.service.models import Breach, ServiceRequest
from aftersales.workorders.choices import WorkOrderState
from aftersales.workorders.models import PhotoKind, WorkOrder

from . import pricing
from .choices import TRANSITIONS, AcceptedVia, Decision, DecisionReason, QuoteState
from .models import MisuseFinding, PriceRule, Quote, QuoteLine, ThirdPartyCost

OPEN_PERMISSION = "charges.add_quote"
QUOTE_PERMISSION = "charges.change_quote"
PRICE_PERMISSION = "charges.price_quote"
ANSWER_PERMISSION = "charges.accept_quote"
MISUSE_PERMISSION = "charges.add_misusefinding"
COST_PERMISSION = "charges.add_thirdpartycost"
MAX_AMOUNT = Decimal("999999999999.99")


# ---------------------------------------------------------------- helpers


def _require(actor, permission: str, *, staff: bool = True) -> None:
    if actor is None:
        return  # the system itself (demo data, a task)
    if not actor.has_perm(permission) or (staff and actor.is_external):
        raise PermissionDenied(_("Your role may not do this."))


def _locked_quote(quote: Quote) -> Quote:
    return Quote.objects.select_for_update(of=("self",)).select_related(
        "work_order__request__customer", "rule").get(pk=quote.pk)


def _move(quote: Quote, to: str, action: str) -> None:
    if to not in TRANSITIONS[QuoteState(quote.state)]:
        raise ServiceError("wrong_state", _("Quote %(quote)s is “%(state)s” and cannot be %(action)s.") % {
            "quote": quote, "state": quote.get_state_display(), "action": action}, field="state")
    quote.state = to


def _save(quote: Quote, actor, before: dict, fields: list[str]) -> Quote:
    quote.full_clean(exclude=["work_order", "rule", "signature"])
    quote.save(update_fields=[*fields, "updated_at"])
    audit_event(quote, action=AuditAction.UPDATE, actor=actor, changes=diff(before, snapshot(quote)))
    return quote


def _event(quote: Quote, actor, text: str, step: str, **data: Any) -> None:
    requests.request_timeline_add(request=quote.work_order.request, actor=actor, kind=TimelineKind.WORK_ORDER,
                                  text=f"{quote}: {text}", data={"quote": quote.pk, "step": step, **data})


def _decimal(value: Any, field_name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ServiceError(field_name, _("Give a number."), field=field_name) from exc
    if not number.is_finite() or number < 0 or number > MAX_AMOUNT:
        raise ServiceError(field_name, _("Give a number from 0 up."), field=field_name)
    return number


def work_day(work_order: WorkOrder) -> dt.date:
    """The day the entitlement is read for: the arrival on site, else the planned start."""
    return timezone.localdate(work_order.arrived_at or work_order.planned_start)


def entitlement_decision(work_order: WorkOrder, *, misuse: bool) -> dict[str, Any]:
    """Free or chargeable, and why (W5, W6): the entitlement of the request's equipment on the day
    of the visit; damage by misuse makes covered work chargeable."""
    from aftersales.contracts.entitlement import Coverage
    from aftersales.contracts.selectors import asset_entitlement

    asset = work_order.request.asset
    if asset is None:
        coverage, reason, free_labour, free_parts = Coverage.NONE, _("No equipment is named on the request; paid "
                                                                     "service."), False, False
    else:
        ent = asset_entitlement(asset=asset, on=work_day(work_order))
        coverage, reason, free_labour, free_parts = ent.coverage, ent.reason, ent.free_labour, ent.free_parts
    fields = {"coverage": str(coverage), "entitlement_reason": reason}
    if misuse and (free_labour or free_parts):
        return fields | {"decision": Decision.CHARGEABLE, "decision_reason": DecisionReason.MISUSE,
                         "free_labour": False, "free_parts": False}
    if free_labour and free_parts:
        return fields | {"decision": Decision.FREE, "decision_reason": DecisionReason.COVERED,
                         "free_labour": True, "free_parts": True}
    why = DecisionReason.PARTLY_COVERED if (free_labour or free_parts) else DecisionReason.NOT_COVERED
    if misuse and why == DecisionReason.NOT_COVERED:
        why = DecisionReason.MISUSE
    return fields | {"decision": Decision.CHARGEABLE, "decision_reason": why, "free_labour": free_labour,
                     "free_parts": free_parts}


def _clear_price(quote: Quote) -> list[str]:
    quote.lines.all().delete()
    quote.rule, quote.hours, quote.travel = None, None, False
    quote.priced_by = quote.priced_at = quote.quoted_by = quote.quoted_at = None
    quote.parts_total = quote.labour_total = quote.travel_total = quote.total = Decimal("0")
    return ["rule", "hours", "travel", "priced_by", "priced_at", "quoted_by", "quoted_at", "parts_total",
            "labour_total", "travel_total", "total"]


def _redecide(quote: Quote, work_order: WorkOrder, actor) -> Quote:
    """The entitlement decision again (misuse was found): a priced or quoted price falls back to
    the service manager; an accepted quote stays as it is."""
    before = snapshot(quote)
    decided = entitlement_decision(work_order, misuse=hasattr(work_order, "misuse"))
    changed = any(getattr(quote, k) != v for k, v in decided.items())
    if not changed:
        return quote
    if quote.state == QuoteState.ACCEPTED:
        raise ServiceError("accepted", _("Quote %(quote)s is already accepted.") % {"quote": quote}, field="state")
    for name, value in decided.items():
        setattr(quote, name, value)
    fields = list(decided) + ["state"] + _clear_price(quote)
    quote.state = QuoteState.FREE if quote.decision == Decision.FREE else QuoteState.DRAFT
    return _save(quote, actor, before, fields)


# ---------------------------------------------------------------- the quote


@transaction.atomic
def quote_open(*, actor, work_order: WorkOrder) -> Quote:
    """The quote of a work order, with its entitlement decision: free (nothing to quote) or
    chargeable (waiting for the service manager's price). A work order has one quote: asked again,
    the existing one is given back unchanged."""
    _require(actor, OPEN_PERMISSION)
    work_order = WorkOrder.objects.select_for_update(of=("self",)).select_related(
        "request__asset", "request__customer").get(pk=work_order.pk)
    if work_order.state == WorkOrderState.VOID:
        raise ServiceError("wrong_state", _("Work order %(number)s is void.") % {"number": work_order.number},
                           field="work_order")
    existing = Quote.objects.filter(work_order=work_order).first()
    if existing is not None:
        return existing  # one quote per work order: opening it again gives it back
    decided = entitlement_decision(work_order, misuse=MisuseFinding.objects.filter(work_order=work_order).exists())
    state = QuoteState.FREE if decided["decision"] == Decision.FREE else QuoteState.DRAFT
    quote = Quote(number=f"BJ{work_order.number}", work_order=work_order, state=state, **decided)
    quote.full_clean(exclude=["work_order", "rule", "signature"])
    quote.save()
    audit_event(quote, action=AuditAction.CREATE, actor=actor, changes=diff({}, snapshot(quote)))
    _event(quote, actor, _("%(decision)s: %(reason)s") % {"decision": quote.get_decision_display(),
                                                          "reason": quote.entitlement_reason}, "open",
           decision=quote.decision)
    return quote


def quoted_parts(work_order: WorkOrder) -> list[tuple[Any, int]]:
    """The parts a quote prices, (part, quantity): those used on the visit; before any is used (a
    quote is accepted before chargeable work), those reserved for the work order (held or collected
    into the van: what the job is planned to take)."""
    from aftersales.inventory.choices import ReservationState

    used = [(u.part, u.quantity) for u in work_order.used_parts.select_related("part")]
    if used:
        return used
    return [(r.part, r.quantity) for r in work_order.reservations.select_related("part").filter(
        state__in=[ReservationState.HELD, ReservationState.COLLECTED]).order_by("id")]


def _part_items(quote: Quote, part_prices: dict[int, Decimal]) -> list[pricing.PartItem]:
    items = []
    for part, quantity in quoted_parts(quote.work_order):
        given = part_prices.get(part.pk)
        items.append(pricing.PartItem(description=f"{part.code} {part.name}", quantity=quantity,
                                      cost=given if given is not None else part.unit_cost, market=given,
                                      part_id=part.pk))
    return items


def _terms(rule: PriceRule) -> pricing.Terms:
    return pricing.Terms(kind=rule.kind, labour_rate=rule.labour_rate, labour_cap=rule.labour_cap,
                         travel_charge=rule.travel_charge,
                         day_rates={line.role: line.daily_rate for line in rule.rate_lines.all()})


@transaction.atomic
def quote_price(*, actor, quote: Quote, rule: PriceRule, hours: Any = None,
                part_prices: dict[int, Any] | None = None, person_days: dict[str, Any] | None = None,
                travel: bool = False, at: dt.datetime | None = None) -> Quote:
    """定价 (W6): the service manager sets the rule and the prices; the lines and totals follow.
    ``part_prices``: part id -> unit price (the market price, or a cost the catalogue lacks);
    ``hours``: the labour hours (the visit's time spent when left out)."""
    _require(actor, PRICE_PERMISSION)
    quote = _locked_quote(quote)
    if quote.decision == Decision.FREE:
        raise ServiceError("free", _("This work is free under the entitlement: there is nothing to price."),
                           field="state")
    if rule is None or rule.archived_at is not None:
        raise ServiceError("rule", _("Choose a current price rule."), field="rule")
    before = snapshot(quote)
    _move(quote, QuoteState.PRICED, _("priced"))
    work_order = quote.work_order
    if hours is None:
        hours = Decimal(work_order.minutes_spent or 0) / 60
    hours = pricing.money(_decimal(hours, "hours"))
    prices = {int(k): _decimal(v, "part_prices") for k, v in (part_prices or {}).items()}
    days = {str(k).strip(): _decimal(v, "person_days") for k, v in (person_days or {}).items()}
    parts_only = quote.decision_reason == DecisionReason.MISUSE and rule.misuse_parts_only and bool(
        quote.coverage and quote.coverage != "none")
    lines = pricing.price_lines(_terms(rule), parts=_part_items(quote, prices), hours=hours, person_days=days,
                                travel=bool(travel), free_parts=quote.free_parts, free_labour=quote.free_labour,
                                parts_only=parts_only)
    totals = pricing.totals_of(lines)
    quote.lines.all().delete()
    QuoteLine.objects.bulk_create([QuoteLine(quote=quote, kind=line.kind, description=line.description[:200],
                                             part_id=line.part_id, quantity=line.quantity,
                                             unit_price=line.unit_price, amount=line.amount) for line in lines])
    quote.rule, quote.hours, quote.travel = rule, hours, bool(travel)
    quote.parts_total, quote.labour_total = totals.parts, totals.labour
    quote.travel_total, quote.total = totals.travel, totals.total
    quote.priced_by = actor if getattr(actor, "pk", None) else None
    quote.priced_at = at or timezone.now()
    _save(quote, actor, before, ["state", "rule", "hours", "travel", "parts_total", "labour_total", "travel_total",
                                 "total", "priced_by", "priced_at"])
    _event(quote, actor, _("priced by %(rule)s: %(total)s yuan") % {"rule": rule, "total": quote.total}, "price",
           total=str(quote.total))
    return quote


@transaction.atomic
def quote_send(*, actor, quote: Quote, at: dt.datetime | None = None) -> Quote:
    """报价: the technician (or desk) gives the priced quote to the customer; never before the
    service manager priced it (W6)."""
    _require(actor, QUOTE_PERMISSION)
    quote = _locked_quote(quote)
    if quote.state == QuoteState.DRAFT:
        raise ServiceError("not_priced", _("The service manager must set the price before the quote is given to "
                                           "the customer."), field="state")
    before = snapshot(quote)
    _move(quote, QuoteState.QUOTED, _("quoted"))
    quote.quoted_by = actor if getattr(actor, "pk", None) else None
    quote.quoted_at = at or timezone.now()
    _save(quote, actor, before, ["state", "quoted_by", "quoted_at"])
    _event(quote, actor, _("quoted to the customer: %(total)s yuan") % {"total": quote.total}, "send")
    return quote


def _require_answerer(actor, quote: Quote) -> str:
    """Staff record the answer given on site; a customer user answers for their own customer only."""
    if actor is None:
        return AcceptedVia.SIGNATURE
    if not actor.has_perm(ANSWER_PERMISSION):
        raise PermissionDenied(_("Your role may not do this."))
    if not actor.is_external:
        return AcceptedVia.SIGNATURE
    if actor.is_customer_user and actor.customer_id == quote.work_order.request.customer_id:
        return AcceptedVia.PORTAL
    raise PermissionDenied(_("Only the customer of this quote may answer it."))


@transaction.atomic
def quote_accept(*, actor, quote: Quote, signer_name: str = "", signature: str | bytes | None = None,
                 at: dt.datetime | None = None) -> Quote:
    """The customer accepts the quote before chargeable work: signed on site (a PNG drawn on the
    screen with the signer's name, recorded by staff) or through the portal (a customer user)."""

    quote = _locked_quote(quote)
    via = _require_answerer(actor, quote)
    if quote.state != QuoteState.QUOTED:
        raise ServiceError("not_quoted", _("Quote %(quote)s is “%(state)s”: only a quote given to the customer can "
                                           "be accepted.") % {"quote": quote, "state": quote.get_state_display()},
                           field="state")
    before = snapshot(quote)
    if via == AcceptedVia.SIGNATURE:
        if not (signer_name or "").strip():
            raise ServiceError("signer_name", _("Give the signer's name."), field="signer_name")
        if not signature:
            raise ServiceError("signature", _("The customer signs to accept the quote."), field="signature")
        png = signature_png(signature)
        quote.signature.save("accept.png", ContentFile(png), save=False)
        quote.signer_name = signer_name.strip()[:50]
    else:
        quote.signer_name = (signer_name or "").strip()[:50] or str(actor)[:50]
    _move(quote, QuoteState.ACCEPTED, _("accepted"))
    quote.accepted_via = via
    quote.answered_at = at or timezone.now()
    quote.answered_by = actor if getattr(actor, "pk", None) else None
    _save(quote, actor, before, ["state", "accepted_via", "answered_at", "answered_by", "signer_name", "signature"])
    _event(quote, actor, _("accepted by %(name)s (%(via)s)") % {"name": quote.signer_name,
                                                                "via": quote.get_accepted_via_display()}, "accept",
           via=via)
    return quote


@transaction.atomic
def quote_decline(*, actor, quote: Quote, reason: str = "", at: dt.datetime | None = None) -> Quote:
    quote = _locked_quote(quote)
    _require_answerer(actor, quote)
    if quote.state != QuoteState.QUOTED:
        raise ServiceError("not_quoted", _("Quote %(quote)s is “%(state)s”: only a quote given to the customer can "
                                           "be declined.") % {"quote": quote, "state": quote.get_state_display()},
                           field="state")
    before = snapshot(quote)
    _move(quote, QuoteState.DECLINED, _("declined"))
    quote.decline_reason = (reason or "").strip()
    quote.answered_at = at or timezone.now()
    quote.answered_by = actor if getattr(actor, "pk", None) else None
    _save(quote, actor, before, ["state", "decline_reason", "answered_at", "answered_by"])
    _event(quote, actor, _("declined by the customer"), "decline")
    return quote


# ---------------------------------------------------------------- misuse (W5)


@transaction.atomic
def misuse_mark(*, actor, work_order: WorkOrder, description: str,
                photos: Iterable | None = None) -> MisuseFinding:
    """人为损坏: the technician marks damage caused by misuse, backed by at least one damage photo of
    the visit; the quote (if any) is decided again: covered work becomes chargeable."""
    from aftersales.workorders.services import require_worker

    _require(actor, MISUSE_PERMISSION)
    work_order = WorkOrder.objects.select_for_update(of=("self",)).select_related(
        "request__asset", "request__customer", "technician").get(pk=work_order.pk)
    require_worker(work_order, actor)
    if work_order.state == WorkOrderState.VOID:
        raise ServiceError("wrong_state", _("Work order %(number)s is void.") % {"number": work_order.number},
                           field="work_order")
    if MisuseFinding.objects.filter(work_order=work_order).exists():
        raise ServiceError("exists", _("Misuse is already marked on this work order."), field="work_order")
    if not (description or "").strip():
        raise ServiceError("description", _("Describe the damage and how it was caused."), field="description")
    damage = work_order.photos.filter(kind=PhotoKind.DAMAGE)
    if photos is not None:
        chosen = {getattr(p, "pk", p) for p in photos}
        damage = damage.filter(pk__in=chosen)
        if damage.count() != len(chosen):
            raise ServiceError("photos", _("Choose damage photos of this work order."), field="photos")
    damage = list(damage)
    if not damage:
        raise ServiceError("photo_required", _("Take at least one photo of the damage before marking misuse."),
                           field="photos")
    finding = MisuseFinding.objects.create(work_order=work_order, description=description.strip(), marked_by=actor)
    finding.photos.set(damage)
    audit_event(finding, action=AuditAction.CREATE, actor=actor, changes=diff({}, snapshot(finding)))
    requests.request_timeline_add(request=work_order.request, actor=actor, kind=TimelineKind.WORK_ORDER,
                                  text=f"{work_order.number}: " + _("damage by misuse marked"),
                                  data={"work_order": work_order.number, "step": "misuse"})
    quote = Quote.objects.select_for_update(of=("self",)).filter(work_order=work_order).first()
    if quote is not None:
        work_order.misuse = finding
        _redecide(quote, work_order, actor)
    return finding


# ---------------------------------------------------------------- third-party cost (W9)


@transaction.atomic
def third_party_cost_record(*, actor, request: ServiceRequest, amount: Any, incurred_on: dt.date,
                            breach: Breach | None = None, invoice_ref: str = "", note: str = "") -> ThirdPartyCost:
    """We were late, the customer hired a third party: its cost is ours (W9). Named against a
    breach of the request, the breach's penalty grows by the amount."""
    _require(actor, COST_PERMISSION)
    amount = pricing.money(_decimal(amount, "amount"))
    if amount <= 0:
        raise ServiceError("amount", _("Give the amount paid to the third party."), field="amount")
    if incurred_on is None:
        raise ServiceError("incurred_on", _("Give the date."), field="incurred_on")
    locked_breach = None
    if breach is not None:
        locked_breach = Breach.objects.select_for_update().get(pk=breach.pk)
        if locked_breach.request_id != request.pk:
            raise ServiceError("breach", _("This breach belongs to another request."), field="breach")
    cost = ThirdPartyCost(request=request, breach=locked_breach, amount=amount, incurred_on=incurred_on,
                          invoice_ref=(invoice_ref or "").strip()[:60], note=(note or "").strip(),
                          recorded_by=actor)
    cost.full_clean(exclude=["request", "breach", "recorded_by"])
    cost.save()
    audit_event(cost, action=AuditAction.CREATE, actor=actor, changes=diff({}, snapshot(cost)))
    if locked_breach is not None:
        before = snapshot(locked_breach)
        locked_breach.penalty = pricing.money(locked_breach.penalty + amount)
        if not locked_breach.penalty_note:
            locked_breach.penalty_note = _("Third party hired by the customer")[:200]
        locked_breach.save(update_fields=["penalty", "penalty_note", "updated_at"])
        audit_event(locked_breach, action=AuditAction.UPDATE, actor=actor,
                    changes=diff(before, snapshot(locked_breach)))
    return cost
