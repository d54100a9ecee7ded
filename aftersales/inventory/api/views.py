"""/api/v1/stock/ (read-only), /api/v1/stock-movements/ (list, post one, post a batch) and
/api/v1/stock-locations/ (records: archive and restore, never delete). Staff only (SPEC §8)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.accounts.scoping import scope
from aftersales.catalogue.models import Part
from aftersales.core.api import IdLookup, RecordViewSet
from aftersales.core.errors import ServiceError
from aftersales.core.strict import StrictIntegerField, StrictPrimaryKeyRelatedField

from .. import posting, selectors, serials, services
from ..filters import StockFilter, StockLocationFilter, StockMovementFilter
from ..models import StockLocation, StockMovement
from .serializers import (
    SerialTrailSerializer,
    StockBalanceSerializer,
    StockLocationSerializer,
    StockMovementSerializer,
)

MAX_BATCH = 500


class StockLocationViewSet(RecordViewSet):
    """Stores: the central store, branch stores and technicians' vans."""

    queryset = StockLocation.objects.select_related("holder")
    serializer_class = StockLocationSerializer
    filterset_class = StockLocationFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "kind"]


class MinimumSerializer(serializers.Serializer):
    """The minimum level of a part in a store: the store's original quantity (SPEC P1)."""

    part = StrictPrimaryKeyRelatedField(queryset=Part.objects.all())
    location = StrictPrimaryKeyRelatedField(queryset=StockLocation.objects.all())
    minimum = StrictIntegerField(min_value=0, max_value=2**31 - 1)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            for name in ("part", "location"):
                fields[name].queryset = scope(fields[name].queryset, request.user)
        return fields


class StockBalanceViewSet(IdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The stock on hand per part, store and condition (good / defective). Read-only: stock changes
    through movements only; the minimum level of a part in a store is set with ``set-minimum``."""

    queryset = selectors.balances_with_related()
    serializer_class = StockBalanceSerializer
    filterset_class = StockFilter
    search_fields = ["part__code", "part__name"]
    ordering_fields = ["quantity", "minimum", "part__code", "location__code"]
    action_permissions = {"set_minimum": "change"}

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)

    @extend_schema(request=MinimumSerializer, responses={200: StockBalanceSerializer},
                   summary="Set the minimum level of a part in a store",
                   description="The store's original quantity, restored by the reorder list; 0 removes it. "
                               "Needs inventory.change_stockbalance.")
    @action(detail=False, methods=["post"], url_path="set-minimum")
    def set_minimum(self, request):
        body = MinimumSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        balance = services.stock_minimum_set(actor=request.user, **body.validated_data)
        balance = self.get_queryset().get(pk=balance.pk)
        return Response(self.get_serializer(balance).data)

    @extend_schema(responses=StockBalanceSerializer(many=True), summary="The reorder list",
                   description="Good stock below its minimum level, by location then part number; `to_order` "
                               "restores the store's original quantity. Takes the filters of the stock list.")
    @action(detail=False, methods=["get"])
    def reorder(self, request):
        queryset = self.filter_queryset(selectors.reorder_list(actor=request.user))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


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
            movements = posting.movements_post(actor=request.user, rows=[b.validated_data for b in bodies])
        except ServiceError as exc:
            if exc.code != "rows_refused":
                raise
            return self.refused(exc.message, exc.code, exc.params["rows"], len(rows))
        return Response(self.get_serializer(movements, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("serial", str, description="The serial number (none: no trail).")],
                   responses={200: SerialTrailSerializer}, summary="A unit's trail by serial number",
                   description="Every movement of the serial number (any part), the visits that fitted it at a "
                               "customer or swapped it out, and where it is now (SPEC P3).")
    @action(detail=False, methods=["get"])
    def trail(self, request):
        serial = request.query_params.get("serial", "").strip()
        if len(serial) > 60:
            return Response({"serial": [_("A serial number has at most 60 characters.")]},
                            status=status.HTTP_400_BAD_REQUEST)
        trail = serials.serial_trail(actor=request.user, serial=serial)
        return Response(SerialTrailSerializer(trail, context=self.get_serializer_context()).data)

    def refused(self, message: str, code: str, errors: dict, count: int) -> Response:
        return Response({"code": code, "non_field_errors": [message],
                         "rows": [errors.get(i, {}) for i in range(count)]}, status=status.HTTP_400_BAD_REQUEST)
