from aftersales.core.api import RecordViewSet

from ..filters import ContactFilter, CustomerFilter, SiteFilter
from ..models import Contact, Customer, Site
from .serializers import ContactSerializer, CustomerSerializer, SiteSerializer


class CustomerViewSet(RecordViewSet):
    queryset = Customer.objects.select_related("dealer", "account_manager")
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    search_fields = ["name", "code", "phone"]
    ordering_fields = ["code", "name", "created_at"]


class SiteViewSet(RecordViewSet):
    queryset = Site.objects.select_related("customer")
    serializer_class = SiteSerializer
    filterset_class = SiteFilter
    search_fields = ["name", "address", "city"]
    ordering_fields = ["name", "created_at"]


class ContactViewSet(RecordViewSet):
    queryset = Contact.objects.select_related("customer", "site")
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    search_fields = ["name", "mobile", "phone", "email"]
    ordering_fields = ["name", "created_at"]
