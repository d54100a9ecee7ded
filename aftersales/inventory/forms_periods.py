"""Forms of the month-end pages: the reconciliation's month and store, the lock, and a stocktake's
start, counts, import, posting and cancelling. They hold no rule: the services check."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.catalogue.models import Part

from .choices import Condition, StocktakeState
from .models import StockLocation
from .reconciliation import parse_month


def month_choices(first: dt.date | None, current: dt.date) -> list[tuple[str, str]]:
    """Every month from the first movement's to the current one, newest first."""
    months, month = [], current
    first = min(first or current, current)
    while month >= first and len(months) < 600:
        months.append((f"{month:%Y-%m}", f"{month:%Y-%m}"))
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return months


class MonthField(forms.CharField):
    default_error_messages = {"invalid": _("Give a month as YYYY-MM.")}

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        month = parse_month(text)
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month


class ReconciliationForm(forms.Form):
    month = forms.ChoiceField(label=_("Month"))
    location = forms.ModelChoiceField(label=_("Stock location"), queryset=StockLocation.objects.all(), required=False,
                                      empty_label=_("All stores"))

    def __init__(self, *args, months: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = months


class LockForm(forms.Form):
    month = MonthField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(label=_("The figures are checked with finance."), required=True)


class StocktakeStartForm(forms.Form):
    location = forms.ModelChoiceField(label=_("Stock location"), queryset=StockLocation.objects.active(),
                                      help_text=_("The store to count: one line per part and condition it holds."))
    note = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           max_length=2000)


class StocktakeFilterForm(forms.Form):
    location = forms.ModelChoiceField(label=_("Stock location"), queryset=StockLocation.objects.all(), required=False,
                                      empty_label=_("All stores"))
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All states"))] + list(StocktakeState.choices))


class CountsForm(forms.Form):
    """The counts of one page of lines (``line-<id>``; empty: not counted yet) and a line to add (a
    part found that is not listed)."""

    part = forms.CharField(label=_("Part number"), required=False, max_length=40,
                           help_text=_("A part found that is not listed: its number, condition and count."))
    condition = forms.ChoiceField(label=_("Condition"), choices=Condition.choices, required=False)
    counted = forms.IntegerField(label=_("Counted"), required=False, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"line-{line.pk}"] = forms.IntegerField(
                label=str(line.part), required=False, min_value=0, max_value=2**31 - 1, initial=line.counted,
                widget=forms.NumberInput(attrs={"min": 0, "class": "count", "inputmode": "numeric"}))

    def clean(self):
        data = super().clean()
        if data.get("part"):
            part = Part.objects.filter(code=data["part"].strip()).first()
            if part is None:
                self.add_error("part", _("No part has this number."))
            elif data.get("counted") is None:
                self.add_error("counted", _("Give the count of the part found."))
            data["part_object"] = part
        return data

    def counts(self) -> list[dict]:
        entries = [{"part": line.part, "condition": line.condition, "counted": self.cleaned_data.get(f"line-{line.pk}")}
                   for line in self.lines]
        if self.cleaned_data.get("part_object") is not None:
            entries.append({"part": self.cleaned_data["part_object"],
                            "condition": self.cleaned_data.get("condition") or Condition.GOOD,
                            "counted": self.cleaned_data["counted"]})
        return entries

    def line_fields(self):
        return [(line, self[f"line-{line.pk}"]) for line in self.lines]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel workbook (.xlsx)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
