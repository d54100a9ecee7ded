"""Forms of the tool pages. They hold no business rule: the services check every event and their
messages are shown on these forms."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import ScopedModelForm

from .models import Tool, ToolKit, ToolKitLine

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


def staff_users():
    return get_user_model().objects.filter(is_active=True, customer__isnull=True, dealer__isnull=True).order_by(
        "display_name", "username")


class ToolForm(ScopedModelForm):
    class Meta:
        model = Tool
        fields = ["code", "name", "spec", "unit", "unit_price", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class ToolKitForm(ScopedModelForm):
    class Meta:
        model = ToolKit
        fields = ["code", "name", "holder", "issued_on", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2}), "issued_on": forms.DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        holder = self.fields["holder"]
        holder.queryset = staff_users()
        holder.label_from_instance = str


# ---------------------------------------------------------------- events


class _EventForm(forms.Form):
    """An event's form on a kit's or a tool's page (``kit``, ``tool``: the page's record)."""

    def __init__(self, *args, kit: ToolKit | None = None, tool: Tool | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kit, self.tool = kit, tool


def _note(required: bool = False, label=_("note")) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))


class _ToolChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Tool) -> str:
        return f"{obj.code} {obj.name}" + (f" · {obj.spec}" if obj.spec else "")


class _LinesForm(_EventForm):
    """One quantity per tool: those left empty are not moved."""

    def rows(self) -> list[tuple[Tool, int, str]]:  # pragma: no cover - each form says which tools it offers
        raise NotImplementedError

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offered: dict[str, Tool] = {}
        rows = list(self.rows())
        named = {int(k[5:]) for k in self.data if k.startswith("tool_") and k[5:].isascii() and k[5:].isdigit()
                 and len(k) < 25}
        named -= {tool.pk for tool, _limit, _hint in rows}
        if named:  # counts moved since the page was shown: the service says what is short, not the form
            rows += [(tool, 0, "") for tool in Tool.objects.filter(pk__in=named).order_by("code")]
        for tool, limit, hint in rows:
            name = f"tool_{tool.pk}"
            self.offered[name] = tool
            attrs = {"min": 1, "inputmode": "numeric"} | ({"max": limit} if limit else {})
            self.fields[name] = forms.IntegerField(label=f"{tool.code} {tool.name}", help_text=hint, required=False,
                                                   min_value=1, widget=forms.NumberInput(attrs=attrs))
        self.order_fields([*self.offered, "reference", "note"])

    def clean(self):
        data = super().clean()
        if not self.errors and not self.lines():
            raise forms.ValidationError(_("Give at least one tool and its quantity."))
        return data

    def lines(self) -> list[tuple[Tool, int]]:
        data = getattr(self, "cleaned_data", {})
        return [(tool, data[name]) for name, tool in self.offered.items() if data.get(name)]


class IssueForm(_LinesForm):
    reference = forms.CharField(label=_("document reference"), required=False, max_length=60)
    note = _note()

    def rows(self):
        tools = Tool.objects.filter(archived_at__isnull=True, quantity__gt=0).order_by("code")
        return [(t, t.quantity, _("%(count)s in the store") % {"count": t.quantity}) for t in tools]

    def arguments(self) -> dict:
        return {"lines": self.lines(), "reference": self.cleaned_data["reference"], "note": self.cleaned_data["note"]}


class ReturnForm(_LinesForm):
    note = _note()

    def rows(self):
        lines = ToolKitLine.objects.filter(kit=self.kit, quantity__gt=0).select_related("tool").order_by("tool__code")
        return [(line.tool, line.quantity, _("%(count)s held") % {"count": line.quantity}) for line in lines]

    def arguments(self) -> dict:
        return {"lines": self.lines(), "note": self.cleaned_data["note"]}


class _HeldToolForm(_EventForm):
    """One tool the kit holds, and how many."""

    tool = _ToolChoice(label=_("tool"), queryset=Tool.objects.none())
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, initial=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        held = Tool.objects.filter(kit_lines__kit=self.kit, kit_lines__quantity__gt=0)
        # once posted, any tool: if the kit no longer holds it, the service says so (not "invalid choice")
        self.fields["tool"].queryset = (Tool.objects.all() if self.is_bound else held).order_by("code")


class LostForm(_HeldToolForm):
    amount = forms.DecimalField(label=_("amount the holder pays"), required=False, **MONEY,
                                help_text=_("Left empty: quantity × unit price."))
    note = _note()

    def arguments(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("tool", "quantity", "amount", "note")}


class BrokenForm(_HeldToolForm):
    note = _note()

    def arguments(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("tool", "quantity", "note")}


class BoughtForm(_EventForm):
    tool = _ToolChoice(label=_("tool"), queryset=Tool.objects.filter(archived_at__isnull=True).order_by("code"))
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, initial=1)
    amount = forms.DecimalField(label=_("price paid"), **MONEY, help_text=_("Paid back to the holder."))
    reference = forms.CharField(label=_("invoice or receipt number"), required=False, max_length=60)
    note = _note()

    def arguments(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("tool", "quantity", "amount", "reference", "note")}


class ReceiveForm(_EventForm):
    quantity = forms.IntegerField(label=_("quantity"), min_value=1)
    amount = forms.DecimalField(label=_("purchase cost"), required=False, **MONEY)
    reference = forms.CharField(label=_("document reference"), required=False, max_length=60)
    note = _note()

    def arguments(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("quantity", "amount", "reference", "note")}


class ScrapForm(_EventForm):
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, initial=1)
    note = _note(required=True, label=_("reason"))

    def arguments(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("quantity", "note")}


class SettleForm(forms.Form):
    note = forms.CharField(label=_("settlement note"), required=False, max_length=200, widget=forms.TextInput(
        attrs={"placeholder": _("settlement note"), "aria-label": _("settlement note")}))


class KitFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=forms.TextInput(attrs={
        "type": "search", "placeholder": _("Kit, holder"), "aria-label": _("Search tool kits")}))
    mine = forms.BooleanField(label=_("My kits only"), required=False)
    archived = forms.BooleanField(label=_("Archived ones too"), required=False)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"search": data["q"].strip(), "mine": data["mine"], "archived": data["archived"]}


class ToolFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=forms.TextInput(attrs={
        "type": "search", "placeholder": _("Code, name or specification"), "aria-label": _("Search tools")}))
    archived = forms.BooleanField(label=_("Archived ones too"), required=False)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {"search": self.cleaned_data["q"].strip(), "archived": self.cleaned_data["archived"]}
