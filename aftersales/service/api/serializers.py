"""The service API's representations: requests with their clocks and timeline, the small bodies of
each action, service levels with their targets, emergency plans.

Every write goes through a service (aftersales.service.services, aftersales.service.emergency, and
the writes at the end of this module); serializers check the shape of the input only.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftersales.contracts.models import Contract
from aftersales.core.api import RECORD_READONLY, RecordSerializer
from aftersales.core.audit import AuditAction, audit_event, diff, snapshot
from aftersales.core.errors import ServiceError
from aftersales.core.services import record_archive
from aftersales.core.strict import (
    StrictBooleanField,
    StrictCharField,
    StrictModelSerializer,
    StrictPrimaryKeyRelatedField,
)

from .. import services
from ..choices import Channel, RemoteMethod, RequestType, Severity, State, TimelineKind
from ..emergency import EmergencyException
from ..models import EmergencyPlan, RequestClock, ServiceLevel, ServiceRequest, ServiceTarget, TimelineEntry


def _is_external(context) -> bool:
    user = getattr(context.get("request"), "user", None)
    return bool(user is not None and user.is_authenticated and user.is_external)


class StrictChoiceField(serializers.ChoiceField):
    """A choice given as its own JSON type: 3 for a severity (not "3"), "repair" for a type."""

    def to_internal_value(self, data):
        numeric = any(isinstance(key, int) for key in self.choices)
        if isinstance(data, bool) or not isinstance(data, int if numeric else str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictSerializer(StrictModelSerializer):
    serializer_choice_field = StrictChoiceField


# ---------------------------------------------------------------- requests: clocks and timeline


class RequestClockSerializer(serializers.ModelSerializer):
    paused_seconds = serializers.SerializerMethodField(help_text="Time the clock stood still while waiting for "
                                                                 "the customer (working time), in seconds.")
    breached = serializers.BooleanField(read_only=True, help_text="Met late, or unmet and past due.")

    class Meta:
        model = RequestClock
        fields = ["clock", "due_at", "met_at", "paused_seconds", "breached"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_paused_seconds(self, clock: RequestClock) -> int:
        return clock.paused_minutes * 60


class VisibleTimeline(serializers.ListSerializer):
    """Customers and dealers never see the entries meant for staff."""

    def to_representation(self, data):
        entries = list(data.all() if hasattr(data, "all") else data)
        if _is_external(self.context):
            entries = [e for e in entries if not e.internal]
        return super().to_representation(entries)


class TimelineEntrySerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "kind", "actor_name", "text", "data", "internal"]
        read_only_fields = fields
        list_serializer_class = VisibleTimeline

    @extend_schema_field({"type": "string", "nullable": True})
    def get_actor_name(self, entry: TimelineEntry) -> str | None:
        return str(entry.actor) if entry.actor_id else None


# ---------------------------------------------------------------- requests


REQUEST_COMPUTED = [
    "number", "state", "contract", "service_level", "assignee", "registered_by", "paused_since", "escalated_at",
    "resolution", "remote_method", "resolved_at", "report_filed_at", "closed_at", "customer_confirmed",
    "close_reason", "cancel_reason", "reopen_count",
]


class ServiceRequestSerializer(RecordSerializer, StrictSerializer):
    """A request as registered: number, state, service level, contract and clocks are computed."""

    channel = StrictChoiceField(choices=Channel.choices, default=Channel.API,
                                help_text="api when left out; a customer's own request is always portal.")
    clocks = RequestClockSerializer(many=True, read_only=True)
    timeline = TimelineEntrySerializer(many=True, read_only=True)

    class Meta:
        model = ServiceRequest
        fields = RECORD_READONLY + [
            "number", "state", "customer", "site", "asset", "contract", "service_level", "reported_at",
            "reporter_name", "reporter_phone", "channel", "request_type", "severity", "description",
            "tried_by_others", "tried_note", "assignee", "registered_by", "paused_since", "escalated_at",
            "resolution", "remote_method", "resolved_at", "report_filed_at", "closed_at", "customer_confirmed",
            "close_reason", "cancel_reason", "reopen_count", "internal_notes", "clocks", "timeline",
        ]
        read_only_fields = RECORD_READONLY + REQUEST_COMPUTED
        extra_kwargs = {
            "customer": {"required": False, "help_text": "Taken from the equipment when left out; a customer "
                                                         "user's own organisation always."},
            "reported_at": {"required": False, "help_text": "The time of the call; now when left out."},
        }

    def validate(self, attrs):
        user = self.context["request"].user
        if not user.is_customer_user and attrs.get("customer") is None and attrs.get("asset") is None:
            raise serializers.ValidationError({"customer": [_("Give the customer, or the equipment the call is "
                                                              "about.")]})
        return attrs

    def create(self, validated_data):
        user = self.context["request"].user
        data = dict(validated_data)
        if user.is_customer_user:  # the portal: one's own organisation, now
            data.update(customer=user.customer, channel=Channel.PORTAL)
            data.pop("reported_at", None)
        return services.request_register(actor=user, data=data)

    def update(self, instance, validated_data):  # pragma: no cover - changes go through ServiceRequestChangeSerializer
        raise NotImplementedError


class ServiceRequestChangeSerializer(RecordSerializer, StrictSerializer):
    """What a plain change may touch: the descriptive fields. Severity, type and contract change through
    the reclassify action, which recomputes the clocks."""

    class Meta:
        model = ServiceRequest
        fields = ["reporter_name", "reporter_phone", "description", "tried_by_others", "tried_note", "site",
                  "asset", "internal_notes"]

    def validate(self, attrs):
        errors = {}
        for name in ("severity", "request_type", "contract"):
            if name not in self.initial_data:
                continue
            current = getattr(self.instance, f"{name}_id" if name == "contract" else name)
            if self.initial_data[name] != current:
                errors[name] = [_("Change this with the reclassify action, which recomputes the clocks.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def update(self, instance, validated_data):
        return request_update(request=instance, actor=self.context["request"].user, data=validated_data)


# ---------------------------------------------------------------- request actions: their bodies


class RequestTextSerializer(serializers.Serializer):
    text = StrictCharField(allow_blank=True, max_length=5000)


class PauseReasonSerializer(serializers.Serializer):
    reason = StrictCharField(allow_blank=True, max_length=200)


class RequestReasonSerializer(serializers.Serializer):
    reason = StrictCharField(allow_blank=True, max_length=2000)


def _users():
    return get_user_model().objects.filter(is_active=True)


class RequestAssignSerializer(serializers.Serializer):
    assignee = StrictPrimaryKeyRelatedField(queryset=_users(), allow_null=True,
                                            help_text="A member of staff; null to unassign.")


class RequestEscalateSerializer(serializers.Serializer):
    engineer = StrictPrimaryKeyRelatedField(queryset=_users(), required=False, allow_null=True,
                                            help_text="The senior engineer, who becomes the assignee.")


class RequestArriveSerializer(serializers.Serializer):
    senior = StrictBooleanField(required=False, default=False,
                                help_text="A senior engineer arrived: meets the senior-engineer clock too.")


class RequestResolveSerializer(serializers.Serializer):
    resolution = StrictCharField(allow_blank=True, max_length=5000)
    remote_method = StrictChoiceField(choices=RemoteMethod.choices, required=False, allow_blank=True, default="",
                                      help_text="How it was solved without a visit (SPEC R4); empty after a visit.")


class RequestCloseSerializer(serializers.Serializer):
    confirmed = StrictBooleanField(help_text="The customer confirmed (signature); otherwise give the reason.")
    reason = StrictCharField(required=False, allow_blank=True, default="", max_length=2000)


class RequestReclassifySerializer(serializers.Serializer):
    severity = StrictChoiceField(choices=Severity.choices, required=False)
    request_type = StrictChoiceField(choices=RequestType.choices, required=False)
    contract = StrictPrimaryKeyRelatedField(queryset=Contract.objects.all(), required=False, allow_null=True,
                                            help_text="null: no contract (the default service level applies).")

    def validated_arguments(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        if "contract" not in data:
            data["contract"] = ...  # unchanged
        return data


# ---------------------------------------------------------------- emergencies


class EmergencyPlanSerializer(RecordSerializer):
    class Meta:
        model = EmergencyPlan
        fields = ["id", "request", "expected_hours", "people", "lead", "tools", "parts", "work_items",
                  "estimated_cost", "written_by", "consent_at", "consent_by", "approved_at", "approved_by",
                  "departed_at", "expected_arrival", "created_at", "updated_at"]
        read_only_fields = ["id", "request", "written_by", "consent_at", "consent_by", "approved_at", "approved_by",
                            "departed_at", "expected_arrival", "created_at", "updated_at"]


class EmergencyConsentSerializer(serializers.Serializer):
    consent_by = StrictCharField(allow_blank=True, max_length=50, help_text="The customer's person who agreed.")
    consent_at = serializers.DateTimeField(required=False, help_text="When they agreed; now when left out.")


class EmergencyDepartSerializer(serializers.Serializer):
    expected_arrival = serializers.DateTimeField()


class EmergencyExceptionSerializer(serializers.Serializer):
    kind = StrictChoiceField(choices=EmergencyException.choices)
    note = StrictCharField(allow_blank=True, max_length=2000)


# ---------------------------------------------------------------- service levels


class ServiceTargetSerializer(StrictSerializer):
    class Meta:
        model = ServiceTarget
        fields = ["severity", "request_type", "clock", "minutes"]
        validators: list = []


class ServiceLevelSerializer(RecordSerializer, StrictSerializer):
    is_default = StrictBooleanField(required=False, help_text="Setting it unsets the former default.")
    targets = ServiceTargetSerializer(many=True, required=False,
                                      help_text="Replaced as a whole when given: one per severity, type and clock.")

    class Meta:
        model = ServiceLevel
        fields = RECORD_READONLY + ["code", "name", "calendar", "is_default", "notes", "targets"]
        read_only_fields = RECORD_READONLY
        validators: list = []

    def validate_targets(self, targets):
        seen = set()
        for target in targets:
            key = (target["severity"], target.get("request_type", ""), target["clock"])
            if key in seen:
                raise serializers.ValidationError(_("Two targets for the same severity, type and clock."))
            seen.add(key)
        return targets

    def create(self, validated_data):
        targets = validated_data.pop("targets", None)
        return service_level_save(level=None, actor=self.context["request"].user, data=validated_data,
                                  targets=targets)

    def update(self, instance, validated_data):
        targets = validated_data.pop("targets", None)
        return service_level_save(level=instance, actor=self.context["request"].user, data=validated_data,
                                  targets=targets)


# ---------------------------------------------------------------- writes that belong in services.py
# (kept here until they move: see the report of the API work; the API calls nothing else)

REQUEST_CHANGEABLE = ("reporter_name", "reporter_phone", "description", "tried_by_others", "tried_note", "site",
                      "asset", "internal_notes")


@transaction.atomic
def request_update(*, request: ServiceRequest, actor, data: dict[str, Any]) -> ServiceRequest:
    """Change the descriptive fields of a request (not its severity, type or contract: reclassify).

    The equipment and site must be the request's customer's; new equipment brings its site when no
    site is given. The change lands on the timeline (staff-only fields on a staff-only entry)."""
    unknown = set(data) - set(REQUEST_CHANGEABLE)
    if unknown:
        raise ValueError(f"not changeable here: {sorted(unknown)}")
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    if request.archived_at is not None:
        raise ServiceError("archived", _("This record is archived; restore it before changing it."))
    if request.state in {State.CLOSED, State.CANCELLED}:
        raise ServiceError("wrong_state", _("A request that is “%(state)s” cannot be changed; reopen it first.") % {
            "state": request.get_state_display()}, field="state")
    data = dict(data)
    asset = data.get("asset", request.asset)
    if asset is not None and asset.customer_id != request.customer_id:
        raise ServiceError("asset_customer", _("This equipment belongs to another customer."), field="asset")
    if data.get("asset") is not None and "site" not in data and asset.site_id:
        data["site"] = asset.site
    site = data.get("site", request.site)
    if site is not None and site.customer_id != request.customer_id:
        raise ServiceError("site_customer", _("This site belongs to another customer."), field="site")
    before = snapshot(request)
    for name, value in data.items():
        setattr(request, name, value)
    request.full_clean()
    changes = diff(before, snapshot(request))
    if not changes:
        return request
    request.save(update_fields=[*changes, "updated_at"])
    audit_event(request, action=AuditAction.UPDATE, actor=actor, changes=changes)
    internal = set(ServiceRequest.internal_fields)
    for staff_only in (False, True):
        part = {k: v for k, v in changes.items() if (k in internal) == staff_only}
        if part:
            names = ", ".join(str(ServiceRequest._meta.get_field(k).verbose_name) for k in part)
            TimelineEntry.objects.create(request=request, actor=actor if getattr(actor, "pk", None) else None,
                                         kind=TimelineKind.NOTE, text=_("Changed: %(fields)s") % {"fields": names},
                                         data={"changes": part}, internal=staff_only)
    return request


def _targets_text(level: ServiceLevel) -> list[str]:
    return sorted(f"{t.severity}/{t.request_type or '*'}/{t.clock}={t.minutes}" for t in level.targets.all())


@transaction.atomic
def service_level_save(*, level: ServiceLevel | None, actor, data: dict[str, Any],
                       targets: list[dict[str, Any]] | None = None) -> ServiceLevel:
    """Create or change a service level; ``targets`` (when given) replace the level's targets as a
    whole. One level is the default: making one the default unsets the former in the same
    transaction; the default cannot be unset, only replaced."""
    creating = level is None
    if creating:
        level = ServiceLevel()
        before: dict[str, Any] = {}
    else:
        level = ServiceLevel.objects.select_for_update().get(pk=level.pk)
        if level.archived_at is not None:
            raise ServiceError("archived", _("This record is archived; restore it before changing it."))
        before = snapshot(level) | {"targets": _targets_text(level)}
    was_default = level.is_default
    for name, value in data.items():
        setattr(level, name, value)
    if was_default and not level.is_default:
        raise ServiceError("default_required", _("One service level is always the default: make another one the "
                                                 "default instead."), field="is_default")
    rows = None
    if targets is not None:
        rows = [ServiceTarget(severity=t["severity"], request_type=t.get("request_type", ""), clock=t["clock"],
                              minutes=t["minutes"]) for t in targets]
        if len({(r.severity, r.request_type, r.clock) for r in rows}) != len(rows):
            raise ServiceError("duplicate_target", _("Two targets for the same severity, type and clock."),
                               field="targets")
        for row in rows:
            row.full_clean(exclude=["service_level"], validate_unique=False)
    if level.is_default and not was_default:
        for former in ServiceLevel.objects.select_for_update().filter(is_default=True).exclude(pk=level.pk):
            former.is_default = False
            former.save(update_fields=["is_default", "updated_at"])
            audit_event(former, action=AuditAction.UPDATE, actor=actor, changes={"is_default": [True, False]})
    level.full_clean()
    level.save()
    if rows is not None:
        level.targets.all().delete()
        for row in rows:
            row.service_level = level
        ServiceTarget.objects.bulk_create(rows)
    changes = diff(before, snapshot(level) | {"targets": _targets_text(level)})
    if changes:
        audit_event(level, action=AuditAction.CREATE if creating else AuditAction.UPDATE, actor=actor,
                    changes=changes)
    return level


def service_level_archive(*, level: ServiceLevel, actor) -> ServiceLevel:
    if level.is_default:
        raise ServiceError("default_level", _("The default service level cannot be archived: make another one the "
                                              "default first."))
    return record_archive(instance=level, actor=actor)

