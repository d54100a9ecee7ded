"""The dispatch board (派工看板, SPEC D1, D6-D8): technicians by day with their work orders, the open
requests waiting for someone, the delay reasons past due and the loaners not brought back.

Every member of staff may look (``workorders.view_workorder``); dispatchers
(``workorders.add_workorder``) get a form per waiting request (assign: services.workorder_create)
and per planned work order (move: services.workorder_plan). The board's reads are built here with a
fixed number of queries whatever the number of rows; the writes are the services' and their
refusals come back as messages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts.roles import Role
from aftersales.accounts.scoping import scope
from aftersales.core.errors import ServiceError
from aftersales.core.views import require_perm
from aftersales.service.choices import OPEN_STATES
from aftersales.service.models import ServiceRequest
from aftersales.service.selectors import SEVERITY_BADGE
from aftersales.service.selectors import STATE_BADGE as REQUEST_STATE_BADGE

from . import selectors, services
from .choices import OPEN_WORK, STATE_BADGE, WorkOrderState
from .models import WorkOrder

VIEW_PERMISSION = "workorders.view_workorder"
#: The roles whose people are the board's rows (SPEC §1: who is sent).
FIELD_ROLES = (Role.TECHNICIAN, Role.SENIOR_ENGINEER, Role.PROJECT_MANAGER)
#: The waiting list shows this many requests at most, soonest due first (the rest wait below the fold).
WAITING_LIMIT = 60
DEFAULT_START = dt.time(9, 0)
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


# ---------------------------------------------------------------- reads


def board_day(value: str | None) -> dt.date:
    """The board's day from ``?day=YYYY-MM-DD``; today when missing or not a date."""
    try:
        return dt.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def field_staff() -> QuerySet:
    """Our active people with a technician, senior engineer or project manager role."""
    return (get_user_model().objects.filter(is_active=True, customer__isnull=True, dealer__isnull=True,
                                            groups__name__in=[str(r) for r in FIELD_ROLES])
            .distinct().order_by("display_name", "username"))


def dispatchable_staff() -> QuerySet:
    """Whom the forms accept: any active member of staff (the service checks it again)."""
    return get_user_model().objects.filter(is_active=True, customer__isnull=True, dealer__isnull=True)


def day_work_orders(*, actor, day: dt.date) -> QuerySet:
    """The work orders planned that day (void ones left out), in planned order."""
    start, end = _day_bounds(day)
    return (scope(WorkOrder.objects.filter(planned_start__gte=start, planned_start__lt=end), actor)
            .exclude(state=WorkOrderState.VOID)
            .select_related("request__customer", "request__site", "technician")
            .prefetch_related("team").order_by("planned_start", "sequence"))


def waiting_requests(*, actor) -> QuerySet:
    """Open requests without an open work order (nobody planned, on the way or on site), soonest
    due first: whom nobody is sent to yet, including those whose last visit ended unfinished."""
    open_work = WorkOrder.objects.filter(request=OuterRef("pk"), state__in=OPEN_WORK)
    return (scope(ServiceRequest.objects.filter(state__in=OPEN_STATES, archived_at__isnull=True), actor)
            .exclude(Exists(open_work))
            .select_related("customer", "site", "asset__product_model", "asset__project__project_manager")
            .order_by(F("next_due_at").asc(nulls_last=True), "reported_at", "id"))


def delay_overdue_work_orders(*, actor, now: dt.datetime) -> QuerySet:
    return (selectors.delay_overdue(scope(WorkOrder.objects.all(), actor), now=now)
            .select_related("request__customer", "technician").order_by("delay_due_at", "sequence"))


def overdue_loans(*, actor, today: dt.date) -> list | None:
    """Loaners past their due date (SPEC D6), or None when the loaner pool is not there or not the
    actor's to read."""
    if not actor.has_perm("loaners.view_loan"):
        return None
    try:
        from aftersales.loaners.selectors import loans_overdue
    except ImportError:  # the loaner pool app is not installed
        return None
    loans = list(loans_overdue(actor=actor, today=today))
    for loan in loans:
        loan.late_days = loan.days_overdue(today)
    return loans


@dataclass
class Job:
    work_order: WorkOrder
    as_team: bool = False  # the row's person goes along with another technician

    @property
    def badge(self) -> str:
        return STATE_BADGE.get(self.work_order.state, "grey")

    @property
    def ends_at(self) -> dt.datetime:
        return self.work_order.planned_start + dt.timedelta(minutes=self.work_order.planned_minutes)

    @property
    def movable(self) -> bool:
        return not self.as_team and self.work_order.state == WorkOrderState.PLANNED

    @property
    def planned_input(self) -> str:
        return timezone.localtime(self.work_order.planned_start).strftime(DATETIME_INPUT)


@dataclass
class TechnicianRow:
    person: object
    jobs: list[Job] = field(default_factory=list)
    minutes: int = 0  # planned minutes of their own jobs

    @property
    def load_text(self) -> str:
        hours, minutes = divmod(self.minutes, 60)
        return _("%(hours)d h %(minutes)02d min planned") % {"hours": hours, "minutes": minutes}


@dataclass
class WaitingRow:
    request: ServiceRequest
    proposal: object | None  # the project's own project manager (SPEC D7) when still with us
    manager_left: object | None  # the project manager who has left: whoever goes must be briefed
    review_missing: bool  # SPEC D8: the technical department's review comes first

    @property
    def severity_badge(self) -> str:
        return SEVERITY_BADGE.get(self.request.severity, "grey")

    @property
    def state_badge(self) -> str:
        return REQUEST_STATE_BADGE.get(self.request.state, "grey")

    def overdue(self, now: dt.datetime) -> bool:
        return bool(self.request.next_due_at and self.request.next_due_at < now)


def technician_rows(people: list, work_orders: list[WorkOrder]) -> list[TechnicianRow]:
    """One row per person of the field roles, and per other person who has a job that day; a team
    member sees the job in their row too."""
    rows: dict[int, TechnicianRow] = {p.pk: TechnicianRow(person=p) for p in people}
    for work_order in work_orders:
        row = rows.setdefault(work_order.technician_id, TechnicianRow(person=work_order.technician))
        row.jobs.append(Job(work_order))
        row.minutes += work_order.planned_minutes
        for member in work_order.team.all():
            rows.setdefault(member.pk, TechnicianRow(person=member)).jobs.append(Job(work_order, as_team=True))
    return list(rows.values())


def waiting_rows(requests: list[ServiceRequest]) -> list[WaitingRow]:
    rows = []
    for request in requests:
        manager = services.project_manager_of(request)
        active = manager is not None and manager.is_active and not manager.is_external
        rows.append(WaitingRow(request=request, proposal=manager if active else None,
                               manager_left=manager if manager is not None and not active else None,
                               review_missing=services.review_missing(request)))
    return rows


def default_start(day: dt.date, now: dt.datetime) -> dt.datetime:
    """What the assign form proposes: 09:00 of the day, or the next full hour when that is later
    the same day."""
    start = timezone.make_aware(dt.datetime.combine(day, DEFAULT_START))
    local_now = timezone.localtime(now)
    if local_now.date() == day and local_now >= start:
        next_hour = local_now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        if next_hour.date() == day:
            return next_hour
    return start


# ---------------------------------------------------------------- the board


def _board_url(day: dt.date) -> str:
    return f"{reverse('workorder-board')}?{urlencode({'day': day.isoformat()})}"


@require_perm(VIEW_PERMISSION)
@require_GET
def board_view(request):
    user = request.user
    if user.is_external:
        raise PermissionDenied
    day = board_day(request.GET.get("day"))
    now = timezone.now()
    people = list(field_staff())
    work_orders = list(day_work_orders(actor=user, day=day))
    waiting = list(waiting_requests(actor=user)[:WAITING_LIMIT + 1])
    rows = waiting_rows(waiting[:WAITING_LIMIT])
    choices = list(people)
    known = {p.pk for p in choices}
    # a proposed project manager, or a job's technician, with no field role is still offered
    for person in [row.proposal for row in rows] + [wo.technician for wo in work_orders]:
        if person is not None and person.pk not in known:
            choices.append(person)
            known.add(person.pk)
    context = {
        "day": day, "today": timezone.localdate(), "now": now,
        "prev_url": _board_url(day - dt.timedelta(days=1)), "next_url": _board_url(day + dt.timedelta(days=1)),
        "today_url": _board_url(timezone.localdate()),
        "technician_rows": technician_rows(people, work_orders),
        "job_count": len(work_orders),
        "waiting": rows, "waiting_more": len(waiting) > WAITING_LIMIT, "waiting_limit": WAITING_LIMIT,
        "delay_overdue": list(delay_overdue_work_orders(actor=user, now=now)),
        "overdue_loans": overdue_loans(actor=user, today=timezone.localdate()),
        "can_dispatch": services.is_dispatcher(user),
        "choices": [(person.pk, str(person)) for person in choices],  # (id, name): whom a form may name
        "start_input": default_start(day, now).strftime(DATETIME_INPUT),
    }
    return render(request, "workorders/board/board.html", context)


# ---------------------------------------------------------------- assign and move


class _DispatchForm(forms.Form):
    technician = forms.ModelChoiceField(label=gettext_lazy("Technician"), queryset=dispatchable_staff())
    planned_start = forms.DateTimeField(label=gettext_lazy("Planned start"),
                                        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
    planned_minutes = forms.IntegerField(label=gettext_lazy("Planned time (minutes)"), min_value=15,
                                         max_value=60 * 24 * 7, required=False)
    briefing = forms.CharField(label=gettext_lazy("Briefing"), required=False, widget=forms.Textarea)
    day = forms.DateField(required=False)


class AssignForm(_DispatchForm):
    instructions = forms.CharField(label=gettext_lazy("Instructions"), required=False, widget=forms.Textarea)


class PlanForm(_DispatchForm):
    pass


def _return_day(request) -> dt.date:
    return board_day(request.POST.get("day"))


def _refuse(request, form: forms.Form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, _("%(name)s: %(message)s") % {"name": label, "message": error} if label
                           else error)


def _planned(request, work_order: WorkOrder) -> None:
    messages.success(request, _("Work order %(number)s: %(technician)s, %(when)s.") % {
        "number": work_order.number, "technician": work_order.technician,
        "when": timezone.localtime(work_order.planned_start).strftime("%Y-%m-%d %H:%M")})


@require_perm(services.DISPATCH_PERMISSION)
@require_POST
def board_assign_view(request, pk: int):
    """派工 from the board: a work order for a waiting request."""
    if request.user.is_external:
        raise PermissionDenied
    service_request = get_object_or_404(scope(ServiceRequest.objects.all(), request.user), pk=pk)
    form = AssignForm(request.POST)
    day = _return_day(request)
    if not form.is_valid():
        _refuse(request, form)
        return redirect(_board_url(day))
    data = form.cleaned_data
    try:
        work_order = services.workorder_create(
            actor=request.user, request=service_request, only_if_waiting=True, technician=data["technician"],
            planned_start=data["planned_start"], planned_minutes=data["planned_minutes"] or 120,
            instructions=data["instructions"], briefing=data["briefing"])
    except ServiceError as exc:
        messages.error(request, _("%(number)s not dispatched: %(reason)s") % {
            "number": service_request.number, "reason": exc.message})
    else:
        _planned(request, work_order)
    return redirect(_board_url(day))


@require_perm(services.DISPATCH_PERMISSION)
@require_POST
def board_plan_view(request, pk: int):
    """Move a planned work order to another technician or time."""
    if request.user.is_external:
        raise PermissionDenied
    work_order = get_object_or_404(scope(WorkOrder.objects.all(), request.user), pk=pk)
    form = PlanForm(request.POST)
    day = _return_day(request)
    if not form.is_valid():
        _refuse(request, form)
        return redirect(_board_url(day))
    data = form.cleaned_data
    try:
        work_order = services.workorder_plan(
            work_order=work_order, actor=request.user, technician=data["technician"],
            planned_start=data["planned_start"], planned_minutes=data["planned_minutes"],
            briefing=data["briefing"] or None)
    except ServiceError as exc:
        messages.error(request, _("%(number)s not moved: %(reason)s") % {
            "number": work_order.number, "reason": exc.message})
    else:
        _planned(request, work_order)
    return redirect(_board_url(day))

