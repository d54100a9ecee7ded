from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .specs import KindSpec


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Records to import"))
    file = forms.FileField(label=_("Excel workbook (.xlsx)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def __init__(self, *args, kinds: list[KindSpec], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(spec.kind, spec.label) for spec in kinds]
