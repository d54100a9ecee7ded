"""Dispatch of spares to a customer's site (SPEC P4, ``004``): requested, left the store (the part is
issued then), arrived. It must leave within 24 hours of the request and arrive within 2 working days
(Chinese statutory calendar) of leaving; one that misses either shows as late."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.scoping import scope
from aftersales.core.audit import AuditAction, audit_event, diff, snapshot
from aftersales.core.errors import ServiceError
from aftersales.core.workcalendar import add_working_days

from .models import SpareDispatch

LEAVE_HOURS = 24
ARRIVE_WORKING_DAYS = 2


# ---------------------------------------------------------------- when it is due


def leave_due(dispatch: SpareDispatch) -> dt.datetime:
    return dispatch.requested_at + dt.timedelta(hours=LEAVE_HOURS)


def arrive_due(dispatch: SpareDispatch, is_working_day=None) -> dt.datetime | None:
    """The end of the 2nd working day after the day it left (the day it left does not count)."""
    if dispatch.left_at is None:
        return None
    if is_working_day is None:
        from aftersales.calendars.selectors import working_day_checker

        is_working_day = working_day_checker()
    last = add_working_days(timezone.localtime(dispatch.left_at).date(), ARRIVE_WORKING_DAYS, is_working_day)
    return timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))


@dataclass(frozen=True)
class Lateness:
    leave_due: dt.datetime
    arrive_due: dt.datetime | None
    left_late: bool
    arrived_late: bool

    @property
    def late(self) -> bool:
        return self.left_late or self.arrived_late


def lateness(dispatch: SpareDispatch, *, now: dt.datetime | None = None, is_working_day=None) -> Lateness:
    """Late to leave: left after, or still here at, 24 hours after the request; late to arrive: arrived
    after, or still on the way at, the end of the 2nd working day after leaving."""
    now = now or timezone.now()
    leave_by = leave_due(dispatch)
    arrive_by = arrive_due(dispatch, is_working_day)
    left_late = (dispatch.left_at or now) > leave_by
    arrived_late = arrive_by is not None and (dispatch.arrived_at or now) > arrive_by
    return Lateness(leave_by, arrive_by, left_late, arrived_late)


def dispatch_list(*, actor, open_only: bool = False) -> QuerySet:
    queryset = scope(SpareDispatch.objects.all(), actor).select_related(
        "part", "from_location", "site__customer", "work_order", "requested_by")
    return queryset.filter(arrived_at__isnull=True) if open_only else queryset


def dispatches_with_lateness(dispatches, *, now: dt.datetime | None = None) -> list[tuple[SpareDispatch, Lateness]]:
    from aftersales.calendars.selectors import working_day_checker

    is_working_day = working_day_checker()
    return [(d, lateness(d, now=now, is_working_day=is_working_day)) for d in dispatches]


# ---------------------------------------------------------------- writes


def _locked(dispatch: SpareDispatch) -> SpareDispatch:
    return SpareDispatch.objects.select_for_update(of=("self",)).select_related("part", "from_location").get(
        pk=dispatch.pk)


@transaction.atomic
def spare_dispatch_request(*, actor, part, quantity: int, from_location, site, work_order=None, note: str = "",
                           at: dt.datetime | None = None) -> SpareDispatch:
    """发货申请: a spare to send to a site; its 24 hours to leave start now (or ``at``)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ServiceError("invalid_quantity", _("Give a whole number of at least 1."), field="quantity")
    for value, name in ((part, "part"), (from_location, "from_location"), (site, "site")):
        if value is None:
            raise ServiceError("required", _("This field is required."), field=name)
        if getattr(value, "archived_at", None) is not None:
            raise ServiceError("archived", _("%(record)s is archived; restore it first.") % {"record": value},
                               field=name)
    if work_order is not None and work_order.request.customer_id != site.customer_id:
        raise ServiceError("site", _("The site is not the work order's customer's."), field="site")
    dispatch = SpareDispatch(part=part, quantity=quantity, from_location=from_location, site=site,
                             work_order=work_order, note=(note or "").strip(), requested_at=at or timezone.now(),
                             requested_by=actor)
    dispatch.full_clean(exclude=["part", "from_location", "site", "work_order", "requested_by"])
    dispatch.save()
    audit_event(dispatch, action=AuditAction.CREATE, actor=actor, changes=diff({}, snapshot(dispatch)))
    return dispatch


@transaction.atomic
def spare_dispatch_leave(*, actor, dispatch: SpareDispatch, carrier: str = "",
                         at: dt.datetime | None = None) -> SpareDispatch:
    """发出: the spare leaves the store, issued from its stock (refused when there is not enough)."""
    from .services import stock_issue

    dispatch = _locked(dispatch)
    if dispatch.left_at is not None:
        raise ServiceError("already_left", _("This spare has already left."), field="left_at")
    at = at or timezone.now()
    if at < dispatch.requested_at:
        raise ServiceError("left_at", _("It cannot leave before it was asked for."), field="left_at")
    before = snapshot(dispatch)
    reference = dispatch.work_order.number if dispatch.work_order_id else dispatch.number
    dispatch.movement = stock_issue(actor=actor, part=dispatch.part, location=dispatch.from_location,
                                    quantity=dispatch.quantity, reference=reference,
                                    reason=_("sent to %(site)s") % {"site": dispatch.site})
    dispatch.left_at, dispatch.carrier = at, (carrier or "").strip()[:100]
    dispatch.save(update_fields=["movement", "left_at", "carrier"])
    audit_event(dispatch, action=AuditAction.UPDATE, actor=actor, changes=diff(before, snapshot(dispatch)))
    return dispatch


@transaction.atomic
def spare_dispatch_arrive(*, actor, dispatch: SpareDispatch, received_by: str,
                          at: dt.datetime | None = None) -> SpareDispatch:
    """到货: the spare is at the site, received by someone named."""
    dispatch = _locked(dispatch)
    if dispatch.left_at is None:
        raise ServiceError("not_left", _("The spare has not left the store yet."), field="arrived_at")
    if dispatch.arrived_at is not None:
        raise ServiceError("already_arrived", _("This spare has already arrived."), field="arrived_at")
    if not (received_by or "").strip():
        raise ServiceError("received_by", _("Give who received it at the site."), field="received_by")
    at = at or timezone.now()
    if at < dispatch.left_at:
        raise ServiceError("arrived_at", _("It cannot arrive before it left."), field="arrived_at")
    before = snapshot(dispatch)
    dispatch.arrived_at, dispatch.received_by = at, received_by.strip()[:50]
    dispatch.save(update_fields=["arrived_at", "received_by"])
    audit_event(dispatch, action=AuditAction.UPDATE, actor=actor, changes=diff(before, snapshot(dispatch)))
    return dispatch
