from rest_framework import serializers

from aftersales.core.api import RECORD_READONLY, RecordSerializer

from ..models import Contract
from ..services import contract_create, contract_update


class ContractSerializer(RecordSerializer):
    renewal_price = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Contract
        fields = RECORD_READONLY + [
            "number", "kind", "title", "customer", "project", "assets", "start_date", "end_date", "warranty_months",
            "latent_defect_months", "roll_to_working_day", "free_labour", "free_parts", "price", "original_value",
            "renewal_rate", "renewal_price", "renews", "notes",
        ]
        read_only_fields = RECORD_READONLY

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None and user.is_authenticated and user.is_external:
            fields.pop("renewal_price", None)  # the renewal rate of the original value: both internal
        return fields

    def create(self, validated_data):
        assets = validated_data.pop("assets", None)
        return contract_create(actor=self.context["request"].user, data=validated_data, assets=assets)

    def update(self, instance, validated_data):
        assets = validated_data.pop("assets", None)
        return contract_update(actor=self.context["request"].user, contract=instance, data=validated_data, assets=assets)
