"""Service requests, their service levels and clocks, the timeline, breaches and notices (SPEC §4–6)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import RecordModel, TimeStampedModel
from aftersales.core.validators import validate_cn_phone

from .choices import OPEN_STATES, Channel, ClockKind, RemoteMethod, RequestType, Severity, State, TimelineKind


class ServiceLevel(RecordModel):
    """A set of targets per severity (and, where set, per request type) on one working calendar."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    calendar = models.ForeignKey("calendars.WorkingCalendar", verbose_name=_("working calendar"),
                                 on_delete=models.PROTECT, related_name="service_levels")
    is_default = models.BooleanField(_("default"), default=False,
                                     help_text=_("Covers every request whose contract names no service level."))
    notes = models.TextField(_("notes"), blank=True)

    customer_path = None  # reference data, readable by every signed-in user

    class Meta:
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True),
                                               name="one_default_service_level")]

    def __str__(self) -> str:
        return self.name


class ServiceTarget(models.Model):
    service_level = models.ForeignKey(ServiceLevel, verbose_name=_("service level"), on_delete=models.CASCADE,
                                      related_name="targets")
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    request_type = models.CharField(_("request type"), max_length=20, choices=RequestType.choices, blank=True,
                                    help_text=_("Empty: every type without a target of its own."))
    clock = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)
    minutes = models.PositiveIntegerField(_("target (working minutes)"),
                                          validators=[MinValueValidator(1), MaxValueValidator(60 * 24 * 90)])

    customer_path = None

    class Meta:
        verbose_name = _("service target")
        verbose_name_plural = _("service targets")
        ordering = ["service_level", "severity", "request_type", "clock"]
        constraints = [models.UniqueConstraint(fields=["service_level", "severity", "request_type", "clock"],
                                               name="one_target_per_clock")]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} {self.get_clock_display()} {self.minutes}"


class RequestNumber(models.Model):
    """The last number given per year: a row lock on it makes numbers sequential without gaps."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    customer_path = None
    internal_only = True


class ServiceRequest(RecordModel):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    year = models.PositiveIntegerField(editable=False)
    sequence = models.PositiveIntegerField(editable=False)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="service_requests")
    site = models.ForeignKey("customers.Site", verbose_name=_("site"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="service_requests")
    asset = models.ForeignKey("assets.Asset", verbose_name=_("equipment"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="service_requests")
    contract = models.ForeignKey("contracts.Contract", verbose_name=_("contract"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="service_requests")
    service_level = models.ForeignKey(ServiceLevel, verbose_name=_("service level"), on_delete=models.PROTECT,
                                      related_name="requests")
    reported_at = models.DateTimeField(_("time of call"))
    reporter_name = models.CharField(_("reporter"), max_length=50)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=30, validators=[validate_cn_phone])
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    request_type = models.CharField(_("type"), max_length=20, choices=RequestType.choices,
                                    default=RequestType.REPAIR)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices, default=Severity.MINOR)
    description = models.TextField(_("fault description"))
    tried_by_others = models.BooleanField(_("someone else already tried to repair it"), default=False)
    tried_note = models.CharField(_("who tried, and what"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.NEW, db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="assigned_requests")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"), null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="+")
    paused_since = models.DateTimeField(_("waiting for the customer since"), null=True, blank=True)
    # the earliest due time of the running clocks (none while paused), kept by services.clocks_refresh
    # and services._meet: the desk queue sorts and filters on it through an index
    next_due_at = models.DateTimeField(_("next due at"), null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(_("escalated to a senior engineer at"), null=True, blank=True)
    resolution = models.TextField(_("solution"), blank=True)
    remote_method = models.CharField(_("solved remotely"), max_length=20, choices=RemoteMethod.choices,
                                     blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    report_filed_at = models.DateTimeField(_("problem report filed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    customer_confirmed = models.BooleanField(_("confirmed by the customer"), default=False)
    close_reason = models.TextField(_("why closed without the customer's confirmation"), blank=True)
    cancel_reason = models.TextField(_("why cancelled"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    internal_notes = models.TextField(_("internal notes"), blank=True)

    customer_path = "customer"
    internal_fields = ("internal_notes", "registered_by", "assignee")

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-reported_at", "-id"]
        permissions = [("confirm_servicerequest", _("Can confirm the solution of a service request"))]
        constraints = [models.UniqueConstraint(fields=["year", "sequence"], name="request_number_per_year")]
        indexes = [models.Index(fields=["state", "severity"]), models.Index(fields=["customer", "state"]),
                   models.Index(fields=["next_due_at", "reported_at", "id"], condition=models.Q(state__in=OPEN_STATES),
                                name="service_queue_order")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("service-request", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in {State.NEW, State.ACKNOWLEDGED, State.IN_PROGRESS, State.WAITING}

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.customer_id:
            if self.site_id and self.site.customer_id != self.customer_id:
                errors["site"] = _("This site belongs to another customer.")
            if self.asset_id and self.asset.customer_id != self.customer_id:
                errors["asset"] = _("This equipment belongs to another customer.")
            if self.contract_id and self.contract.customer_id != self.customer_id:
                errors["contract"] = _("This contract belongs to another customer.")
        if errors:
            raise ValidationError(errors)


class RequestClock(models.Model):
    """One clock of one request: its stored due time, and when it was met (SPEC S1)."""

    request = models.ForeignKey(ServiceRequest, verbose_name=_("service request"), on_delete=models.PROTECT,
                                related_name="clocks")
    clock = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)
    target_minutes = models.PositiveIntegerField(_("target (working minutes)"))
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True, db_index=True,
                                  help_text=_("Empty while the clock is paused."))
    paused_minutes = models.PositiveIntegerField(_("paused (working minutes)"), default=0)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)

    customer_path = "request__customer"

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        ordering = ["request", "started_at", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "clock"], name="one_clock_of_a_kind")]
        indexes = [models.Index(fields=["met_at", "due_at"])]

    def __str__(self) -> str:
        return f"{self.request} {self.get_clock_display()}"

    @property
    def breached(self) -> bool:
        from django.utils import timezone

        if self.due_at is None:
            return False
        return (self.met_at or timezone.now()) > self.due_at


class ClockPause(models.Model):
    """Waiting for the customer: the request's open clocks stop from ``started_at`` to ``ended_at``."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="pauses")
    started_at = models.DateTimeField(_("paused at"))
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200)

    customer_path = "request__customer"

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [models.UniqueConstraint(fields=["request"], condition=models.Q(ended_at__isnull=True),
                                               name="one_open_pause")]


class TimelineEntry(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="timeline")
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("event"), max_length=20, choices=TimelineKind.choices)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    internal = models.BooleanField(_("staff only"), default=False)

    customer_path = "request__customer"

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request} {self.get_kind_display()}"


def attachment_upload_to(instance: RequestAttachment, filename: str) -> str:
    return f"requests/{uuid.uuid4().hex}"  # random: the user's file name never reaches the file system


class RequestAttachment(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    customer_path = "request__customer"

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]


class Breach(TimeStampedModel):
    """A clock that ran out (SPEC S3): which, by how much, whose, and any penalty (W9)."""

    clock = models.OneToOneField(RequestClock, verbose_name=_("clock"), on_delete=models.PROTECT,
                                 related_name="breach")
    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="breaches")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("whose"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    late_minutes = models.PositiveIntegerField(_("late by (working minutes)"), default=0)
    penalty = models.DecimalField(_("penalty cost"), max_digits=12, decimal_places=2, default=Decimal("0"),
                                  validators=[MinValueValidator(Decimal("0"))])
    penalty_note = models.CharField(_("penalty note"), max_length=200, blank=True)

    customer_path = "request__customer"
    internal_fields = ("owner", "penalty", "penalty_note")

    class Meta:
        verbose_name = _("breach")
        verbose_name_plural = _("breaches")
        ordering = ["-created_at"]


class EscalationRule(models.Model):
    """When a clock reaches ``percent`` of its target, or is late by ``late_minutes``, notify someone."""

    class Notify(models.TextChoices):
        ASSIGNEE = "assignee", _("The assignee")
        SERVICE_MANAGER = "service_manager", _("Service managers")
        DIRECTOR = "director", _("Service directors")
        GENERAL_MANAGER = "general_manager", _("General managers")

    clock = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices, null=True, blank=True,
                                                help_text=_("Empty: every severity."))
    percent = models.PositiveSmallIntegerField(_("at this percent of the target"), null=True, blank=True,
                                               validators=[MinValueValidator(1), MaxValueValidator(99)])
    late_minutes = models.PositiveIntegerField(_("or late by (minutes)"), null=True, blank=True)
    notify = models.CharField(_("notify"), max_length=20, choices=Notify.choices)
    active = models.BooleanField(_("active"), default=True)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["clock", "percent", "late_minutes"]
        constraints = [models.CheckConstraint(
            condition=(models.Q(percent__isnull=False, late_minutes__isnull=True)
                       | models.Q(percent__isnull=True, late_minutes__isnull=False)),
            name="escalation_percent_or_late")]

    def __str__(self) -> str:
        when = f"{self.percent}%" if self.percent is not None else f"+{self.late_minutes}min"
        return f"{self.get_clock_display()} {when} → {self.get_notify_display()}"


class Notice(models.Model):
    """A notice of an escalation: one per rule, clock and recipient, ever (the unique key makes it so)."""

    rule = models.ForeignKey(EscalationRule, on_delete=models.PROTECT, related_name="notices")
    clock = models.ForeignKey(RequestClock, on_delete=models.PROTECT, related_name="notices")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notices")
    created_at = models.DateTimeField(auto_now_add=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    webhook_at = models.DateTimeField(null=True, blank=True)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["rule", "clock", "recipient"], name="notice_sent_once")]


class EmergencyPlan(TimeStampedModel):
    """应急方案 (SPEC §6): written by the project manager, agreed by the customer, approved by the
    service director; departure is announced with the expected arrival."""

    request = models.OneToOneField(ServiceRequest, on_delete=models.PROTECT, related_name="emergency_plan")
    expected_hours = models.DecimalField(_("estimated time (hours)"), max_digits=6, decimal_places=1,
                                         validators=[MinValueValidator(Decimal("0.1"))])
    people = models.TextField(_("people"))
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("responsible lead"),
                             on_delete=models.PROTECT, related_name="+")
    tools = models.TextField(_("tools"), blank=True)
    parts = models.TextField(_("parts"), blank=True)
    work_items = models.TextField(_("work items"))
    estimated_cost = models.DecimalField(_("estimated cost"), max_digits=12, decimal_places=2,
                                         default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))])
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    consent_at = models.DateTimeField(_("customer agreed at"), null=True, blank=True)
    consent_by = models.CharField(_("agreed by (customer)"), max_length=50, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    expected_arrival = models.DateTimeField(_("expected arrival"), null=True, blank=True)

    customer_path = "request__customer"
    internal_fields = ("estimated_cost",)

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        permissions = [("approve_emergencyplan", _("Can approve emergency plans"))]

    def __str__(self) -> str:
        return f"{self.request} {self._meta.verbose_name}"
