from rest_framework import serializers

from aftersales.core.api import RECORD_READONLY, RecordSerializer
from aftersales.core.strict import StrictModelSerializer

from ..models import BomLine, ProductModel


class BomLineSerializer(StrictModelSerializer):
    part_code = serializers.CharField(source="part.code", read_only=True)
    part_name = serializers.CharField(source="part.name", read_only=True)
    service_life_months = serializers.IntegerField(source="part.service_life_months", read_only=True, allow_null=True)

    class Meta:
        model = BomLine
        fields = ["part", "part_code", "part_name", "quantity", "service_life_months"]
        read_only_fields = fields


class ProductModelSerializer(RecordSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True)
    maker_name = serializers.CharField(source="maker.name", read_only=True)
    bom = BomLineSerializer(source="bom_lines", many=True, read_only=True)

    class Meta:
        model = ProductModel
        fields = RECORD_READONLY + [
            "code", "name", "category", "category_name", "maker", "maker_name", "description",
            "service_life_months", "bom",
        ]
        read_only_fields = RECORD_READONLY
