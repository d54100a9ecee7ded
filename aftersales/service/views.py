"""Pages of the service desk: intake, the queue and the request's page with its actions.

Every change goes through aftersales.service.services; a refusal (ServiceError) is shown on the
form that asked for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.accounts.scoping import can, scope
from aftersales.core.downloads import attachment_headers
from aftersales.core.errors import ServiceError
from aftersales.core.uploads import CheckedFile, check_upload
from aftersales.core.views import paginate, require_perm
from aftersales.customers.models import Customer
from aftersales.workorders.selectors import request_reports, request_work_orders

from . import emergency, notify, services
from .choices import OPEN_STATES, RequestType, State, TimelineKind
from .forms import (
    ATTACHMENT_TYPES,
    ArriveForm,
    AssignForm,
    CloseForm,
    EmergencyConsentForm,
    EmergencyDepartForm,
    EmergencyExceptionForm,
    EmergencyPlanForm,
    EscalateForm,
    IntakeForm,
    LogCallForm,
    NoFieldsForm,
    PauseForm,
    QueueFilterForm,
    ReasonForm,
    ReclassifyForm,
    ReportForm,
    ResolveForm,
)
from .models import Notice, RequestAttachment, ServiceRequest, TimelineEntry
from .selectors import (
    LOOKUP_MIN_LENGTH,
    SEVERITY_BADGE,
    STATE_BADGE,
    attachment_get_for,
    intake_asset,
    intake_candidates,
    intake_context,
    intake_customer,
    queue_rows,
    request_attachments,
    request_clocks,
    request_get_for,
    request_queue,
    request_timeline,
)

# ---------------------------------------------------------------- the queue


QUEUE_COUNT_CAP = 10_000  # the queue counts this many open requests at most (see CappedPaginator)
QUEUE_PAGE_SIZE = 30


def _queue_context(request) -> dict:
    user = request.user
    form = QueueFilterForm(request.GET or None, user=user)
    filters = form.filters() if form.is_bound else {}
    now = timezone.now()
    page, query = paginate(request, request_queue(actor=user, filters=filters, now=now),
                           QUEUE_PAGE_SIZE, count_cap=QUEUE_COUNT_CAP)
    page.object_list = queue_rows(page.object_list, now=now)
    customer = None
    if filters.get("customer"):
        customer = scope(Customer.objects.all(), user).filter(pk=filters["customer"]).first()
    base = reverse("service-queue")
    views = [("", _("All open"))] + [(v, label) for v, label in form.fields["view"].choices if v]
    return {
        "page": page, "query": query, "form": form, "filter_customer": customer,
        "view": filters.get("view", ""), "saved_views": [(v, str(label), f"{base}?view={v}" if v else base)
                                                         for v, label in views],
        "refresh_url": f"{reverse('service-queue-rows')}?{request.GET.urlencode()}",
    }


@require_perm("service.view_servicerequest")
@require_GET
def queue_view(request):
    return render(request, "service/queue.html", _queue_context(request))


@require_perm("service.view_servicerequest")
@require_GET
def queue_rows_view(request):
    """The queue's list alone: the page fetches it every 30 seconds."""
    return render(request, "service/_queue_rows.html", _queue_context(request))


# ---------------------------------------------------------------- intake


def _party_initial(params, user) -> dict:
    """The form's customer, site, unit and caller from the lookup's choice (GET parameters);
    what the desk already typed wins over what the lookup suggests."""
    customer = intake_customer(actor=user, pk=params.get("customer"))
    asset = intake_asset(actor=user, customer=customer, pk=params.get("asset"))
    initial = {
        "customer": customer, "asset": asset,
        "reporter_name": params.get("reporter_name") or params.get("suggest_name", ""),
        "reporter_phone": params.get("reporter_phone") or params.get("suggest_phone", ""),
    }
    site = params.get("site")
    initial["site"] = asset.site_id if asset else (int(site) if str(site or "").isdigit() else None)
    return initial


def _intake_panel(user, customer, asset):
    if customer is None:
        return None
    return intake_context(actor=user, customer=customer, asset=asset, today=timezone.localdate())


@require_perm("service.add_servicerequest")
@require_http_methods(["GET", "POST"])
def intake_view(request):
    user = request.user
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            saved = _register(request, form)
            if saved is not None:
                messages.success(request, _("Request %(number)s is registered.") % {"number": saved.number})
                return redirect(saved.get_absolute_url())
        asset = intake_asset(actor=user, customer=form.chosen_customer, pk=request.POST.get("asset"))
    else:
        initial = _party_initial(request.GET, user)
        form = IntakeForm(initial=initial, user=user)
        asset = initial["asset"]
    q = request.GET.get("q", "").strip()
    context = {
        "form": form, "q": q, "searched": len(q) >= LOOKUP_MIN_LENGTH,
        "panel": _intake_panel(user, form.chosen_customer, asset),
        "candidates": intake_candidates(actor=user, text=q) if q else [],
    }
    return render(request, "service/intake.html", context)


@require_perm("service.add_servicerequest")
@require_GET
def intake_lookup_view(request):
    q = request.GET.get("q", "").strip()
    return render(request, "service/_intake_candidates.html", {
        "searched": len(q) >= LOOKUP_MIN_LENGTH, "candidates": intake_candidates(actor=request.user, text=q)})


@require_perm("service.add_servicerequest")
@require_GET
def intake_context_view(request):
    """The chosen customer (and unit): what the desk sees before saving, and the form's customer,
    site, unit and caller fields to match (swapped in out of band)."""
    initial = _party_initial(request.GET, request.user)
    form = IntakeForm(initial=initial, user=request.user)
    return render(request, "service/_intake_context.html", {
        "form": form, "panel": _intake_panel(request.user, form.chosen_customer, initial["asset"]), "oob": True})


def _form_errors(form, exc: Exception) -> None:
    if isinstance(exc, ServiceError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, texts in errors.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


def _register(request, form: IntakeForm) -> ServiceRequest | None:
    """request_register and the attachments in one transaction: all of it is saved, or nothing."""
    checked: list[CheckedFile] = []
    for upload in form.cleaned_data.get("attachments") or []:
        try:
            checked.append(check_upload(upload, allowed=ATTACHMENT_TYPES))
        except ServiceError as exc:
            form.add_error("attachments", _("%(name)s: %(message)s") % {"name": upload.name, "message": exc.message})
    if form.errors:
        return None
    written: list[RequestAttachment] = []
    try:
        with transaction.atomic():
            saved = services.request_register(actor=request.user, data=form.service_data())
            _attachments_add(request=saved, actor=request.user, files=checked, written=written)
    except (ServiceError, ValidationError) as exc:
        _discard(written)
        _form_errors(form, exc)
        return None
    except BaseException:
        _discard(written)
        raise
    return saved


def _attachments_add(*, request: ServiceRequest, actor, files: list[CheckedFile],
                     written: list[RequestAttachment]) -> None:
    """Store checked files under random names (RequestAttachment.file's upload_to) and note them on
    the timeline; ``written`` collects what reached the storage, for the caller to remove on failure.
    (A write: to move into services.py as request_attachments_add.)"""
    for checked in files:
        attachment = RequestAttachment(request=request, original_name=checked.original_name,
                                       content_type=checked.content_type, size=len(checked.content),
                                       uploaded_by=actor)
        attachment.file.save(f"upload.{checked.extension}", ContentFile(checked.content), save=False)
        written.append(attachment)
        attachment.full_clean()
        attachment.save()
    if files:
        TimelineEntry.objects.create(request=request, actor=actor, kind=TimelineKind.ATTACHMENT,
                                     text="、".join(f.original_name for f in files), data={"count": len(files)})


def _discard(written: list[RequestAttachment]) -> None:
    for attachment in written:
        attachment.file.delete(save=False)


# ---------------------------------------------------------------- one request and its actions


def _any(_request) -> bool:
    return True


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    states: frozenset
    form_class: type
    run: Callable
    done: str
    available: Callable[[ServiceRequest], bool] = field(default=_any)
    permission: str | None = None  # needed on top of changing requests (the emergency plan's steps)


CHANGE_PLAN = emergency.CHANGE_PERMISSION


def _plan_stage(sr: ServiceRequest) -> str:
    """Where the emergency flow stands: none, written, agreed, approved, departed."""
    plan = emergency.plan_of(sr)
    if plan is None:
        return "none"
    if plan.departed_at:
        return "departed"
    if plan.approved_at:
        return "approved"
    return "agreed" if plan.consent_at else "written"


WORKING = frozenset({State.NEW, State.ACKNOWLEDGED, State.IN_PROGRESS})
OPEN = frozenset(OPEN_STATES)
ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action("acknowledge", gettext_lazy("Acknowledge"), frozenset({State.NEW}), NoFieldsForm,
           lambda r, u, d: services.request_acknowledge(request=r, actor=u), gettext_lazy("Acknowledged.")),
    Action("start", gettext_lazy("Start work"), frozenset({State.NEW, State.ACKNOWLEDGED}), NoFieldsForm,
           lambda r, u, d: services.request_start(request=r, actor=u), gettext_lazy("Work started.")),
    Action("resume", gettext_lazy("Resume: the customer answered"), frozenset({State.WAITING}), NoFieldsForm,
           lambda r, u, d: services.request_resume(request=r, actor=u), gettext_lazy("Clocks resumed.")),
    Action("log-call", gettext_lazy("Log a call"), OPEN, LogCallForm,
           lambda r, u, d: services.request_log_call(request=r, actor=u, text=d["text"]),
           gettext_lazy("The call is logged.")),
    Action("assign", gettext_lazy("Assign"), OPEN, AssignForm,
           lambda r, u, d: services.request_assign(request=r, actor=u, assignee=d["assignee"]),
           gettext_lazy("Assigned.")),
    Action("pause", gettext_lazy("Wait for the customer"), WORKING, PauseForm,
           lambda r, u, d: services.request_pause(request=r, actor=u, reason=d["reason"]),
           gettext_lazy("Clocks paused while waiting for the customer.")),
    Action("escalate", gettext_lazy("Escalate to a senior engineer"), WORKING, EscalateForm,
           lambda r, u, d: services.request_escalate(request=r, actor=u, engineer=d["engineer"]),
           gettext_lazy("Escalated to a senior engineer."), available=lambda r: r.escalated_at is None),
    Action("arrive", gettext_lazy("Technician on site"), OPEN, ArriveForm,
           lambda r, u, d: services.request_arrive(request=r, actor=u, senior=d.get("senior", False)),
           gettext_lazy("Arrival on site recorded.")),
    Action("resolve", gettext_lazy("Resolve"), WORKING, ResolveForm,
           lambda r, u, d: services.request_resolve(request=r, actor=u, resolution=d["resolution"],
                                                    remote_method=d["remote_method"]),
           gettext_lazy("Resolved.")),
    Action("report", gettext_lazy("File the problem report"), frozenset({State.RESOLVED, State.CLOSED}),
           ReportForm, lambda r, u, d: services.request_file_report(request=r, actor=u, text=d["text"]),
           gettext_lazy("The problem report is filed."), available=lambda r: r.report_filed_at is None),
    Action("close", gettext_lazy("Close"), frozenset({State.RESOLVED}), CloseForm,
           lambda r, u, d: services.request_close(request=r, actor=u, confirmed=d["confirmed"], reason=d["reason"]),
           gettext_lazy("Closed.")),
    Action("reopen", gettext_lazy("Reopen"), frozenset({State.RESOLVED, State.CLOSED}), ReasonForm,
           lambda r, u, d: services.request_reopen(request=r, actor=u, reason=d["reason"]),
           gettext_lazy("Reopened.")),
    Action("reclassify", gettext_lazy("Change severity or type"), OPEN, ReclassifyForm,
           lambda r, u, d: services.request_reclassify(request=r, actor=u, severity=d["severity"],
                                                       request_type=d["request_type"]),
           gettext_lazy("Severity and type saved; the clocks are recomputed.")),
    Action("cancel", gettext_lazy("Cancel the request"), OPEN, ReasonForm,
           lambda r, u, d: services.request_cancel(request=r, actor=u, reason=d["reason"]),
           gettext_lazy("Cancelled.")),
    # emergencies (SPEC §6): plan, the customer's consent, the director's approval, departure, exceptions
    Action("emergency-plan", gettext_lazy("Emergency plan"), OPEN, EmergencyPlanForm,
           lambda r, u, d: emergency.plan_write(request=r, actor=u, data=d), gettext_lazy("Emergency plan saved."),
           available=lambda r: r.request_type == RequestType.EMERGENCY and _plan_stage(r) in ("none", "written",
                                                                                               "agreed"),
           permission=CHANGE_PLAN),
    Action("emergency-consent", gettext_lazy("The customer agreed to the plan"), OPEN, EmergencyConsentForm,
           lambda r, u, d: emergency.plan_consent(request=r, actor=u, consent_by=d["consent_by"],
                                                  at=d["consent_at"]),
           gettext_lazy("The customer's consent is recorded."), available=lambda r: _plan_stage(r) == "written",
           permission=CHANGE_PLAN),
    Action("emergency-approve", gettext_lazy("Approve the emergency plan"), OPEN, NoFieldsForm,
           lambda r, u, d: emergency.plan_approve(request=r, actor=u), gettext_lazy("Emergency plan approved."),
           available=lambda r: _plan_stage(r) == "agreed", permission=emergency.APPROVE_PERMISSION),
    Action("emergency-depart", gettext_lazy("The team leaves: tell the customer"), OPEN, EmergencyDepartForm,
           lambda r, u, d: emergency.plan_depart(request=r, actor=u, expected_arrival=d["expected_arrival"]),
           gettext_lazy("Departure recorded; the message to the customer is on the timeline."),
           available=lambda r: _plan_stage(r) == "approved", permission=CHANGE_PLAN),
    Action("emergency-exception", gettext_lazy("Record an exception"), OPEN, EmergencyExceptionForm,
           lambda r, u, d: emergency.plan_exception(request=r, actor=u, kind=d["kind"], note=d["note"]),
           gettext_lazy("Exception recorded."), available=lambda r: _plan_stage(r) != "none",
           permission=CHANGE_PLAN),
]}


@dataclass(frozen=True)
class ActionView:
    action: Action
    form: object
    url: str
    failed: bool = False

    @property
    def has_fields(self) -> bool:
        return bool(self.form.fields)


def _actions_for(request, sr: ServiceRequest, failed: tuple[Action, object] | None) -> list[ActionView]:
    if request.user.is_external or not can(request.user, "change", sr):
        return []
    views = []
    for action in ACTIONS.values():
        if action.permission and not request.user.has_perm(action.permission):
            continue
        url = reverse(f"service-request-{action.name}", args=[sr.pk])
        if failed is not None and failed[0] is action:
            views.append(ActionView(action=action, form=failed[1], url=url, failed=True))
        elif sr.state in action.states and action.available(sr):
            views.append(ActionView(action=action, url=url,
                                    form=action.form_class(prefix=action.name, service_request=sr)))
    return views


def _request_page(request, sr: ServiceRequest, *, failed=None):
    now = timezone.now()
    user = request.user
    context = {
        "req": sr, "now": now, "internal": not user.is_external,
        "severity_badge": SEVERITY_BADGE.get(sr.severity, "grey"), "state_badge": STATE_BADGE.get(sr.state, "grey"),
        "clocks": request_clocks(sr, now=now),
        "timeline": request_timeline(sr, actor=user),
        "attachments": request_attachments(sr, actor=user),
        "actions": _actions_for(request, sr, failed),
        "emergency_plan": emergency.plan_of(sr) if user.has_perm("service.view_emergencyplan") else None,
        "plan_stage": _plan_stage(sr),
        "failed": failed[1] if failed else None,
        "work_orders": request_work_orders(actor=user, request=sr) if user.has_perm("workorders.view_workorder")
        else [],
        "reports": request_reports(actor=user, request=sr) if user.is_external else [],
    }
    return render(request, "service/request.html", context)


@require_perm("service.view_servicerequest")
@require_GET
def request_view(request, pk: int):
    return _request_page(request, request_get_for(actor=request.user, pk=pk))


@require_perm("service.change_servicerequest")
@require_POST
def request_action_view(request, pk: int, action: str):
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    sr = request_get_for(actor=request.user, pk=pk)
    if request.user.is_external or not can(request.user, "change", sr):
        raise PermissionDenied
    if spec.permission and not request.user.has_perm(spec.permission):
        raise PermissionDenied
    form = spec.form_class(request.POST, prefix=spec.name, service_request=sr)
    if form.is_valid():
        try:
            spec.run(sr, request.user, form.cleaned_data)
        except (ServiceError, ValidationError) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, str(spec.done))
            return redirect(sr.get_absolute_url())
    sr = request_get_for(actor=request.user, pk=pk)  # as it is now, not as the refused action left it
    return _request_page(request, sr, failed=(spec, form))


@require_perm("service.view_servicerequest")
@require_GET
def attachment_download_view(request, pk: int):
    attachment = attachment_get_for(actor=request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="application/octet-stream")
    for name, value in attachment_headers(attachment.original_name).items():
        response[name] = value
    return response


# ---------------------------------------------------------------- escalation notices (in-app)


def _staff(request) -> None:
    if request.user.is_external:  # notices go to staff: customers and dealers have none
        raise PermissionDenied


@require_GET
def notices_view(request):
    """The user's escalation notices, newest first, unread ones marked."""
    _staff(request)
    notices = (Notice.objects.filter(recipient=request.user)
               .select_related("clock__request__customer", "rule").order_by("-created_at", "-id"))
    page, query = paginate(request, notices)
    return render(request, "service/notices.html", {"page": page, "query": query})


@require_POST
def notice_read_view(request, pk: int):
    """Mark one of the user's notices read and open its request."""
    _staff(request)
    notice = Notice.objects.select_related("clock__request").filter(pk=pk, recipient=request.user).first()
    if notice is None:
        raise Http404
    notify.notice_mark_read(notice=notice, user=request.user)
    return redirect(notice.clock.request.get_absolute_url())


@require_POST
def notices_read_all_view(request):
    _staff(request)
    count = notify.notices_mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notices marked read.") % {"count": count})
    return redirect("service-notices")
