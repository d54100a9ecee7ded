"""Demo data for the dispatch board: some of the open requests dispatched for today and tomorrow,
the project's own project manager where there is one (SPEC D7), the rest left waiting.

Call after the demo's service requests exist (aftersales.core.demo, after create_service_requests):
``demo_board(actor=users["desk"], today=today)``.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef
from django.utils import timezone

from aftersales.core.errors import ServiceError
from aftersales.service.choices import OPEN_STATES
from aftersales.service.models import ServiceRequest

from . import services
from .choices import OPEN_WORK
from .models import WorkOrder
from .views_board import field_staff

HOURS = (9, 11, 14, 16)


def demo_board(*, actor, today: dt.date, count: int = 8) -> list[WorkOrder]:
    """Dispatch up to ``count`` waiting requests, soonest due first, over today and tomorrow;
    returns the work orders made (none when nobody has a field role)."""
    technicians = [p for p in field_staff() if p.pk != getattr(actor, "pk", None)]
    if not technicians:
        return []
    open_work = WorkOrder.objects.filter(request=OuterRef("pk"), state__in=OPEN_WORK)
    waiting = (ServiceRequest.objects.filter(state__in=OPEN_STATES, archived_at__isnull=True)
               .exclude(Exists(open_work)).select_related("customer", "asset__project__project_manager")
               .order_by("next_due_at", "id"))
    made: list[WorkOrder] = []
    slot = 0
    for request in waiting[: count * 2]:
        if len(made) >= count:
            break
        if services.review_missing(request):
            continue  # left waiting with its "review needed" badge
        manager = services.project_manager_of(request)
        technician = manager if manager is not None and manager.is_active else technicians[slot % len(technicians)]
        day = today + dt.timedelta(days=slot // (len(HOURS) * len(technicians)) % 2)
        hour = HOURS[(slot // len(technicians)) % len(HOURS)]
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
        briefing = "" if manager is None or manager.is_active else "项目资料已交底：系统图纸、设备清单、机房位置。"
        try:
            made.append(services.workorder_create(actor=actor, request=request, technician=technician,
                                                  planned_start=start, planned_minutes=120, briefing=briefing,
                                                  instructions="请携带常用备件，到场后联系报修人。"))
        except ServiceError:
            continue
        slot += 1
    return made
