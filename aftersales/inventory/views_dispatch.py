"""Dispatch of spares to sites (SPEC P4) under /stock/dispatches/: the list with what is late, the
request form, and leaving / arrival of each."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.accounts.scoping import scope
from aftersales.core.errors import ServiceError
from aftersales.core.views import paginate
from aftersales.customers.models import Site

from . import dispatch as dispatches
from .forms import PartNumberField
from .models import StockLocation
from .views import staff_perm

VIEW = "inventory.view_sparedispatch"
ADD = "inventory.add_sparedispatch"
CHANGE = "inventory.change_sparedispatch"


class RequestForm(forms.Form):
    part = PartNumberField()
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, initial=1)
    from_location = forms.ModelChoiceField(label=gettext_lazy("From"), queryset=StockLocation.objects.none())
    site = forms.ModelChoiceField(label=gettext_lazy("Site"), queryset=Site.objects.none())
    note = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_location"].queryset = scope(StockLocation.objects.filter(archived_at__isnull=True), user)
        self.fields["site"].queryset = scope(Site.objects.filter(archived_at__isnull=True), user).select_related(
            "customer").order_by("customer__name", "name")


@staff_perm(VIEW)
@require_GET
def dispatch_list_view(request):
    open_only = request.GET.get("open") == "1"
    page, query = paginate(request, dispatches.dispatch_list(actor=request.user, open_only=open_only), 50)
    rows = dispatches.dispatches_with_lateness(page.object_list)
    return render(request, "inventory/dispatches.html", {
        "page": page, "query": query, "rows": rows, "open_only": open_only,
        "form": RequestForm(user=request.user) if request.user.has_perm(ADD) else None})


@staff_perm(ADD)
@require_http_methods(["POST"])
def dispatch_request_view(request):
    form = RequestForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            made = dispatches.spare_dispatch_request(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Dispatch %(number)s is asked for: it leaves within 24 hours.")
                             % {"number": made.number})
    else:
        messages.error(request, "; ".join(str(m) for ms in form.errors.values() for m in ms))
    return redirect("stock-dispatches")


@staff_perm(CHANGE)
@require_POST
def dispatch_step_view(request, pk: int, step: str):
    dispatch = get_object_or_404(dispatches.dispatch_list(actor=request.user), pk=pk)
    try:
        if step == "leave":
            dispatches.spare_dispatch_leave(actor=request.user, dispatch=dispatch,
                                            carrier=request.POST.get("carrier", ""))
        else:
            dispatches.spare_dispatch_arrive(actor=request.user, dispatch=dispatch,
                                             received_by=request.POST.get("received_by", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Dispatch %(number)s is updated.") % {"number": dispatch.number})
    return redirect("stock-dispatches")

