from rest_framework import serializers

from aftersales.core.api import RECORD_READONLY, RecordSerializer
from aftersales.core.strict import StrictModelSerializer

from ..models import BomLine, Part, ProductModel


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


class PartFitSerializer(StrictModelSerializer):
    """A product model the part fits: one line of that model's spare-part list."""

    id = serializers.IntegerField(source="product_model_id", read_only=True)
    code = serializers.CharField(source="product_model.code", read_only=True)
    name = serializers.CharField(source="product_model.name", read_only=True)

    class Meta:
        model = BomLine
        fields = ["id", "code", "name", "quantity"]
        read_only_fields = fields


class StrictDecimalField(serializers.DecimalField):
    """An amount written as text ("85.50"), as the schema says: a JSON number is refused rather than
    read with a binary float's rounding."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class PartSerializer(RecordSerializer):
    """A spare part of the catalogue; ``product_models``: the current models whose spare-part list
    holds it (read only: a model's list is kept on the model)."""

    unit_cost = StrictDecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True,
                                   label=Part._meta.get_field("unit_cost").verbose_name)
    product_models = PartFitSerializer(source="bom_lines", many=True, read_only=True)

    class Meta:
        model = Part
        fields = RECORD_READONLY + ["code", "name", "spec", "unit", "unit_cost", "service_life_months",
                                    "product_models"]
        read_only_fields = RECORD_READONLY
