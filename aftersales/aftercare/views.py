"""Pages under /aftercare/: the policy figures (W8, W10, depot repairs), returns and exchanges with the
conditions table and the general manager's decision, depot batches with due dates and follow-ups.

Every change goes through aftercare.services; a refusal is shown on the form that asked for it.
Staff only: no customer or dealer role holds the aftercare permissions.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.core.audit import history_for
from aftersales.core.errors import ServiceError
from aftersales.core.forms import save_form
from aftersales.core.views import paginate, require_perm

from . import permissions, selectors, services
from .choices import DEPOT_BADGE, RETURN_BADGE, DepotState, ReturnState
from .forms import (
    ApproveForm,
    DepotFilterForm,
    DepotForm,
    FollowUpForm,
    PolicyForm,
    RefuseForm,
    ReturnFilterForm,
    ReturnForm,
)

VIEW_POLICY = "aftercare.view_policysetting"
VIEW_RETURN = "aftercare.view_returnrequest"
VIEW_DEPOT = "aftercare.view_depotbatch"


def _form_error(form, exc: Exception) -> None:
    if isinstance(exc, ServiceError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, texts in errors.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


# ---------------------------------------------------------------- policy figures


@require_perm(VIEW_POLICY)
@require_GET
def policy_view(request):
    return render(request, "aftercare/policy.html", {
        "policy": selectors.policy_get(), "may_change": permissions.can_change_policy(request.user)})


@require_perm(VIEW_POLICY)
def policy_edit_view(request):
    if not permissions.can_change_policy(request.user):
        raise PermissionDenied
    form = PolicyForm(request.POST or None, instance=selectors.policy_get(), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(actor=request.user, data=form.cleaned_data)
        except (ServiceError, ValidationError) as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("aftercare-policy")
    return render(request, "partials/record_form.html", {
        "form": form, "title": _("After-sales policies"), "cancel_url": reverse("aftercare-policy")})


# ---------------------------------------------------------------- returns and exchanges


@require_perm(VIEW_RETURN)
@require_GET
def return_list_view(request):
    form = ReturnFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page, query = paginate(request, selectors.return_list(actor=request.user, filters=filters))
    for ret in page.object_list:
        ret.badge = RETURN_BADGE.get(ret.state, "grey")
    return render(request, "aftercare/return_list.html", {
        "page": page, "query": query, "form": form,
        "may_register": permissions.can_register_return(request.user)})


@require_perm(VIEW_RETURN)
def return_create_view(request):
    return save_form(request, form_class=ReturnForm, initial={"requested_on": timezone.localdate()},
                     save=lambda data: services.return_register(actor=request.user, data=data),
                     title=_("Register a return or exchange"), cancel_url=reverse("aftercare-return-list"))


def _return_page(request, ret, *, approve_form=None, refuse_form=None):
    may_decide = permissions.can_approve_return(request.user) and ret.state == ReturnState.SUBMITTED
    return render(request, "aftercare/return_detail.html", {
        "ret": ret, "badge": RETURN_BADGE.get(ret.state, "grey"), "conditions": selectors.return_checks(ret),
        "may_decide": may_decide and ret.archived_at is None,
        "approve_form": approve_form or ApproveForm(prefix="approve"),
        "refuse_form": refuse_form or RefuseForm(prefix="refuse"),
        "history": history_for(ret)[:50]})


@require_perm(VIEW_RETURN)
@require_GET
def return_detail_view(request, pk: int):
    return _return_page(request, selectors.return_get_for(actor=request.user, pk=pk))


def _decide_view(request, pk: int, *, refuse: bool):
    ret = selectors.return_get_for(actor=request.user, pk=pk)
    if not permissions.can_approve_return(request.user):
        raise PermissionDenied
    form = (RefuseForm if refuse else ApproveForm)(request.POST, prefix="refuse" if refuse else "approve")
    if form.is_valid():
        try:
            if refuse:
                services.return_refuse(actor=request.user, ret=ret, reason=form.cleaned_data["reason"])
            else:
                services.return_approve(actor=request.user, ret=ret, note=form.cleaned_data["note"])
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Refused: the customer bears the cost.") if refuse else _("Approved."))
            return redirect(ret.get_absolute_url())
    ret = selectors.return_get_for(actor=request.user, pk=pk)
    return _return_page(request, ret, **({"refuse_form": form} if refuse else {"approve_form": form}))


@require_perm(VIEW_RETURN)
@require_POST
def return_approve_view(request, pk: int):
    return _decide_view(request, pk, refuse=False)


@require_perm(VIEW_RETURN)
@require_POST
def return_refuse_view(request, pk: int):
    return _decide_view(request, pk, refuse=True)


# ---------------------------------------------------------------- depot repairs


@require_perm(VIEW_DEPOT)
@require_GET
def depot_list_view(request):
    today = timezone.localdate()
    form = DepotFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page, query = paginate(request, selectors.depot_list(actor=request.user, filters=filters, today=today))
    for batch in page.object_list:
        batch.badge = DEPOT_BADGE.get(batch.state, "grey")
        batch.late = batch.is_late(today)
        batch.follow_late = batch.follow_up_late(today)
    base = reverse("aftercare-depot-list")
    return render(request, "aftercare/depot_list.html", {
        "page": page, "query": query, "form": form, "today": today,
        "late_count": selectors.depot_late_q(selectors.depot_list(actor=request.user, today=today), today).count(),
        "follow_late_count": selectors.depot_follow_ups_late(actor=request.user, today=today).count(),
        "late_url": f"{base}?view=late", "follow_url": f"{base}?view=follow_up",
        "may_receive": permissions.can_receive_depot(request.user)})


@require_perm(VIEW_DEPOT)
def depot_create_view(request):
    now = timezone.localtime().replace(second=0, microsecond=0)
    return save_form(request, form_class=DepotForm, initial={"received_at": now},
                     save=lambda data: services.depot_receive(actor=request.user, data=data),
                     title=_("Receive units for repair"), cancel_url=reverse("aftercare-depot-list"))


def _depot_page(request, batch, *, follow_form=None, error: str = ""):
    today = timezone.localdate()
    may_work = permissions.can_work_depot(request.user) and batch.archived_at is None
    return render(request, "aftercare/depot_detail.html", {
        "batch": batch, "badge": DEPOT_BADGE.get(batch.state, "grey"), "today": today,
        "late": batch.is_late(today), "follow_late": batch.follow_up_late(today),
        "may_repair": may_work and batch.state == DepotState.RECEIVED,
        "may_return": may_work and batch.state == DepotState.REPAIRED,
        "may_follow_up": may_work and batch.state == DepotState.RETURNED and batch.follow_up_at is None,
        "follow_form": follow_form or FollowUpForm(prefix="follow"), "error": error,
        "history": history_for(batch)[:50]})


@require_perm(VIEW_DEPOT)
@require_GET
def depot_detail_view(request, pk: int):
    return _depot_page(request, selectors.depot_get_for(actor=request.user, pk=pk))


def _depot_step(request, pk: int, run, done: str):
    batch = selectors.depot_get_for(actor=request.user, pk=pk)
    if not permissions.can_work_depot(request.user):
        raise PermissionDenied
    try:
        run(batch)
    except ServiceError as exc:
        return _depot_page(request, selectors.depot_get_for(actor=request.user, pk=pk), error=exc.message)
    messages.success(request, done)
    return redirect(batch.get_absolute_url())


@require_perm(VIEW_DEPOT)
@require_POST
def depot_repaired_view(request, pk: int):
    return _depot_step(request, pk, lambda b: services.depot_mark_repaired(actor=request.user, batch=b),
                       _("Marked repaired."))


@require_perm(VIEW_DEPOT)
@require_POST
def depot_returned_view(request, pk: int):
    return _depot_step(request, pk, lambda b: services.depot_mark_returned(actor=request.user, batch=b),
                       _("Returned to the customer; the follow-up is due."))


@require_perm(VIEW_DEPOT)
@require_POST
def depot_follow_up_view(request, pk: int):
    batch = selectors.depot_get_for(actor=request.user, pk=pk)
    if not permissions.can_work_depot(request.user):
        raise PermissionDenied
    form = FollowUpForm(request.POST, prefix="follow")
    if form.is_valid():
        try:
            services.depot_follow_up(actor=request.user, batch=batch, note=form.cleaned_data["note"])
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Follow-up recorded."))
            return redirect(batch.get_absolute_url())
    return _depot_page(request, selectors.depot_get_for(actor=request.user, pk=pk), follow_form=form)
