import django_filters
from django.utils.translation import gettext_lazy as _

from aftersales.core.filters import RecordFilterSet

from .models import Contact, Customer, Site
from .selectors import customer_search


class CustomerFilter(RecordFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name, code or phone"))

    class Meta:
        model = Customer
        fields = ["level", "is_key", "installed_by_others", "city", "dealer"]

    def search(self, queryset, name, value):
        return customer_search(queryset, value)


class SiteFilter(RecordFilterSet):
    class Meta:
        model = Site
        fields = ["customer", "city"]


class ContactFilter(RecordFilterSet):
    class Meta:
        model = Contact
        fields = ["customer", "site", "is_primary"]
