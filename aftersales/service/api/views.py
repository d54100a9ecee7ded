"""/api/v1/service-requests/ and /api/v1/service-levels/.

A request is registered, read, listed, changed (its descriptive fields) and moved through its
states by actions, each a POST with its own small body that calls one service. Emergency repairs
carry their emergency plan (SPEC §6) as actions of the request too.
"""

from __future__ import annotations

import django_filters
from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from aftersales.accounts.permissions import RolePermission
from aftersales.core.api import RecordViewSet
from aftersales.core.filters import RecordFilterSet, YesNoFilter

from .. import emergency, services
from ..models import EmergencyPlan, RequestClock, ServiceLevel, ServiceRequest, TimelineEntry
from .serializers import (
    EmergencyConsentSerializer,
    EmergencyDepartSerializer,
    EmergencyExceptionSerializer,
    EmergencyPlanSerializer,
    PauseReasonSerializer,
    RequestArriveSerializer,
    RequestAssignSerializer,
    RequestCloseSerializer,
    RequestEscalateSerializer,
    RequestReasonSerializer,
    RequestReclassifySerializer,
    RequestResolveSerializer,
    RequestTextSerializer,
    ServiceLevelSerializer,
    ServiceRequestChangeSerializer,
    ServiceRequestSerializer,
)

# ---------------------------------------------------------------- filters


def breached_clocks(now):
    """Clocks that ran out, from stored times: met late, or unmet and past due."""
    return RequestClock.objects.filter(Q(met_at__isnull=True, due_at__lt=now) | Q(met_at__gt=F("due_at")))


class ServiceRequestFilter(RecordFilterSet):
    breached = YesNoFilter(method="filter_breached", label=gettext_lazy("breached"),
                           help_text="true: a clock met late, or unmet and past due; false: none.")
    reported_after = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="gte",
                                                      label=gettext_lazy("reported from"))
    reported_before = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="lt",
                                                       label=gettext_lazy("reported before"))

    class Meta:
        model = ServiceRequest
        fields = ["state", "severity", "request_type", "customer", "asset", "assignee", "channel"]

    def filter_queryset(self, queryset):
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated and user.is_external and self.form.cleaned_data.get("assignee"):
            return queryset.none()  # who is assigned is staff business: no answer, not even by filtering
        return super().filter_queryset(queryset)

    def filter_breached(self, queryset, name, value):
        late = breached_clocks(timezone.now()).filter(request=OuterRef("pk"))
        return queryset.filter(Exists(late)) if value else queryset.exclude(Exists(late))


# ---------------------------------------------------------------- permissions

CHANGE_PLAN = emergency.CHANGE_PERMISSION
EMERGENCY_PERMISSIONS = {  # (action, method) -> the permission on top of seeing the request
    ("emergency_plan", "GET"): "service.view_emergencyplan",
    ("emergency_plan", "PUT"): CHANGE_PLAN,
    ("emergency_consent", "POST"): CHANGE_PLAN,
    ("emergency_approve", "POST"): emergency.APPROVE_PERMISSION,
    ("emergency_depart", "POST"): CHANGE_PLAN,
    ("emergency_exception", "POST"): CHANGE_PLAN,
}


class ServiceRequestPermission(RolePermission):
    """The role's permissions (actions by ``action_permissions``), and for the emergency actions the
    emergency plan's own: only the service director approves."""

    extra_permissions = EMERGENCY_PERMISSIONS

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        method = "GET" if request.method == "HEAD" else request.method
        needed = self.extra_permissions.get((getattr(view, "action", None), method))
        if needed and not request.user.has_perm(needed):
            self.message = (_("Only the service director can approve an emergency plan.")
                            if needed == emergency.APPROVE_PERMISSION
                            else _("Your role may not see or change emergency plans."))
            return False
        return True


# ---------------------------------------------------------------- requests


WORKFLOW = ["acknowledge", "log_call", "start", "assign", "pause", "resume", "escalate", "arrive", "resolve",
            "file_report", "close", "reopen", "cancel", "reclassify"]
EMERGENCY = ["emergency_plan", "emergency_consent", "emergency_approve", "emergency_depart", "emergency_exception"]

REQUEST_RESPONSES = {200: ServiceRequestSerializer}
PLAN_RESPONSES = {200: EmergencyPlanSerializer}


def _step(body=None, *, summary: str, description: str = ""):
    """The schema of one action: its own body (or none), the request as the answer."""
    return extend_schema(request=body, responses=REQUEST_RESPONSES, summary=summary, description=description)


class ServiceRequestViewSet(RecordViewSet):
    """Service requests (SPEC §5): registered, listed, read and changed; moved through their states by
    the actions, each refused with 400 and the reason when the request's state does not allow it.

    Customer and dealer users see the requests of their own organisation(s) only, without staff-only
    fields or timeline entries; a customer user confirms the solution of their own request. Requests
    are never deleted (cancel instead)."""

    queryset = ServiceRequest.objects.all()
    serializer_class = ServiceRequestSerializer
    filterset_class = ServiceRequestFilter
    permission_classes = [ServiceRequestPermission]
    search_fields = ["number", "reporter_phone", "customer__name", "description"]
    ordering_fields = ["reported_at", "severity", "number", "state", "updated_at"]
    action_permissions = {**{name: "change" for name in WORKFLOW}, **{name: "view" for name in EMERGENCY},
                          "confirm": "confirm"}
    archive = None  # a request is cancelled or closed, never archived through the API
    restore = None

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action in ("list", "retrieve"):
            queryset = self.with_related(queryset)
        return queryset

    def with_related(self, queryset):
        timeline = TimelineEntry.objects.select_related("actor")
        user = self.request.user
        if user.is_authenticated and user.is_external:
            timeline = timeline.filter(internal=False)
        return queryset.prefetch_related("clocks", Prefetch("timeline", queryset=timeline))

    def represent(self, pk: int, status: int = 200) -> Response:
        instance = self.with_related(ServiceRequest.objects.all()).get(pk=pk)
        return Response(ServiceRequestSerializer(instance, context=self.get_serializer_context()).data,
                        status=status)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = serializer.save()
        return self.represent(instance.pk, status=201)

    @extend_schema(request=ServiceRequestChangeSerializer, responses=REQUEST_RESPONSES)
    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = ServiceRequestChangeSerializer(instance, data=request.data, partial=kwargs.get("partial", False),
                                                    context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return self.represent(instance.pk)

    @extend_schema(request=ServiceRequestChangeSerializer, responses=REQUEST_RESPONSES)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def act(self, service, body_class=None, **fixed):
        """Validate the action's body, call its service on the request, answer with the request."""
        instance = self.get_object()
        arguments = dict(fixed)
        if body_class is not None:
            body = body_class(data=self.request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            arguments.update(body.validated_arguments() if hasattr(body, "validated_arguments")
                             else body.validated_data)
        service(request=instance, actor=self.request.user, **arguments)
        return self.represent(instance.pk)

    @_step(summary="Acknowledge: meets the response clock")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self.act(services.request_acknowledge)

    @_step(RequestTextSerializer, summary="Log a call with the customer: meets the callback clock")
    @action(detail=True, methods=["post"], url_path="log-call")
    def log_call(self, request, pk=None):
        return self.act(services.request_log_call, RequestTextSerializer)

    @_step(summary="Start work")
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self.act(services.request_start)

    @_step(RequestAssignSerializer, summary="Assign to a member of staff")
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self.act(services.request_assign, RequestAssignSerializer)

    @_step(PauseReasonSerializer, summary="Wait for the customer: the open clocks stop")
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return self.act(services.request_pause, PauseReasonSerializer)

    @_step(summary="Resume after waiting: the open clocks run again, moved by the pause")
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self.act(services.request_resume)

    @_step(RequestEscalateSerializer, summary="Escalate to a senior engineer: starts the senior-engineer clock")
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self.act(services.request_escalate, RequestEscalateSerializer)

    @_step(RequestArriveSerializer, summary="A technician arrived on site: meets the on-site clock")
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        return self.act(services.request_arrive, RequestArriveSerializer)

    @_step(RequestResolveSerializer, summary="Resolved: meets the fixed clock, starts the problem-report clock")
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self.act(services.request_resolve, RequestResolveSerializer)

    @_step(RequestTextSerializer, summary="File the problem report: meets the report clock")
    @action(detail=True, methods=["post"], url_path="file-report")
    def file_report(self, request, pk=None):
        return self.act(services.request_file_report, RequestTextSerializer)

    @_step(summary="The customer confirms the solution: closes the request",
           description="Allowed to the request's own customer users, and to staff who may change requests.")
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        instance = self.get_object()  # a customer user reaches the requests of their own customer only
        services.request_close(request=instance, actor=request.user, confirmed=True)
        return self.represent(instance.pk)

    @_step(RequestCloseSerializer, summary="Close: with the customer's confirmation, or the reason why not")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self.act(services.request_close, RequestCloseSerializer)

    @_step(RequestReasonSerializer, summary="Reopen: the fixed clock runs again")
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self.act(services.request_reopen, RequestReasonSerializer)

    @_step(RequestReasonSerializer, summary="Cancel")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self.act(services.request_cancel, RequestReasonSerializer)

    @_step(RequestReclassifySerializer, summary="Change severity, type or contract: the clocks are recomputed from "
                                         "the call, the old values kept on the timeline")
    @action(detail=True, methods=["post"])
    def reclassify(self, request, pk=None):
        return self.act(services.request_reclassify, RequestReclassifySerializer)

    # ------------------------------------------------------------ emergencies (SPEC §6)

    def plan_answer(self, plan: EmergencyPlan) -> Response:
        return Response(EmergencyPlanSerializer(plan, context=self.get_serializer_context()).data)

    def plan_step(self, service, body_class=None, **fixed):
        instance = self.get_object()
        arguments = dict(fixed)
        if body_class is not None:
            body = body_class(data=self.request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            arguments.update(body.validated_data)
        return self.plan_answer(service(request=instance, actor=self.request.user, **arguments))

    @extend_schema(methods=["GET"], request=None, responses=PLAN_RESPONSES, summary="The emergency plan")
    @extend_schema(methods=["PUT"], request=EmergencyPlanSerializer, responses=PLAN_RESPONSES,
                   summary="Write the emergency plan (until it is approved)")
    @action(detail=True, methods=["get", "put"], url_path="emergency-plan")
    def emergency_plan(self, request, pk=None):
        instance = self.get_object()
        plan = emergency.plan_of(instance)
        if request.method != "PUT":
            if plan is None:
                raise NotFound(_("This request has no emergency plan yet."))
            return self.plan_answer(plan)
        body = EmergencyPlanSerializer(plan, data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return self.plan_answer(emergency.plan_write(request=instance, actor=request.user, data=body.validated_data))

    @extend_schema(request=EmergencyConsentSerializer, responses=PLAN_RESPONSES,
                   summary="Record the customer's consent to the plan")
    @action(detail=True, methods=["post"], url_path="emergency-consent")
    def emergency_consent(self, request, pk=None):
        instance = self.get_object()
        body = EmergencyConsentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.plan_answer(emergency.plan_consent(request=instance, actor=request.user,
                                                       consent_by=body.validated_data["consent_by"],
                                                       at=body.validated_data.get("consent_at")))

    @extend_schema(request=None, responses=PLAN_RESPONSES, summary="Approve the plan (the service director)")
    @action(detail=True, methods=["post"], url_path="emergency-approve")
    def emergency_approve(self, request, pk=None):
        return self.plan_step(emergency.plan_approve)

    @extend_schema(request=EmergencyDepartSerializer, responses=PLAN_RESPONSES,
                   summary="The team leaves: the customer is told the lead and the expected arrival")
    @action(detail=True, methods=["post"], url_path="emergency-depart")
    def emergency_depart(self, request, pk=None):
        return self.plan_step(emergency.plan_depart, EmergencyDepartSerializer)

    @extend_schema(request=EmergencyExceptionSerializer, responses=PLAN_RESPONSES,
                   summary="Record an exception of the emergency flow")
    @action(detail=True, methods=["post"], url_path="emergency-exception")
    def emergency_exception(self, request, pk=None):
        return self.plan_step(emergency.plan_exception, EmergencyExceptionSerializer)


# ---------------------------------------------------------------- service levels


class ServiceLevelFilter(RecordFilterSet):
    class Meta:
        model = ServiceLevel
        fields = ["calendar", "is_default"]


class ServiceLevelViewSet(RecordViewSet):
    """Service levels (SPEC §4): targets per severity (and request type) and clock, in working minutes
    of the level's calendar. Everyone signed in reads them; writing needs the service-level permissions."""

    queryset = ServiceLevel.objects.prefetch_related("targets")
    serializer_class = ServiceLevelSerializer
    filterset_class = ServiceLevelFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    @extend_schema(request=None, responses=ServiceLevelSerializer,
                   description="Refused (400) for the default level: make another one the default first.")
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        level = services.service_level_archive(level=self.get_object(), actor=request.user)
        return Response(self.get_serializer(level).data)
