"""Forms of the charges pages: they check the shape of the input; the rules live in services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PriceRule


class PriceForm(forms.Form):
    rule = forms.ModelChoiceField(label=_("Price rule"), queryset=PriceRule.objects.filter(archived_at__isnull=True))
    hours = forms.DecimalField(label=_("Labour hours"), required=False, min_value=0, max_digits=8, decimal_places=2,
                               help_text=_("Left empty: the visit's time spent."))
    person_days = forms.CharField(label=_("Person-days"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("Rate card: one role per line, as “role = days”."))
    travel = forms.BooleanField(label=_("Charge travel"), required=False)

    def clean_person_days(self) -> dict[str, Decimal]:
        days: dict[str, Decimal] = {}
        for raw in (self.cleaned_data.get("person_days") or "").splitlines():
            if not raw.strip():
                continue
            role, sep, number = raw.partition("=")
            try:
                value = Decimal(number.strip())
            except InvalidOperation:
                value = None
            if not sep or not role.strip() or value is None or not value.is_finite() or value <= 0:
                raise forms.ValidationError(_("Write one role per line, as “role = days”."))
            days[role.strip()] = days.get(role.strip(), Decimal("0")) + value
        return days


class NoFieldsForm(forms.Form):
    pass


class AcceptForm(forms.Form):
    signer_name = forms.CharField(label=_("Signer's name"), max_length=50, required=False)
    signature = forms.CharField(label=_("Signature"), required=False, widget=forms.HiddenInput)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Why declined"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MonthForm(forms.Form):
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m"], required=False)
