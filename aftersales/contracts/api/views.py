from aftersales.core.api import RecordViewSet

from ..models import Contract
from .serializers import ContractSerializer


class ContractViewSet(RecordViewSet):
    queryset = Contract.objects.select_related("customer", "project").prefetch_related("assets")
    serializer_class = ContractSerializer
    filterset_fields = ["customer", "project", "kind", "assets"]
    search_fields = ["number", "title", "customer__name"]
    ordering_fields = ["number", "start_date", "end_date"]
