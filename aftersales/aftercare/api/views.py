"""/api/v1/returns/ (returns and exchanges, W10: register, then the general manager's approve or refuse)
and /api/v1/depot-batches/ (depot repairs: receive, then the actions repaired, returned, follow-up).
Staff only. A refused step answers 400 with the reason."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.accounts.scoping import scope
from aftersales.core.api import IdLookup
from aftersales.core.filters import RecordFilterSet

from .. import services
from ..models import DepotBatch, ReturnRequest
from ..selectors import policy_get
from .serializers import (
    ApproveSerializer,
    DepotBatchSerializer,
    FollowUpSerializer,
    RefuseSerializer,
    ReturnRequestSerializer,
    StepSerializer,
)


class ReturnFilter(RecordFilterSet):
    class Meta:
        model = ReturnRequest
        fields = ["state", "wanted", "customer", "product_model", "asset"]


class DepotFilter(RecordFilterSet):
    class Meta:
        model = DepotBatch
        fields = ["state", "customer", "due_on", "follow_up_due"]


class _Base(IdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
            viewsets.GenericViewSet):
    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context.setdefault("today", timezone.localdate())
        return context

    def body(self, serializer_class) -> dict:
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    def represent(self, instance) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=instance.pk)).data)


class ReturnRequestViewSet(_Base):
    """Returns and exchanges (退换货, SPEC W10): within the return period of the purchase, a quality fault
    not caused by people, the receipt given and the packaging intact; then only the general manager's
    approval gives the refund or the exchange for the same model. Otherwise the customer bears the cost."""

    queryset = ReturnRequest.objects.select_related("customer", "product_model")
    serializer_class = ReturnRequestSerializer
    filterset_class = ReturnFilter
    search_fields = ["serial_number", "customer__name", "product_model__code", "fault_description"]
    ordering_fields = ["requested_on", "purchased_on", "state", "created_at"]
    action_permissions = {"approve": "approve", "refuse": "approve"}

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["policy"] = policy_get()
        return context

    @extend_schema(request=ApproveSerializer, responses={200: ReturnRequestSerializer},
                   summary="Approve a return or exchange (the general manager)",
                   description="Needs aftercare.approve_returnrequest. 400 when it is already decided or a "
                               "condition is not met.")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        ret = services.return_approve(actor=request.user, ret=self.get_object(), **self.body(ApproveSerializer))
        return self.represent(ret)

    @extend_schema(request=RefuseSerializer, responses={200: ReturnRequestSerializer},
                   summary="Refuse a return or exchange (the general manager): the customer bears the cost",
                   description="Needs aftercare.approve_returnrequest; the reason is required.")
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        ret = services.return_refuse(actor=request.user, ret=self.get_object(), **self.body(RefuseSerializer))
        return self.represent(ret)


class DepotBatchViewSet(_Base):
    """Depot repairs (返修): units a customer sent in, received as a batch. Due in working days by batch
    size (up to 10 units 1 day, up to 20 units 2 days, and so on: configurable); once returned, a
    follow-up is due within 3 days (configurable)."""

    queryset = DepotBatch.objects.select_related("customer")
    serializer_class = DepotBatchSerializer
    filterset_class = DepotFilter
    search_fields = ["reference", "serial_numbers", "customer__name"]
    ordering_fields = ["received_at", "due_on", "follow_up_due", "state"]
    action_permissions = {"repaired": "change", "returned": "change", "follow_up": "change"}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = serializer.save()
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StepSerializer, responses={200: DepotBatchSerializer}, summary="The batch is repaired")
    @action(detail=True, methods=["post"])
    def repaired(self, request, pk=None):
        return self.represent(services.depot_mark_repaired(actor=request.user, batch=self.get_object(),
                                                           **self.body(StepSerializer)))

    @extend_schema(request=StepSerializer, responses={200: DepotBatchSerializer},
                   summary="The units went back to the customer: the follow-up falls due")
    @action(detail=True, methods=["post"])
    def returned(self, request, pk=None):
        return self.represent(services.depot_mark_returned(actor=request.user, batch=self.get_object(),
                                                           **self.body(StepSerializer)))

    @extend_schema(request=FollowUpSerializer, responses={200: DepotBatchSerializer},
                   summary="Record the follow-up with the customer")
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, pk=None):
        return self.represent(services.depot_follow_up(actor=request.user, batch=self.get_object(),
                                                       **self.body(FollowUpSerializer)))
