from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from aftersales.core.api import RecordViewSet
from aftersales.core.filters import LinkFilter, RecordFilterSet

from ..models import BomLine, Part, ProductModel
from .serializers import PartSerializer, ProductModelSerializer


class ProductModelViewSet(RecordViewSet):
    queryset = ProductModel.objects.select_related("category", "maker").prefetch_related(
        Prefetch("bom_lines", queryset=BomLine.objects.select_related("part"))
    )
    serializer_class = ProductModelSerializer
    filterset_fields = ["category", "maker"]
    search_fields = ["code", "name", "maker__name"]
    ordering_fields = ["code", "name"]


class PartFilter(RecordFilterSet):
    product_model = LinkFilter(field_name="bom_lines__product_model", distinct=True, label=_("product model"),
                               help_text="Parts on this product model's spare-part list.")

    class Meta:
        model = Part
        fields = ["unit"]


class PartViewSet(RecordViewSet):
    """The spare parts of the catalogue (备品备件): part number, name, specification, unit, unit cost,
    normal service life, and the product models each fits. Archived, never deleted."""

    queryset = Part.objects.prefetch_related(Prefetch(
        "bom_lines", queryset=BomLine.objects.filter(product_model__archived_at__isnull=True)
        .select_related("product_model").order_by("product_model__code")))
    serializer_class = PartSerializer
    filterset_class = PartFilter
    search_fields = ["code", "name", "spec"]
    ordering_fields = ["code", "name", "unit_cost", "service_life_months"]
