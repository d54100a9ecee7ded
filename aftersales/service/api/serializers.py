"""The service API's representations: requests with their clocks and timeline, the small bodies of
each action, service levels with their targets, emergency plans.

Every write goes through a service (aftersales.service.services, aftersales.service.emergency, and
the writes at the end of this module); serializers check the shape of the input only.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftersales.contracts.models import Contract
from aftersales.core.api import RECORD_READONLY, RecordSerializer
from aftersales.core.strict import (
    StrictBooleanField,
    StrictCharField,
    StrictModelSerializer,
    StrictPrimaryKeyRelatedField,
)

from .. import services
from ..choices import Channel, RemoteMethod, RequestType, Severity
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
        return services.request_update(request=instance, actor=self.context["request"].user, data=validated_data)


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
        return services.service_level_save(level=None, actor=self.context["request"].user, data=validated_data,
                                  targets=targets)

    def update(self, instance, validated_data):
        targets = validated_data.pop("targets", None)
        return services.service_level_save(level=instance, actor=self.context["request"].user, data=validated_data,
                                  targets=targets)

