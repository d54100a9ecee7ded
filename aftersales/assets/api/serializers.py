from rest_framework import serializers

from aftersales.core.api import RECORD_READONLY, RecordSerializer

from ..models import Asset, Project
from ..services import asset_create, asset_update


class ProjectSerializer(RecordSerializer):
    class Meta:
        model = Project
        fields = RECORD_READONLY + [
            "code", "name", "customer", "site", "project_manager", "accepted_on", "responsible_department",
            "responsible_people", "warranty_card_issued_on", "notes",
        ]
        read_only_fields = RECORD_READONLY


class AssetSerializer(RecordSerializer):
    customer = serializers.PrimaryKeyRelatedField(read_only=True)
    product_model_code = serializers.CharField(source="product_model.code", read_only=True)

    class Meta:
        model = Asset
        fields = RECORD_READONLY + [
            "customer", "site", "project", "product_model", "product_model_code", "serial_number", "name",
            "installed_on", "accepted_on", "parent", "replaces", "status", "notes",
        ]
        read_only_fields = RECORD_READONLY

    def create(self, validated_data):
        return asset_create(actor=self.context["request"].user, data=validated_data)

    def update(self, instance, validated_data):
        return asset_update(actor=self.context["request"].user, asset=instance, data=validated_data)


class EntitlementSerializer(serializers.Serializer):
    on = serializers.DateField()
    coverage = serializers.ChoiceField(choices=["warranty", "latent_defect", "contract", "none"])
    until = serializers.DateField(allow_null=True)
    free_labour = serializers.BooleanField()
    free_parts = serializers.BooleanField()
    contract = serializers.IntegerField(allow_null=True, help_text="id of the contract that covers")
    contract_number = serializers.CharField(allow_null=True)
    rule = serializers.CharField()
    reason = serializers.CharField()
    conditions = serializers.CharField(allow_null=True)
    warranty_end = serializers.DateField(allow_null=True)
    latent_defect_end = serializers.DateField(allow_null=True)


class EntitlementQuerySerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="YYYY-MM-DD; today when left out")
