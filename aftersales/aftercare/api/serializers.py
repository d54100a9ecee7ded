from __future__ import annotations

from rest_framework import serializers

from aftersales.core.api import RecordSerializer

from .. import services
from ..models import DepotBatch, ReturnRequest
from ..selectors import return_checks

RECORD_READ = ["id", "created_at", "updated_at", "archived_at"]


class ConditionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    passed = serializers.BooleanField()
    detail = serializers.CharField()


class ReturnRequestSerializer(RecordSerializer):
    """A return or exchange (W10). Registered through aftercare.services: every condition is checked at
    once; one that fails any is `rejected` (refused by the rules, the customer bears the cost)."""

    customer_name = serializers.CharField(source="customer.name", read_only=True)
    product_model_code = serializers.CharField(source="product_model.code", read_only=True)
    conditions = serializers.SerializerMethodField(help_text="Every condition of W10, met or not, with what was found.")
    customer_bears_cost = serializers.BooleanField(read_only=True)

    class Meta:
        model = ReturnRequest
        fields = RECORD_READ + ["customer", "customer_name", "asset", "product_model", "product_model_code",
                                "serial_number", "purchased_on", "requested_on", "receipt_given", "packaging_intact",
                                "fault_by_people", "fault_description", "wanted", "state", "conditions",
                                "failed_checks", "customer_bears_cost", "registered_by", "decided_by", "decided_at",
                                "reason"]
        read_only_fields = RECORD_READ + ["state", "failed_checks", "registered_by", "decided_by", "decided_at",
                                          "reason"]
        extra_kwargs = {"requested_on": {"required": False}}

    def get_conditions(self, ret) -> list[dict]:
        policy = self.context.get("policy")
        return ConditionSerializer(return_checks(ret, policy=policy), many=True).data

    def create(self, validated_data):
        return services.return_register(actor=self.context["request"].user, data=validated_data)

    def update(self, instance, validated_data):  # pragma: no cover - a return is decided, not changed
        raise NotImplementedError


class ApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class RefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class DepotBatchSerializer(RecordSerializer):
    """Units sent in for repair, received together; `due_on` follows the batch size (working days of the
    default service level's calendar); `follow_up_due` is set when they go back to the customer."""

    customer_name = serializers.CharField(source="customer.name", read_only=True)
    late = serializers.SerializerMethodField(help_text="Still in repair after the due date.")
    follow_up_late = serializers.SerializerMethodField(
        help_text="Returned, not followed up, past the follow-up due date.")

    class Meta:
        model = DepotBatch
        fields = RECORD_READ + ["customer", "customer_name", "reference", "received_at", "unit_count",
                                "serial_numbers", "description", "due_on", "state", "late", "received_by",
                                "repaired_at", "returned_at", "follow_up_due", "follow_up_late", "follow_up_at",
                                "follow_up_by", "follow_up_note"]
        read_only_fields = RECORD_READ + ["due_on", "state", "received_by", "repaired_at", "returned_at",
                                          "follow_up_due", "follow_up_at", "follow_up_by", "follow_up_note"]
        extra_kwargs = {"received_at": {"required": False}}

    def get_late(self, batch) -> bool:
        return batch.is_late(self.context["today"])

    def get_follow_up_late(self, batch) -> bool:
        return batch.follow_up_late(self.context["today"])

    def create(self, validated_data):
        return services.depot_receive(actor=self.context["request"].user, data=validated_data)

    def update(self, instance, validated_data):  # pragma: no cover - batches move through their actions
        raise NotImplementedError


class StepSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                   help_text="When it happened; now if not given.")


class FollowUpSerializer(StepSerializer):
    note = serializers.CharField(max_length=4000, help_text="What the customer said.")
