"""Work orders (派工单 / 维修单): one technician's (or team's) visit for a service request (SPEC §7).

A work order is one dispatch: who, when planned, and what happened on that visit: departure,
arrival, work done, parts used, photos, time spent, signatures. A job not finished in one visit
ends with the delay-reason form, and the next visit is a new work order of the same request.
Numbers are sequential per year and never skip or repeat; a spoiled number is kept, void, with
its reason; a job moved to another number records both.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import ArchiveRefused, TimeStampedModel

from .choices import Outcome, WorkOrderState


class WorkOrderNumber(models.Model):
    """The last work-order number given per year: locked while a work order is created, so numbers
    are consecutive whatever happens at once, and a rolled-back creation gives its number back."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    customer_path = None
    internal_only = True


class WorkOrderQuerySet(models.QuerySet):
    def delete(self):
        raise ArchiveRefused("Work orders are never deleted: a spoiled one is void.")


class WorkOrder(TimeStampedModel):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    year = models.PositiveIntegerField(editable=False)
    sequence = models.PositiveIntegerField(editable=False)
    request = models.ForeignKey("service.ServiceRequest", verbose_name=_("service request"),
                                on_delete=models.PROTECT, related_name="work_orders")
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("technician"), on_delete=models.PROTECT,
                                   related_name="work_orders")
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("team"), blank=True,
                                  related_name="team_work_orders", help_text=_("Who goes with the technician."))
    planned_start = models.DateTimeField(_("planned start"))
    planned_minutes = models.PositiveIntegerField(_("planned time (minutes)"), default=120,
                                                  validators=[MinValueValidator(15), MaxValueValidator(60 * 24 * 7)])
    instructions = models.TextField(_("instructions"), blank=True,
                                    help_text=_("What the technician must know: the fault, the system, the contact."))
    briefing = models.TextField(_("briefing"), blank=True,
                                help_text=_("When someone other than the project's own project manager goes: what "
                                            "he was told of the project (SPEC D7)."))
    state = models.CharField(_("state"), max_length=20, choices=WorkOrderState.choices,
                             default=WorkOrderState.PLANNED, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("dispatched by"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")

    # the visit
    travel_started_at = models.DateTimeField(_("left for the site at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    work_done = models.TextField(_("work done"), blank=True)
    minutes_spent = models.PositiveIntegerField(_("time spent (minutes)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    # not finished in one visit (SPEC D4): due within 48 hours of the report
    delay_due_at = models.DateTimeField(_("delay reason due by"), null=True, blank=True)
    delay_reason = models.TextField(_("why not finished"), blank=True)
    next_step = models.TextField(_("next step"), blank=True)
    expected_at = models.DateTimeField(_("expected to finish by"), null=True, blank=True)
    delay_given_at = models.DateTimeField(_("delay reason given at"), null=True, blank=True)

    # void (SPEC D2)
    void_reason = models.TextField(_("why void"), blank=True)
    voided_at = models.DateTimeField(_("void since"), null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("made void by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    moved_to = models.OneToOneField("self", verbose_name=_("moved to"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="moved_from")

    customer_path = "request__customer"
    internal_fields = ("instructions", "briefing")

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-year", "-sequence"]
        permissions = [("void_workorder", "Can make a work order void"),
                       ("report_workorder", "Can have the service report e-mailed")]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="work_order_number_per_year"),
            models.CheckConstraint(condition=~models.Q(state=WorkOrderState.VOID) | ~models.Q(void_reason=""),
                                   name="void_work_order_has_reason"),
        ]
        indexes = [models.Index(fields=["technician", "planned_start"]), models.Index(fields=["request", "state"])]

    def __str__(self) -> str:
        return self.number

    def delete(self, *args, **kwargs):
        raise ArchiveRefused("Work orders are never deleted: a spoiled one is void.")

    def get_absolute_url(self) -> str:
        return reverse("workorder-detail", args=[self.pk])


class UsedPart(models.Model):
    """A part used on the visit, taken from the technician's own stock (an issue movement), and the
    part it replaced when one was swapped out (it comes back as defective stock: SPEC P3)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="used_parts")
    part = models.ForeignKey("catalogue.Part", verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    serial_number = models.CharField(_("serial number fitted"), max_length=60, blank=True)
    removed_serial = models.CharField(_("serial number removed"), max_length=60, blank=True)
    issue = models.OneToOneField("inventory.StockMovement", on_delete=models.PROTECT, related_name="used_on",
                                 editable=False)
    defective_return = models.OneToOneField("inventory.StockMovement", null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="swapped_out_on", editable=False)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    customer_path = "work_order__request__customer"

    class Meta:
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        ordering = ["added_at", "id"]
        # a unit's trail by serial number (inventory.serials): the visits that fitted or removed it
        indexes = [models.Index(fields=["serial_number"], condition=~models.Q(serial_number=""),
                                name="used_part_serial_fitted"),
                   models.Index(fields=["removed_serial"], condition=~models.Q(removed_serial=""),
                                name="used_part_serial_removed")]

    def __str__(self) -> str:
        return f"{self.part} × {self.quantity}"


def photo_upload_to(instance: "VisitPhoto", filename: str) -> str:
    return f"workorders/{instance.work_order_id}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1]}"


class PhotoKind(models.TextChoices):
    WORK = "work", _("Work")
    DAMAGE = "damage", _("Damage by misuse")


class VisitPhoto(models.Model):
    """A photo taken on the visit (checked image, size-limited); damage photos back a misuse finding."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="photos")
    kind = models.CharField(_("kind"), max_length=10, choices=PhotoKind.choices, default=PhotoKind.WORK)
    file = models.FileField(_("file"), upload_to=photo_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    customer_path = "work_order__request__customer"

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "id"]


class SignatureRole(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    TECHNICIAN = "technician", _("Technician")


def signature_upload_to(instance: "Signature", filename: str) -> str:
    return f"signatures/{instance.work_order_id}/{instance.role}-{uuid.uuid4().hex}.png"


class Signature(models.Model):
    """A signature drawn on the screen (PNG), with the signer's name and comment (SPEC D3, D5)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="signatures")
    role = models.CharField(_("signed as"), max_length=10, choices=SignatureRole.choices)
    image = models.FileField(_("signature"), upload_to=signature_upload_to, max_length=200)
    signer_name = models.CharField(_("name"), max_length=50)
    comment = models.TextField(_("comment"), blank=True)
    signed_at = models.DateTimeField(_("signed at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    customer_path = "work_order__request__customer"

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["work_order", "role"], name="one_signature_per_side")]
