from django.db.models import Prefetch

from aftersales.core.api import RecordViewSet

from ..models import BomLine, ProductModel
from .serializers import ProductModelSerializer


class ProductModelViewSet(RecordViewSet):
    queryset = ProductModel.objects.select_related("category", "maker").prefetch_related(
        Prefetch("bom_lines", queryset=BomLine.objects.select_related("part"))
    )
    serializer_class = ProductModelSerializer
    filterset_fields = ["category", "maker"]
    search_fields = ["code", "name", "maker__name"]
    ordering_fields = ["code", "name"]
