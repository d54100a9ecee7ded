"""Charges (SPEC W5–W9): price rules, the quote of a work order, misuse found on site, and the
cost of a third party the customer hired when we were late (cost against us).

A work order (one visit) has at most one quote. The quote records the entitlement decision
(free or chargeable, and why), the rule and prices the service manager set (W6), its lines and
totals for finance, and how the customer accepted it (a signature on site, or the portal).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import RecordModel, TimeStampedModel

from .choices import (
    AcceptedVia,
    Decision,
    DecisionReason,
    LineKind,
    PriceKind,
    QuoteState,
)

MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class PriceRule(RecordModel):
    """How out-of-warranty (or misuse) work is priced: one of the four rules of SPEC W6."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=PriceKind.choices)
    labour_rate = models.DecimalField(_("labour per hour (yuan)"), default=Decimal("0"), **MONEY)
    labour_cap = models.DecimalField(_("labour cap per job (yuan)"), null=True, blank=True,
                                     help_text=_("Labour per hour with a cap: the most labour charged for one job."),
                                     **MONEY)
    travel_charge = models.DecimalField(_("travel charge (yuan)"), default=Decimal("0"), **MONEY)
    misuse_parts_only = models.BooleanField(
        _("misuse: parts only"), default=False,
        help_text=_("Damage by misuse in warranty is charged at the cost of the parts only."))
    is_default = models.BooleanField(_("default rule"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("price rule")
        verbose_name_plural = _("price rules")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True),
                                               name="one_default_price_rule")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("charges-price-rules")


class RateCardLine(models.Model):
    """One line of a rate card (SPEC W6, `004`): a role and its price per person-day."""

    rule = models.ForeignKey(PriceRule, on_delete=models.PROTECT, related_name="rate_lines")
    role = models.CharField(_("role"), max_length=50)
    daily_rate = models.DecimalField(_("yuan per person-day"), **MONEY)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("rate card line")
        verbose_name_plural = _("rate card lines")
        ordering = ["rule", "id"]
        constraints = [models.UniqueConstraint(fields=["rule", "role"], name="one_rate_per_role")]

    def __str__(self) -> str:
        return f"{self.role} {self.daily_rate}"


def acceptance_upload_to(instance: "Quote", filename: str) -> str:
    return f"quotes/{instance.work_order_id}/{uuid.uuid4().hex}.png"


class Quote(TimeStampedModel):
    number = models.CharField(_("number"), max_length=30, unique=True, editable=False,
                              help_text=_("BJ and the number of the work order it prices."))
    work_order = models.OneToOneField("workorders.WorkOrder", verbose_name=_("work order"), on_delete=models.PROTECT,
                                      related_name="quote")
    state = models.CharField(_("state"), max_length=10, choices=QuoteState.choices, default=QuoteState.DRAFT,
                             db_index=True)
    # the entitlement decision (W5, W6)
    coverage = models.CharField(_("coverage"), max_length=20, blank=True)
    entitlement_reason = models.TextField(_("entitlement"), blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    decision_reason = models.CharField(_("why"), max_length=20, choices=DecisionReason.choices)
    free_labour = models.BooleanField(_("labour free"), default=False)
    free_parts = models.BooleanField(_("parts free"), default=False)
    # the price (W6): set by the service manager before the quote goes out
    rule = models.ForeignKey(PriceRule, verbose_name=_("price rule"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="quotes")
    hours = models.DecimalField(_("labour hours"), max_digits=8, decimal_places=2, null=True, blank=True)
    travel = models.BooleanField(_("travel charged"), default=False)
    priced_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("priced by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    priced_at = models.DateTimeField(_("priced at"), null=True, blank=True)
    quoted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("quoted by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    quoted_at = models.DateTimeField(_("quoted at"), null=True, blank=True)
    # the answer
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answer recorded by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    accepted_via = models.CharField(_("accepted by"), max_length=10, choices=AcceptedVia.choices, blank=True)
    signer_name = models.CharField(_("signer"), max_length=50, blank=True)
    signature = models.FileField(_("signature"), upload_to=acceptance_upload_to, max_length=200, blank=True)
    decline_reason = models.TextField(_("why declined"), blank=True)
    # totals for finance
    parts_total = models.DecimalField(_("parts"), default=Decimal("0"), **MONEY)
    labour_total = models.DecimalField(_("labour"), default=Decimal("0"), **MONEY)
    travel_total = models.DecimalField(_("travel"), default=Decimal("0"), **MONEY)
    total = models.DecimalField(_("total"), default=Decimal("0"), **MONEY)

    customer_path = "work_order__request__customer"

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at", "-id"]
        permissions = [("price_quote", "Can set the price of a quote"),
                       ("accept_quote", "Can record the answer to a quote")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(state=QuoteState.ACCEPTED) | ~models.Q(accepted_via=""),
                                   name="accepted_quote_says_how"),
            models.CheckConstraint(condition=~models.Q(state__in=[QuoteState.PRICED, QuoteState.QUOTED,
                                                                  QuoteState.ACCEPTED]) | models.Q(rule__isnull=False),
                                   name="priced_quote_has_rule"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("charges-quote", args=[self.pk])


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(_("kind"), max_length=20, choices=LineKind.choices)
    description = models.CharField(_("description"), max_length=200)
    part = models.ForeignKey("catalogue.Part", verbose_name=_("part"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    amount = models.DecimalField(_("amount"), **MONEY)

    customer_path = "quote__work_order__request__customer"

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["quote", "id"]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"


class MisuseFinding(models.Model):
    """Damage caused by misuse or by people (人为损坏), found by the technician, backed by damage
    photos of the visit: it makes work in warranty chargeable by the company's rule (W5)."""

    work_order = models.OneToOneField("workorders.WorkOrder", verbose_name=_("work order"),
                                      on_delete=models.PROTECT, related_name="misuse")
    description = models.TextField(_("what was damaged and how"))
    photos = models.ManyToManyField("workorders.VisitPhoto", verbose_name=_("damage photos"), related_name="+")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("marked by"), on_delete=models.PROTECT,
                                  related_name="+")
    marked_at = models.DateTimeField(_("marked at"), auto_now_add=True)

    customer_path = "work_order__request__customer"

    class Meta:
        verbose_name = _("misuse finding")
        verbose_name_plural = _("misuse findings")
        ordering = ["-marked_at", "-id"]

    def __str__(self) -> str:
        return str(self.work_order)


class ThirdPartyCost(TimeStampedModel):
    """We did not come within the promised time, the customer hired someone else: the cost is ours,
    deducted from the quality deposit (SPEC W9)."""

    request = models.ForeignKey("service.ServiceRequest", verbose_name=_("service request"),
                                on_delete=models.PROTECT, related_name="third_party_costs")
    breach = models.ForeignKey("service.Breach", verbose_name=_("breach"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="third_party_costs")
    incurred_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    invoice_ref = models.CharField(_("invoice"), max_length=60, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, related_name="+")

    customer_path = "request__customer"

    class Meta:
        verbose_name = _("third-party cost")
        verbose_name_plural = _("third-party costs")
        ordering = ["-incurred_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="third_party_cost_positive")]

    def __str__(self) -> str:
        return f"{self.request} {self.amount}"

    def clean(self) -> None:
        super().clean()
        if self.breach_id is not None and self.request_id is not None and self.breach.request_id != self.request_id:
            raise ValidationError({"breach": _("This breach belongs to another request.")})
