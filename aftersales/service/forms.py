"""Forms of the service desk: intake, the queue's filters and the actions on a request.

They hold no business rule: the services check every change and their messages are shown on
these forms. Related choices are narrowed by accounts.scoping.scope().
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.roles import Role
from aftersales.accounts.scoping import scope
from aftersales.assets.models import Asset
from aftersales.core.forms import ScopedModelForm
from aftersales.customers.models import Customer, Site

from .choices import SEVERITY_HELP, RemoteMethod, RequestType, Severity, State
from .emergency import EmergencyException, plan_of
from .models import ServiceRequest

ATTACHMENT_TYPES = {"png", "jpg", "jpeg", "pdf"}
MAX_ATTACHMENTS = 10
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def staff_users():
    return get_user_model().objects.filter(is_active=True, customer__isnull=True, dealer__isnull=True).order_by(
        "display_name", "username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


# ---------------------------------------------------------------- intake


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (checked by content when saved)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [f for f in data if f] if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(_("At most %(n)d files.") % {"n": MAX_ATTACHMENTS})
        cleaned = []
        for upload in files:
            cleaned.append(super().clean(upload, initial))
        return cleaned


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Site) -> str:
        return f"{obj.name} · {obj.address}" if obj.address else obj.name


class AssetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Asset) -> str:
        return " ".join(p for p in (obj.product_model.code, obj.serial_number, obj.name) if p)


class IntakeForm(ScopedModelForm):
    """A call taken by the desk (SPEC R2). The customer is chosen through the lookup; site and
    equipment are those of that customer."""

    reported_at = forms.DateTimeField(
        label=capfirst(ServiceRequest._meta.get_field("reported_at").verbose_name),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    attachments = MultipleFileField(
        label=_("Attachments"), required=False,
        help_text=_("Photos (PNG, JPEG) and PDF files, several at once, up to 20 MB each."),
        widget=MultipleFileInput(attrs={"accept": ".png,.jpg,.jpeg,.pdf"}),
    )

    class Meta:
        model = ServiceRequest
        fields = ["customer", "site", "asset", "reporter_name", "reporter_phone", "channel", "request_type",
                  "severity", "description", "tried_by_others", "tried_note", "reported_at"]
        field_classes = {"site": SiteChoiceField, "asset": AssetChoiceField}
        widgets = {
            "customer": forms.HiddenInput,
            "severity": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
            "reporter_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }
        error_messages = {"customer": {"required": _("Look the caller up above and choose the customer.")}}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["customer"].queryset = self.fields["customer"].queryset.filter(archived_at__isnull=True)
        if not self.is_bound:
            self.initial.setdefault("reported_at", timezone.localtime().replace(second=0, microsecond=0))
        self.chosen_customer = self._chosen_customer()
        sites = Site.objects.filter(customer=self.chosen_customer, archived_at__isnull=True).order_by("name")
        assets = Asset.objects.filter(customer=self.chosen_customer, archived_at__isnull=True).select_related(
            "product_model").order_by("product_model__code", "serial_number")
        if self.chosen_customer is None:
            sites, assets = sites.none(), assets.none()
        self.fields["site"].queryset = scope(sites, user)
        self.fields["asset"].queryset = scope(assets, user)
        self.fields["asset"].empty_label = _("(no particular unit)")
        self.fields["site"].empty_label = _("(the unit's site)")
        self.fields["asset"].widget.attrs.update({  # choosing a unit shows its history and cover
            "hx-get": reverse("service-intake-context"), "hx-trigger": "change", "hx-target": "#intake-context",
            "hx-include": "#id_customer, #id_site, #id_reporter_name, #id_reporter_phone",
        })

    def _chosen_customer(self) -> Customer | None:
        raw = self.data.get(self.add_prefix("customer")) if self.is_bound else self.initial.get("customer")
        if isinstance(raw, Customer):
            raw = raw.pk
        if not str(raw or "").isdigit():
            return None
        return self.fields["customer"].queryset.filter(pk=int(raw)).first()

    @property
    def severity_options(self) -> list[tuple]:
        """Each severity's radio button with SPEC §4's definition beside it."""
        return [(radio, SEVERITY_HELP.get(Severity(int(radio.data["value"])), ""))
                for radio in self["severity"].subwidgets]

    def service_data(self) -> dict:
        """The fields request_register takes; an empty site or unit is left to the service (a unit's
        site is the request's site)."""
        return {name: self.cleaned_data[name] for name in self._meta.fields if self.cleaned_data[name] is not None}


# ---------------------------------------------------------------- the queue


class QueueFilterForm(forms.Form):
    """The queue's filters, as GET parameters; a value that does not validate is ignored."""

    VIEWS = [("mine", _("Mine")), ("unassigned", _("Unassigned")), ("soon", _("Breaching within the hour"))]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    severity = forms.TypedChoiceField(label=_("Severity"), required=False, coerce=int, empty_value=None,
                                      choices=[("", _("any"))] + Severity.choices)
    request_type = forms.ChoiceField(label=_("Type"), required=False,
                                     choices=[("", _("any"))] + RequestType.choices)
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("open"))] + State.choices)
    assignee = UserChoiceField(label=_("Assignee"), required=False, queryset=staff_users(), empty_label=_("any"))
    breached = forms.ChoiceField(label=_("Breached"), required=False,
                                 choices=[("", _("any")), ("yes", _("yes")), ("no", _("no"))])
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    view = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[("", "")] + VIEWS)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None or user.is_external:
            del self.fields["assignee"]  # internal: who works on it
            self.fields["view"].choices = [("", ""), ("soon", self.VIEWS[2][1])]

    def filters(self) -> dict:
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value not in (None, "")}


# ---------------------------------------------------------------- actions on a request


def _text(label, *, rows: int = 3, max_length: int | None = None, required_attr: bool = True):
    """A text the service requires (its message explains a refusal); the browser asks for it too."""
    attrs = {"rows": rows} if rows else {}
    if required_attr:
        attrs["required"] = True
    widget = forms.Textarea(attrs=attrs) if rows else forms.TextInput(attrs=attrs)
    return forms.CharField(label=label, required=False, max_length=max_length, widget=widget)


class ActionForm(forms.Form):
    """A form of one action on one request: shown on the request's page, posted to the action."""

    def __init__(self, *args, service_request: ServiceRequest | None = None, **kwargs):
        self.service_request = service_request
        super().__init__(*args, **kwargs)


class NoFieldsForm(ActionForm):
    pass


class LogCallForm(ActionForm):
    text = _text(_("What was discussed"))


class AssignForm(ActionForm):
    assignee = UserChoiceField(label=_("Assignee"), required=False, queryset=staff_users(),
                               empty_label=_("(nobody)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.service_request is not None:
            self.initial.setdefault("assignee", self.service_request.assignee_id)


class PauseForm(ActionForm):
    reason = _text(_("What the customer is to do"), rows=0, max_length=200)


class EscalateForm(ActionForm):
    engineer = UserChoiceField(label=_("Senior engineer"), required=False, empty_label=_("(not yet chosen)"),
                               queryset=staff_users().filter(groups__name=Role.SENIOR_ENGINEER))


class ArriveForm(ActionForm):
    senior = forms.BooleanField(label=_("The senior engineer arrived"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.service_request is not None and self.service_request.escalated_at is None:
            del self.fields["senior"]


class ResolveForm(ActionForm):
    resolution = _text(_("Solution"))
    remote_method = forms.ChoiceField(label=_("Solved remotely"), required=False,
                                      choices=[("", _("No: on site"))] + RemoteMethod.choices)


class ReportForm(ActionForm):
    text = _text(_("Problem type, cause, method used, losses"), rows=4)


class CloseForm(ActionForm):
    confirmed = forms.BooleanField(label=_("The customer confirmed"), required=False)
    reason = _text(_("Otherwise, why it is closed"), required_attr=False)


class ReasonForm(ActionForm):
    reason = _text(_("Reason"))


class ReclassifyForm(ActionForm):
    severity = forms.TypedChoiceField(label=_("Severity"), coerce=int, choices=Severity.choices)
    request_type = forms.ChoiceField(label=_("Type"), choices=RequestType.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.service_request is not None:
            self.initial.setdefault("severity", self.service_request.severity)
            self.initial.setdefault("request_type", self.service_request.request_type)


# ---------------------------------------------------------------- emergencies (SPEC §6)


class EmergencyPlanForm(ActionForm):
    """The plan: written by the project manager, changed until the service director approves it."""

    expected_hours = forms.DecimalField(label=_("Estimated time (hours)"), min_value=Decimal("0.1"), max_digits=6,
                                        decimal_places=1)
    people = _text(_("People"), rows=2)
    lead = UserChoiceField(label=_("Responsible lead"), queryset=staff_users())
    tools = forms.CharField(label=_("Tools"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    parts = forms.CharField(label=_("Parts"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    work_items = _text(_("Work items"), rows=3)
    estimated_cost = forms.DecimalField(label=_("Estimated cost"), min_value=Decimal("0"), max_digits=12, decimal_places=2,
                                        initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plan = plan_of(self.service_request) if self.service_request is not None else None
        if plan is not None:
            for name in self.fields:
                self.initial.setdefault(name, getattr(plan, f"{name}_id" if name == "lead" else name))


class EmergencyConsentForm(ActionForm):
    consent_by = forms.CharField(label=_("Who at the customer agreed"), max_length=50, required=False,
                                 widget=forms.TextInput(attrs={"required": True}))
    consent_at = forms.DateTimeField(label=_("When (empty: now)"), required=False, input_formats=[DATETIME_LOCAL],
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                format=DATETIME_LOCAL))


class EmergencyDepartForm(ActionForm):
    expected_arrival = forms.DateTimeField(label=_("Expected arrival on site"), input_formats=[DATETIME_LOCAL],
                                           widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                      format=DATETIME_LOCAL))


class EmergencyExceptionForm(ActionForm):
    kind = forms.ChoiceField(label=_("What went wrong"), choices=EmergencyException.choices)
    note = _text(_("What happened and what was done"))
