"""Stock for the work in hand: /api/v1/stock-reservations/ (reserve for a planned work order,
release, collect into the van: SPEC P1) and /api/v1/spare-dispatches/ (spares sent to sites, late
to leave or to arrive: SPEC P4). Staff only. Every action is refused with 400 and the reason, as
on the pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.accounts.scoping import scope
from aftersales.core.api import IdLookup
from aftersales.core.strict import StrictIntegerField, StrictModelSerializer, StrictPrimaryKeyRelatedField

from .. import dispatch as dispatches
from .. import reservations
from ..models import SpareDispatch, StockLocation, StockReservation


class _Scoped:
    """Related records offered to the actor only as far as they may read them."""

    scoped = ()

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            for name in self.scoped:
                fields[name].queryset = scope(fields[name].queryset, request.user)
        return fields


# ---------------------------------------------------------------- reservations


class StockReservationSerializer(_Scoped, StrictModelSerializer):
    """A reservation; created through inventory.reservations (the stock row locked, never more than
    is free)."""

    scoped = ("work_order", "part", "location")
    work_order_number = serializers.CharField(source="work_order.number", read_only=True)
    part_code = serializers.CharField(source="part.code", read_only=True)
    location_code = serializers.CharField(source="location.code", read_only=True)
    quantity = StrictIntegerField(min_value=1, max_value=100000)
    collected_into = serializers.IntegerField(source="movement.to_location_id", read_only=True, allow_null=True,
                                              help_text="The store (van) a collected reservation went to.")

    class Meta:
        model = StockReservation
        fields = ["id", "work_order", "work_order_number", "part", "part_code", "location", "location_code",
                  "quantity", "state", "note", "created_at", "created_by", "closed_at", "closed_by", "close_reason",
                  "movement", "collected_into"]
        read_only_fields = ["id", "state", "created_at", "created_by", "closed_at", "closed_by", "close_reason",
                            "movement"]
        extra_kwargs = {"location": {"help_text": "A store (not a van)."}}

    def create(self, validated_data):
        return reservations.reservation_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):  # pragma: no cover - released or collected, never changed
        raise NotImplementedError


class ReleaseSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the units are free again.")


class CollectSerializer(_Scoped, serializers.Serializer):
    scoped = ("to_location",)
    to_location = StrictPrimaryKeyRelatedField(queryset=StockLocation.objects.all(), required=False, allow_null=True,
                                               help_text="Default: the work order's technician's van.")
    serials = serializers.ListField(child=serializers.CharField(max_length=60), required=False,
                                    help_text="The units' serial numbers, one per unit (or none): each unit's "
                                              "trail follows it into the van.")


class StockReservationViewSet(IdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                              viewsets.GenericViewSet):
    """Good stock held in a store for a planned work order (SPEC P1): other movements may take only
    what is free (on hand less reserved; 400 ``reserved_stock``). Reserving more than is free is
    refused (400 ``not_available``). Released by hand, or by itself when the work order ends or is
    void; collected into the technician's van by a transfer that uses it."""

    queryset = StockReservation.objects.select_related("work_order", "part", "location", "movement")
    serializer_class = StockReservationSerializer
    filterset_fields = ["state", "work_order", "part", "location"]
    ordering_fields = ["created_at"]
    action_permissions = {"release": "change", "collect": "collect"}  # collecting posts a transfer: the store

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)

    def _answer(self, reservation) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=reservation.pk)).data)

    @extend_schema(request=ReleaseSerializer, responses={200: StockReservationSerializer},
                   summary="Release a reservation")
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        body = ReleaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(reservations.reservation_release(actor=request.user, reservation=self.get_object(),
                                                             **body.validated_data))

    @extend_schema(request=CollectSerializer, responses={200: StockReservationSerializer},
                   summary="Collect a reservation into the van")
    @action(detail=True, methods=["post"])
    def collect(self, request, pk=None):
        body = CollectSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return self._answer(reservations.reservation_collect(actor=request.user, reservation=self.get_object(),
                                                             to_location=body.validated_data.get("to_location"),
                                                             serials=body.validated_data.get("serials")))


# ---------------------------------------------------------------- spares sent to sites


class SpareDispatchSerializer(_Scoped, StrictModelSerializer):
    """A spare sent to a site; asked for through inventory.dispatch."""

    scoped = ("part", "from_location", "site", "work_order")
    number = serializers.CharField(read_only=True)
    part_code = serializers.CharField(source="part.code", read_only=True)
    quantity = StrictIntegerField(min_value=1, max_value=100000, default=1)
    leave_due = serializers.SerializerMethodField(help_text="24 hours after the request.")
    arrive_due = serializers.SerializerMethodField(
        help_text="The end of the 2nd working day after the day it left; null until it leaves.")
    late = serializers.SerializerMethodField(help_text="Late to leave or late to arrive (now or when it did).")

    class Meta:
        model = SpareDispatch
        fields = ["id", "number", "part", "part_code", "quantity", "from_location", "site", "work_order", "note",
                  "requested_at", "requested_by", "left_at", "carrier", "movement", "arrived_at", "received_by",
                  "leave_due", "arrive_due", "late"]
        read_only_fields = ["id", "requested_at", "requested_by", "left_at", "carrier", "movement", "arrived_at",
                            "received_by"]

    def create(self, validated_data):
        return dispatches.spare_dispatch_request(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):  # pragma: no cover - leaves and arrives by its actions
        raise NotImplementedError

    def _lateness(self, dispatch):
        found = getattr(dispatch, "_lateness", None)
        if found is None:
            found = dispatch._lateness = dispatches.dispatches_with_lateness([dispatch])[0][1]
        return found

    def get_leave_due(self, dispatch) -> str:
        return serializers.DateTimeField().to_representation(self._lateness(dispatch).leave_due)

    def get_arrive_due(self, dispatch) -> str | None:
        due = self._lateness(dispatch).arrive_due
        return serializers.DateTimeField().to_representation(due) if due else None

    def get_late(self, dispatch) -> dict[str, bool]:
        lateness = self._lateness(dispatch)
        return {"leave": lateness.left_late, "arrive": lateness.arrived_late}


class LeaveSerializer(serializers.Serializer):
    carrier = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class ArriveSerializer(serializers.Serializer):
    received_by = serializers.CharField(max_length=50, help_text="Who received the spare at the site.")


class SpareDispatchViewSet(IdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                           viewsets.GenericViewSet):
    """A spare sent from a store to a customer's site (SPEC P4): it leaves within 24 hours of the
    request (leaving issues it from the store's stock) and is at the site within 2 working days of
    leaving; ``late`` says which it missed."""

    queryset = SpareDispatch.objects.select_related("part", "from_location", "site__customer", "work_order",
                                                    "requested_by")
    serializer_class = SpareDispatchSerializer
    filterset_fields = ["part", "from_location", "site", "work_order"]
    ordering_fields = ["requested_at", "left_at", "arrived_at"]
    action_permissions = {"leave": "change", "arrive": "change"}

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        for dispatch, lateness in dispatches.dispatches_with_lateness(page or []):
            dispatch._lateness = lateness  # one calendar read for the page, not one per row
        return page

    def _answer(self, dispatch) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=dispatch.pk)).data)

    @extend_schema(request=LeaveSerializer, responses={200: SpareDispatchSerializer},
                   summary="The spare leaves the store")
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        body = LeaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(dispatches.spare_dispatch_leave(actor=request.user, dispatch=self.get_object(),
                                                            **body.validated_data))

    @extend_schema(request=ArriveSerializer, responses={200: SpareDispatchSerializer},
                   summary="The spare is at the site")
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        body = ArriveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(dispatches.spare_dispatch_arrive(actor=request.user, dispatch=self.get_object(),
                                                             **body.validated_data))
