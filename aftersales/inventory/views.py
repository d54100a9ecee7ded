"""Pages of the spare-parts store (/stock/): the stock list, a part's and a location's page, the
reorder list and its export, the stores, and the forms that post movements and set minimum levels.

Staff read; whoever may add movements posts them (the parts keeper). Every change goes through
inventory.services (or the record services for a store); a refusal is shown on the form that asked
for it and changes nothing. Customers and dealers have no access.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.core.audit import history_for
from aftersales.core.downloads import attachment_headers
from aftersales.core.errors import ServiceError
from aftersales.core.models import ArchiveRefused
from aftersales.core.services import (
    record_archive,
    record_create,
    record_restore,
    record_update,
)
from aftersales.core.views import paginate

from . import selectors, selectors_pages, services
from .choices import Condition, MovementKind
from .filters import StockPageFilter
from .forms import MinimumForm, MovementForm, StockLocationForm
from .models import StockLocation

PER_PAGE = 50
REORDER_PER_PAGE = 100
COUNT_CAP = 10_000  # long lists are counted this far only (core.views.CappedPaginator): filters narrow them

VIEW_STOCK = "inventory.view_stockbalance"
POST_MOVEMENTS = "inventory.add_stockmovement"
SET_MINIMUM = "inventory.change_stockbalance"


def staff_perm(perm: str):
    """403 unless the user is staff and holds ``perm`` (customers and dealers never see the store)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.user.is_external or not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _form_errors(form, exc: Exception) -> None:
    """A refusal of a service on the form: on its field when the form has it, else on the form."""
    if isinstance(exc, ServiceError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, texts in errors.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


def _id_param(request, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


# ---------------------------------------------------------------- the movements a page can post


@dataclass(frozen=True)
class MovementKindPage:
    kind: str
    label: str
    help: str
    run: Callable  # (actor, cleaned data) -> StockMovement


def _one_location(service):
    return lambda actor, d: service(actor=actor, part=d["part"], location=d["location"], quantity=d["quantity"],
                                    reference=d["reference"], serial_number=d["serial_number"], reason=d["reason"])


def _transfer(actor, d):
    return services.stock_transfer(actor=actor, part=d["part"], from_location=d["location"],
                                   to_location=d["to_location"], quantity=d["quantity"], condition=d["condition"],
                                   reference=d["reference"], serial_number=d["serial_number"], reason=d["reason"])


MOVEMENT_PAGES: dict[str, MovementKindPage] = {p.kind: p for p in [
    MovementKindPage(MovementKind.RECEIPT, MovementKind.RECEIPT.label,
                     gettext_lazy("New spares arrive at a store."), _one_location(services.stock_receive)),
    MovementKindPage(MovementKind.TRANSFER, MovementKind.TRANSFER.label,
                     gettext_lazy("Stock goes from one store to another: a branch store, a technician's van."),
                     _transfer),
    MovementKindPage(MovementKind.ISSUE, MovementKind.ISSUE.label,
                     gettext_lazy("Good spares leave the store for a work order or service request."),
                     _one_location(services.stock_issue)),
    MovementKindPage(MovementKind.RETURN_UNUSED, MovementKind.RETURN_UNUSED.label,
                     gettext_lazy("An issued spare that was not used comes back as good stock."),
                     _one_location(services.stock_return_unused)),
    MovementKindPage(MovementKind.DEFECTIVE_RETURN, MovementKind.DEFECTIVE_RETURN.label,
                     gettext_lazy("The part swapped out at the customer comes in as defective stock."),
                     _one_location(services.stock_defective_return)),
    MovementKindPage(MovementKind.REPAIRED, MovementKind.REPAIRED.label,
                     gettext_lazy("A repaired defective part becomes a good spare in the same store."),
                     _one_location(services.stock_repaired)),
    MovementKindPage(MovementKind.SCRAP, MovementKind.SCRAP.label,
                     gettext_lazy("A defective part that cannot be repaired leaves the stock."),
                     _one_location(services.stock_scrap)),
]}


def _movement_links(request, **params) -> list[tuple[str, str]]:
    """(label, url) of each movement form, carrying the part or location of the page."""
    if request.user.is_external or not request.user.has_perm(POST_MOVEMENTS):
        return []
    query = "&".join(f"{k}={v}" for k, v in params.items() if v)
    return [(str(p.label), reverse("stock-movement-create", args=[p.kind]) + (f"?{query}" if query else ""))
            for p in MOVEMENT_PAGES.values()]


# ---------------------------------------------------------------- the stock list


@staff_perm(VIEW_STOCK)
@require_GET
def stock_list_view(request):
    """Stock by part and location, good and defective apart, on hand against the minimum level."""
    user = request.user
    filterset = StockPageFilter(request.GET, queryset=selectors_pages.stock_rows(actor=user), request=request)
    filterset.is_valid()
    page, query = paginate(request, filterset.qs, per_page=PER_PAGE, count_cap=COUNT_CAP)
    data = filterset.form.cleaned_data
    context = {
        "page": page, "query": query, "errors": filterset.errors,
        "q": request.GET.get("q") or request.GET.get("search", ""),
        "location": data.get("location"), "condition": data.get("condition") or "",
        "below_minimum": data.get("below_minimum") is True, "empty": data.get("empty") is True,
        "part_filter": data.get("part"),
        "locations": selectors_pages.location_choices(actor=user),
        "conditions": Condition.choices,
        "movement_links": _movement_links(request),
        "may_set_minimum": user.has_perm(SET_MINIMUM),
    }
    return render(request, "inventory/stock_list.html", context)


# ---------------------------------------------------------------- a part


@staff_perm(VIEW_STOCK)
@require_GET
def part_detail_view(request, pk: int):
    """A part: its stock in each location, the product models it fits, its movements."""
    user = request.user
    part = selectors_pages.part_get_for(actor=user, pk=pk)
    stock = list(selectors_pages.part_stock(actor=user, part=part))
    page, query = paginate(request, selectors.part_movements(actor=user, part=part), per_page=PER_PAGE,
                           count_cap=COUNT_CAP)
    context = {
        "part": part, "stock": stock, "page": page, "query": query,
        "good_total": sum(b.quantity for b in stock if b.condition == Condition.GOOD),
        "defective_total": sum(b.quantity for b in stock if b.condition == Condition.DEFECTIVE),
        "product_models": list(selectors_pages.part_product_models(actor=user, part=part)),
        "movement_links": _movement_links(request, part=part.pk),
        "may_set_minimum": user.has_perm(SET_MINIMUM),
    }
    return render(request, "inventory/part_detail.html", context)


# ---------------------------------------------------------------- locations


@staff_perm("inventory.view_stocklocation")
@require_GET
def location_list_view(request):
    archived = request.GET.get("archived") == "1"
    locations = selectors_pages.location_list(actor=request.user, archived=archived)
    page, query = paginate(request, locations, per_page=PER_PAGE)
    return render(request, "inventory/location_list.html", {"page": page, "query": query, "archived": archived})


@staff_perm(VIEW_STOCK)
@require_GET
def location_detail_view(request, pk: int):
    """A store: its stock (a van: its technician), its latest movements, its history."""
    user = request.user
    location = selectors_pages.location_get_for(actor=user, pk=pk)
    filterset = StockPageFilter(request.GET, request=request,
                                queryset=selectors_pages.location_stock(actor=user, location=location))
    filterset.is_valid()
    page, query = paginate(request, filterset.qs, per_page=PER_PAGE, count_cap=COUNT_CAP)
    context = {
        "location": location, "page": page, "query": query,
        "q": request.GET.get("q") or request.GET.get("search", ""),
        "empty": request.GET.get("empty") == "true",
        "movements": list(selectors_pages.location_movements(actor=user, location=location)[:20]),
        "movement_links": _movement_links(request, location=location.pk),
        "may_set_minimum": user.has_perm(SET_MINIMUM),
        "history": history_for(location)[:50],
    }
    return render(request, "inventory/location_detail.html", context)


def _location_form(request, *, instance: StockLocation | None):
    """GET shows the store's form; POST saves it through the record services, or shows why not."""
    form = StockLocationForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if instance is None:
                saved = record_create(model=StockLocation, actor=request.user, data=form.cleaned_data)
            else:
                saved = record_update(instance=instance, actor=request.user, data=form.cleaned_data)
        except (ServiceError, ValidationError) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("stock-location", pk=saved.pk)
    if instance is None:
        title, cancel = _("New stock location"), reverse("stock-locations")
    else:
        title, cancel = _("Change %(name)s") % {"name": instance}, reverse("stock-location", args=[instance.pk])
    return render(request, "partials/record_form.html", {"form": form, "title": title, "cancel_url": cancel})


@staff_perm("inventory.add_stocklocation")
@require_http_methods(["GET", "POST"])
def location_create_view(request):
    return _location_form(request, instance=None)


@staff_perm("inventory.change_stocklocation")
@require_http_methods(["GET", "POST"])
def location_edit_view(request, pk: int):
    return _location_form(request, instance=selectors_pages.location_get_for(actor=request.user, pk=pk))


@staff_perm("inventory.change_stocklocation")
@require_POST
def location_archive_view(request, pk: int):
    """Archive a store (refused while it holds stock), or with ``restore`` bring it back."""
    location = selectors_pages.location_get_for(actor=request.user, pk=pk)
    try:
        if request.POST.get("restore"):
            record_restore(instance=location, actor=request.user)
            messages.success(request, _("Restored."))
        else:
            record_archive(instance=location, actor=request.user)
            messages.success(request, _("Archived. It stays in the records and can be restored."))
    except ServiceError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ArchiveRefused as exc:
        messages.error(request, str(exc))
    return redirect("stock-location", pk=location.pk)


# ---------------------------------------------------------------- the reorder list


def _reorder_location(request):
    pk = _id_param(request, "location")
    if pk is None:
        return None
    return selectors_pages.location_list(actor=request.user, archived=True).filter(pk=pk).first()


@staff_perm(VIEW_STOCK)
@require_GET
def reorder_view(request):
    """补货清单: per location, what to order to restore each store's minimum level."""
    location = _reorder_location(request)
    if request.GET.get("location") and location is None:
        raise Http404
    rows = selectors.reorder_list(actor=request.user, location=location)
    page, query = paginate(request, rows, per_page=REORDER_PER_PAGE, count_cap=COUNT_CAP)
    context = {
        "page": page, "query": query, "location": location,
        "locations": selectors_pages.location_choices(actor=request.user),
        "export_url": reverse("stock-reorder-export") + (f"?location={location.pk}" if location else ""),
    }
    return render(request, "inventory/reorder.html", context)


REORDER_COLUMNS = [
    gettext_lazy("Location code"), gettext_lazy("Location"), gettext_lazy("Part number"), gettext_lazy("Name"),
    gettext_lazy("Specification"), gettext_lazy("Unit"), gettext_lazy("On hand"), gettext_lazy("Reserved"),
    gettext_lazy("Minimum level"), gettext_lazy("To order"),
]
REORDER_FIELDS = ("location__code", "location__name", "part__code", "part__name", "part__spec", "part__unit",
                  "quantity", "reserved", "minimum", "to_order")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value):
    """A cell as text a spreadsheet will not run: one that starts like a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def reorder_csv(rows) -> bytes:
    """The reorder list as CSV (UTF-8 with a byte-order mark, so that Excel reads the Chinese), one row
    per part and location: a list of tens of thousands of rows is written in well under a second."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(title) for title in REORDER_COLUMNS])
    writer.writerows([_csv_text(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@staff_perm(VIEW_STOCK)
@require_GET
@never_cache
def reorder_export_view(request):
    location = _reorder_location(request)
    if request.GET.get("location") and location is None:
        raise Http404
    rows = selectors.reorder_list(actor=request.user, location=location).values_list(*REORDER_FIELDS)
    response = HttpResponse(reorder_csv(rows.iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8")
    name = f"reorder-{location.code}-" if location else "reorder-"
    for header, value in attachment_headers(f"{name}{timezone.localdate():%Y%m%d}.csv").items():
        response[header] = value
    return response


# ---------------------------------------------------------------- posting movements


def _initial(request) -> dict:
    """The part (by id, shown as its number) and the location a page's link carries."""
    initial = {}
    part_pk, location_pk = _id_param(request, "part"), _id_param(request, "location")
    if part_pk is not None:
        initial["part"] = selectors_pages.part_get_for(actor=request.user, pk=part_pk).code
    if location_pk is not None:
        initial["location"] = location_pk
    return initial


@staff_perm(POST_MOVEMENTS)
@require_http_methods(["GET", "POST"])
def movement_create_view(request, kind: str):
    """Post one movement of ``kind`` through its service; a refusal (not enough stock, an issue
    without its work order) is shown on the form and nothing is posted."""
    spec = MOVEMENT_PAGES.get(kind)
    if spec is None:
        raise Http404
    if request.method == "POST":
        form = MovementForm(request.POST, kind=kind, user=request.user)
        if form.is_valid():
            try:
                movement = spec.run(request.user, form.cleaned_data)
            except (ServiceError, ValidationError) as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Posted: %(movement)s.") % {"movement": movement})
                return redirect("stock-part", pk=movement.part_id)
    else:
        form = MovementForm(initial=_initial(request), kind=kind, user=request.user)
    context = {"form": form, "spec": spec, "kinds": [(p.kind, str(p.label)) for p in MOVEMENT_PAGES.values()],
               "carry": request.GET.urlencode()}
    return render(request, "inventory/movement_form.html", context)


@staff_perm(SET_MINIMUM)
@require_http_methods(["GET", "POST"])
def minimum_set_view(request):
    """The minimum level of a part in a store: the store's original quantity (SPEC P1)."""
    if request.method == "POST":
        form = MinimumForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                balance = services.stock_minimum_set(actor=request.user, **form.cleaned_data)
            except (ServiceError, ValidationError) as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Minimum level of %(part)s at %(location)s: %(minimum)s.") % {
                    "part": balance.part.code, "location": balance.location, "minimum": balance.minimum})
                return redirect("stock-part", pk=balance.part_id)
    else:
        initial = _initial(request)
        part_pk, location_pk = _id_param(request, "part"), initial.get("location")
        if part_pk and location_pk:
            initial["minimum"] = selectors_pages.current_minimum(part_id=part_pk, location_id=location_pk)
        form = MinimumForm(initial=initial, user=request.user)
    return render(request, "partials/record_form.html", {
        "form": form, "title": _("Set a minimum level"), "cancel_url": reverse("stock-list")})

