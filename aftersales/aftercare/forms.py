"""Forms of the after-sales pages; they hold no rule: the services check everything."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import ScopedModelForm
from aftersales.service.forms import DATETIME_LOCAL

from .choices import DepotState, ReturnState
from .models import DepotBatch, PolicySetting, ReturnRequest
from .services import DEPOT_FIELDS, POLICY_FIELDS, RETURN_FIELDS


def _local() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


class PolicyForm(ScopedModelForm):
    class Meta:
        model = PolicySetting
        fields = POLICY_FIELDS


class ReturnForm(ScopedModelForm):
    class Meta:
        model = ReturnRequest
        fields = RETURN_FIELDS
        widgets = {"purchased_on": forms.DateInput(), "requested_on": forms.DateInput()}


class DepotForm(ScopedModelForm):
    class Meta:
        model = DepotBatch
        fields = DEPOT_FIELDS
        widgets = {"received_at": _local()}


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(forms.Form):
    note = forms.CharField(label=_("What the customer said"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ReturnFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", "—"), *ReturnState.choices])


class DepotFilterForm(forms.Form):
    VIEWS = [("", _("All")), ("late", _("Late repairs")), ("follow_up", _("Follow-ups to make"))]
    view = forms.ChoiceField(label=_("Show"), required=False, choices=VIEWS)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", "—"), *DepotState.choices])
