"""Month-end pages of the spare-parts store (/stock/): the monthly reconciliation with finance (its
Excel export and the lock of a month) and stocktakes (start, count, import, differences, post).

Staff who read stock movements read the reconciliation (finance too); whoever may change stock
movements (the parts keeper) locks a month: movements are never changed, so that permission
stands for closing them. Stocktakes are read by whoever reads stock and run by whoever posts
movements. Every change goes through inventory.reconciliation / inventory.stocktake; a refusal is
shown on the page that asked for it and changes nothing.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.core.audit import history_for
from aftersales.core.downloads import attachment_headers
from aftersales.core.errors import ServiceError

from . import reconciliation, stocktake
from .choices import RECONCILIATION_COLUMNS, STOCKTAKE_BADGE, StocktakeState
from .forms_periods import (
    CountsForm,
    ImportForm,
    LockForm,
    ReasonForm,
    ReconciliationForm,
    StocktakeFilterForm,
    StocktakeStartForm,
    month_choices,
)

READ_RECONCILIATION = "inventory.view_stockmovement"
LOCK_MONTH = "inventory.change_stockmovement"
READ_STOCKTAKES = "inventory.view_stockbalance"
RUN_STOCKTAKES = "inventory.add_stockmovement"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LINES_PER_PAGE = 100
COUNTS_PER_PAGE = 50


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


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    for name, value in attachment_headers(filename).items():
        response[name] = value
    return response


# ---------------------------------------------------------------- reconciliation


def _chosen(request):
    """The month and store asked for (the month before the current one by default)."""
    current = timezone.localdate().replace(day=1)
    months = month_choices(reconciliation.first_month(), current)
    default = reconciliation.previous_month(current)
    data = {"month": request.GET.get("month") or f"{default:%Y-%m}", "location": request.GET.get("location", "")}
    if data["month"] not in {value for value, _label in months}:
        months.append((f"{default:%Y-%m}", f"{default:%Y-%m}"))
    form = ReconciliationForm(data, months=months)
    if not form.is_valid():
        return form, default, None
    return form, reconciliation.parse_month(form.cleaned_data["month"]), form.cleaned_data["location"]


@staff_perm(READ_RECONCILIATION)
@require_GET
def reconciliation_view(request):
    form, month, location = _chosen(request)
    result = reconciliation.reconciliation_compute(month=month, location=location)
    page = Paginator(result.lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    refusal = reconciliation.lock_refusal(month)
    context = {
        "form": form, "result": result, "page": page, "query": query.urlencode(),
        "columns": [str(label) for _kind, _direction, label in RECONCILIATION_COLUMNS],
        "may_lock": request.user.has_perm(LOCK_MONTH) and refusal is None,
        "lock_form": LockForm(initial={"month": f"{month:%Y-%m}"}, auto_id="lock-%s"),
        "refusal": refusal, "last_locked": reconciliation.last_locked(),
        "export_query": query.urlencode(),
    }
    return render(request, "inventory/periods/reconciliation.html", context)


@staff_perm(READ_RECONCILIATION)
@require_GET
@never_cache
def reconciliation_export_view(request):
    _form, month, location = _chosen(request)
    result = reconciliation.reconciliation_compute(month=month, location=location)
    where = f"-{location.code}" if location else ""
    return _xlsx(reconciliation.reconciliation_workbook(result), f"库存月结-{month:%Y-%m}{where}.xlsx")


@staff_perm(LOCK_MONTH)
@require_POST
def reconciliation_lock_view(request):
    form = LockForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return redirect("stock-reconciliation")
    month = form.cleaned_data["month"]
    try:
        period = reconciliation.stock_period_lock(actor=request.user, month=month)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(month)s is locked: %(rows)s stock rows closed at %(value)s. Corrections are "
                                    "now posted in an open month.")
                         % {"month": f"{period.month:%Y-%m}", "rows": period.rows, "value": period.closing_value})
    return redirect(f"{reverse('stock-reconciliation')}?month={month:%Y-%m}")


# ---------------------------------------------------------------- stocktakes


@staff_perm(READ_STOCKTAKES)
@require_GET
def stocktake_list_view(request):
    form = StocktakeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = Paginator(stocktake.stocktake_list(actor=request.user, filters=filters), 30).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "inventory/periods/stocktake_list.html", {
        "form": form, "page": page, "query": query.urlencode(), "badges": STOCKTAKE_BADGE,
        "may_run": request.user.has_perm(RUN_STOCKTAKES)})


@staff_perm(RUN_STOCKTAKES)
@require_http_methods(["GET", "POST"])
def stocktake_start_view(request):
    form = StocktakeStartForm(request.POST or None, initial={"location": request.GET.get("location")})
    if request.method == "POST" and form.is_valid():
        try:
            started = stocktake.stocktake_start(actor=request.user, location=form.cleaned_data["location"],
                                                note=form.cleaned_data["note"])
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Stocktake %(number)s started: count the store and enter the counts.")
                             % {"number": started.number})
            return redirect(started.get_absolute_url())
    return render(request, "inventory/periods/stocktake_start.html", {"form": form})


def _stocktake_page(request, st, *, form=None, import_form=None, import_errors=None, status=200):
    lines = stocktake.stocktake_lines(st)
    page = Paginator(lines, COUNTS_PER_PAGE).get_page(request.GET.get("page"))
    counting = st.state == StocktakeState.COUNTING
    may_run = request.user.has_perm(RUN_STOCKTAKES) and counting
    if form is None and may_run:
        form = CountsForm(lines=page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "stocktake": st, "page": page, "query": query.urlencode(), "form": form, "may_run": may_run,
        "import_form": import_form or (ImportForm() if may_run else None), "import_errors": import_errors or [],
        "cancel_form": ReasonForm(prefix="cancel") if may_run else None, "badges": STOCKTAKE_BADGE,
        "summary": stocktake.stocktake_summary(st),
        "history": history_for(st)[:50] if request.user.has_perm("core.view_auditevent") else [],
    }
    return render(request, "inventory/periods/stocktake.html", context, status=status)


@staff_perm(READ_STOCKTAKES)
@require_http_methods(["GET", "POST"])
def stocktake_view(request, pk: int):
    """The count entry page: the lines, a page at a time; POST saves the page's counts."""
    st = stocktake.stocktake_get_for(actor=request.user, pk=pk)
    if request.method == "GET":
        return _stocktake_page(request, st)
    if not request.user.has_perm(RUN_STOCKTAKES):
        raise PermissionDenied
    page = Paginator(stocktake.stocktake_lines(st), COUNTS_PER_PAGE).get_page(request.GET.get("page"))
    form = CountsForm(request.POST, lines=page.object_list)
    if form.is_valid():
        try:
            changed = stocktake.stocktake_count(actor=request.user, stocktake=st, counts=form.counts())
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("%(count)s counts saved.") % {"count": changed})
            return redirect(request.get_full_path())
    return _stocktake_page(request, st, form=form)


@staff_perm(READ_STOCKTAKES)
@require_GET
@never_cache
def stocktake_template_view(request, pk: int):
    st = stocktake.stocktake_get_for(actor=request.user, pk=pk)
    return _xlsx(stocktake.stocktake_template(st), f"盘点-{st.number}.xlsx")


@staff_perm(RUN_STOCKTAKES)
@require_POST
def stocktake_import_view(request, pk: int):
    st = stocktake.stocktake_get_for(actor=request.user, pk=pk)
    form = ImportForm(request.POST, request.FILES)
    errors = []
    if form.is_valid():
        try:
            changed = stocktake.stocktake_import(actor=request.user, stocktake=st, file=form.cleaned_data["file"])
        except ServiceError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
            errors = exc.params.get("errors", [])
        else:
            messages.success(request, _("%(count)s counts imported.") % {"count": changed})
            return redirect(st.get_absolute_url())
    return _stocktake_page(request, st, import_form=form, import_errors=errors)


@staff_perm(READ_STOCKTAKES)
@require_GET
def stocktake_differences_view(request, pk: int):
    st = stocktake.stocktake_get_for(actor=request.user, pk=pk)
    return _differences(request, st)


def _differences(request, st, *, form=None, refused=None):
    may_run = request.user.has_perm(RUN_STOCKTAKES) and st.state == StocktakeState.COUNTING
    return render(request, "inventory/periods/stocktake_differences.html", {
        "stocktake": st, "lines": stocktake.stocktake_lines(st, differences_only=True),
        "summary": stocktake.stocktake_summary(st), "badges": STOCKTAKE_BADGE, "may_run": may_run,
        "form": form or (ReasonForm() if may_run else None), "refused": refused or {}})


@staff_perm(RUN_STOCKTAKES)
@require_POST
def stocktake_post_view(request, pk: int):
    st = stocktake.stocktake_get_for(actor=request.user, pk=pk)
    form = ReasonForm(request.POST)
    refused = {}
    if form.is_valid():
        try:
            movements = stocktake.stocktake_post(actor=request.user, stocktake=st, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            form.add_error("reason" if exc.field == "reason" else None, exc.message)
            refused = exc.params.get("lines", {})
        else:
            messages.success(request, _("Stocktake %(number)s is posted: %(count)s adjustments.")
                             % {"number": st.number, "count": len(movements)})
            return redirect(st.get_absolute_url())
    return _differences(request, st, form=form, refused=refused)


@staff_perm(RUN_STOCKTAKES)
@require_POST
def stocktake_cancel_view(request, pk: int):
    st = stocktake.stocktake_get_for(actor=request.user, pk=pk)
    form = ReasonForm(request.POST, prefix="cancel")
    if form.is_valid():
        try:
            stocktake.stocktake_cancel(actor=request.user, stocktake=st, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Stocktake %(number)s is cancelled.") % {"number": st.number})
    else:
        messages.error(request, _("Give the reason."))
    return redirect(st.get_absolute_url())
