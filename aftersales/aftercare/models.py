"""After-sales policies (SPEC W8, W10) and depot repairs (SPEC §4, `001`).

* PolicySetting: one row, the figures of the policies (repair-count thresholds, return period,
  depot-repair steps, follow-up days), changed by whoever holds aftercare.change_policysetting.
* ReturnRequest: a customer's request to return or exchange a unit; the conditions of W10 are
  checked when it is registered; one that fails any is refused by the rules (the customer bears the
  cost), the others wait for the general manager's approval.
* DepotBatch: units a customer sends in for repair, received together; its due date follows the
  batch size; once returned, a follow-up is due (SPEC F1).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import RecordModel, TimeStampedModel

from .choices import CUSTOMER_PAYS, DepotState, ReturnState, Wanted


class PolicySetting(TimeStampedModel):
    """The figures of the after-sales policies: a single row (id 1)."""

    part_repair_threshold = models.PositiveSmallIntegerField(
        _("part repairs before replacing the part"), default=3, validators=[MinValueValidator(1)],
        help_text=_("When the same part of a unit has been repaired this many times, the next repair proposes "
                    "replacing the part."))
    unit_repair_threshold = models.PositiveSmallIntegerField(
        _("unit repairs before replacing the unit"), default=3, validators=[MinValueValidator(1)],
        help_text=_("When a unit has been repaired this many times, the next repair proposes replacing the unit."))
    return_days = models.PositiveSmallIntegerField(
        _("return period (days)"), default=7, validators=[MaxValueValidator(365)],
        help_text=_("A return or exchange is accepted within this many days of the purchase."))
    depot_units_per_step = models.PositiveSmallIntegerField(
        _("depot repairs: units per step"), default=10, validators=[MinValueValidator(1)])
    depot_days_per_step = models.PositiveSmallIntegerField(
        _("depot repairs: working days per step"), default=1, validators=[MinValueValidator(1)],
        help_text=_("A batch gets this many working days for each step of units begun: up to 10 units 1 day, "
                    "up to 20 units 2 days, and so on."))
    follow_up_days = models.PositiveSmallIntegerField(
        _("follow-up within (days)"), default=3, validators=[MinValueValidator(1)],
        help_text=_("After the units go back to the customer, a follow-up is due within this many days."))

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("after-sales policy")
        verbose_name_plural = _("after-sales policies")

    def __str__(self) -> str:
        return str(_("After-sales policies"))

    def get_absolute_url(self) -> str:
        return reverse("aftercare-policy")


class ReturnRequest(RecordModel):
    """A return or exchange asked for by a customer (SPEC W10)."""

    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="return_requests")
    asset = models.ForeignKey("assets.Asset", verbose_name=_("equipment"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="return_requests")
    product_model = models.ForeignKey("catalogue.ProductModel", verbose_name=_("model"), on_delete=models.PROTECT,
                                      related_name="+")
    serial_number = models.CharField(_("serial number"), max_length=60, blank=True)
    purchased_on = models.DateField(_("purchase date"))
    requested_on = models.DateField(_("date of the request"))
    receipt_given = models.BooleanField(_("purchase receipt given"), default=False)
    packaging_intact = models.BooleanField(_("packaging intact"), default=False)
    fault_by_people = models.BooleanField(_("fault caused by people or misuse"), default=False)
    fault_description = models.TextField(_("fault"))
    wanted = models.CharField(_("the customer wants"), max_length=10, choices=Wanted.choices)
    state = models.CharField(_("state"), max_length=10, choices=ReturnState.choices, default=ReturnState.SUBMITTED,
                             editable=False)
    failed_checks = models.JSONField(_("conditions not met"), default=list, blank=True, editable=False)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"), null=True,
                                      blank=True, editable=False, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   editable=False, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    reason = models.TextField(_("reason"), blank=True, editable=False)

    customer_path = "customer"

    class Meta:
        verbose_name = _("return or exchange")
        verbose_name_plural = _("returns and exchanges")
        ordering = ["-requested_on", "-id"]
        permissions = [("approve_returnrequest", _("Can approve or refuse returns and exchanges"))]
        constraints = [
            models.CheckConstraint(condition=~models.Q(state=ReturnState.APPROVED) | models.Q(decided_by__isnull=False),
                                   name="aftercare_return_approved_by_someone"),
        ]

    def __str__(self) -> str:
        return f"TH-{self.pk or 0:06d} {self.serial_number}".strip()

    def get_absolute_url(self) -> str:
        return reverse("aftercare-return-detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.asset_id and self.customer_id and self.asset.customer_id != self.customer_id:
            raise ValidationError({"asset": _("This equipment belongs to another customer.")})

    @property
    def customer_bears_cost(self) -> bool:
        return self.state in CUSTOMER_PAYS


class DepotBatch(RecordModel):
    """Units a customer sent in for repair, received together (SPEC §4, `001`)."""

    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="depot_batches")
    reference = models.CharField(_("reference"), max_length=60, blank=True,
                                 help_text=_("The customer's delivery note or waybill number."))
    received_at = models.DateTimeField(_("received at"))
    unit_count = models.PositiveIntegerField(_("units"), validators=[MinValueValidator(1), MaxValueValidator(10000)])
    serial_numbers = models.TextField(_("serial numbers"), blank=True,
                                      help_text=_("One per line; when given, as many as the units."))
    description = models.TextField(_("faults"), blank=True)
    due_on = models.DateField(_("due"), editable=False)
    state = models.CharField(_("state"), max_length=10, choices=DepotState.choices, default=DepotState.RECEIVED,
                             editable=False)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("received by"), null=True, blank=True,
                                    editable=False, on_delete=models.PROTECT, related_name="+")
    repaired_at = models.DateTimeField(_("repaired at"), null=True, blank=True, editable=False)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True, editable=False)
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True, editable=False)
    follow_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True, editable=False)
    follow_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("followed up by"), null=True,
                                     blank=True, editable=False, on_delete=models.PROTECT, related_name="+")
    follow_up_note = models.TextField(_("follow-up note"), blank=True, editable=False)

    customer_path = "customer"

    class Meta:
        verbose_name = _("depot repair batch")
        verbose_name_plural = _("depot repair batches")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "due_on"]), models.Index(fields=["state", "follow_up_due"])]

    def __str__(self) -> str:
        return f"FX-{self.pk or 0:06d}"

    def get_absolute_url(self) -> str:
        return reverse("aftercare-depot-detail", args=[self.pk])

    def serial_list(self) -> list[str]:
        return [line.strip() for line in self.serial_numbers.splitlines() if line.strip()]

    def is_late(self, today) -> bool:
        return self.state == DepotState.RECEIVED and self.due_on < today

    def follow_up_late(self, today) -> bool:
        return (self.state == DepotState.RETURNED and self.follow_up_at is None and self.follow_up_due is not None
                and self.follow_up_due < today)
