"""Pages of the tool store (SPEC P6): the tools with what the store holds, every technician's kit
with what it holds and what its holder owes, one kit or tool with its history and its actions,
and the open charges for finance.

Every change goes through toolkits.services; a refusal (ServiceError) is shown on the form that
asked for it. Actions are offered only to users whose roles may record them, and refused (403)
to the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts.scoping import scope
from aftersales.core.audit import history_for
from aftersales.core.errors import ServiceError
from aftersales.core.forms import save_form
from aftersales.core.services import record_create, record_update
from aftersales.core.views import paginate, require_perm

from . import selectors, services
from .choices import KIND_BADGE
from .forms import (
    BoughtForm,
    BrokenForm,
    IssueForm,
    KitFilterForm,
    LostForm,
    ReceiveForm,
    ReturnForm,
    ScrapForm,
    SettleForm,
    ToolFilterForm,
    ToolForm,
    ToolKitForm,
)
from .models import Tool, ToolEvent, ToolKit
from .permissions import (
    can_record_kit_events,
    can_record_store_events,
    can_settle_charges,
)

EVENTS_SHOWN = 100


def _always(_record) -> bool:
    return True


def _holds_tools(kit: ToolKit) -> bool:
    return any(line.quantity for line in kit.lines.all())


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    form_class: type
    run: Callable
    done: str
    available: Callable = field(default=_always)


KIT_ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action("issue", gettext_lazy("Issue tools"), IssueForm,
           lambda kit, user, args: services.tools_issue(actor=user, kit=kit, **args), gettext_lazy("Tools issued.")),
    Action("return", gettext_lazy("Return tools to the store"), ReturnForm,
           lambda kit, user, args: services.tools_return(actor=user, kit=kit, **args),
           gettext_lazy("Tools returned to the store."), available=_holds_tools),
    Action("lost", gettext_lazy("Lost (the holder pays)"), LostForm,
           lambda kit, user, args: services.tool_lost(actor=user, kit=kit, **args),
           gettext_lazy("Recorded as lost; the holder owes the amount."), available=_holds_tools),
    Action("broken", gettext_lazy("Broken: old for new"), BrokenForm,
           lambda kit, user, args: services.tool_broken(actor=user, kit=kit, **args),
           gettext_lazy("The broken tool is handed in and a new one issued."), available=_holds_tools),
    Action("bought", gettext_lazy("Bought on the road"), BoughtForm,
           lambda kit, user, args: services.tool_bought(actor=user, kit=kit, **args),
           gettext_lazy("The tool is in the store; the price is owed to the holder.")),
]}

TOOL_ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action("receive", gettext_lazy("Receive into the store"), ReceiveForm,
           lambda tool, user, args: services.tool_receive(actor=user, tool=tool, **args),
           gettext_lazy("Received into the store.")),
    Action("scrap", gettext_lazy("Scrap broken tools"), ScrapForm,
           lambda tool, user, args: services.tool_scrap(actor=user, tool=tool, **args), gettext_lazy("Scrapped."),
           available=lambda tool: tool.broken_quantity > 0),
]}


@dataclass(frozen=True)
class ActionView:
    action: Action
    form: object
    url: str
    failed: bool = False


def _action_views(actions: dict[str, Action], record, url_name: str, failed, *, form_kwargs: dict) -> list:
    views = []
    for action in actions.values():
        url = reverse(f"{url_name}-{action.name}", args=[record.pk])
        if failed is not None and failed[0] is action:
            views.append(ActionView(action=action, form=failed[1], url=url, failed=True))
        elif record.archived_at is None and action.available(record):
            views.append(ActionView(action=action, url=url,
                                    form=action.form_class(prefix=action.name, **form_kwargs)))
    return views


def _form_errors(form, exc: Exception) -> None:
    if isinstance(exc, ServiceError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, texts in errors.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


def _run(request, action: Action, record, form) -> bool:
    """Validate the action's form and call its service; False (and the reason on the form) if refused."""
    if not form.is_valid():
        return False
    try:
        action.run(record, request.user, form.arguments())
    except (ServiceError, ValidationError) as exc:
        _form_errors(form, exc)
        return False
    messages.success(request, str(action.done))
    return True


def _dress(request, events: list[ToolEvent]) -> list[ToolEvent]:
    """Each event with its badge colour and, for an open charge the user may settle, its form."""
    settle = can_settle_charges(request.user)
    for event in events:
        event.badge = KIND_BADGE.get(event.kind, "grey")
        event.settle_form = (SettleForm(prefix=f"settle-{event.pk}")
                             if settle and event.is_charge and not event.is_settled else None)
    return events


# ---------------------------------------------------------------- tools


@require_perm("toolkits.view_tool")
@require_GET
def tool_list_view(request):
    form = ToolFilterForm(request.GET or None)
    page, query = paginate(request, selectors.tool_list(actor=request.user, filters=form.filters()))
    return render(request, "toolkits/tools.html", {"page": page, "query": query, "filter_form": form})


@require_perm("toolkits.view_tool")
def tool_create_view(request):
    return save_form(request, form_class=ToolForm, title=_("New tool"), cancel_url=reverse("toolkits-tools"),
                     save=lambda data: record_create(model=Tool, actor=request.user, data=data))


@require_perm("toolkits.view_tool")
def tool_edit_view(request, pk: int):
    tool = selectors.tool_get_for(actor=request.user, pk=pk)
    return save_form(request, form_class=ToolForm, instance=tool, title=_("Change %(name)s") % {"name": tool},
                     cancel_url=tool.get_absolute_url(),
                     save=lambda data: record_update(instance=tool, actor=request.user, data=data))


def _tool_page(request, tool: Tool, *, failed=None):
    user = request.user
    events = _dress(request, list(selectors.tool_events(actor=user, tool=tool)[:EVENTS_SHOWN])) if user.has_perm(
        "toolkits.view_toolevent") else []
    actions = (_action_views(TOOL_ACTIONS, tool, "toolkits-tool", failed, form_kwargs={"tool": tool})
               if can_record_store_events(user) else [])
    context = {
        "tool": tool, "holding": selectors.kits_holding(actor=user, tool=tool) if user.has_perm(
            "toolkits.view_toolkit") else [],
        "events": events, "actions": actions, "failed": failed[1] if failed else None,
        "history": history_for(tool)[:50] if user.has_perm("core.view_auditevent") else [],
    }
    return render(request, "toolkits/tool.html", context)


@require_perm("toolkits.view_tool")
@require_GET
def tool_detail_view(request, pk: int):
    return _tool_page(request, selectors.tool_get_for(actor=request.user, pk=pk))


@require_perm("toolkits.change_tool")
@require_POST
def tool_action_view(request, pk: int, action: str):
    spec = TOOL_ACTIONS.get(action)
    if spec is None:
        raise Http404
    if not can_record_store_events(request.user):
        raise PermissionDenied
    tool = selectors.tool_get_for(actor=request.user, pk=pk)
    form = spec.form_class(request.POST, prefix=spec.name, tool=tool)
    if _run(request, spec, tool, form):
        return redirect(tool.get_absolute_url())
    return _tool_page(request, selectors.tool_get_for(actor=request.user, pk=pk), failed=(spec, form))


# ---------------------------------------------------------------- kits


@require_perm("toolkits.view_toolkit")
@require_GET
def kit_list_view(request):
    user = request.user
    form = KitFilterForm(request.GET or None)
    page, query = paginate(request, selectors.kit_list(actor=user, filters=form.filters()))
    for kit in page.object_list:
        kit.value = selectors.kit_value(kit)
    context = {"page": page, "query": query, "filter_form": form,
               "holds_a_kit": scope(ToolKit.objects.filter(holder=user, archived_at__isnull=True), user).exists()}
    return render(request, "toolkits/kits.html", context)


@require_perm("toolkits.view_toolkit")
def kit_create_view(request):
    return save_form(request, form_class=ToolKitForm, title=_("New tool kit"), cancel_url=reverse("toolkits-kits"),
                     save=lambda data: record_create(model=ToolKit, actor=request.user, data=data))


@require_perm("toolkits.view_toolkit")
def kit_edit_view(request, pk: int):
    kit = selectors.kit_get_for(actor=request.user, pk=pk)
    return save_form(request, form_class=ToolKitForm, instance=kit, title=_("Change %(name)s") % {"name": kit},
                     cancel_url=kit.get_absolute_url(),
                     save=lambda data: record_update(instance=kit, actor=request.user, data=data))


def _kit_page(request, kit: ToolKit, *, failed=None):
    user = request.user
    events = _dress(request, list(selectors.kit_events(actor=user, kit=kit)[:EVENTS_SHOWN])) if user.has_perm(
        "toolkits.view_toolevent") else []
    actions = (_action_views(KIT_ACTIONS, kit, "toolkits-kit", failed, form_kwargs={"kit": kit})
               if can_record_kit_events(user) else [])
    context = {
        "kit": kit, "lines": list(kit.lines.all()), "value": selectors.kit_value(kit), "events": events,
        "actions": actions, "failed": failed[1] if failed else None, "back": "kit",
        "history": history_for(kit)[:50] if user.has_perm("core.view_auditevent") else [],
    }
    return render(request, "toolkits/kit.html", context)


@require_perm("toolkits.view_toolkit")
@require_GET
def kit_detail_view(request, pk: int):
    return _kit_page(request, selectors.kit_get_for(actor=request.user, pk=pk))


@require_perm("toolkits.change_toolkit")
@require_POST
def kit_action_view(request, pk: int, action: str):
    spec = KIT_ACTIONS.get(action)
    if spec is None:
        raise Http404
    if not can_record_kit_events(request.user):
        raise PermissionDenied
    kit = selectors.kit_get_for(actor=request.user, pk=pk)
    form = spec.form_class(request.POST, prefix=spec.name, kit=kit)
    if _run(request, spec, kit, form):
        return redirect(kit.get_absolute_url())
    return _kit_page(request, selectors.kit_get_for(actor=request.user, pk=pk), failed=(spec, form))


# ---------------------------------------------------------------- charges


@require_perm("toolkits.view_toolevent")
@require_GET
def charges_view(request):
    """Open charges: lost tools the holders have not paid for, tools bought on the road not paid back."""
    user = request.user
    events = _dress(request, list(selectors.open_charges(actor=user)))
    context = {"by_holder": selectors.charges_by_holder(actor=user), "events": events}
    return render(request, "toolkits/charges.html", context)


@require_perm("toolkits.change_toolevent")
@require_POST
def event_settle_view(request, pk: int):
    if not can_settle_charges(request.user):
        raise PermissionDenied
    event = scope(ToolEvent.objects.select_related("kit"), request.user).filter(pk=pk).first()
    if event is None:
        raise Http404
    form = SettleForm(request.POST, prefix=f"settle-{event.pk}")
    if not form.is_valid():
        messages.error(request, _("Not settled: the note is too long."))
    else:
        try:
            services.tool_event_settle(actor=request.user, event=event, note=form.cleaned_data["note"])
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Settled."))
    if request.POST.get("back") == "kit" and event.kit_id:
        return redirect(event.kit.get_absolute_url())
    return redirect("toolkits-charges")
