"""Shared pieces of the REST API: the base viewset and serializer of every record."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.accounts.scoping import scope
from aftersales.core.filters import MAX_ID, is_whole_number
from aftersales.core.services import record_archive, record_create, record_restore, record_update
from aftersales.core.strict import StrictModelSerializer

ARCHIVED_CHOICES = ("", "0", "false", "1", "true", "only")
RECORD_READONLY = ["id", "created_at", "updated_at", "archived_at"]


class IdLookup:
    """A record id in the path must be a whole number the database can hold; anything else is 404."""

    def get_object(self):
        raw = str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
        if not is_whole_number(raw) or int(raw) > MAX_ID:
            raise NotFound
        return super().get_object()


class RecordViewSet(
    IdLookup,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create, change and archive: never delete (SPEC §15).

    Rows come through accounts.scoping; writes go through the app's services,
    which the serializer calls from ``create`` / ``update``.
    """

    action_permissions = {"archive": "change", "restore": "change"}

    def get_queryset(self):
        qs = scope(super().get_queryset(), self.request.user)
        if self.action != "list":
            return qs
        archived = self.request.query_params.get("archived", "")
        if archived not in ARCHIVED_CHOICES:
            raise ValidationError({"archived": [_("Give one of: %(choices)s.") % {
                "choices": ", ".join(c for c in ARCHIVED_CHOICES if c)}]})
        if archived == "only":
            return qs.filter(archived_at__isnull=False)
        if archived in {"1", "true"}:
            return qs
        return qs.filter(archived_at__isnull=True)

    @extend_schema(parameters=[OpenApiParameter(
        "archived", str, enum=[c for c in ARCHIVED_CHOICES if c], required=False,
        description="0 or false (the default): current records; 1 or true: archived ones too; "
                    "only: archived ones alone.")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        instance = record_archive(instance=self.get_object(), actor=request.user)
        return Response(self.get_serializer(instance).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        instance = record_restore(instance=self.get_object(), actor=request.user)
        return Response(self.get_serializer(instance).data)


class RecordSerializer(StrictModelSerializer):
    """Related choices are narrowed to what the user may see; internal fields are dropped for
    customers and dealers; writes go through the record services (validation + history)."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None:
            return fields
        for name in getattr(self.Meta.model, "internal_fields", ()):
            if user.is_authenticated and user.is_external:
                fields.pop(name, None)
        for field in fields.values():
            related = getattr(field, "child_relation", field)
            if isinstance(related, serializers.RelatedField) and related.queryset is not None:
                related.queryset = scope(related.queryset, user)
        return fields

    def _split(self, validated_data: dict) -> tuple[dict, dict]:
        m2m_names = {f.name for f in self.Meta.model._meta.many_to_many}
        m2m = {k: validated_data.pop(k) for k in list(validated_data) if k in m2m_names}
        return validated_data, m2m

    def create(self, validated_data):
        data, m2m = self._split(validated_data)
        return record_create(model=self.Meta.model, actor=self.context["request"].user, data=data, m2m=m2m)

    def update(self, instance, validated_data):
        data, m2m = self._split(validated_data)
        return record_update(instance=instance, actor=self.context["request"].user, data=data, m2m=m2m)


class NoSuchRoute(APIView):
    """Any /api/ path that names no route: 401 without a token, else a JSON 404 (never an HTML page)."""

    permission_classes = [IsAuthenticated]
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication and permission first
        raise NotFound
