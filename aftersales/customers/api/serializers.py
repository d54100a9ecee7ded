from aftersales.core.api import RECORD_READONLY, RecordSerializer

from ..models import Contact, Customer, Site


class CustomerSerializer(RecordSerializer):
    class Meta:
        model = Customer
        fields = RECORD_READONLY + [
            "code", "name", "level", "is_key", "installed_by_others", "documents_reviewed_on", "city", "address",
            "phone", "dealer", "account_manager", "internal_notes",
        ]
        read_only_fields = RECORD_READONLY


class SiteSerializer(RecordSerializer):
    class Meta:
        model = Site
        fields = RECORD_READONLY + ["customer", "name", "city", "address", "notes"]
        read_only_fields = RECORD_READONLY


class ContactSerializer(RecordSerializer):
    class Meta:
        model = Contact
        fields = RECORD_READONLY + ["customer", "site", "name", "title", "mobile", "phone", "email", "is_primary"]
        read_only_fields = RECORD_READONLY
