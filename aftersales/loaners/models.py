"""The loaner pool (SPEC D6, §8): the company's own units lent to customers while their equipment is
away or a fault is not fixed in time, each loan, and every change of a unit's state."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import ArchiveRefused, RecordModel, TimeStampedModel

from .choices import EventKind, LoanerState, LoanReason, ReturnCondition


class Loaner(RecordModel):
    """备用机: one unit of the pool. Its state changes only through loaners.services."""

    code = models.CharField(_("asset tag"), max_length=30, unique=True,
                            help_text=_("The company's asset number written on the unit."))
    product_model = models.ForeignKey("catalogue.ProductModel", verbose_name=_("product model"),
                                      on_delete=models.PROTECT, related_name="loaners")
    serial_number = models.CharField(_("serial number"), max_length=60)
    grade = models.CharField(_("grade"), max_length=40, db_index=True,
                             help_text=_("Units of the same grade stand in for each other (同档次), "
                                         "e.g. 32-channel NVR."))
    state = models.CharField(_("state"), max_length=12, choices=LoanerState.choices, default=LoanerState.IN_STORE,
                             editable=False, db_index=True)
    home_store = models.ForeignKey("inventory.StockLocation", verbose_name=_("home store"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="loaners",
                                   help_text=_("Where the unit is kept when it is in store."))
    purchase_value = models.DecimalField(_("purchase value"), max_digits=12, decimal_places=2, null=True,
                                         blank=True, validators=[MinValueValidator(0)])
    notes = models.TextField(_("notes"), blank=True)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("loaner")
        verbose_name_plural = _("loaners")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["product_model", "serial_number"], name="loaner_serial_per_model"),
            models.CheckConstraint(condition=models.Q(state__in=LoanerState.values), name="loaner_state_known"),
            models.CheckConstraint(condition=models.Q(purchase_value__gte=0) | models.Q(purchase_value__isnull=True),
                                   name="loaner_purchase_value_not_negative"),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("loaner-detail", args=[self.pk])


class Loan(TimeStampedModel):
    """One lending of a loaner to a customer, open until the unit comes back. Never deleted."""

    loaner = models.ForeignKey(Loaner, verbose_name=_("loaner"), on_delete=models.PROTECT, related_name="loans")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="loans")
    site = models.ForeignKey("customers.Site", verbose_name=_("site"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="loans")
    asset = models.ForeignKey("assets.Asset", verbose_name=_("equipment it stands in for"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="loans")
    service_request = models.ForeignKey("service.ServiceRequest", verbose_name=_("service request"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="loans")
    reason = models.CharField(_("reason"), max_length=20, choices=LoanReason.choices)
    lent_at = models.DateTimeField(_("lent at"), default=timezone.now)
    due_back = models.DateField(_("due back"))
    lent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("lent by"), on_delete=models.PROTECT,
                                related_name="+")
    received_by = models.CharField(_("received by"), max_length=50, blank=True,
                                   help_text=_("Who took the unit at the customer."))
    note = models.TextField(_("note"), blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("taken back by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    return_condition = models.CharField(_("condition on return"), max_length=10, choices=ReturnCondition.choices,
                                        blank=True)
    return_note = models.TextField(_("note on return"), blank=True)

    # A loan belongs to its customer; only staff roles hold loaners.view_loan (accounts.roles).
    customer_path = "customer"

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-lent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["loaner"], condition=models.Q(returned_at__isnull=True),
                                    name="loan_one_open_per_loaner"),
            models.CheckConstraint(
                condition=models.Q(returned_at__isnull=True, return_condition="")
                | (models.Q(returned_at__isnull=False) & ~models.Q(return_condition="")),
                name="loan_return_complete"),
        ]
        indexes = [models.Index(fields=["due_back"], condition=models.Q(returned_at__isnull=True),
                                name="loan_open_due_back")]

    def __str__(self) -> str:
        return f"{self.loaner} · {self.lent_at:%Y-%m-%d}" if self.lent_at else str(self.loaner)

    def delete(self, *args, **kwargs):
        raise ArchiveRefused("Loans are never deleted.")

    @property
    def is_open(self) -> bool:
        return self.returned_at is None

    def days_overdue(self, today: dt.date) -> int:
        """Days past the due date of an open loan (0 when not overdue)."""
        if self.returned_at is not None or self.due_back is None:
            return 0
        return max((today - self.due_back).days, 0)

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.customer_id:
            if self.site_id and self.site.customer_id != self.customer_id:
                errors["site"] = _("This site belongs to another customer.")
            if self.asset_id and self.asset.customer_id != self.customer_id:
                errors["asset"] = _("This equipment belongs to another customer.")
            if self.service_request_id and self.service_request.customer_id != self.customer_id:
                errors["service_request"] = _("This service request is another customer's.")
        if errors:
            raise ValidationError(errors)


class LoanerEventQuerySet(models.QuerySet):
    def delete(self):
        raise ArchiveRefused("History is never deleted.")


class LoanerEvent(models.Model):
    """One change of a loaner's state (or of its open loan): the unit's history. Written by the
    services only, never changed or deleted."""

    loaner = models.ForeignKey(Loaner, verbose_name=_("loaner"), on_delete=models.PROTECT, related_name="events")
    loan = models.ForeignKey(Loan, verbose_name=_("loan"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="events")
    kind = models.CharField(_("event"), max_length=12, choices=EventKind.choices)
    from_state = models.CharField(_("from"), max_length=12, choices=LoanerState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=LoanerState.choices)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)

    customer_path = None
    internal_only = True

    objects = LoanerEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("loaner event")
        verbose_name_plural = _("loaner history")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["loaner", "-at"])]

    def __str__(self) -> str:
        return f"{self.loaner} {self.get_kind_display()}"

    def delete(self, *args, **kwargs):
        raise ArchiveRefused("History is never deleted.")
