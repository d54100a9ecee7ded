from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from aftersales.core.api import RECORD_READONLY, RecordSerializer
from aftersales.core.strict import StrictModelSerializer

from .. import posting
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
    average_cost = serializers.DecimalField(max_digits=16, decimal_places=4, read_only=True,
                                            help_text="Moving weighted average cost of one unit (value ÷ on hand).")
    free = serializers.IntegerField(read_only=True, help_text="On hand less reserved: what other work may take "
                                    "(below 0 when a count found less than is reserved).")
    below_minimum = serializers.SerializerMethodField(
        help_text="Good stock free of reservations under the store's minimum level.")
    to_order = serializers.SerializerMethodField(
        help_text="What restores the store's original quantity once the reserved stock has gone.")

    class Meta:
        model = StockBalance
        fields = ["id", "part", "part_code", "part_name", "unit", "location", "location_code", "location_name",
                  "condition", "quantity", "reserved", "free", "value", "average_cost", "minimum", "below_minimum",
                  "to_order", "updated_at"]
        read_only_fields = fields

    def get_below_minimum(self, balance) -> bool:
        return balance.condition == Condition.GOOD and balance.free < balance.minimum

    def get_to_order(self, balance) -> int:
        return max(balance.minimum - balance.free, 0) if balance.condition == Condition.GOOD else 0


class StockMovementSerializer(RecordSerializer):
    """One movement; posted through inventory.services (stock locked, never below zero)."""

    part_code = serializers.CharField(source="part.code", read_only=True)
    actor_name = serializers.CharField(source="actor.display_name", read_only=True)
    unit_cost = serializers.DecimalField(
        max_digits=16, decimal_places=4, min_value=Decimal(0), required=False, allow_null=True,
        help_text="Stock coming in from outside (receipt, return unused, defective return, a count higher): its "
                  "unit cost, else the part's unit cost. Stock taken from a store goes at the store's average cost "
                  "(giving one is refused). Read: the unit cost the movement was valued at.")

    class Meta:
        model = StockMovement
        fields = ["id", "kind", "part", "part_code", "quantity", "from_location", "to_location", "condition",
                  "serial_number", "reference", "reason", "unit_cost", "value", "at", "actor", "actor_name",
                  "created_at"]
        read_only_fields = ["id", "value", "actor", "created_at"]
        extra_kwargs = {"at": {"required": False}}

    def create(self, validated_data):
        return posting.movement_post(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):  # pragma: no cover - movements are never changed
        raise NotImplementedError


class SerialPlaceSerializer(serializers.Serializer):
    part = serializers.IntegerField(source="part.pk")
    part_code = serializers.CharField(source="part.code")
    where = serializers.CharField(help_text="Where the unit is now, in words.")


class SerialVisitSerializer(serializers.Serializer):
    work_order = serializers.IntegerField(source="work_order_id")
    work_order_number = serializers.CharField(source="work_order.number")
    customer = serializers.CharField(source="work_order.request.customer.name")
    part = serializers.IntegerField(source="part_id")
    part_code = serializers.CharField(source="part.code")
    serial_number = serializers.CharField(help_text="The serial number fitted on this visit.")
    removed_serial = serializers.CharField(help_text="The serial number swapped out on this visit.")
    added_at = serializers.DateTimeField()


class SerialTrailSerializer(serializers.Serializer):
    serial = serializers.CharField()
    places = SerialPlaceSerializer(many=True)
    movements = StockMovementSerializer(many=True)
    visits = SerialVisitSerializer(source="used_parts", many=True)
