"""Filtering for the API: a filter on a linked record takes its id as a number.

A link filter with an id that matches nothing (or a record the caller may not see) gives an
empty list, not a 400 that would tell the caller the record exists elsewhere.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend, FilterSet

MAX_ID = 2**63 - 1


def is_whole_number(text: str, *, signed: bool = False) -> bool:
    """ASCII digits only (str.isdigit also takes '¹' and other digits int() refuses)."""
    text = str(text)
    if signed:
        text = text.removeprefix("-")
    return text.isascii() and text.isdigit()


class IdField(forms.IntegerField):
    """A record id: a whole number written as one (no decimal point, no exponent), within 64 bits."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -MAX_ID)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value not in self.empty_values and not is_whole_number(value, signed=True):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class YesNoField(forms.Field):
    """true/false (or 1/0); anything else is an error, not a silently ignored filter."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if str(value).lower() not in self.VALUES:
            raise forms.ValidationError(_("Give true or false."), code="invalid")
        return self.VALUES[str(value).lower()]


class LinkFilter(django_filters.NumberFilter):
    field_class = IdField


class YesNoFilter(django_filters.BooleanFilter):
    field_class = YesNoField


LINK_FILTER = {"filter_class": LinkFilter}


class RecordFilterSet(FilterSet):
    FILTER_DEFAULTS = {
        **FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: LINK_FILTER,
        models.OneToOneField: LINK_FILTER,
        models.ManyToManyField: LINK_FILTER,
        models.BooleanField: {"filter_class": YesNoFilter},
    }


class RecordFilterBackend(DjangoFilterBackend):
    filterset_base = RecordFilterSet
