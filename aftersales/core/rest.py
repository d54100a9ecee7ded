"""REST framework settings hooks: pagination and the error format (kept free of viewsets)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ServiceError, validation_messages
from .models import ArchiveRefused


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


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
    return drf_exception_handler(exc, context)
