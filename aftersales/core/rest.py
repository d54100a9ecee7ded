"""REST framework settings hooks: pagination and the error format (kept free of viewsets)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ServiceError, validation_messages
from .filters import is_whole_number
from .models import ArchiveRefused


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.getlist(self.page_size_query_param)
        if not raw:
            return self.page_size
        if len(raw) > 1 or not is_whole_number(raw[0]) or not 1 <= int(raw[0]) <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [
                _("Give one whole number from 1 to %(max)s.") % {"max": self.max_page_size}]})
        return int(raw[0])

    def get_page_number(self, request, paginator):
        raw = request.query_params.getlist(self.page_query_param)
        if raw and (len(raw) > 1 or not is_whole_number(raw[0])):
            raise ValidationError({self.page_query_param: [_("Give one whole number from 1 up.")]})
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters


def exception_handler(exc, context):
    """Business and model validation errors become 400 with messages per field, never 500."""
    if isinstance(exc, ServiceError):
        body = exc.as_dict()
        body["code"] = exc.code
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        return Response(validation_messages(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        return Response(
            {"non_field_errors": [_("This record conflicts with an existing one (a duplicate or a broken link).")]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, ArchiveRefused):
        return Response({"detail": _("Records are archived, never deleted.")}, status=status.HTTP_405_METHOD_NOT_ALLOWED)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):  # always an object, as the schema says
        response.data = {"non_field_errors": response.data}
    return response
