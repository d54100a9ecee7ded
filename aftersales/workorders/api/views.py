"""/api/v1/work-orders/: dispatch and the visit's steps (SPEC §7). Work orders are created and moved
through their states by actions, each enforcing the same rules as the pages (the services); they are
never changed in place, deleted or archived (a spoiled one is void). ``report-email`` sends the
service report (SPEC D5): staff to an address, a customer user to their own."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from aftersales.accounts.scoping import scope
from aftersales.core.api import IdLookup
from aftersales.core.filters import RecordFilterSet, YesNoFilter
from aftersales.core.uploads import check_upload

from .. import reports, selectors, services
from ..models import UsedPart, WorkOrder
from . import serializers as s

ANSWER = {200: s.WorkOrderSerializer}


class WorkOrderFilter(RecordFilterSet):
    planned_after = django_filters.IsoDateTimeFilter(field_name="planned_start", lookup_expr="gte",
                                                     label=gettext_lazy("planned from"))
    planned_before = django_filters.IsoDateTimeFilter(field_name="planned_start", lookup_expr="lt",
                                                      label=gettext_lazy("planned before"))
    delay_overdue = YesNoFilter(method="filter_delay_overdue", label=gettext_lazy("delay reason overdue"),
                                help_text="true: left unfinished and the delay-reason form is past its 48 hours.")

    class Meta:
        model = WorkOrder
        fields = ["state", "technician", "request"]

    def filter_delay_overdue(self, queryset, name, value):
        return selectors.delay_overdue(queryset, value)


def _step(body=None, *, summary: str):
    return extend_schema(request=body, responses=ANSWER, summary=summary)


class WorkOrderViewSet(IdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       viewsets.GenericViewSet):
    """Work orders: one technician's (or team's) visit for a request, numbered per year without gaps.
    Create = dispatch (dispatchers only). The visit's steps are the work order's technician's and
    team's (or a dispatcher's for them); others get 400 with the reason, as for a wrong state."""

    queryset = WorkOrder.objects.all()
    serializer_class = s.WorkOrderSerializer
    filterset_class = WorkOrderFilter
    search_fields = ["number", "request__number", "request__customer__name"]
    ordering_fields = ["planned_start", "number", "state", "updated_at"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    action_permissions = {"assign": "add", "move": "add", "void": "void", "start_travel": "change",
                          "arrive": "change", "use_part": "change", "photo": "change", "sign": "change",
                          "finish": "change", "delay_reason": "change",
                          "report_email": "report"}  # workorders.report_workorder: staff and customer users

    def get_queryset(self):
        queryset = scope(super().get_queryset(), self.request.user)
        return queryset.select_related("request", "moved_to", "moved_from").prefetch_related(
            "team", "signatures", "photos", Prefetch("used_parts", queryset=UsedPart.objects.select_related("part")))

    def represent(self, pk: int, status: int = 200) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data, status=status)

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.represent(body.save().pk, status=201)

    def act(self, service, body_class=None, **fixed):
        instance = self.get_object()
        arguments = dict(fixed)
        if body_class is not None:
            body = body_class(data=self.request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            arguments.update(body.validated_data)
        result = service(work_order=instance, actor=self.request.user, **arguments)
        return self.represent(result.pk if isinstance(result, WorkOrder) else instance.pk)

    @_step(s.AssignSerializer, summary="Assign to another technician or move in time (before departure)")
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self.act(services.workorder_plan, s.AssignSerializer)

    @extend_schema(request=s.MoveSerializer, responses={201: s.WorkOrderSerializer},
                   summary="Move the job to a new number: the old one is void and names the new")
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        body = s.MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        new = services.workorder_move(work_order=self.get_object(), actor=request.user, **body.validated_data)
        return self.represent(new.pk, status=201)

    @_step(s.ReasonSerializer, summary="Make the number void, with the reason (kept, never deleted)")
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        return self.act(services.workorder_void, s.ReasonSerializer)

    @_step(s.AtSerializer, summary="Leave for the site")
    @action(detail=True, methods=["post"], url_path="start-travel")
    def start_travel(self, request, pk=None):
        return self.act(services.workorder_start_travel, s.AtSerializer)

    @_step(s.AtSerializer, summary="Arrive on site: meets the request's on-site clock")
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        return self.act(services.workorder_arrive, s.AtSerializer)

    @_step(s.UsePartSerializer, summary="A part used, from the technician's own van stock")
    @action(detail=True, methods=["post"], url_path="use-part")
    def use_part(self, request, pk=None):
        return self.act(services.workorder_use_part, s.UsePartSerializer)

    @_step(s.PhotoUploadSerializer, summary="A photo of the visit (JPEG or PNG, checked, at most 8 MB)")
    @action(detail=True, methods=["post"])
    def photo(self, request, pk=None):
        body = s.PhotoUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        checked = check_upload(body.validated_data["file"], allowed={"jpg", "jpeg", "png"},
                               max_bytes=services.MAX_PHOTO_BYTES)
        services.workorder_add_photo(work_order=self.get_object(), actor=request.user, checked=checked,
                                     kind=body.validated_data["kind"], caption=body.validated_data.get("caption", ""))
        return self.represent(self.get_object().pk)

    @_step(s.SignSerializer, summary="A signature drawn on the screen: the customer's or the technician's")
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        return self.act(services.workorder_sign, s.SignSerializer)

    @_step(s.FinishSerializer, summary="Finish the visit (both signatures first); not fixed: the delay reason")
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        return self.act(services.workorder_finish, s.FinishSerializer)

    @_step(s.DelayReasonSerializer, summary="The delay-reason form of a visit left unfinished (within 48 hours)")
    @action(detail=True, methods=["post"], url_path="delay-reason")
    def delay_reason(self, request, pk=None):
        return self.act(services.workorder_delay_reason, s.DelayReasonSerializer)

    @extend_schema(request=s.ReportEmailSerializer, responses={200: s.ReportSentSerializer},
                   summary="E-mail the service report (PDF) of a finished, signed visit",
                   description="Staff send it to ``email`` or, left out, to the customer's contact. A customer "
                               "user has it sent to the e-mail address of their own user account (``email`` is "
                               "refused), at most once per work order in 10 minutes; another customer's work "
                               "order is 404. Refusals (not ready, no address, too soon) are 400 with a code.")
    @action(detail=True, methods=["post"], url_path="report-email")
    def report_email(self, request, pk=None):
        body = s.ReportEmailSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        work_order = self.get_object()
        to = body.validated_data.get("email", "").strip()
        if request.user.is_external:
            if to:
                raise ValidationError({"email": [_("The report goes to the e-mail address of your user account: "
                                                   "leave the address out.")]})
            address = reports.report_email_to_me(work_order=work_order, actor=request.user)
        else:
            address = reports.report_email(work_order=work_order, actor=request.user, to=to)
        return Response({"email": address})
