"""Forms of the stock pages. They take what the store keeper types; the services decide (a movement
that would take stock below zero, an issue without its work order, a van without its technician)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import ScopedModelForm

from . import selectors_pages
from .choices import Condition, MovementKind
from .models import StockLocation, StockMovement

MAX_QUANTITY = 1_000_000


def _label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


class PartNumberField(forms.CharField):
    """A part typed by its part number (a store has thousands: no drop-down), cleaned to the Part."""

    default_error_messages = {"unknown": _("No part has this part number.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("label", _("Part number"))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("autocomplete", "off")

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        part = selectors_pages.part_by_number(text)
        if part is None:
            raise ValidationError(self.error_messages["unknown"], code="unknown")
        return part


class _LocationField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StockLocation) -> str:
        return f"{obj.code} {obj.name}"


class MovementForm(forms.Form):
    """One movement of a given kind: a transfer names where the stock goes and its condition; the
    other kinds name one location (where the stock comes in, goes out, or is repaired)."""

    part = PartNumberField()
    location = _LocationField(queryset=StockLocation.objects.none(), label=_("Stock location"))
    to_location = _LocationField(queryset=StockLocation.objects.none(), label=_label(StockMovement, "to_location"))
    condition = forms.ChoiceField(choices=Condition.choices, initial=Condition.GOOD,
                                  label=_label(StockMovement, "condition"))
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY, label=_label(StockMovement, "quantity"))
    reference = forms.CharField(max_length=60, required=False, label=_label(StockMovement, "reference"),
                                help_text=StockMovement._meta.get_field("reference").help_text)
    serial_number = forms.CharField(max_length=60, required=False, label=_label(StockMovement, "serial_number"))
    reason = forms.CharField(required=False, label=_label(StockMovement, "reason"),
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, kind: str, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        locations = selectors_pages.live_locations(actor=user)
        self.fields["location"].queryset = locations
        if kind == MovementKind.TRANSFER:
            self.fields["location"].label = _label(StockMovement, "from_location")
            self.fields["to_location"].queryset = locations
        else:
            del self.fields["to_location"]
            del self.fields["condition"]
        if kind == MovementKind.ISSUE:
            self.fields["reference"].help_text = _("The work order or service request the part is issued to.")
        if kind in (MovementKind.SCRAP,):
            self.fields["reason"].help_text = _("Why the part cannot be repaired.")


class MinimumForm(forms.Form):
    part = PartNumberField()
    location = _LocationField(queryset=StockLocation.objects.none(), label=_("Stock location"))
    minimum = forms.IntegerField(min_value=0, max_value=MAX_QUANTITY, label=_("Minimum level"),
                                 help_text=_("The store's original quantity, restored by reordering; 0 removes it."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = selectors_pages.live_locations(actor=user)


class StockLocationForm(ScopedModelForm):
    class Meta:
        model = StockLocation
        fields = ["code", "name", "kind", "holder", "notes"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        current = self.instance.holder if self.instance.holder_id else None
        self.fields["holder"].queryset = selectors_pages.van_holders(actor=user, current=current)
        self.fields["notes"].widget.attrs["rows"] = 3
