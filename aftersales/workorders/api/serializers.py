"""The work-order API's representations and the small bodies of its actions. Every write goes through
aftersales.workorders.services; these check the shape of the input only."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from aftersales.catalogue.models import Part
from aftersales.core.strict import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictModelSerializer,
    StrictPrimaryKeyRelatedField,
)
from aftersales.service.models import ServiceRequest

from ..choices import Outcome
from ..models import (
    PhotoKind,
    Signature,
    SignatureRole,
    UsedPart,
    VisitPhoto,
    WorkOrder,
)


def _staff():
    return get_user_model().objects.filter(is_active=True, customer__isnull=True, dealer__isnull=True)


class UsedPartSerializer(serializers.ModelSerializer):
    part_code = serializers.CharField(source="part.code", read_only=True)
    part_name = serializers.CharField(source="part.name", read_only=True)

    class Meta:
        model = UsedPart
        fields = ["id", "part", "part_code", "part_name", "quantity", "serial_number", "removed_serial", "added_at"]
        read_only_fields = fields


class SignatureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Signature
        fields = ["role", "signer_name", "comment", "signed_at"]
        read_only_fields = fields


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitPhoto
        fields = ["id", "kind", "caption", "original_name", "size", "uploaded_at"]
        read_only_fields = fields


class WorkOrderSerializer(StrictModelSerializer):
    request = StrictPrimaryKeyRelatedField(queryset=ServiceRequest.objects.all())
    request_number = serializers.CharField(source="request.number", read_only=True)
    technician = StrictPrimaryKeyRelatedField(queryset=_staff())
    team = StrictPrimaryKeyRelatedField(queryset=_staff(), many=True, required=False)
    moved_to = serializers.SlugRelatedField(slug_field="number", read_only=True)
    moved_from = serializers.SerializerMethodField(help_text="The number this job was moved from, if any.")
    used_parts = UsedPartSerializer(many=True, read_only=True)
    signatures = SignatureSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = WorkOrder
        fields = ["id", "number", "request", "request_number", "state", "technician", "team", "planned_start",
                  "planned_minutes", "instructions", "briefing", "travel_started_at", "arrived_at", "finished_at",
                  "work_done", "minutes_spent", "outcome", "delay_due_at", "delay_reason", "next_step",
                  "expected_at", "delay_given_at", "void_reason", "voided_at", "moved_to", "moved_from",
                  "used_parts", "signatures", "photos", "created_at", "updated_at"]
        read_only_fields = ["number", "state", "travel_started_at", "arrived_at", "finished_at", "work_done",
                            "minutes_spent", "outcome", "delay_due_at", "delay_reason", "next_step", "expected_at",
                            "delay_given_at", "void_reason", "voided_at", "created_at", "updated_at"]

    def get_moved_from(self, work_order) -> str | None:
        moved_from = getattr(work_order, "moved_from", None)
        return moved_from.number if moved_from is not None else None

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            fields["request"].queryset = _visible_requests(user)
            if user.is_external:
                for name in WorkOrder.internal_fields:
                    fields.pop(name, None)
        return fields

    def create(self, validated_data):
        from .. import services

        return services.workorder_create(actor=self.context["request"].user, **validated_data)


def _visible_requests(user):
    from aftersales.accounts.scoping import scope

    return scope(ServiceRequest.objects.all(), user)


class AssignSerializer(serializers.Serializer):
    technician = StrictPrimaryKeyRelatedField(queryset=_staff(), required=False)
    planned_start = serializers.DateTimeField(required=False)
    planned_minutes = StrictIntegerField(required=False, min_value=15, max_value=60 * 24 * 7)
    briefing = StrictCharField(required=False, allow_blank=True, max_length=5000)


class MoveSerializer(serializers.Serializer):
    reason = StrictCharField(allow_blank=True, max_length=2000)
    technician = StrictPrimaryKeyRelatedField(queryset=_staff(), required=False)
    planned_start = serializers.DateTimeField(required=False)


class ReasonSerializer(serializers.Serializer):
    reason = StrictCharField(allow_blank=True, max_length=2000)


class AtSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text="When it happened (a visit entered later); now if "
                                                             "left out.")


class UsePartSerializer(serializers.Serializer):
    part = StrictPrimaryKeyRelatedField(queryset=Part.objects.filter(archived_at__isnull=True))
    quantity = StrictIntegerField(min_value=1, max_value=10_000)
    serial_number = StrictCharField(required=False, allow_blank=True, max_length=60)
    removed_serial = StrictCharField(required=False, allow_blank=True, max_length=60)
    swapped_out = StrictBooleanField(required=False, default=False,
                                     help_text="The part replaced one that comes back as defective stock.")


class PhotoUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=PhotoKind.choices, required=False, default=PhotoKind.WORK)
    caption = StrictCharField(required=False, allow_blank=True, max_length=200)


class SignSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=SignatureRole.choices)
    image = StrictCharField(max_length=800_000, help_text="The drawn signature: a data:image/png;base64 URL.")
    signer_name = StrictCharField(allow_blank=True, max_length=50)
    comment = StrictCharField(required=False, allow_blank=True, max_length=2000)
    at = serializers.DateTimeField(required=False)


class FinishSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    work_done = StrictCharField(allow_blank=True, max_length=10_000)
    minutes_spent = StrictIntegerField(required=False, allow_null=True, min_value=1, max_value=60 * 24 * 7)
    delay_reason = StrictCharField(required=False, allow_blank=True, max_length=5000)
    next_step = StrictCharField(required=False, allow_blank=True, max_length=5000)
    expected_at = serializers.DateTimeField(required=False, allow_null=True)
    at = serializers.DateTimeField(required=False)


class DelayReasonSerializer(serializers.Serializer):
    delay_reason = StrictCharField(allow_blank=True, max_length=5000)
    next_step = StrictCharField(allow_blank=True, max_length=5000)
    expected_at = serializers.DateTimeField(allow_null=True)


class ReportEmailSerializer(serializers.Serializer):
    email = StrictCharField(required=False, allow_blank=True, max_length=254,
                            help_text="Staff: the address to send to (left out: the reporter's or the customer's "
                                      "contact e-mail). A customer user leaves it out: the report goes to the "
                                      "e-mail address of their own user account, never to another.")


class ReportSentSerializer(serializers.Serializer):
    email = serializers.CharField(read_only=True, help_text="The address the report is sent to.")
