"""Reads of work orders: a technician's day, the delay reasons past due, a request's work orders."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from aftersales.accounts.scoping import scope

from .choices import WorkOrderState
from .models import WorkOrder


def delay_overdue(queryset: QuerySet, value: bool = True, *, now: dt.datetime | None = None) -> QuerySet:
    """Left unfinished and the delay-reason form not given within its 48 hours (or, False: the rest)."""
    late = Q(state=WorkOrderState.DELAY_DUE, delay_due_at__lt=now or timezone.now())
    return queryset.filter(late) if value else queryset.exclude(late)


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def jobs_of_day(*, actor, technician, day: dt.date) -> QuerySet:
    """我的任务: the technician's work orders planned that day (or on the way / on site now, or waiting
    for their delay reason), in planned order; team jobs included."""
    start, end = _day_bounds(day)
    mine = Q(technician=technician) | Q(team=technician)
    current = Q(planned_start__gte=start, planned_start__lt=end) & ~Q(state=WorkOrderState.VOID)
    unfinished = Q(state__in=[WorkOrderState.TRAVELLING, WorkOrderState.ON_SITE, WorkOrderState.DELAY_DUE])
    return (scope(WorkOrder.objects.all(), actor).filter(mine).filter(current | unfinished).distinct()
            .select_related("request__customer", "request__site", "request__asset__product_model")
            .order_by("planned_start", "sequence"))


def request_work_orders(*, actor, request) -> QuerySet:
    return (scope(WorkOrder.objects.filter(request=request), actor)
            .select_related("technician", "moved_to").order_by("year", "sequence"))


def request_reports(*, actor, request) -> list[dict]:
    """The service reports of a request's finished and signed visits, as plain values for the
    customer's own request page (a customer reads reports, not work orders): link, technician, when."""
    from django.urls import reverse

    from .models import SignatureRole
    from .report_pdf import REPORT_STATES

    visits = (scope(WorkOrder.objects.filter(request=request, state__in=REPORT_STATES), actor)
              .filter(signatures__role=SignatureRole.CUSTOMER).filter(signatures__role=SignatureRole.TECHNICIAN)
              .select_related("technician").order_by("year", "sequence").distinct())
    return [{"url": reverse("workorder-report-page", args=[w.pk]), "technician": str(w.technician),
             "finished_at": w.finished_at} for w in visits]
