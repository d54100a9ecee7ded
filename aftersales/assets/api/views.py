from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.contracts.selectors import asset_entitlement
from aftersales.core.api import RecordViewSet

from ..filters import AssetFilter, ProjectFilter
from ..models import Asset, Project
from .serializers import AssetSerializer, EntitlementQuerySerializer, EntitlementSerializer, ProjectSerializer


class ProjectViewSet(RecordViewSet):
    queryset = Project.objects.select_related("customer", "site", "project_manager")
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    search_fields = ["code", "name", "customer__name"]
    ordering_fields = ["code", "accepted_on", "created_at"]


class AssetViewSet(RecordViewSet):
    queryset = Asset.objects.select_related("product_model")
    serializer_class = AssetSerializer
    filterset_class = AssetFilter
    search_fields = ["serial_number", "name", "product_model__code", "customer__name"]
    ordering_fields = ["serial_number", "accepted_on", "installed_on", "created_at"]

    @extend_schema(parameters=[EntitlementQuerySerializer], responses=EntitlementSerializer)
    @action(detail=True, methods=["get"])
    def entitlement(self, request, pk=None):
        """What covers this asset on a date: warranty, latent-defect period, contract, or nothing."""
        query = EntitlementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("on") or timezone.localdate()
        show_contract = request.user.has_perm("contracts.view_contract")
        return Response(EntitlementSerializer(asset_entitlement(asset=self.get_object(), on=on,
                                                                show_contract=show_contract)).data)
