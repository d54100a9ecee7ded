"""Filters of the stock lists: one class for the stock page and /api/v1/stock/ alike."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.core.filters import LinkFilter, RecordFilterSet, YesNoFilter

from . import selectors, selectors_pages
from .models import StockBalance, StockLocation, StockMovement


class StockFilter(RecordFilterSet):
    below_minimum = YesNoFilter(method="filter_below_minimum", label=_("below minimum level"),
                                help_text="true: good stock under the store's minimum level; false: the rest.")

    class Meta:
        model = StockBalance
        fields = ["part", "location", "condition"]

    def filter_below_minimum(self, queryset, name, value):
        return selectors.below_minimum(queryset, value)


class StockPageFilter(StockFilter):
    """The stock page's: the API's filters, a search box (``q``, or ``search`` as in the API), and
    rows that hold nothing and carry no minimum left out unless asked for."""

    q = django_filters.CharFilter(method="filter_q", label=_("Part number or name"))
    search = django_filters.CharFilter(method="filter_q", label=_("Part number or name"))  # as the API spells it
    empty = YesNoFilter(method="filter_empty", label=_("Show empty rows"))

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(part__code__icontains=value) | Q(part__name__icontains=value))

    def filter_empty(self, queryset, name, value):
        return queryset  # applied in ``filter_queryset``: leaving the box unticked is the filter

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return queryset if self.form.cleaned_data.get("empty") else selectors_pages.not_empty(queryset)


class StockLocationFilter(RecordFilterSet):
    class Meta:
        model = StockLocation
        fields = ["kind", "holder"]


class StockMovementFilter(RecordFilterSet):
    location = LinkFilter(method="filter_location", label=_("stock location"),
                          help_text="Movements from or to this location.")
    at_after = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte", label=_("from"))
    at_before = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt", label=_("before"))

    class Meta:
        model = StockMovement
        fields = ["kind", "part", "from_location", "to_location", "condition", "actor", "serial_number"]

    def filter_location(self, queryset, name, value):
        return queryset.filter(Q(from_location=value) | Q(to_location=value))
