"""/api/v1/loaners/ (the units: records, archived never deleted, moved through their states by the
actions lend, extend, return, send-to-repair, back-from-repair, retire) and /api/v1/loans/ (read-only:
every lending, open and overdue ones by filter). Staff only (SPEC D6, §8)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.accounts.permissions import RolePermission
from aftersales.accounts.scoping import scope
from aftersales.core.api import IdLookup, RecordViewSet
from aftersales.core.filters import LinkFilter, RecordFilterSet, YesNoFilter

from .. import selectors, services
from ..models import Loan, Loaner, LoanerEvent
from .serializers import (
    ExtendSerializer,
    LendSerializer,
    LoanerDetailSerializer,
    LoanerSerializer,
    LoanReturnSerializer,
    LoanSerializer,
    NoteSerializer,
    RetireSerializer,
)

# (action, method) -> the permission on top of seeing the unit: lending and taking back are the
# loans' business (the store and whoever works service requests); repair and retirement the store's.
LOAN_PERMISSIONS = {
    ("lend", "POST"): "loaners.add_loan",
    ("extend", "POST"): "loaners.change_loan",
    ("return_loan", "POST"): "loaners.change_loan",
}


class LoanerPermission(RolePermission):
    extra_permissions = LOAN_PERMISSIONS

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        needed = self.extra_permissions.get((getattr(view, "action", None), request.method))
        if needed and not request.user.has_perm(needed):
            self.message = _("Your role may not lend loaners or take them back.")
            return False
        return True


class LoanerFilter(RecordFilterSet):
    category = LinkFilter(field_name="product_model__category", label=gettext_lazy("product category"))
    overdue = YesNoFilter(method="filter_overdue", label=gettext_lazy("overdue"),
                          help_text="true: lent and past the due date; false: the rest.")

    class Meta:
        model = Loaner
        fields = ["state", "grade", "product_model", "home_store"]

    def filter_overdue(self, queryset, name, value):
        late = Loan.objects.filter(selectors.overdue_q(timezone.localdate())).values("loaner")
        return queryset.filter(pk__in=late) if value else queryset.exclude(pk__in=late)


LOANER_RESPONSES = {200: LoanerDetailSerializer}


def _step(body=None, *, summary: str, description: str = ""):
    return extend_schema(request=body, responses=LOANER_RESPONSES, summary=summary, description=description)


class LoanerViewSet(RecordViewSet):
    """Loaners (备用机, SPEC D6): the company's units lent to customers. Registered and changed by the
    store; lent and taken back by the store and whoever works service requests. Every action is
    refused with 400 and the reason when the unit's state does not allow it."""

    queryset = Loaner.objects.all()
    serializer_class = LoanerSerializer
    filterset_class = LoanerFilter
    permission_classes = [LoanerPermission]
    search_fields = ["code", "serial_number", "grade", "product_model__code", "product_model__name"]
    ordering_fields = ["code", "state", "grade", "updated_at"]
    action_permissions = {"archive": "change", "restore": "change", "lend": "view", "extend": "view",
                          "return_loan": "view", "send_to_repair": "change", "back_from_repair": "change",
                          "retire": "change"}

    def get_queryset(self):
        queryset = selectors.loaners_with_related(super().get_queryset())
        if self.action != "list":
            queryset = queryset.prefetch_related(
                Prefetch("events", queryset=LoanerEvent.objects.select_related("actor")))
        return queryset

    def get_serializer_class(self):
        return LoanerDetailSerializer if self.action == "retrieve" else LoanerSerializer

    def represent(self, pk: int, status: int = 200) -> Response:
        instance = self.get_queryset().get(pk=pk)
        return Response(LoanerDetailSerializer(instance, context=self.get_serializer_context()).data, status=status)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.represent(serializer.save().pk, status=201)

    def act(self, service, body_class=None):
        """Validate the action's body, call its service on the unit, answer with the unit."""
        instance = self.get_object()
        arguments = {}
        if body_class is not None:
            body = body_class(data=self.request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            arguments = body.validated_data
        service(loaner=instance, actor=self.request.user, **arguments)
        return self.represent(instance.pk)

    @_step(LendSerializer, summary="Lend the unit to a customer",
           description="Only a unit in store; customer, site and equipment default to the service request's.")
    @action(detail=True, methods=["post"])
    def lend(self, request, pk=None):
        return self.act(services.loaner_lend, LendSerializer)

    @_step(ExtendSerializer, summary="Extend the open loan: a later due date")
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        return self.act(services.loaner_extend, ExtendSerializer)

    @_step(LoanReturnSerializer, summary="Take the unit back: the loan closes",
           description="good: back in store; damaged: to repair; lost: retired.")
    @action(detail=True, methods=["post"], url_path="return")
    def return_loan(self, request, pk=None):
        return self.act(services.loaner_return, LoanReturnSerializer)

    @_step(NoteSerializer, summary="Send a unit in store to repair")
    @action(detail=True, methods=["post"], url_path="send-to-repair")
    def send_to_repair(self, request, pk=None):
        return self.act(services.loaner_repair_send, NoteSerializer)

    @_step(NoteSerializer, summary="A repaired unit is back in store")
    @action(detail=True, methods=["post"], url_path="back-from-repair")
    def back_from_repair(self, request, pk=None):
        return self.act(services.loaner_repair_back, NoteSerializer)

    @_step(RetireSerializer, summary="Retire the unit: it leaves the pool (never while lent)")
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        return self.act(services.loaner_retire, RetireSerializer)

    @extend_schema(request=None, responses=LoanerSerializer,
                   description="Refused (400) while the unit is lent: take it back first.")
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        instance = services.loaner_archive(loaner=self.get_object(), actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=instance.pk)).data)


class LoanFilter(RecordFilterSet):
    open = YesNoFilter(field_name="returned_at", lookup_expr="isnull", label=gettext_lazy("open"),
                       help_text="true: the unit is still out; false: returned.")
    overdue = YesNoFilter(method="filter_overdue", label=gettext_lazy("overdue"),
                          help_text="true: open and past the due date; false: the rest.")

    class Meta:
        model = Loan
        fields = ["loaner", "customer", "service_request", "reason"]

    def filter_overdue(self, queryset, name, value):
        late = selectors.overdue_q(timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class LoanViewSet(IdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every lending of a loaner (SPEC D6): open ones until the unit comes back, overdue ones past
    their due date. Read-only: loans are made and closed by the loaner's actions."""

    queryset = selectors.loans_with_related()
    serializer_class = LoanSerializer
    filterset_class = LoanFilter
    search_fields = ["loaner__code", "customer__name", "service_request__number", "received_by"]
    ordering_fields = ["lent_at", "due_back", "returned_at"]

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)
