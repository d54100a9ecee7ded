from aftersales.core.forms import ScopedModelForm

from .models import Asset


class AssetForm(ScopedModelForm):
    class Meta:
        model = Asset
        fields = ["site", "project", "product_model", "serial_number", "name", "installed_on", "accepted_on",
                  "parent", "replaces", "status", "notes"]

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        customer = customer or (self.instance.customer if self.instance.pk else None)
        if customer is not None:
            for name in ("site", "project", "parent", "replaces"):
                self.fields[name].queryset = self.fields[name].queryset.filter(customer=customer)
