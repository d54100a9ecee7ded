"""The charges API's representations and the bodies of its actions; writes go through
aftersales.charges.services."""

from __future__ import annotations

from rest_framework import serializers

from aftersales.accounts.scoping import scope
from aftersales.core.api import RECORD_READONLY, RecordSerializer
from aftersales.core.strict import (
    StrictBooleanField,
    StrictCharField,
    StrictPrimaryKeyRelatedField,
)
from aftersales.service.models import Breach, ServiceRequest
from aftersales.workorders.models import VisitPhoto, WorkOrder

from ..models import PriceRule, Quote, QuoteLine, RateCardLine, ThirdPartyCost

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


class RateCardLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = RateCardLine
        fields = ["role", "daily_rate"]
        read_only_fields = fields


class PriceRuleSerializer(RecordSerializer):
    rate_lines = RateCardLineSerializer(many=True, read_only=True)

    class Meta:
        model = PriceRule
        fields = ["id", "code", "name", "kind", "labour_rate", "labour_cap", "travel_charge", "misuse_parts_only",
                  "is_default", "notes", "rate_lines", *RECORD_READONLY[1:]]
        read_only_fields = RECORD_READONLY


class QuoteLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuoteLine
        fields = ["kind", "description", "part", "quantity", "unit_price", "amount"]
        read_only_fields = fields


class QuoteSerializer(serializers.ModelSerializer):
    work_order = StrictPrimaryKeyRelatedField(queryset=WorkOrder.objects.all())
    work_order_number = serializers.CharField(source="work_order.number", read_only=True,
                                              help_text="Staff only: customers do not read work orders.")
    lines = QuoteLineSerializer(many=True, read_only=True)

    class Meta:
        model = Quote
        fields = ["id", "number", "work_order", "work_order_number", "state", "coverage", "entitlement_reason",
                  "decision", "decision_reason", "free_labour", "free_parts", "rule", "hours", "travel", "priced_at",
                  "quoted_at", "answered_at", "accepted_via", "signer_name", "decline_reason", "lines",
                  "parts_total", "labour_total", "travel_total", "total", "created_at", "updated_at"]
        read_only_fields = [f for f in fields if f != "work_order"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            fields["work_order"].queryset = scope(WorkOrder.objects.all(), request.user)
            if request.user.is_external:
                fields.pop("work_order_number")
        return fields

    def create(self, validated_data):
        from .. import services

        return services.quote_open(actor=self.context["request"].user, work_order=validated_data["work_order"])


class PartPriceSerializer(serializers.Serializer):
    part = serializers.IntegerField(min_value=1)
    unit_price = serializers.DecimalField(**MONEY)


class PersonDaysSerializer(serializers.Serializer):
    role = StrictCharField(max_length=50)
    days = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)


class PriceSerializer(serializers.Serializer):
    rule = StrictPrimaryKeyRelatedField(queryset=PriceRule.objects.filter(archived_at__isnull=True))
    hours = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, required=False, allow_null=True,
                                     help_text="Labour hours; the visit's time spent when left out.")
    part_prices = PartPriceSerializer(many=True, required=False,
                                      help_text="Unit prices of the parts used: the market price, or a cost the "
                                                "catalogue lacks.")
    person_days = PersonDaysSerializer(many=True, required=False, help_text="Rate card: person-days per role.")
    travel = StrictBooleanField(required=False, default=False)

    def to_service(self) -> dict:
        data = dict(self.validated_data)
        data["part_prices"] = {row["part"]: row["unit_price"] for row in data.get("part_prices", [])}
        days: dict = {}
        for row in data.get("person_days", []):
            days[row["role"]] = days.get(row["role"], 0) + row["days"]
        data["person_days"] = days
        return data


class AcceptSerializer(serializers.Serializer):
    signer_name = StrictCharField(required=False, allow_blank=True, max_length=50)
    signature = StrictCharField(required=False, allow_blank=True, max_length=800_000,
                                help_text="On site: the customer's signature, a data:image/png;base64 URL. "
                                          "A customer user accepting through the portal leaves it out.")


class DeclineSerializer(serializers.Serializer):
    reason = StrictCharField(required=False, allow_blank=True, max_length=2000)


class MisuseSerializer(serializers.Serializer):
    work_order = StrictPrimaryKeyRelatedField(queryset=WorkOrder.objects.all())
    description = StrictCharField(allow_blank=True, max_length=5000)
    photos = serializers.PrimaryKeyRelatedField(queryset=VisitPhoto.objects.all(), many=True, required=False)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            fields["work_order"].queryset = scope(WorkOrder.objects.all(), request.user)
            fields["photos"].child_relation.queryset = scope(VisitPhoto.objects.all(), request.user)
        return fields


class ThirdPartyCostSerializer(serializers.ModelSerializer):
    request = StrictPrimaryKeyRelatedField(queryset=ServiceRequest.objects.all())
    breach = StrictPrimaryKeyRelatedField(queryset=Breach.objects.all(), required=False, allow_null=True)
    request_number = serializers.CharField(source="request.number", read_only=True)

    class Meta:
        model = ThirdPartyCost
        fields = ["id", "request", "request_number", "breach", "incurred_on", "amount", "invoice_ref", "note",
                  "recorded_by", "created_at"]
        read_only_fields = ["recorded_by", "created_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            for name in ("request", "breach"):
                fields[name].queryset = scope(fields[name].queryset, request.user)
        return fields

    def create(self, validated_data):
        from .. import services

        return services.third_party_cost_record(actor=self.context["request"].user, **validated_data)
