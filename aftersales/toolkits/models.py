"""Tool kits (SPEC P6, ``001``): the store's tools, the kits issued to technicians, and every event
that moves a tool (receipt, issue, return, lost, broken old for new, bought on the road, scrap).

The counts (tools in the store, broken ones handed in, tools in each kit) are stored and changed
only by the event services (toolkits.services) under row locks; the database refuses a negative
count. Events are never deleted; a lost or bought one is settled once (paid by the holder, or paid
back to them) and is otherwise never changed.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import ArchiveRefused, RecordModel

from .choices import CHARGE_KINDS, KIT_KINDS, ToolEventKind

MONEY = {"max_digits": 12, "decimal_places": 2}


class Tool(RecordModel):
    """A kind of tool the store keeps (万用表, 网线钳 …), with what the store holds of it."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    spec = models.CharField(_("specification"), max_length=100, blank=True,
                            help_text=_("Model or size, e.g. FLUKE 17B+."))
    unit = models.CharField(_("unit"), max_length=10, default="个")
    unit_price = models.DecimalField(_("unit price"), **MONEY, default=Decimal("0"),
                                     validators=[MinValueValidator(Decimal("0"))],
                                     help_text=_("What the holder pays for a lost one."))
    quantity = models.PositiveIntegerField(_("in the store"), default=0, editable=False,
                                           help_text=_("Good tools in the store, ready to issue."))
    broken_quantity = models.PositiveIntegerField(_("broken, handed in"), default=0, editable=False,
                                                  help_text=_("Broken tools handed in, kept apart until scrapped."))
    notes = models.TextField(_("notes"), blank=True)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("tool")
        verbose_name_plural = _("tools")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="tool_quantity_not_negative"),
            models.CheckConstraint(condition=models.Q(broken_quantity__gte=0), name="tool_broken_not_negative"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="tool_unit_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("toolkits-tool", args=[self.pk])


class ToolKit(RecordModel):
    """A kit of tools issued to one member of staff (usually a technician), who answers for it."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("E.g. weak-current kit."))
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("holder"), on_delete=models.PROTECT,
                               related_name="tool_kits",
                               help_text=_("The technician who holds the kit and pays for what is lost."))
    issued_on = models.DateField(_("issued on"), default=timezone.localdate)
    notes = models.TextField(_("notes"), blank=True)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("tool kit")
        verbose_name_plural = _("tool kits")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("toolkits-kit", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        holder = self.holder if self.holder_id else None
        if holder is not None and (holder.is_external or not holder.is_active):
            raise ValidationError({"holder": _("A kit is held by an active member of staff.")})


class ToolKitLine(models.Model):
    """How many of one tool a kit holds. Changed only by the event services, under a row lock."""

    kit = models.ForeignKey(ToolKit, verbose_name=_("tool kit"), on_delete=models.PROTECT, related_name="lines")
    tool = models.ForeignKey(Tool, verbose_name=_("tool"), on_delete=models.PROTECT, related_name="kit_lines")
    quantity = models.PositiveIntegerField(_("held"), default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("tool kit line")
        verbose_name_plural = _("tool kit lines")
        ordering = ["tool__code"]
        constraints = [
            models.UniqueConstraint(fields=["kit", "tool"], name="tool_kit_line_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="tool_kit_line_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.kit.code}: {self.tool.code} × {self.quantity}"

    @property
    def value(self) -> Decimal:
        return self.quantity * self.tool.unit_price

    def delete(self, *args, **kwargs):
        raise ArchiveRefused("Kit lines are changed by tool events, never deleted.")


class ToolEventQuerySet(models.QuerySet):
    def delete(self):
        raise ArchiveRefused("Tool events are never deleted.")

    def charges(self):
        return self.filter(kind__in=CHARGE_KINDS)

    def unsettled(self):
        return self.charges().filter(settled_at__isnull=True)


class ToolEvent(models.Model):
    """One event of a tool, never deleted; the counts of the store and the kits are their sum.

    A lost tool is paid by the kit's holder (``amount``: quantity × unit price unless given); a tool
    bought on the road goes into the store and ``amount`` (the price paid) is owed to the holder.
    Either is settled once, with who and when; nothing else of an event ever changes.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=ToolEventKind.choices)
    tool = models.ForeignKey(Tool, verbose_name=_("tool"), on_delete=models.PROTECT, related_name="events")
    kit = models.ForeignKey(ToolKit, verbose_name=_("tool kit"), null=True, blank=True, on_delete=models.PROTECT,
                            related_name="events")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("holder"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+",
                               help_text=_("The kit's holder at the time: who pays for a lost tool, or is paid "
                                           "back for one bought on the road."))
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    amount = models.DecimalField(_("amount"), **MONEY, null=True, blank=True,
                                 validators=[MinValueValidator(Decimal("0"))],
                                 help_text=_("Lost: what the holder pays. Bought on the road: the price paid, "
                                             "owed to the holder. Receipt: the purchase cost, if known."))
    reference = models.CharField(_("document reference"), max_length=60, blank=True,
                                 help_text=_("Receipt, invoice or work order number."))
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True, editable=False)
    settled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("settled by"), null=True, blank=True,
                                   editable=False, on_delete=models.PROTECT, related_name="+")
    settle_note = models.CharField(_("settlement note"), max_length=200, blank=True, editable=False)

    customer_path = None
    internal_only = True

    objects = ToolEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("tool event")
        verbose_name_plural = _("tool events")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="tool_event_quantity_positive"),
            models.CheckConstraint(condition=models.Q(amount__isnull=True) | models.Q(amount__gte=0),
                                   name="tool_event_amount_not_negative"),
            models.CheckConstraint(condition=~models.Q(kind__in=sorted(CHARGE_KINDS))
                                   | models.Q(amount__isnull=False, amount__gt=0),
                                   name="tool_event_charge_has_amount"),
            models.CheckConstraint(condition=models.Q(kind__in=sorted(KIT_KINDS), kit__isnull=False,
                                                      holder__isnull=False)
                                   | (~models.Q(kind__in=sorted(KIT_KINDS)) & models.Q(kit__isnull=True)),
                                   name="tool_event_kit_iff_kit_kind"),
            models.CheckConstraint(condition=models.Q(settled_at__isnull=True, settled_by__isnull=True)
                                   | models.Q(kind__in=sorted(CHARGE_KINDS), settled_at__isnull=False,
                                              settled_by__isnull=False),
                                   name="tool_event_settled_charges_only"),
        ]
        indexes = [models.Index(fields=["tool", "-at"]), models.Index(fields=["kit", "-at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.tool.code} × {self.quantity}"

    @property
    def is_charge(self) -> bool:
        return self.kind in CHARGE_KINDS

    @property
    def is_settled(self) -> bool:
        return self.settled_at is not None

    def delete(self, *args, **kwargs):
        raise ArchiveRefused("Tool events are never deleted.")
