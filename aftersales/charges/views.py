"""Pages of charges (/charges/): the quotes, a quote's page with its steps, the price rules and the
month's totals for finance. Every change goes through charges.services; a refusal is shown on the
form that asked for it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.core.errors import ServiceError
from aftersales.core.views import paginate, require_perm

from . import selectors, services
from .choices import STATE_BADGE, QuoteState
from .forms import AcceptForm, DeclineForm, MonthForm, NoFieldsForm, PriceForm

VIEW_QUOTES = "charges.view_quote"


def _form_errors(form, exc: Exception) -> None:
    if isinstance(exc, ServiceError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return
    for text in getattr(exc, "messages", [str(exc)]):
        form.add_error(None, text)


def _steps(user, quote, failed=None) -> dict:
    """The forms of the steps this user may take on the quote now."""
    state = quote.state
    steps = {}
    if not user.is_external and user.has_perm(services.PRICE_PERMISSION) and state in (QuoteState.DRAFT,
                                                                                       QuoteState.PRICED):
        steps["price"] = PriceForm(prefix="price")
    if not user.is_external and user.has_perm(services.QUOTE_PERMISSION) and state == QuoteState.PRICED:
        steps["send"] = NoFieldsForm(prefix="send")
    if user.has_perm(services.ANSWER_PERMISSION) and state == QuoteState.QUOTED:
        steps["accept"] = AcceptForm(prefix="accept")
        steps["decline"] = DeclineForm(prefix="decline")
    if failed:
        steps[failed[0]] = failed[1]
    return steps


def _quote_page(request, quote, failed=None):
    context = {"quote": quote, "lines": selectors.quote_lines(quote), "badge": STATE_BADGE.get(quote.state, "grey"),
               "steps": _steps(request.user, quote, failed), "internal": not request.user.is_external,
               "blocked": selectors.chargeable_work_blocked(quote.work_order)}
    return render(request, "charges/quote.html", context, status=400 if failed else 200)


@require_perm(VIEW_QUOTES)
@require_GET
def quote_list_view(request):
    page, query = paginate(request, selectors.quote_list(actor=request.user))
    return render(request, "charges/quote_list.html", {"page": page, "query": query, "badges": STATE_BADGE})


@require_perm(VIEW_QUOTES)
@require_GET
def quote_view(request, pk: int):
    return _quote_page(request, selectors.quote_get_for(actor=request.user, pk=pk))


STEPS = {
    "price": (PriceForm, lambda q, u, d: services.quote_price(actor=u, quote=q, rule=d["rule"], hours=d["hours"],
                                                              person_days=d["person_days"], travel=d["travel"])),
    "send": (NoFieldsForm, lambda q, u, d: services.quote_send(actor=u, quote=q)),
    "accept": (AcceptForm, lambda q, u, d: services.quote_accept(actor=u, quote=q, signer_name=d["signer_name"],
                                                                 signature=d["signature"] or None)),
    "decline": (DeclineForm, lambda q, u, d: services.quote_decline(actor=u, quote=q, reason=d["reason"])),
}


@require_perm(VIEW_QUOTES)
@require_POST
def quote_step_view(request, pk: int, step: str):
    if step not in STEPS:
        raise Http404
    quote = selectors.quote_get_for(actor=request.user, pk=pk)
    form_class, run = STEPS[step]
    form = form_class(request.POST, prefix=step)
    if form.is_valid():
        try:
            run(quote, request.user, form.cleaned_data)
        except (ServiceError, ValidationError) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(quote.get_absolute_url())
    return _quote_page(request, selectors.quote_get_for(actor=request.user, pk=pk), failed=(step, form))


@require_perm("charges.view_pricerule")
@require_GET
def price_rules_view(request):
    if request.user.is_external:
        raise PermissionDenied
    rules = selectors.price_rules(actor=request.user)
    return render(request, "charges/price_rules.html", {"rules": rules})


@require_perm("charges.view_quote")
@require_GET
def finance_view(request):
    if request.user.is_external:
        raise PermissionDenied
    form = MonthForm(request.GET or None)
    month = timezone.localdate().replace(day=1)
    if form.is_bound and form.is_valid() and form.cleaned_data.get("month"):
        month = form.cleaned_data["month"]
    totals = selectors.finance_month(actor=request.user, month=month)
    return render(request, "charges/finance.html", {"form": form, "month": month, **totals})
