"""Reservations of stock for planned work orders (SPEC P1) under /stock/reservations/: the list
(held first, filtered by store, part or work order), the reserve form, release and collect; and a
unit's trail by serial number (SPEC P3) under /stock/serials/."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts.scoping import scope
from aftersales.core.errors import ServiceError
from aftersales.core.views import paginate, safe_next

from . import reservations, serials
from .choices import RESERVATION_BADGE, LocationKind, ReservationState
from .forms import PartNumberField
from .models import StockLocation, StockReservation
from .views import VIEW_STOCK, staff_perm

VIEW = "inventory.view_stockreservation"
ADD = "inventory.add_stockreservation"
CHANGE = "inventory.change_stockreservation"
COLLECT = "inventory.collect_stockreservation"  # a transfer out of the store: the store keeper's


class StoreField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StockLocation) -> str:
        return f"{obj.code} {obj.name}"


class ReserveForm(forms.Form):
    work_order = forms.CharField(label=gettext_lazy("Work order number"), max_length=20)
    part = PartNumberField()
    location = StoreField(label=gettext_lazy("Store"), queryset=StockLocation.objects.none())
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, max_value=100000, initial=1)
    note = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["location"].queryset = scope(StockLocation.objects.filter(archived_at__isnull=True).exclude(
            kind=LocationKind.VAN), user).order_by("code")

    def clean_work_order(self):
        from aftersales.workorders.models import WorkOrder

        number = self.cleaned_data["work_order"].strip().upper()
        work_order = scope(WorkOrder.objects.all(), self.user).filter(number=number).first()
        if work_order is None:
            raise ValidationError(_("No work order has this number."), code="unknown")
        return work_order


def _reservations(actor):
    held_first = Case(When(state=ReservationState.HELD, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (scope(StockReservation.objects.all(), actor)
            .select_related("part", "location", "work_order__request__customer", "created_by", "movement__to_location")
            .annotate(held_first=held_first).order_by("held_first", "-created_at", "-id"))


def _back(request):
    return redirect(safe_next(request, reverse("stock-reservations")))


@staff_perm(VIEW)
@require_GET
def reservation_list_view(request):
    queryset = _reservations(request.user)
    filters = {}
    for name in ("part", "location"):
        value = request.GET.get(name, "")
        if value.isdigit():
            queryset = queryset.filter(**{f"{name}_id": int(value)})
            filters[name] = value
    number = request.GET.get("work_order", "").strip()
    if number:
        queryset = queryset.filter(work_order__number=number.upper())
        filters["work_order"] = number
    if request.GET.get("held") == "1":
        queryset = queryset.filter(state=ReservationState.HELD)
    page, query = paginate(request, queryset, 50)
    initial = {"work_order": number} if number else {}
    return render(request, "inventory/reservations.html", {
        "page": page, "query": query, "rows": page.object_list, "badges": RESERVATION_BADGE, "filters": filters,
        "held_only": request.GET.get("held") == "1",
        "form": ReserveForm(user=request.user, initial=initial) if request.user.has_perm(ADD) else None})


@staff_perm(ADD)
@require_POST
def reservation_create_view(request):
    form = ReserveForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            made = reservations.reservation_create(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(part)s × %(quantity)s is reserved at %(location)s for %(number)s.") % {
                "part": made.part, "quantity": made.quantity, "location": made.location,
                "number": made.work_order.number})
    else:
        messages.error(request, "; ".join(str(m) for ms in form.errors.values() for m in ms))
    return _back(request)


@staff_perm(VIEW)
@require_POST
def reservation_step_view(request, pk: int, step: str):
    if not request.user.has_perm(CHANGE if step == "release" else COLLECT):
        raise PermissionDenied
    reservation = get_object_or_404(_reservations(request.user), pk=pk)
    try:
        if step == "release":
            reservations.reservation_release(actor=request.user, reservation=reservation,
                                             reason=request.POST.get("reason", ""))
            messages.success(request, _("The reservation is released: the units are free for other work."))
        else:
            done = reservations.reservation_collect(actor=request.user, reservation=reservation,
                                                    serials=request.POST.get("serials", ""))
            messages.success(request, _("Collected: %(part)s × %(quantity)s moved to %(location)s.") % {
                "part": done.part, "quantity": done.quantity, "location": done.movement.to_location})
    except ServiceError as exc:
        messages.error(request, exc.message)
    return _back(request)


@staff_perm(VIEW_STOCK)
@require_GET
def serial_trail_view(request):
    serial = request.GET.get("serial", "").strip()[:60]
    trail = serials.serial_trail(actor=request.user, serial=serial) if serial else None
    return render(request, "inventory/serial_trail.html", {"serial": serial, "trail": trail})
