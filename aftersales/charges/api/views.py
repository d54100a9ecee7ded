"""/api/v1/quotes/ (a work order's quote: open, price, send, accept, decline), /api/v1/price-rules/
(records) and /api/v1/third-party-costs/ (cost against us, W9). Every write is a service."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.accounts.scoping import scope
from aftersales.core.api import IdLookup, RecordViewSet
from aftersales.core.filters import RecordFilterSet

from .. import services
from ..models import PriceRule, Quote, QuoteLine, ThirdPartyCost
from . import serializers as s

ANSWER = {200: s.QuoteSerializer}


class QuoteFilter(RecordFilterSet):
    class Meta:
        model = Quote
        fields = ["state", "decision", "work_order"]


class QuoteViewSet(IdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   viewsets.GenericViewSet):
    """Quotes: one per work order. Create = open it with its entitlement decision (free, or
    chargeable and waiting for the service manager's price). ``price``: the service manager (W6);
    ``send``: given to the customer, only once priced; ``accept`` / ``decline``: the customer's answer,
    signed on site (recorded by staff) or through the portal (a customer user, their own quotes)."""

    queryset = Quote.objects.all()
    serializer_class = s.QuoteSerializer
    filterset_class = QuoteFilter
    search_fields = ["work_order__number", "work_order__request__number", "work_order__request__customer__name"]
    ordering_fields = ["created_at", "total", "state"]
    action_permissions = {"price": "price", "send": "change", "accept": "accept", "decline": "accept",
                          "misuse": "add"}  # marking misuse opens or changes the quote: whoever quotes

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user).select_related("work_order").prefetch_related(
            Prefetch("lines", queryset=QuoteLine.objects.order_by("id")))

    def represent(self, pk: int, status: int = 200) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data, status=status)

    def create(self, request, *args, **kwargs):
        """201 with the new quote, or 200 with the one the work order already has."""
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        existed = Quote.objects.filter(work_order=body.validated_data["work_order"]).exists()
        return self.represent(body.save().pk, status=200 if existed else 201)

    def _body(self, body_class):
        body = body_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return body

    @extend_schema(request=s.PriceSerializer, responses=ANSWER, summary="Set the price (the service manager, W6)")
    @action(detail=True, methods=["post"])
    def price(self, request, pk=None):
        body = self._body(s.PriceSerializer)
        quote = services.quote_price(actor=request.user, quote=self.get_object(), **body.to_service())
        return self.represent(quote.pk)

    @extend_schema(request=None, responses=ANSWER, summary="Give the priced quote to the customer")
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        return self.represent(services.quote_send(actor=request.user, quote=self.get_object()).pk)

    @extend_schema(request=s.AcceptSerializer, responses=ANSWER,
                   summary="The customer accepts: a signature on site, or a customer user through the portal")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        body = self._body(s.AcceptSerializer)
        quote = services.quote_accept(actor=request.user, quote=self.get_object(),
                                      signer_name=body.validated_data.get("signer_name", ""),
                                      signature=body.validated_data.get("signature") or None)
        return self.represent(quote.pk)

    @extend_schema(request=s.DeclineSerializer, responses=ANSWER, summary="The customer declines the quote")
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        body = self._body(s.DeclineSerializer)
        quote = services.quote_decline(actor=request.user, quote=self.get_object(),
                                       reason=body.validated_data.get("reason", ""))
        return self.represent(quote.pk)

    @extend_schema(request=s.MisuseSerializer, responses={201: s.QuoteSerializer, 204: None},
                   summary="Mark damage by misuse on a work order (at least one damage photo)",
                   description="The technician of the work order marks it; its quote, if any, is decided again "
                               "(covered work becomes chargeable). Answers the quote, or 204 when there is none.")
    @action(detail=False, methods=["post"], url_path="mark-misuse")
    def misuse(self, request):
        body = self._body(s.MisuseSerializer)
        data = body.validated_data
        finding = services.misuse_mark(actor=request.user, work_order=data["work_order"],
                                       description=data["description"], photos=data.get("photos"))
        quote = Quote.objects.filter(work_order_id=finding.work_order_id).first()
        return self.represent(quote.pk, status=201) if quote else Response(status=204)


class PriceRuleViewSet(RecordViewSet):
    """Price rules (W6): parts at cost plus labour, market price without labour, labour per hour
    with a cap, a rate card per person-day; travel charge; misuse charged at parts only."""

    queryset = PriceRule.objects.prefetch_related("rate_lines")
    serializer_class = s.PriceRuleSerializer
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]


class ThirdPartyCostViewSet(IdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                            viewsets.GenericViewSet):
    """Third-party costs (W9): we were late, the customer hired someone else; the cost is ours."""

    queryset = ThirdPartyCost.objects.select_related("request")
    serializer_class = s.ThirdPartyCostSerializer
    search_fields = ["request__number", "invoice_ref", "request__customer__name"]
    ordering_fields = ["incurred_on", "amount"]

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        cost = body.save()
        return Response(self.get_serializer(self.get_queryset().get(pk=cost.pk)).data, status=201)
