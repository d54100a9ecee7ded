"""One way to show a record's form and save it through its service, for every app."""

from __future__ import annotations

from typing import Any, Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from aftersales.accounts.scoping import can, scope

from .errors import ServiceError


class ScopedModelForm(forms.ModelForm):
    """Related choices show only what the user may see."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and user is not None:
                field.queryset = scope(field.queryset, user)
            if isinstance(field.widget, forms.DateInput):
                field.widget.input_type = "date"


def save_form(
    request,
    *,
    form_class: type[ScopedModelForm],
    instance=None,
    initial: dict | None = None,
    save: Callable[[dict[str, Any]], Any],
    title: str,
    cancel_url: str,
    form_kwargs: dict | None = None,
):
    """GET shows the form; POST validates it, calls ``save(cleaned_data)`` (a service) and goes to
    the saved record's page. Errors of the service appear on the form; nothing is half-saved."""
    model = form_class._meta.model
    if not can(request.user, "change" if instance else "add", instance or model):
        raise PermissionDenied
    form = form_class(request.POST or None, instance=instance, initial=initial, user=request.user, **(form_kwargs or {}))
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages})
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect(saved.get_absolute_url())
    return render(request, "partials/record_form.html", {"form": form, "title": title, "cancel_url": cancel_url})


def _add_errors(form, errors: dict) -> None:
    for field, messages_ in errors.items():
        target = field if field in form.fields else None
        for message in messages_:
            form.add_error(target, message)
