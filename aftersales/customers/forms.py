from aftersales.core.forms import ScopedModelForm

from .models import Contact, Customer, Site


class CustomerForm(ScopedModelForm):
    class Meta:
        model = Customer
        fields = ["code", "name", "level", "is_key", "installed_by_others", "documents_reviewed_on", "city",
                  "address", "phone", "dealer", "account_manager", "internal_notes"]


class SiteForm(ScopedModelForm):
    class Meta:
        model = Site
        fields = ["name", "city", "address", "notes"]


class ContactForm(ScopedModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "site", "mobile", "phone", "email", "is_primary"]

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customer is not None:
            self.fields["site"].queryset = self.fields["site"].queryset.filter(customer=customer)
            self.instance.customer = customer
