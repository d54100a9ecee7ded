import django_filters
from django.utils.translation import gettext_lazy as _

from aftersales.core.filters import RecordFilterSet

from .models import Asset, Project


class AssetFilter(RecordFilterSet):
    serial_number = django_filters.CharFilter(lookup_expr="icontains", label=_("serial number"))
    accepted_after = django_filters.DateFilter(field_name="accepted_on", lookup_expr="gte")
    accepted_before = django_filters.DateFilter(field_name="accepted_on", lookup_expr="lte")

    class Meta:
        model = Asset
        fields = ["customer", "site", "project", "product_model", "status", "parent"]


class ProjectFilter(RecordFilterSet):
    class Meta:
        model = Project
        fields = ["customer", "site", "project_manager"]
