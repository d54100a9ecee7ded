"""Pages of work orders: dispatch from a request, the work order's page for staff, the
technician's phone pages (my jobs today, the visit screen with its steps, the work order's quote
among them). The service report's pages are in workorders.reports.

Every change goes through aftersales.workorders.services; a refusal (ServiceError) is shown on the
form that asked for it. The visit screen's steps answer JSON to the page's script (which queues
them while the phone has no signal and sends them later, each with the time it happened) and
plain redirects or the page with its errors to a browser without script.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.accounts.scoping import scope
from aftersales.core.errors import ServiceError, validation_messages
from aftersales.core.uploads import check_upload
from aftersales.core.views import require_perm
from aftersales.service.selectors import request_get_for

from . import selectors, services
from .choices import OPEN_WORK, STATE_BADGE, WorkOrderState
from .forms import STEP_FORMS, DispatchForm, MoveForm, UsePartForm, VoidForm
from .models import Signature, SignatureRole, UsedPart, VisitPhoto, WorkOrder
from .report_pdf import report_refusal

VIEW = "workorders.view_workorder"
CHANGE = "workorders.change_workorder"
PHOTO_TYPES = {"jpg", "jpeg", "png"}
STEPS_REMEMBERED = 200  # step ids kept in the session: a step re-sent after a lost answer is not done twice


# ---------------------------------------------------------------- reads of these pages


def _work_order_for(actor, pk: int) -> WorkOrder:
    queryset = WorkOrder.objects.select_related(
        "request__customer", "request__site", "request__asset__product_model", "technician", "created_by",
        "moved_to", "moved_from", "voided_by",
    ).prefetch_related("team", Prefetch("used_parts", queryset=UsedPart.objects.select_related("part")),
                       "photos", "signatures")
    return get_object_or_404(scope(queryset, actor), pk=pk)


def _van_stock(technician) -> list:
    """The good stock in the technician's van (the one the parts are issued from)."""
    from aftersales.inventory.choices import Condition, LocationKind
    from aftersales.inventory.models import StockBalance, StockLocation

    van = StockLocation.objects.filter(kind=LocationKind.VAN, holder=technician, archived_at__isnull=True).first()
    if van is None:
        return []
    return list(StockBalance.objects.filter(location=van, condition=Condition.GOOD, quantity__gt=0)
                .select_related("part").order_by("part__code"))


def _staff_only(user) -> None:
    if user.is_external:
        raise PermissionDenied


def _refusal(exc: Exception) -> dict[str, list[str]]:
    if isinstance(exc, ServiceError):
        return exc.as_dict()
    return validation_messages(exc)


def _form_errors(form, exc: Exception) -> None:
    for name, texts in _refusal(exc).items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


# ---------------------------------------------------------------- my jobs (the phone)


@require_perm(VIEW)
@require_GET
def my_jobs_view(request):
    """我的任务: the technician's jobs of the day (today unless ?day=YYYY-MM-DD)."""
    _staff_only(request.user)
    day = parse_date(request.GET.get("day") or "") or timezone.localdate()
    jobs = list(selectors.jobs_of_day(actor=request.user, technician=request.user, day=day))
    for job in jobs:
        job.badge = STATE_BADGE.get(job.state, "grey")
    return render(request, "workorders/phone/my_jobs.html", {
        "jobs": jobs, "day": day, "today": timezone.localdate(),
        "previous_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1)})


# ---------------------------------------------------------------- the visit screen (the phone)


def _visit_forms(work_order: WorkOrder, van: list, failed: tuple[str, object] | None) -> dict:
    forms = {}
    for step, form_class in STEP_FORMS.items():
        if failed is not None and failed[0] == step:
            forms[step] = failed[1]
            continue
        extra = {"van_parts": van} if form_class is UsePartForm else {}
        initial = {}
        if step == "sign-technician":
            initial["signer_name"] = str(work_order.technician)
        forms[step] = form_class(prefix=step, work_order=work_order, initial=initial, **extra)
    return forms


# ---------------------------------------------------------------- the work order's quote on the visit screen


def _quote_version(quote) -> str:
    """The quote as shown: any change to it (a new price, a new decision, an answer) changes this."""
    return f"{quote.pk}-{quote.state}-{quote.updated_at:%Y%m%d%H%M%S%f}"


def _quote_panel(work_order: WorkOrder, user) -> dict | None:
    """The work order's quote (SPEC W5, W6): what is free or chargeable and why, its lines and totals,
    and the steps this user may take on it from the phone."""
    from aftersales.charges import selectors as charges
    from aftersales.charges import services as charging
    from aftersales.charges.choices import STATE_BADGE as QUOTE_BADGE
    from aftersales.charges.models import Quote

    quote = Quote.objects.filter(work_order=work_order).select_related("rule").first()
    if quote is None:
        return None
    return {
        "quote": quote, "lines": list(charges.quote_lines(quote)), "badge": QUOTE_BADGE.get(quote.state, "grey"),
        "version": _quote_version(quote), "blocked": charges.chargeable_work_blocked(work_order),
        "may_send": not user.is_external and user.has_perm(charging.QUOTE_PERMISSION),
        "may_answer": user.has_perm(charging.ANSWER_PERMISSION),
        "may_open_page": user.has_perm("charges.view_quote"),
    }


def _quote_step(step: str, work_order: WorkOrder, actor, data: dict):
    """Give the priced quote to the customer, or record the customer's answer (accepted by a
    signature drawn on the phone, or declined with the reason), on the quote as the screen showed it."""
    from aftersales.charges import services as charging
    from aftersales.charges.models import Quote

    services.require_worker(work_order, actor)  # on the visit screen, as every other step of the visit
    with transaction.atomic():
        quote = Quote.objects.select_for_update().filter(work_order=work_order).first()
        if quote is None:
            raise ServiceError("no_quote", _("Work order %(number)s has no quote.") % {"number": work_order.number},
                               field="quote")
        if _quote_version(quote) != data["quote_version"]:
            raise ServiceError("quote_changed", _("Quote %(quote)s changed since this screen showed it: open the "
                                                  "visit again and show the customer the quote as it is now.") % {
                "quote": quote}, field="quote")
        try:
            if step == "quote-send":
                return charging.quote_send(actor=actor, quote=quote, at=data["at"])
            if step == "quote-accept":
                return charging.quote_accept(actor=actor, quote=quote, signer_name=data["signer_name"],
                                             signature=data["image"] or None, at=data["at"])
            return charging.quote_decline(actor=actor, quote=quote, reason=data["reason"], at=data["at"])
        except PermissionDenied as exc:
            raise ServiceError("forbidden", str(exc) or _("Your role may not do this.")) from exc


def _visit_page(request, work_order: WorkOrder, *, failed=None, status: int = 200):
    van = _van_stock(work_order.technician)
    signed = {s.role: s for s in work_order.signatures.all()}
    forms = _visit_forms(work_order, van, failed)
    pads = [(role, label, forms[f"sign-{role}"], signed.get(role)) for role, label in SignatureRole.choices]
    quote = _quote_panel(work_order, request.user)
    if quote is not None:
        quote.update(send_form=forms["quote-send"], accept_form=forms["quote-accept"],
                     decline_form=forms["quote-decline"])
    context = {
        "wo": work_order, "req": work_order.request, "badge": STATE_BADGE.get(work_order.state, "grey"),
        "forms": forms, "van": van, "pads": pads, "failed": failed[1] if failed else None,
        "failed_step": failed[0] if failed else "", "quote": quote,
        "queue_key": f"workorder-visit:{request.user.pk}:{work_order.pk}",
    }
    return render(request, "workorders/phone/visit.html", context, status=status)


def _refused_page(request, work_order: WorkOrder):
    reason = _("Work order %(number)s is %(technician)s's: only its technician, its team or a dispatcher may "
               "record its visit.") % {"number": work_order.number, "technician": work_order.technician}
    return render(request, "workorders/phone/refused.html", {"wo": work_order, "reason": reason}, status=403)


@require_perm(VIEW)
@require_GET
def visit_view(request, pk: int):
    _staff_only(request.user)
    work_order = _work_order_for(request.user, pk)
    if not services.may_work_on(work_order, request.user):
        return _refused_page(request, work_order)
    return _visit_page(request, work_order)


def _run_step(step: str, work_order: WorkOrder, actor, data: dict):
    at = data.get("at")
    if step.startswith("quote-"):
        return _quote_step(step, work_order, actor, data)
    if step == "travel":
        return services.workorder_start_travel(work_order=work_order, actor=actor, at=at)
    if step == "arrive":
        return services.workorder_arrive(work_order=work_order, actor=actor, at=at)
    if step == "part":
        return services.workorder_use_part(
            work_order=work_order, actor=actor, part=data["part"], quantity=data["quantity"],
            serial_number=data["serial_number"], removed_serial=data["removed_serial"],
            swapped_out=data["swapped_out"])
    if step == "photo":
        checked = check_upload(data["file"], allowed=PHOTO_TYPES, max_bytes=services.MAX_PHOTO_BYTES)
        return services.workorder_add_photo(work_order=work_order, actor=actor, checked=checked, kind=data["kind"],
                                            caption=data["caption"])
    if step.startswith("sign-"):
        return services.workorder_sign(work_order=work_order, actor=actor, role=step.removeprefix("sign-"),
                                       image=data["image"], signer_name=data["signer_name"],
                                       comment=data["comment"], at=at)
    if step == "finish":
        return services.workorder_finish(
            work_order=work_order, actor=actor, outcome=data["outcome"], work_done=data["work_done"],
            minutes_spent=data["minutes_spent"], delay_reason=data["delay_reason"], next_step=data["next_step"],
            expected_at=data["expected_at"], at=at)
    return services.workorder_delay_reason(work_order=work_order, actor=actor, delay_reason=data["delay_reason"],
                                           next_step=data["next_step"], expected_at=data["expected_at"], at=at)


STEP_DONE = {
    "travel": gettext_lazy("On the way."), "arrive": gettext_lazy("Arrival on site recorded."),
    "part": gettext_lazy("Part recorded."), "photo": gettext_lazy("Photo added."),
    "sign-customer": gettext_lazy("The customer's signature is saved."),
    "sign-technician": gettext_lazy("Your signature is saved."), "finish": gettext_lazy("The visit is finished."),
    "delay": gettext_lazy("The delay reason is saved."),
    "quote-send": gettext_lazy("The quote is given to the customer."),
    "quote-accept": gettext_lazy("The customer accepted the quote."),
    "quote-decline": gettext_lazy("The customer declined the quote."),
}


def _answer(request, work_order: WorkOrder, step: str, form, ok: bool):
    """JSON to the page's script; a redirect (done) or the page with the refusal to a plain browser."""
    if request.headers.get("X-Requested-With") == "fetch":
        state = WorkOrder.objects.filter(pk=work_order.pk).values_list("state", flat=True).first()
        body = {"ok": ok, "state": state, "state_label": str(WorkOrderState(state).label)}
        if ok:
            body["message"] = str(STEP_DONE[step])
        else:
            errors = {name: [str(e) for e in texts] for name, texts in form.errors.items()}
            body["errors"] = errors
            body["message"] = " ".join(text for texts in errors.values() for text in texts)
        return JsonResponse(body, status=200 if ok else 400)
    if ok:
        messages.success(request, str(STEP_DONE[step]))
        return redirect("workorder-visit", pk=work_order.pk)
    return _visit_page(request, _work_order_for(request.user, work_order.pk), failed=(step, form), status=400)


@require_perm(CHANGE)
@require_POST
def visit_step_view(request, pk: int, step: str):
    form_class = STEP_FORMS.get(step)
    if form_class is None:
        raise Http404
    _staff_only(request.user)
    work_order = _work_order_for(request.user, pk)
    extra = {"van_parts": []} if form_class is UsePartForm else {}
    form = form_class(request.POST, request.FILES, prefix=step, work_order=work_order, **extra)
    if not form.is_valid():
        return _answer(request, work_order, step, form, ok=False)
    done = request.session.get("workorder_steps", [])
    step_id = form.cleaned_data.get("step_id")
    if step_id and step_id in done:  # sent again after its answer was lost: it is done already
        return _answer(request, work_order, step, form, ok=True)
    try:
        _run_step(step, work_order, request.user, form.cleaned_data)
    except (ServiceError, ValidationError) as exc:
        _form_errors(form, exc)
        return _answer(request, work_order, step, form, ok=False)
    if step_id:
        request.session["workorder_steps"] = [*done, step_id][-STEPS_REMEMBERED:]
    return _answer(request, work_order, step, form, ok=True)


# ---------------------------------------------------------------- the work order's page (staff)


def _stand_ins(work_order: WorkOrder, user) -> list:
    """Loaners of the same grade in store, for a job where the equipment is taken away or the fix target
    is missed (SPEC D6): offered to those who may lend, while the work order is not over."""
    from aftersales.loaners.selectors import loaners_to_stand_in

    asset = work_order.request.asset
    if asset is None or work_order.state == WorkOrderState.VOID or not user.has_perm("loaners.add_loan"):
        return []
    return list(loaners_to_stand_in(actor=user, product_model=asset.product_model)[:5])


def _detail_page(request, work_order: WorkOrder, *, void_form=None, move_form=None, status: int = 200):
    user = request.user
    planned = work_order.state == WorkOrderState.PLANNED
    context = {
        "wo": work_order, "req": work_order.request, "badge": STATE_BADGE.get(work_order.state, "grey"),
        "signatures": list(work_order.signatures.all()), "now": timezone.now(),
        "may_record": services.may_work_on(work_order, user) and work_order.state not in (
            WorkOrderState.DONE, WorkOrderState.VOID),
        "void_form": (void_form or VoidForm(prefix="void")) if planned and user.has_perm(services.VOID_PERMISSION)
        else None,
        "move_form": (move_form or MoveForm(prefix="move")) if planned and services.is_dispatcher(user) else None,
        "delay_overdue": selectors.delay_overdue(WorkOrder.objects.filter(pk=work_order.pk)).exists(),
        "report_ready": report_refusal(work_order) is None,
        "stand_ins": _stand_ins(work_order, user),
        "reservations": list(work_order.reservations.select_related("part", "location").order_by("id"))
        if user.has_perm("inventory.view_stockreservation") else None,
        "may_reserve": work_order.state in OPEN_WORK and user.has_perm("inventory.add_stockreservation"),
        "repair_asset": work_order.request.asset,
    }
    return render(request, "workorders/detail.html", context, status=status)


@require_perm(VIEW)
@require_GET
def detail_view(request, pk: int):
    _staff_only(request.user)
    return _detail_page(request, _work_order_for(request.user, pk))


@require_perm(VIEW)
@require_POST
def void_view(request, pk: int):
    _staff_only(request.user)
    work_order = _work_order_for(request.user, pk)
    form = VoidForm(request.POST, prefix="void")
    if form.is_valid():
        try:
            services.workorder_void(work_order=work_order, actor=request.user, reason=form.cleaned_data["reason"])
        except (ServiceError, ValidationError) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Work order %(number)s is void.") % {"number": work_order.number})
            return redirect(work_order.get_absolute_url())
    return _detail_page(request, _work_order_for(request.user, pk), void_form=form, status=400)


@require_perm("workorders.add_workorder")
@require_POST
def move_view(request, pk: int):
    _staff_only(request.user)
    work_order = _work_order_for(request.user, pk)
    form = MoveForm(request.POST, prefix="move")
    if form.is_valid():
        data = form.cleaned_data
        try:
            new = services.workorder_move(work_order=work_order, actor=request.user, reason=data["reason"],
                                          technician=data["technician"], planned_start=data["planned_start"])
        except (ServiceError, ValidationError) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The job moved from %(old)s to %(new)s.") % {
                "old": work_order.number, "new": new.number})
            return redirect(new.get_absolute_url())
    return _detail_page(request, _work_order_for(request.user, pk), move_form=form, status=400)


# ---------------------------------------------------------------- dispatch (派工)


@require_perm("workorders.add_workorder")
@require_http_methods(["GET", "POST"])
def dispatch_view(request):
    _staff_only(request.user)
    try:
        request_pk = int(request.GET.get("request") or request.POST.get("request") or "")
    except ValueError as exc:
        raise Http404 from exc
    sr = request_get_for(actor=request.user, pk=request_pk)
    manager = services.project_manager_of(sr)
    if request.method == "POST":
        form = DispatchForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                work_order = services.workorder_create(
                    actor=request.user, request=sr, technician=data["technician"], team=list(data["team"]),
                    planned_start=data["planned_start"], planned_minutes=data["planned_minutes"],
                    instructions=data["instructions"], briefing=data["briefing"])
            except (ServiceError, ValidationError) as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Work order %(number)s is dispatched to %(technician)s.") % {
                    "number": work_order.number, "technician": work_order.technician})
                return redirect(work_order.get_absolute_url())
        status = 400
    else:
        start = timezone.localtime() + dt.timedelta(hours=1)
        initial = {"planned_start": start.replace(minute=0, second=0, microsecond=0),
                   "instructions": sr.description}
        if manager is not None and manager.is_active:
            initial["technician"] = manager.pk
        form = DispatchForm(initial=initial)
        status = 200
    context = {
        "form": form, "req": sr, "manager": manager, "review_missing": services.review_missing(sr),
        "earlier": selectors.request_work_orders(actor=request.user, request=sr),
    }
    return render(request, "workorders/dispatch.html", context, status=status)


# ---------------------------------------------------------------- photos and signatures (checked downloads)


def _image_response(field_file, content_type: str):
    if content_type not in {"image/png", "image/jpeg"}:
        content_type = "application/octet-stream"
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_perm("workorders.view_visitphoto")
@require_GET
def photo_view(request, pk: int):
    _staff_only(request.user)
    photo = get_object_or_404(scope(VisitPhoto.objects.all(), request.user), pk=pk)
    return _image_response(photo.file, photo.content_type)


@require_perm("workorders.view_signature")
@require_GET
def signature_view(request, pk: int):
    _staff_only(request.user)
    signature = get_object_or_404(scope(Signature.objects.all(), request.user), pk=pk)
    return _image_response(signature.image, "image/png")
