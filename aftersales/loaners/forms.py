"""Forms of the loaner pages: a unit's record, the list's filters and the actions on a unit. They hold
no business rule: loaners.services checks every change and its message is shown on the form."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.scoping import scope
from aftersales.core.forms import ScopedModelForm
from aftersales.customers.models import Customer
from aftersales.service.models import ServiceRequest

from .choices import LoanerState, LoanReason, ReturnCondition
from .models import Loaner


class LoanerForm(ScopedModelForm):
    """登记 / 修改: a unit's record (its state changes through the actions only)."""

    class Meta:
        model = Loaner
        fields = ["code", "product_model", "serial_number", "grade", "home_store", "purchase_value", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("product_model", "home_store"):
            field = self.fields[name]
            field.queryset = field.queryset.filter(archived_at__isnull=True).order_by("code")


class LoanerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=60,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("Asset tag, serial number, grade, model")}))
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("any"))] + LoanerState.choices)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"search": data.get("q", ""), "state": data.get("state", ""), "overdue": data.get("overdue", False)}


# ---------------------------------------------------------------- actions on a unit


def _note(label, *, required: bool = False) -> forms.CharField:
    """A text the service may require (its message explains a refusal)."""
    attrs = {"rows": 2}
    if required:
        attrs["required"] = True
    return forms.CharField(label=label, required=False, max_length=2000, widget=forms.Textarea(attrs=attrs))


class DateInput(forms.DateInput):
    """The browser's date picker, which reads and writes ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ActionForm(forms.Form):
    """A form of one action on one unit: shown on the unit's page, posted to the action."""

    def __init__(self, *args, loaner: Loaner | None = None, user=None, **kwargs):
        self.loaner = loaner
        self.user = user
        super().__init__(*args, **kwargs)


class LendForm(ActionForm):
    service_request = forms.CharField(label=_("Service request number"), required=False, max_length=20,
                                      help_text=_("The customer, site and equipment are taken from the request."))
    customer = forms.ModelChoiceField(label=_("Customer"), required=False, queryset=Customer.objects.none(),
                                      help_text=_("Needed only without a service request."))
    reason = forms.ChoiceField(label=_("Reason"), choices=LoanReason.choices)
    due_back = forms.DateField(label=_("Due back"), widget=DateInput)
    received_by = forms.CharField(label=_("Received by"), required=False, max_length=50,
                                  help_text=_("Who took the unit at the customer."))
    note = _note(_("Note"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        customers = Customer.objects.filter(archived_at__isnull=True).order_by("name")
        self.fields["customer"].queryset = scope(customers, self.user) if self.user is not None else customers.none()
        self.initial.setdefault("due_back", timezone.localdate() + dt.timedelta(days=7))

    def clean_service_request(self):
        number = self.cleaned_data["service_request"].strip()
        if not number:
            return None
        found = scope(ServiceRequest.objects.select_related("customer", "site", "asset"), self.user).filter(
            number__iexact=number).first()
        if found is None:
            raise forms.ValidationError(_("No service request has this number."))
        return found


class ExtendForm(ActionForm):
    due_back = forms.DateField(label=_("Due back"), widget=DateInput)
    note = _note(_("Why"))


class ReturnForm(ActionForm):
    condition = forms.ChoiceField(label=_("Condition"), choices=ReturnCondition.choices, widget=forms.RadioSelect)
    note = _note(_("Note"))


class NoteForm(ActionForm):
    note = _note(_("Note"))


class RetireForm(ActionForm):
    reason = _note(_("Reason"), required=True)
