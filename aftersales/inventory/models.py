"""Spare-parts stock: stores, the stock on hand per part and store, and every movement (SPEC §8)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import ArchiveRefused, RecordModel

from .choices import Condition, Direction, LocationKind, MovementKind, ReservationState, StocktakeState

MONEY = {"max_digits": 16, "decimal_places": 2}
UNIT_COST = {"max_digits": 16, "decimal_places": 4}


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

    def save(self, *args, **kwargs):
        """Archiving (core.services.record_archive, whichever page or route asks) is refused while
        the store holds stock: ServiceError ``location_holds_stock``, checked under the locks of the
        store's stock rows (inventory.services.location_archive_check)."""
        update_fields = kwargs.get("update_fields")
        if self.pk is None or self.archived_at is None or (update_fields is not None
                                                           and "archived_at" not in update_fields):
            return super().save(*args, **kwargs)
        from .services import location_archive_check

        with transaction.atomic():
            location_archive_check(location=self)
            return super().save(*args, **kwargs)


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
    value = models.DecimalField(_("value"), default=0, editable=False, **MONEY,
                                help_text=_("At moving weighted average cost: what the stock on hand cost."))
    minimum = models.PositiveIntegerField(_("minimum level"), default=0,
                                          help_text=_("The store's original quantity, restored by reordering."))
    reserved = models.PositiveIntegerField(_("reserved"), default=0, editable=False,
                                           help_text=_("Held for planned work orders (the held reservations)."))
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
            models.CheckConstraint(condition=models.Q(condition=Condition.GOOD) | models.Q(reserved=0),
                                   name="stock_reserved_on_good_stock_only"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="stock_balance_value_not_negative"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0) | models.Q(value=0),
                                   name="stock_balance_no_value_without_stock"),
        ]

    def __str__(self) -> str:
        return f"{self.part.code} @ {self.location.code} ({self.get_condition_display()}): {self.quantity}"

    @property
    def free(self) -> int:
        """What may be taken for other work: on hand less what is reserved (below 0 when a count
        found less than is reserved)."""
        return self.quantity - self.reserved

    @property
    def average_cost(self):
        """The moving weighted average cost of one unit (4 places; 0 without stock)."""
        return (self.value / self.quantity).quantize(Decimal("0.0001")) if self.quantity else Decimal("0.0000")

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
    # indexed with ``at`` (Meta.indexes): a store's movements of a month
    from_location = models.ForeignKey(StockLocation, verbose_name=_("from"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="movements_out", db_index=False)
    to_location = models.ForeignKey(StockLocation, verbose_name=_("to"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="movements_in", db_index=False)
    condition = models.CharField(_("condition"), max_length=10, choices=Condition.choices, default=Condition.GOOD,
                                 help_text=_("Of the stock moved (for a repair: as it came in, defective)."))
    serial_number = models.CharField(_("serial number"), max_length=60, blank=True)
    reference = models.CharField(_("document reference"), max_length=60, blank=True,
                                 help_text=_("Work order, service request or delivery note number."))
    reason = models.TextField(_("reason"), blank=True)
    unit_cost = models.DecimalField(_("unit cost"), default=0, editable=False, **UNIT_COST,
                                    help_text=_("Stock coming in: the cost given, else the part's unit cost; stock "
                                                "taken from a store: the store's average cost."))
    value = models.DecimalField(_("value"), default=0, editable=False, **MONEY,
                                help_text=_("What the movement adds to or takes from the stock's value."))
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
            models.CheckConstraint(condition=models.Q(value__gte=0, unit_cost__gte=0),
                                   name="stock_movement_value_not_negative"),
        ]
        indexes = [models.Index(fields=["part", "-at"]),
                   models.Index(fields=["from_location", "at"], name="stock_movement_from_at"),
                   models.Index(fields=["to_location", "at"], name="stock_movement_to_at"),
                   # a unit's trail by serial number (SPEC P3): the few movements of one serial
                   models.Index(fields=["serial_number", "part"], condition=~models.Q(serial_number=""),
                                name="stock_movement_serial")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.part.code} × {self.quantity}"

    def delete(self, *args, **kwargs):
        raise ArchiveRefused("Stock movements are never deleted.")


# ---------------------------------------------------------------- month-end (SPEC P5)


class StockPeriod(models.Model):
    """A month once reconciled and locked: no movement may be dated in it or before it (corrections
    are new movements in an open month). Its closing stock is kept row by row (StockSnapshot), the
    opening of the months after it."""

    month = models.DateField(_("month"), unique=True, help_text=_("The first day of the month."))
    locked_at = models.DateTimeField(_("locked at"), default=timezone.now)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("locked by"), on_delete=models.PROTECT,
                                  related_name="+")
    rows = models.PositiveIntegerField(_("stock rows"), default=0)
    closing_quantity = models.BigIntegerField(_("closing quantity"), default=0)
    closing_value = models.DecimalField(_("closing value"), default=0, **MONEY)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("locked month")
        verbose_name_plural = _("locked months")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

    def delete(self, *args, **kwargs):
        raise ArchiveRefused("A locked month stays locked.")


class StockMonthTotal(models.Model):
    """What the movements of one month put into (direction in) or took from (out) one stock row, by
    kind: kept by the movement services under the row's lock, in the transaction of the movement, so
    that a month's reconciliation reads at most one row per stock row and kind, however many
    movements the month had. The movements stay the record: these are their sums
    (reconciliation.month_totals_from_movements recomputes them)."""

    month = models.DateField(_("month"))
    location = models.ForeignKey(StockLocation, verbose_name=_("stock location"), on_delete=models.PROTECT,
                                 related_name="+")
    part = models.ForeignKey("catalogue.Part", verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(_("condition"), max_length=10, choices=Condition.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=MovementKind.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    quantity = models.BigIntegerField(_("quantity"), default=0)
    value = models.DecimalField(_("value"), default=0, **MONEY)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("monthly movement total")
        verbose_name_plural = _("monthly movement totals")
        constraints = [models.UniqueConstraint(fields=["month", "location", "part", "condition", "kind", "direction"],
                                               name="stock_month_total_unique")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.part_id}@{self.location_id} {self.kind} {self.direction}: {self.quantity}"


class StockSnapshot(models.Model):
    """The closing stock of one row (part, store, condition) at the end of a locked month."""

    period = models.ForeignKey(StockPeriod, verbose_name=_("month"), on_delete=models.PROTECT,
                               related_name="snapshots", db_index=False)  # the unique constraint leads with it
    location = models.ForeignKey(StockLocation, verbose_name=_("stock location"), on_delete=models.PROTECT,
                                 related_name="+")
    part = models.ForeignKey("catalogue.Part", verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(_("condition"), max_length=10, choices=Condition.choices)
    quantity = models.BigIntegerField(_("quantity"))
    value = models.DecimalField(_("value"), **MONEY)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("closing stock")
        verbose_name_plural = _("closing stock")
        constraints = [models.UniqueConstraint(fields=["period", "location", "part", "condition"],
                                               name="stock_snapshot_unique")]

    def __str__(self) -> str:
        return f"{self.period} {self.part_id}@{self.location_id} {self.condition}: {self.quantity}"


# ---------------------------------------------------------------- stocktakes (盘点)


class Stocktake(models.Model):
    """A count of one store. Each line keeps the stock expected when the count started; posting
    adjusts by counted − expected, so movements posted during the count are kept. Who started,
    counted and posted it is in its history (audit rows)."""

    location = models.ForeignKey(StockLocation, verbose_name=_("stock location"), on_delete=models.PROTECT,
                                 related_name="stocktakes")
    state = models.CharField(_("state"), max_length=10, choices=StocktakeState.choices,
                             default=StocktakeState.COUNTING, editable=False)
    started_at = models.DateTimeField(_("count started"), default=timezone.now, editable=False)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True, editable=False)
    note = models.TextField(_("notes"), blank=True)
    reason = models.TextField(_("reason for the adjustments"), blank=True, editable=False)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        ordering = ["-started_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["location"], condition=models.Q(state=StocktakeState.COUNTING),
                                               name="stocktake_one_count_per_location")]

    def __str__(self) -> str:
        return f"{self.number} {self.location.code}"

    @property
    def number(self) -> str:
        return f"PD-{self.pk or 0:05d}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("stocktake", args=[self.pk])

    def delete(self, *args, **kwargs):
        raise ArchiveRefused("Stocktakes are kept.")


class StocktakeLine(models.Model):
    """One part and condition of a stocktake: the stock expected when the count started, the count,
    and the adjustment posted."""

    stocktake = models.ForeignKey(Stocktake, verbose_name=_("stocktake"), on_delete=models.PROTECT,
                                  related_name="lines")
    part = models.ForeignKey("catalogue.Part", verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(_("condition"), max_length=10, choices=Condition.choices, default=Condition.GOOD)
    expected = models.PositiveIntegerField(_("expected"), default=0, editable=False,
                                           help_text=_("The stock on hand when the count started."))
    counted = models.PositiveIntegerField(_("counted"), null=True, blank=True)
    movement = models.ForeignKey(StockMovement, verbose_name=_("adjustment"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+", editable=False)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("stocktake line")
        verbose_name_plural = _("stocktake lines")
        ordering = ["part__code", "condition"]
        constraints = [models.UniqueConstraint(fields=["stocktake", "part", "condition"],
                                               name="stocktake_line_unique")]

    def __str__(self) -> str:
        return f"{self.part_id} {self.condition}: {self.expected} / {self.counted}"

    @property
    def difference(self) -> int | None:
        return None if self.counted is None else self.counted - self.expected

    def delete(self, *args, **kwargs):
        raise ArchiveRefused("Stocktake lines are kept.")


class SpareDispatch(models.Model):
    """A spare sent from a store to a customer's site (SPEC P4, ``004``): it must leave within 24 hours
    of the request and be at the site within 2 working days of leaving; late either way shows.
    Leaving issues the part from the store (a movement referencing the dispatch)."""

    part = models.ForeignKey("catalogue.Part", verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    from_location = models.ForeignKey(StockLocation, verbose_name=_("from"), on_delete=models.PROTECT,
                                      related_name="dispatches")
    site = models.ForeignKey("customers.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    work_order = models.ForeignKey("workorders.WorkOrder", verbose_name=_("work order"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="spare_dispatches")
    note = models.TextField(_("notes"), blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    carrier = models.CharField(_("carrier and tracking number"), max_length=100, blank=True)
    movement = models.OneToOneField(StockMovement, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="dispatch", editable=False)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    received_by = models.CharField(_("received by"), max_length=50, blank=True)

    customer_path = "site__customer"
    internal_only = True

    class Meta:
        verbose_name = _("spare dispatch")
        verbose_name_plural = _("spare dispatches")
        ordering = ["-requested_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(arrived_at__isnull=True) | models.Q(
            left_at__isnull=False), name="spare_dispatch_arrives_after_leaving")]

    def __str__(self) -> str:
        return f"FH-{self.pk:06d} {self.part} × {self.quantity}"

    def clean(self) -> None:
        super().clean()
        if self.work_order_id and self.site_id and self.work_order.request.customer_id != self.site.customer_id:
            raise ValidationError({"work_order": _("The work order is another customer's than the site.")})

    @property
    def number(self) -> str:
        return f"FH-{self.pk:06d}"


class StockReservation(models.Model):
    """Good stock held in a store for a planned work order (预留, SPEC P1): the store's stock row
    counts it as reserved, so other work cannot take it; the technician collects it (a transfer to
    his van, which uses the reservation), or it is released (by hand, or when the work order ends
    or is void). A van's stock is its technician's own: reservations are made in stores."""

    work_order = models.ForeignKey("workorders.WorkOrder", verbose_name=_("work order"), on_delete=models.PROTECT,
                                   related_name="reservations")
    part = models.ForeignKey("catalogue.Part", verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(StockLocation, verbose_name=_("store"), on_delete=models.PROTECT,
                                 related_name="reservations")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    state = models.CharField(_("state"), max_length=10, choices=ReservationState.choices,
                             default=ReservationState.HELD, editable=False)
    note = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("reserved at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reserved by"), on_delete=models.PROTECT,
                                   related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+", editable=False)
    close_reason = models.TextField(_("why released"), blank=True, editable=False)
    movement = models.OneToOneField(StockMovement, verbose_name=_("collected by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reservation", editable=False)

    customer_path = "work_order__request__customer"
    internal_only = True

    class Meta:
        verbose_name = _("stock reservation")
        verbose_name_plural = _("stock reservations")
        permissions = [("collect_stockreservation", _("Can hand reserved parts to the technician"))]
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["location", "part"], condition=models.Q(state=ReservationState.HELD),
                                name="stock_reservation_held")]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0),
                                              name="stock_reservation_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.part.code} × {self.quantity} @ {self.location.code}"

    def delete(self, *args, **kwargs):
        raise ArchiveRefused("Reservations are kept: a reservation no longer needed is released.")
