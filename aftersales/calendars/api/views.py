from rest_framework import mixins, viewsets

from aftersales.accounts.scoping import scope
from aftersales.core.api import IdLookup

from ..models import WorkingCalendar
from .serializers import CalendarSerializer


class CalendarViewSet(
    IdLookup,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = WorkingCalendar.objects.prefetch_related("periods")
    serializer_class = CalendarSerializer
    filterset_fields = ["always_open", "is_default"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)
