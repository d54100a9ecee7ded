"""Contracts: the warranty that came with a sale, and paid maintenance contracts after it (SPEC §2, §3)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import RecordModel

from .choices import ContractKind


class Contract(RecordModel):
    number = models.CharField(_("contract number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ContractKind.choices)
    title = models.CharField(_("title"), max_length=150)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    project = models.ForeignKey(
        "assets.Project", verbose_name=_("project"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="contracts",
    )
    assets = models.ManyToManyField("assets.Asset", verbose_name=_("covered assets"), related_name="contracts", blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date"), null=True, blank=True,
        help_text=_("Maintenance contracts: the last covered day. Warranties run per asset from its acceptance date."),
    )
    warranty_months = models.PositiveIntegerField(
        _("warranty term (months)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    latent_defect_months = models.PositiveIntegerField(
        _("latent-defect period (months)"), default=24, validators=[MaxValueValidator(240)]
    )
    roll_to_working_day = models.BooleanField(
        _("extend to next working day"), default=True,
        help_text=_("When a term ends on a holiday or weekend, it runs to the next working day (Civil Code art. 203)."),
    )
    free_labour = models.BooleanField(_("labour free"), default=True)
    free_parts = models.BooleanField(_("parts free"), default=True)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2, default=Decimal("0"),
                                validators=[MinValueValidator(Decimal("0"))])
    original_value = models.DecimalField(
        _("original contract value"), max_digits=14, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The value of the original sale; the yearly renewal price is a share of it."),
    )
    renewal_rate = models.DecimalField(
        _("renewal rate"), max_digits=5, decimal_places=4, default=Decimal("0.05"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Share of the original value charged per year of renewal (5% by default)."),
    )
    renews = models.ForeignKey(
        "self", verbose_name=_("renews"), null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )
    service_level = models.ForeignKey(
        "service.ServiceLevel", verbose_name=_("service level"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="contracts", help_text=_("Empty: the default service level."),
    )
    notes = models.TextField(_("notes"), blank=True)

    customer_path = "customer"
    internal_fields = ("original_value", "renewal_rate", "notes")

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-start_date", "number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="contract_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("contract-detail", args=[self.pk])

    @property
    def renewal_price(self) -> Decimal:
        """Yearly renewal price: the renewal rate of the original value (SPEC W7)."""
        base = self.original_value if self.original_value is not None else self.price
        return (base * self.renewal_rate).quantize(Decimal("0.01"))

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == ContractKind.WARRANTY and not self.warranty_months:
            errors["warranty_months"] = _("A warranty needs its term in months.")
        if self.kind == ContractKind.MAINTENANCE and not self.end_date:
            errors["end_date"] = _("A maintenance contract needs an end date.")
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date cannot be before the start date.")
        if self.project_id and self.customer_id and self.project.customer_id != self.customer_id:
            errors["project"] = _("This project belongs to another customer.")
        if self.renews_id and self.customer_id and self.renews.customer_id != self.customer_id:
            errors["renews"] = _("The renewed contract belongs to another customer.")
        if errors:
            raise ValidationError(errors)
