"""Forms of the work-order pages: dispatch, the visit's steps on the phone (the quote's among them),
void and move.

They check the shape of the input only; every rule is the services' (aftersales.workorders.services,
aftersales.charges.services for the quote), whose refusals are shown on these forms.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.catalogue.models import Part
from aftersales.service.forms import DATETIME_LOCAL, UserChoiceField, staff_users

from .choices import Outcome
from .models import PhotoKind

MAX_TEXT = 10_000


def _local(attrs: dict | None = None) -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local", **(attrs or {})}, format=DATETIME_LOCAL)


class StepForm(forms.Form):
    """A step of the visit; ``at`` is when it happened on the phone (a step typed without signal is
    sent later with its own time). A time ahead of the server's clock is taken as now."""

    at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    step_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, work_order=None, **kwargs):
        self.work_order = work_order
        super().__init__(*args, **kwargs)

    def clean_at(self):
        at = self.cleaned_data.get("at")
        now = timezone.now()
        return min(at, now) if at else None


class TravelForm(StepForm):
    pass


class ArriveForm(StepForm):
    pass


class PartChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.name}"


class UsePartForm(StepForm):
    part = PartChoiceField(label=_("Part"), queryset=Part.objects.filter(archived_at__isnull=True))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=10_000, initial=1)
    serial_number = forms.CharField(label=_("Serial number fitted"), required=False, max_length=60)
    swapped_out = forms.BooleanField(label=_("It replaces a part that comes back (defective)"), required=False)
    removed_serial = forms.CharField(label=_("Serial number removed"), required=False, max_length=60)

    def __init__(self, *args, van_parts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if van_parts is not None:  # the select offers what is in the van; the service checks the quantity
            self.fields["part"].widget.choices = [("", "---------")] + [
                (row.part_id, _("%(code)s %(name)s (in the van: %(quantity)s)") % {
                    "code": row.part.code, "name": row.part.name, "quantity": row.quantity}) for row in van_parts]


class PhotoForm(StepForm):
    file = forms.FileField(label=_("Photo"), widget=forms.ClearableFileInput(
        attrs={"accept": "image/jpeg,image/png", "capture": "environment"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=PhotoKind.choices, initial=PhotoKind.WORK)
    caption = forms.CharField(label=_("Caption"), required=False, max_length=200)


class SignForm(StepForm):
    """The role comes from the step (sign-customer, sign-technician); the image is the canvas's PNG."""

    image = forms.CharField(required=False, max_length=800_000, widget=forms.HiddenInput)
    signer_name = forms.CharField(label=_("Name"), required=False, max_length=50)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class DelayFields(forms.Form):
    delay_reason = forms.CharField(label=_("Why not finished"), required=False, max_length=5000,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=5000,
                                widget=forms.Textarea(attrs={"rows": 2}))
    expected_at = forms.DateTimeField(label=_("Expected to finish by"), required=False, widget=_local())


class FinishForm(StepForm, DelayFields):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    work_done = forms.CharField(label=_("Work done"), required=False, max_length=MAX_TEXT,
                                widget=forms.Textarea(attrs={"rows": 4}))
    minutes_spent = forms.IntegerField(label=_("Time spent (minutes)"), required=False, min_value=1,
                                       max_value=60 * 24 * 7,
                                       help_text=_("Empty: counted from the arrival."))
    field_order = ["work_done", "minutes_spent", "outcome", "delay_reason", "next_step", "expected_at"]


class DelayForm(StepForm, DelayFields):
    pass


class QuoteStepForm(StepForm):
    """A step on the work order's quote (charges.services): ``quote_version`` is the quote as the
    screen showed it; a quote changed since (priced again, decided again) is refused, so the
    customer never answers a price other than the one shown."""

    quote_version = forms.CharField(max_length=80, widget=forms.HiddenInput)


class QuoteSendForm(QuoteStepForm):
    pass


class QuoteAcceptForm(QuoteStepForm):
    """The customer's signature drawn on the screen (the canvas's PNG) and the signer's name."""

    image = forms.CharField(required=False, max_length=800_000, widget=forms.HiddenInput)
    signer_name = forms.CharField(label=_("Signer's name"), required=False, max_length=50)


class QuoteDeclineForm(QuoteStepForm):
    reason = forms.CharField(label=_("Why declined"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


STEP_FORMS = {"travel": TravelForm, "arrive": ArriveForm, "part": UsePartForm, "photo": PhotoForm,
              "sign-customer": SignForm, "sign-technician": SignForm, "finish": FinishForm, "delay": DelayForm,
              "quote-send": QuoteSendForm, "quote-accept": QuoteAcceptForm, "quote-decline": QuoteDeclineForm}


# ---------------------------------------------------------------- dispatch, void, move


class DispatchForm(forms.Form):
    technician = UserChoiceField(label=_("Technician"), queryset=staff_users())
    team = forms.ModelMultipleChoiceField(label=_("Team"), queryset=staff_users(), required=False,
                                          help_text=_("Who goes with the technician."),
                                          widget=forms.SelectMultiple(attrs={"size": 4}))
    planned_start = forms.DateTimeField(label=_("Planned start"), input_formats=[DATETIME_LOCAL], widget=_local())
    planned_minutes = forms.IntegerField(label=_("Planned time (minutes)"), initial=120, min_value=15,
                                         max_value=60 * 24 * 7)
    instructions = forms.CharField(label=_("Instructions"), required=False, max_length=MAX_TEXT,
                                   widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text=_("What the technician must know: the fault, the system, the contact."))
    briefing = forms.CharField(label=_("Briefing"), required=False, max_length=MAX_TEXT,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("When someone other than the project's own project manager goes: what "
                                           "he was told of the project."))


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Why void"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class MoveForm(forms.Form):
    reason = forms.CharField(label=_("Why it moves to another number"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    technician = UserChoiceField(label=_("Technician"), queryset=staff_users(), required=False,
                                 help_text=_("Empty: the same technician."))
    planned_start = forms.DateTimeField(label=_("Planned start"), required=False, input_formats=[DATETIME_LOCAL],
                                        widget=_local(), help_text=_("Empty: the same time."))
