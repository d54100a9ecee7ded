"""Pages of the loaner pool under /loaners/: the list with its counts and overdue loans, a unit's page
with its loans, history and actions, the register and edit forms.

Every change goes through loaners.services; a refusal (ServiceError) is shown on the form that asked
for it. Staff only: the views need the loaners permissions, which no customer or dealer role holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts.scoping import can
from aftersales.core.errors import ServiceError
from aftersales.core.forms import save_form
from aftersales.core.services import record_restore, record_update
from aftersales.core.views import paginate, require_perm

from . import services
from .choices import STATE_BADGE, TRANSITIONS, EventKind, LoanerState
from .forms import (
    ExtendForm,
    LendForm,
    LoanerFilterForm,
    LoanerForm,
    NoteForm,
    RetireForm,
    ReturnForm,
)
from .models import Loaner
from .selectors import (
    current_loan,
    loaner_get_for,
    loaner_history,
    loaner_list,
    loaner_loans,
    loaner_state_counts,
    loans_overdue,
)

VIEW = "loaners.view_loaner"

# ---------------------------------------------------------------- the list


@require_perm(VIEW)
@require_GET
def loaner_list_view(request):
    user, today = request.user, timezone.localdate()
    form = LoanerFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    page, query = paginate(request, loaner_list(actor=user, filters=filters, today=today))
    for loaner in page.object_list:
        loaner.loan = current_loan(loaner)
        loaner.badge = STATE_BADGE.get(loaner.state, "grey")
        loaner.late_days = loaner.loan.days_overdue(today) if loaner.loan else 0
    counts = loaner_state_counts(actor=user)
    base = reverse("loaner-list")
    views = [("", _("All"), sum(counts.values()), base)]
    views += [(state, label, counts[state], f"{base}?state={state}") for state, label in LoanerState.choices]
    overdue_count = loans_overdue(actor=user, today=today).count()
    current = "overdue" if filters.get("overdue") else filters.get("state", "")
    return render(request, "loaners/list.html", {
        "page": page, "query": query, "form": form, "views": views, "current": current,
        "overdue_count": overdue_count, "overdue_url": f"{base}?overdue=on",
    })


# ---------------------------------------------------------------- one unit and its actions


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    kind: str  # the event: its start states are those of choices.TRANSITIONS
    form_class: type
    run: Callable
    done: str
    permission: str


ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action("lend", gettext_lazy("Lend"), EventKind.LENT, LendForm,
           lambda unit, u, d: services.loaner_lend(
               actor=u, loaner=unit, customer=d["customer"], service_request=d["service_request"], reason=d["reason"],
               due_back=d["due_back"], received_by=d["received_by"], note=d["note"]),
           gettext_lazy("Lent."), "loaners.add_loan"),
    Action("extend", gettext_lazy("Extend the loan"), EventKind.EXTENDED, ExtendForm,
           lambda unit, u, d: services.loaner_extend(actor=u, loaner=unit, due_back=d["due_back"], note=d["note"]),
           gettext_lazy("The loan is extended."), "loaners.change_loan"),
    Action("return", gettext_lazy("Take back"), EventKind.RETURNED, ReturnForm,
           lambda unit, u, d: services.loaner_return(actor=u, loaner=unit, condition=d["condition"], note=d["note"]),
           gettext_lazy("Taken back; the loan is closed."), "loaners.change_loan"),
    Action("send-to-repair", gettext_lazy("Send to repair"), EventKind.REPAIR_SENT, NoteForm,
           lambda unit, u, d: services.loaner_repair_send(actor=u, loaner=unit, note=d["note"]),
           gettext_lazy("Sent to repair."), "loaners.change_loaner"),
    Action("back-from-repair", gettext_lazy("Back from repair"), EventKind.REPAIR_BACK, NoteForm,
           lambda unit, u, d: services.loaner_repair_back(actor=u, loaner=unit, note=d["note"]),
           gettext_lazy("Back in store."), "loaners.change_loaner"),
    Action("retire", gettext_lazy("Retire"), EventKind.RETIRED, RetireForm,
           lambda unit, u, d: services.loaner_retire(actor=u, loaner=unit, reason=d["reason"]),
           gettext_lazy("Retired."), "loaners.change_loaner"),
]}


@dataclass(frozen=True)
class ActionView:
    action: Action
    form: object
    url: str
    failed: bool = False


def _actions_for(request, loaner: Loaner, failed: tuple[Action, object] | None) -> list[ActionView]:
    if loaner.archived_at is not None:
        return []
    views = []
    for action in ACTIONS.values():
        if not request.user.has_perm(action.permission):
            continue
        url = reverse(f"loaner-{action.name}", args=[loaner.pk])
        if failed is not None and failed[0] is action:
            views.append(ActionView(action=action, form=failed[1], url=url, failed=True))
        elif loaner.state in TRANSITIONS[action.kind][0]:
            initial = {}
            loan = current_loan(loaner)
            if action.name == "extend" and loan is not None:
                initial["due_back"] = loan.due_back
            if action.name == "lend" and request.GET.get("service_request"):  # from a work order's page
                initial["service_request"] = request.GET["service_request"][:20]
            views.append(ActionView(action=action, url=url, form=action.form_class(
                prefix=action.name, loaner=loaner, user=request.user, initial=initial)))
    return views


def _loaner_page(request, loaner: Loaner, *, failed=None):
    user, today = request.user, timezone.localdate()
    loan = current_loan(loaner)
    context = {
        "loaner": loaner, "loan": loan, "late_days": loan.days_overdue(today) if loan else 0,
        "state_badge": STATE_BADGE.get(loaner.state, "grey"),
        "loans": loaner_loans(loaner, actor=user),
        "history": loaner_history(loaner, actor=user),
        "actions": _actions_for(request, loaner, failed),
        "may_change": can(user, "change", loaner),
        "failed": failed[1] if failed else None,
    }
    return render(request, "loaners/detail.html", context)


@require_perm(VIEW)
@require_GET
def loaner_detail_view(request, pk: int):
    return _loaner_page(request, loaner_get_for(actor=request.user, pk=pk))


def _form_errors(form, exc: Exception) -> None:
    if isinstance(exc, ServiceError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, texts in errors.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


@require_perm(VIEW)
@require_POST
def loaner_action_view(request, pk: int, action: str):
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    loaner = loaner_get_for(actor=request.user, pk=pk)
    if not request.user.has_perm(spec.permission):
        raise PermissionDenied
    form = spec.form_class(request.POST, prefix=spec.name, loaner=loaner, user=request.user)
    if form.is_valid():
        try:
            spec.run(loaner, request.user, form.cleaned_data)
        except (ServiceError, ValidationError) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, str(spec.done))
            return redirect(loaner.get_absolute_url())
    loaner = loaner_get_for(actor=request.user, pk=pk)  # as it is now, not as the refused action left it
    return _loaner_page(request, loaner, failed=(spec, form))


@require_perm(VIEW)
@require_POST
def loaner_archive_view(request, pk: int):
    """Archive (or, with ``restore``, bring back) a unit's record; refused while it is lent."""
    loaner = loaner_get_for(actor=request.user, pk=pk)
    if not can(request.user, "change", loaner):
        raise PermissionDenied
    if request.POST.get("restore"):
        record_restore(instance=loaner, actor=request.user)
        messages.success(request, _("Restored."))
        return redirect(loaner.get_absolute_url())
    try:
        services.loaner_archive(actor=request.user, loaner=loaner)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Archived. It stays in the records and can be restored."))
    return redirect(loaner.get_absolute_url())


# ---------------------------------------------------------------- the unit's record


def loaner_create_view(request):
    return save_form(
        request, form_class=LoanerForm, title=_("Register a loaner"), cancel_url=reverse("loaner-list"),
        save=lambda data: services.loaner_register(actor=request.user, data=data),
    )


def loaner_edit_view(request, pk: int):
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    loaner = loaner_get_for(actor=request.user, pk=pk)
    return save_form(
        request, form_class=LoanerForm, instance=loaner, title=_("Change %(code)s") % {"code": loaner.code},
        cancel_url=loaner.get_absolute_url(),
        save=lambda data: record_update(instance=loaner, actor=request.user, data=data),
    )
