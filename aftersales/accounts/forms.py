from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SecurityEventKind
from .roles import Role


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label=_("One-time code"), max_length=20, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text",
                                      "spellcheck": "false", "autocapitalize": "off"}),
    )


class UserRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=Role.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)


class RolePolicyForm(forms.Form):
    """One switch per role: whether its users must use two-step login."""

    def __init__(self, *args, policies: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        for role in Role:
            self.fields[role.value] = forms.BooleanField(label=role.label, required=False,
                                                         initial=policies.get(role.value, False))


class SecurityLogFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Event"), required=False,
                             choices=[("", _("All events"))] + list(SecurityEventKind.choices))
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
