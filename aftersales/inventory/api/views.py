"""/api/v1/stock/ (read-only), /api/v1/stock-movements/ (list, post one, post a batch) and
/api/v1/stock-locations/ (records: archive and restore, never delete). Staff only (SPEC §8)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.accounts.scoping import scope
from aftersales.core.api import IdLookup, RecordViewSet
from aftersales.core.errors import ServiceError
from aftersales.core.filters import LinkFilter, RecordFilterSet, YesNoFilter

from .. import selectors, services
from ..models import StockBalance, StockLocation, StockMovement
from .serializers import StockBalanceSerializer, StockLocationSerializer, StockMovementSerializer

MAX_BATCH = 500


class StockLocationFilter(RecordFilterSet):
    class Meta:
        model = StockLocation
        fields = ["kind", "holder"]


class StockLocationViewSet(RecordViewSet):
    """Stores: the central store, branch stores and technicians' vans."""

    queryset = StockLocation.objects.select_related("holder")
    serializer_class = StockLocationSerializer
    filterset_class = StockLocationFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "kind"]


class StockFilter(RecordFilterSet):
    below_minimum = YesNoFilter(method="filter_below_minimum", label=gettext_lazy("below minimum level"),
                                help_text="true: good stock under the store's minimum level; false: the rest.")

    class Meta:
        model = StockBalance
        fields = ["part", "location", "condition"]

    def filter_below_minimum(self, queryset, name, value):
        return selectors.below_minimum(queryset, value)


class StockBalanceViewSet(IdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The stock on hand per part, store and condition (good / defective). Read-only: stock changes
    through movements only."""

    queryset = selectors.balances_with_related()
    serializer_class = StockBalanceSerializer
    filterset_class = StockFilter
    search_fields = ["part__code", "part__name"]
    ordering_fields = ["quantity", "minimum", "part__code", "location__code"]

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)


class StockMovementFilter(RecordFilterSet):
    location = LinkFilter(method="filter_location", label=gettext_lazy("stock location"),
                          help_text="Movements from or to this location.")
    at_after = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte", label=gettext_lazy("from"))
    at_before = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt", label=gettext_lazy("before"))

    class Meta:
        model = StockMovement
        fields = ["kind", "part", "from_location", "to_location", "condition", "actor", "serial_number"]

    def filter_location(self, queryset, name, value):
        return queryset.filter(Q(from_location=value) | Q(to_location=value))


class StockMovementViewSet(IdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                           viewsets.GenericViewSet):
    """Every movement of stock: receipt, transfer, issue, return unused, defective return, repaired,
    scrap, adjustment. Posted, never changed or deleted; refused (400, code insufficient_stock)
    when it would take stock below zero."""

    queryset = StockMovement.objects.select_related("part", "from_location", "to_location", "actor")
    serializer_class = StockMovementSerializer
    filterset_class = StockMovementFilter
    search_fields = ["reference", "serial_number", "part__code", "part__name"]
    ordering_fields = ["at", "created_at"]
    action_permissions = {"batch": "add"}

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)

    @extend_schema(request=StockMovementSerializer(many=True), responses={201: StockMovementSerializer(many=True)},
                   summary="Post a list of movements, all or nothing",
                   description="400 with `rows`: one object of errors per row (empty for a row without any).")
    @action(detail=False, methods=["post"])
    def batch(self, request):
        rows = request.data
        if not isinstance(rows, list) or not rows or len(rows) > MAX_BATCH:
            return Response({"non_field_errors": [_("Give a list of 1 to %(max)s movements.") % {"max": MAX_BATCH}]},
                            status=status.HTTP_400_BAD_REQUEST)
        bodies = [self.get_serializer(data=row) for row in rows]
        valid = [body.is_valid() for body in bodies]
        if not all(valid):
            return self.refused(_("Some movements are not valid; none was posted."), "invalid",
                                {i: body.errors for i, body in enumerate(bodies) if body.errors}, len(rows))
        try:
            movements = services.movements_post(actor=request.user, rows=[b.validated_data for b in bodies])
        except ServiceError as exc:
            if exc.code != "rows_refused":
                raise
            return self.refused(exc.message, exc.code, exc.params["rows"], len(rows))
        return Response(self.get_serializer(movements, many=True).data, status=status.HTTP_201_CREATED)

    def refused(self, message: str, code: str, errors: dict, count: int) -> Response:
        return Response({"code": code, "non_field_errors": [message],
                         "rows": [errors.get(i, {}) for i in range(count)]}, status=status.HTTP_400_BAD_REQUEST)
