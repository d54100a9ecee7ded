"""/api/v1/tools/, /api/v1/tool-kits/ (records, with the events of a kit as actions) and
/api/v1/tool-events/ (read-only, with settling a charge). Staff only (SPEC P6).

Every action validates its own small body and calls one service; a refusal is 400 with the
service's code (insufficient_store, not_held, amount_required …).
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.accounts.permissions import RolePermission
from aftersales.accounts.scoping import scope
from aftersales.core.api import IdLookup, RecordViewSet
from aftersales.core.filters import RecordFilterSet, YesNoFilter

from .. import selectors, services
from ..choices import CHARGE_KINDS
from ..models import Tool, ToolEvent, ToolKit
from ..permissions import EVENT_PERMISSION
from .serializers import (
    SettleBody,
    ToolBoughtBody,
    ToolBrokenBody,
    ToolEventSerializer,
    ToolKitSerializer,
    ToolLinesBody,
    ToolLostBody,
    ToolReceiveBody,
    ToolReturnBody,
    ToolScrapBody,
    ToolSerializer,
)


class EventPermission(RolePermission):
    """The role's permissions (actions by ``action_permissions``); an action that records a tool
    event needs the event's add permission too."""

    extra_permissions: dict[tuple[str, str], str] = {}

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        needed = self.extra_permissions.get((getattr(view, "action", None), request.method))
        return not needed or request.user.has_perm(needed)


def _body(view, body_class) -> dict:
    body = body_class(data=view.request.data, context=view.get_serializer_context())
    body.is_valid(raise_exception=True)
    return body.validated_arguments() if hasattr(body, "validated_arguments") else dict(body.validated_data)


# ---------------------------------------------------------------- tools


class ToolPermission(EventPermission):
    extra_permissions = {("receive", "POST"): EVENT_PERMISSION, ("scrap", "POST"): EVENT_PERMISSION}


class ToolFilter(RecordFilterSet):
    class Meta:
        model = Tool
        fields = ["code", "unit"]


class ToolViewSet(RecordViewSet):
    """The store's tools: what the store holds of each (good, and broken ones handed in) and how many
    are out in kits. The counts change through events only: receive and scrap here, the kits'
    actions for the rest."""

    queryset = selectors.tools_with_counts()
    serializer_class = ToolSerializer
    filterset_class = ToolFilter
    permission_classes = [ToolPermission]
    search_fields = ["code", "name", "spec"]
    ordering_fields = ["code", "name", "quantity", "unit_price"]
    action_permissions = {**RecordViewSet.action_permissions, "receive": "change", "scrap": "change"}

    def represent(self, pk: int) -> Response:
        tool = selectors.tools_with_counts().get(pk=pk)
        return Response(ToolSerializer(tool, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=ToolSerializer,
                   description="Refused (400, code tool_in_kits) while kits still hold the tool.")
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        tool = services.tool_archive(actor=request.user, tool=self.get_object())
        return self.represent(tool.pk)

    @extend_schema(request=ToolReceiveBody, responses=ToolSerializer, summary="Receive new tools into the store")
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        tool = self.get_object()
        services.tool_receive(actor=request.user, tool=tool, **_body(self, ToolReceiveBody))
        return self.represent(tool.pk)

    @extend_schema(request=ToolScrapBody, responses=ToolSerializer,
                   summary="Scrap broken tools handed in (refused beyond those)")
    @action(detail=True, methods=["post"])
    def scrap(self, request, pk=None):
        tool = self.get_object()
        services.tool_scrap(actor=request.user, tool=tool, **_body(self, ToolScrapBody))
        return self.represent(tool.pk)


# ---------------------------------------------------------------- kits

KIT_ACTIONS = ["issue", "return_tools", "lost", "broken", "bought"]


class ToolKitPermission(EventPermission):
    extra_permissions = {(name, "POST"): EVENT_PERMISSION for name in KIT_ACTIONS}


class ToolKitFilter(RecordFilterSet):
    mine = YesNoFilter(method="filter_mine", label=gettext_lazy("my kits"), help_text="true: the caller's own kits.")

    class Meta:
        model = ToolKit
        fields = ["holder", "code"]

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        return queryset.filter(holder=user) if value else queryset.exclude(holder=user)


KIT_RESPONSES = {200: ToolKitSerializer}


class ToolKitViewSet(RecordViewSet):
    """Tool kits issued to technicians, each with the tools it holds, their value, and the charges
    still open (lost tools the holder pays for, tools bought on the road paid back to the holder).
    What a kit holds changes through the actions only: issue, return, lost, broken (old for new) and
    bought on the road."""

    queryset = selectors.kits_with_related()
    serializer_class = ToolKitSerializer
    filterset_class = ToolKitFilter
    permission_classes = [ToolKitPermission]
    search_fields = ["code", "name", "holder__display_name", "holder__username"]
    ordering_fields = ["code", "issued_on", "holder__display_name"]
    action_permissions = {**RecordViewSet.action_permissions, **{name: "change" for name in KIT_ACTIONS}}

    def represent(self, pk: int) -> Response:
        kit = selectors.kits_with_related().get(pk=pk)
        return Response(ToolKitSerializer(kit, context=self.get_serializer_context()).data)

    def act(self, service, body_class) -> Response:
        kit = self.get_object()
        service(actor=self.request.user, kit=kit, **_body(self, body_class))
        return self.represent(kit.pk)

    @extend_schema(request=None, responses=KIT_RESPONSES,
                   description="Refused (400, code kit_not_empty) while the kit holds tools.")
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        kit = services.kit_archive(actor=request.user, kit=self.get_object())
        return self.represent(kit.pk)

    @extend_schema(request=ToolLinesBody, responses=KIT_RESPONSES,
                   summary="Issue tools from the store to the kit, all or none",
                   description="400 insufficient_store when the store holds fewer than asked.")
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        return self.act(services.tools_issue, ToolLinesBody)

    @extend_schema(request=ToolReturnBody, responses=KIT_RESPONSES,
                   summary="Return tools of the kit to the store, all or none",
                   description="400 not_held when the kit holds fewer than given.")
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_tools(self, request, pk=None):
        return self.act(services.tools_return, ToolReturnBody)

    @extend_schema(request=ToolLostBody, responses=KIT_RESPONSES,
                   summary="Tools of the kit are lost: the holder pays (quantity × unit price unless given)")
    @action(detail=True, methods=["post"])
    def lost(self, request, pk=None):
        return self.act(services.tool_lost, ToolLostBody)

    @extend_schema(request=ToolBrokenBody, responses=KIT_RESPONSES,
                   summary="Broken: old for new (the broken one is handed in, a new one comes from the store)")
    @action(detail=True, methods=["post"])
    def broken(self, request, pk=None):
        return self.act(services.tool_broken, ToolBrokenBody)

    @extend_schema(request=ToolBoughtBody, responses=KIT_RESPONSES,
                   summary="The holder bought a tool on the road: it goes into the store, the price is owed "
                           "to the holder")
    @action(detail=True, methods=["post"])
    def bought(self, request, pk=None):
        return self.act(services.tool_bought, ToolBoughtBody)


# ---------------------------------------------------------------- events


class ToolEventFilter(RecordFilterSet):
    unsettled = YesNoFilter(method="filter_unsettled", label=gettext_lazy("unsettled"),
                            help_text="true: lost tools not yet paid for and tools bought on the road not yet "
                                      "paid back; false: every other event.")
    at_after = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte", label=gettext_lazy("from"))
    at_before = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt", label=gettext_lazy("before"))

    class Meta:
        model = ToolEvent
        fields = ["kind", "tool", "kit", "holder", "actor"]

    def filter_unsettled(self, queryset, name, value):
        open_charges = {"kind__in": CHARGE_KINDS, "settled_at__isnull": True}
        return queryset.filter(**open_charges) if value else queryset.exclude(**open_charges)


class ToolEventViewSet(IdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every event of every tool, newest first: recorded by the actions of tools and kits, never
    changed or deleted; a lost or bought one is settled once."""

    queryset = selectors.events_with_related()
    serializer_class = ToolEventSerializer
    filterset_class = ToolEventFilter
    search_fields = ["reference", "note", "tool__code", "tool__name", "kit__code"]
    ordering_fields = ["at", "amount"]
    action_permissions = {"settle": "change"}

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)

    @extend_schema(request=SettleBody, responses=ToolEventSerializer,
                   summary="Settle a charge: the holder paid for a lost tool, or was paid back for one bought "
                           "on the road",
                   description="400 not_a_charge for other events, already_settled the second time.")
    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        event = services.tool_event_settle(actor=request.user, event=self.get_object(), **_body(self, SettleBody))
        return Response(ToolEventSerializer(selectors.events_with_related().get(pk=event.pk),
                                            context=self.get_serializer_context()).data)
