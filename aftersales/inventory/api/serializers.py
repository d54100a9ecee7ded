from __future__ import annotations

from rest_framework import serializers

from aftersales.core.api import RECORD_READONLY, RecordSerializer
from aftersales.core.strict import StrictModelSerializer

from .. import services
from ..choices import Condition
from ..models import StockBalance, StockLocation, StockMovement


class StockLocationSerializer(RecordSerializer):
    holder_name = serializers.CharField(source="holder.display_name", read_only=True, allow_null=True)

    class Meta:
        model = StockLocation
        fields = RECORD_READONLY + ["code", "name", "kind", "holder", "holder_name", "notes"]
        read_only_fields = RECORD_READONLY


class StockBalanceSerializer(StrictModelSerializer):
    part_code = serializers.CharField(source="part.code", read_only=True)
    part_name = serializers.CharField(source="part.name", read_only=True)
    unit = serializers.CharField(source="part.unit", read_only=True)
    location_code = serializers.CharField(source="location.code", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    below_minimum = serializers.SerializerMethodField(help_text="Good stock under the store's minimum level.")
    to_order = serializers.SerializerMethodField(help_text="What restores the store's original quantity.")

    class Meta:
        model = StockBalance
        fields = ["id", "part", "part_code", "part_name", "unit", "location", "location_code", "location_name",
                  "condition", "quantity", "minimum", "below_minimum", "to_order", "updated_at"]
        read_only_fields = fields

    def get_below_minimum(self, balance) -> bool:
        return balance.condition == Condition.GOOD and balance.quantity < balance.minimum

    def get_to_order(self, balance) -> int:
        return max(balance.minimum - balance.quantity, 0) if balance.condition == Condition.GOOD else 0


class StockMovementSerializer(RecordSerializer):
    """One movement; posted through inventory.services (stock locked, never below zero)."""

    part_code = serializers.CharField(source="part.code", read_only=True)
    actor_name = serializers.CharField(source="actor.display_name", read_only=True)

    class Meta:
        model = StockMovement
        fields = ["id", "kind", "part", "part_code", "quantity", "from_location", "to_location", "condition",
                  "serial_number", "reference", "reason", "at", "actor", "actor_name", "created_at"]
        read_only_fields = ["id", "actor", "created_at"]
        extra_kwargs = {"at": {"required": False}}

    def create(self, validated_data):
        return services.movement_post(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):  # pragma: no cover - movements are never changed
        raise NotImplementedError
