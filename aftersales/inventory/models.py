"""Spare-parts stock: stores, the stock on hand per part and store, and every movement (SPEC §8)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import ArchiveRefused, RecordModel

from .choices import Condition, LocationKind, MovementKind


class StockLocation(RecordModel):
    """A place that holds stock: the central store, a branch store, or a technician's van."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=LocationKind.choices, default=LocationKind.BRANCH)
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("technician"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="stock_vans",
                               help_text=_("The technician who holds a van's stock."))
    notes = models.TextField(_("notes"), blank=True)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("stock location")
        verbose_name_plural = _("stock locations")
        ordering = ["code"]
        constraints = [models.CheckConstraint(
            condition=models.Q(kind=LocationKind.VAN, holder__isnull=False)
            | (~models.Q(kind=LocationKind.VAN) & models.Q(holder__isnull=True)),
            name="stock_location_holder_iff_van")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.kind == LocationKind.VAN and self.holder_id is None:
            raise ValidationError({"holder": _("A technician's van needs its technician.")})
        if self.kind != LocationKind.VAN and self.holder_id is not None:
            raise ValidationError({"holder": _("Only a technician's van has a technician.")})


class StockBalance(models.Model):
    """The stock on hand of one part in one store, good spares and defective parts apart.

    Changed only by the movement services (inventory.services), under a row lock. The minimum
    level lives here, on the good row, rather than in a table of its own: the row that is locked
    for every movement is the one the reorder list reads, so "below minimum" is one comparison of
    two columns of one row (no join, no missing-row case: a part with a minimum and no stock yet
    has a row at 0). The minimum is the store's original quantity (SPEC P1, ``001``): the reorder
    list orders what brings the store back to it.
    """

    part = models.ForeignKey("catalogue.Part", verbose_name=_("part"), on_delete=models.PROTECT,
                             related_name="stock_balances")
    location = models.ForeignKey(StockLocation, verbose_name=_("stock location"), on_delete=models.PROTECT,
                                 related_name="balances")
    condition = models.CharField(_("condition"), max_length=10, choices=Condition.choices, default=Condition.GOOD)
    quantity = models.PositiveIntegerField(_("on hand"), default=0, editable=False)
    minimum = models.PositiveIntegerField(_("minimum level"), default=0,
                                          help_text=_("The store's original quantity, restored by reordering."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        ordering = ["part__code", "location__code", "condition"]
        constraints = [
            models.UniqueConstraint(fields=["part", "location", "condition"], name="stock_balance_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="stock_balance_not_negative"),
            models.CheckConstraint(condition=models.Q(condition=Condition.GOOD) | models.Q(minimum=0),
                                   name="stock_minimum_on_good_stock_only"),
        ]

    def __str__(self) -> str:
        return f"{self.part.code} @ {self.location.code} ({self.get_condition_display()}): {self.quantity}"

    def delete(self, *args, **kwargs):
        raise ArchiveRefused("Stock is changed by movements, never deleted.")


class StockMovementQuerySet(models.QuerySet):
    def delete(self):
        raise ArchiveRefused("Stock movements are never deleted.")


class StockMovement(models.Model):
    """One movement of stock, never changed or deleted: the stock on hand is their sum."""

    kind = models.CharField(_("kind"), max_length=20, choices=MovementKind.choices)
    part = models.ForeignKey("catalogue.Part", verbose_name=_("part"), on_delete=models.PROTECT,
                             related_name="stock_movements")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    from_location = models.ForeignKey(StockLocation, verbose_name=_("from"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="movements_out")
    to_location = models.ForeignKey(StockLocation, verbose_name=_("to"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="movements_in")
    condition = models.CharField(_("condition"), max_length=10, choices=Condition.choices, default=Condition.GOOD,
                                 help_text=_("Of the stock moved (for a repair: as it came in, defective)."))
    serial_number = models.CharField(_("serial number"), max_length=60, blank=True)
    reference = models.CharField(_("document reference"), max_length=60, blank=True,
                                 help_text=_("Work order, service request or delivery note number."))
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    customer_path = None
    internal_only = True

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="stock_movement_quantity_positive"),
            models.CheckConstraint(condition=models.Q(from_location__isnull=False)
                                   | models.Q(to_location__isnull=False), name="stock_movement_has_a_location"),
        ]
        indexes = [models.Index(fields=["part", "-at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.part.code} × {self.quantity}"

    def delete(self, *args, **kwargs):
        raise ArchiveRefused("Stock movements are never deleted.")
