"""The service report reaches people (SPEC D5): staff and the customer user of the request's own
customer download it (another customer's report answers 404); whoever works requests e-mails it,
as an attachment, after the transaction commits, and the sending is written on the request's
timeline. A customer user has a page per report and may have it e-mailed to the address of their
own user account (never to one they type), once per work order in ten minutes.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST, require_safe

from aftersales.accounts.scoping import scope
from aftersales.core.errors import ServiceError
from aftersales.core.views import safe_next
from aftersales.service import services as requests
from aftersales.service.choices import TimelineKind

from .models import WorkOrder
from .report_pdf import TITLE, content_disposition, report_filename, report_queryset, report_refusal, service_report_pdf

logger = logging.getLogger(__name__)

VIEW_PERMISSION = "workorders.view_workorder"
#: Sending the report is working the request (the desk, the technician, the managers).
EMAIL_PERMISSION = "workorders.change_workorder"
#: A customer user asks for the report by e-mail, to their own address (and the API's action needs it).
CUSTOMER_PERMISSION = "workorders.report_workorder"
CUSTOMER_EMAIL_MINUTES = 10  # one e-mail per work order and customer user in this time
EMAIL_STEP = "report_email"  # the timeline's step of a report e-mailed


# ---------------------------------------------------------------- e-mail


def report_address(work_order: WorkOrder) -> str:
    """Where the report goes unless told: the e-mail of the contact who reported the request (same
    name), else of the customer's primary contact, else of any of its contacts; "" when none."""
    from aftersales.customers.models import Contact

    contacts = list(Contact.objects.filter(customer_id=work_order.request.customer_id, archived_at__isnull=True)
                    .exclude(email="").order_by("-is_primary", "name", "id"))
    reporter = work_order.request.reporter_name.strip()
    for contact in contacts:
        if reporter and contact.name.strip() == reporter:
            return contact.email
    return contacts[0].email if contacts else ""


def _checked_address(address: str) -> str:
    try:
        validate_email(address)
    except ValidationError as exc:
        raise ServiceError("email", _("“%(email)s” is not an e-mail address.") % {"email": address},
                           field="email") from exc
    return address


def _send_report(work_order: WorkOrder, actor, address: str, **data: Any) -> str:
    """Attach the report and send it once the transaction commits; write it on the request's timeline."""
    pdf = service_report_pdf(work_order=work_order)
    company = settings.AFTERSALES["COMPANY_NAME"]
    request = work_order.request
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(title)s %(number)s · %(company)s") % {"title": TITLE, "number": work_order.number,
                                                             "company": company}
        body = _("Hello,\n\nattached is the service report of our visit (work order %(number)s, request "
                 "%(request)s).\n\n%(company)s") % {"number": work_order.number, "request": request.number,
                                                     "company": company}
    message = EmailMessage(subject=subject, body=body, to=[address])
    message.attach(report_filename(work_order), pdf, "application/pdf")

    def send() -> None:
        try:
            message.send(fail_silently=False)
        except Exception:  # the SMTP server refused: the sender sees it in the log, the data stays
            logger.exception("service report %s could not be e-mailed to %s", work_order.number, address)

    transaction.on_commit(send)
    requests.request_timeline_add(request=request, actor=actor, kind=TimelineKind.WORK_ORDER,
                                  text=_("%(number)s: service report e-mailed to %(email)s") % {
                                      "number": work_order.number, "email": address},
                                  data={"work_order": work_order.number, "step": EMAIL_STEP, "to": address, **data})
    return address


@transaction.atomic
def report_email(*, work_order: WorkOrder, actor, to: str = "") -> str:
    """E-mail the service report as an attachment to ``to`` (default: report_address) once the
    transaction commits, and write it on the request's timeline. Returns the address."""
    if actor is not None and (actor.is_external or not actor.has_perm(EMAIL_PERMISSION)):
        raise PermissionDenied(_("Your role may not send service reports."))
    work_order = report_queryset().get(pk=work_order.pk)
    refusal = report_refusal(work_order)
    if refusal:
        raise ServiceError("not_ready", refusal, field="work_order")
    address = (to or "").strip() or report_address(work_order)
    if not address:
        raise ServiceError("required", _("The customer has no e-mail address on record: give one."), field="email")
    return _send_report(work_order, actor, _checked_address(address))


def _last_sent_to(work_order: WorkOrder, actor, now: dt.datetime) -> dt.datetime | None:
    """When ``actor`` last had this work order's report e-mailed, within the waiting time."""
    from aftersales.service.models import TimelineEntry

    return TimelineEntry.objects.filter(
        request_id=work_order.request_id, actor=actor, data__step=EMAIL_STEP, data__work_order=work_order.number,
        at__gt=now - dt.timedelta(minutes=CUSTOMER_EMAIL_MINUTES),
    ).order_by("-at").values_list("at", flat=True).first()


@transaction.atomic
def report_email_to_me(*, work_order: WorkOrder, actor, now: dt.datetime | None = None) -> str:
    """A customer user asks for the service report by e-mail: it goes to the address of their own
    user account, never to one they type, at most once per work order and user in
    CUSTOMER_EMAIL_MINUTES. Returns the address."""
    if actor is None or not actor.is_customer_user or not actor.has_perm(CUSTOMER_PERMISSION):
        raise PermissionDenied(_("Only the customer's own users may ask for the service report by e-mail."))
    locked = WorkOrder.objects.select_for_update(of=("self",)).select_related("request").get(pk=work_order.pk)
    if locked.request.customer_id != actor.customer_id:  # one send at a time per work order: the lock
        raise PermissionDenied(_("Only the customer's own users may ask for the service report by e-mail."))
    work_order = report_queryset().get(pk=work_order.pk)
    if report_refusal(work_order):
        raise ServiceError("not_ready", _("The service report is not ready yet: it exists once the visit is "
                                          "finished and both sides signed."), field="work_order")
    address = (actor.email or "").strip()
    if not address:
        raise ServiceError("no_email", _("Your user account has no e-mail address: ask us to add it, or download "
                                         "the report."), field="email")
    now = now or timezone.now()
    last = _last_sent_to(work_order, actor, now)
    if last is not None:
        again = timezone.localtime(last + dt.timedelta(minutes=CUSTOMER_EMAIL_MINUTES))
        raise ServiceError("throttled", _(
            "The service report was e-mailed to you at %(sent)s: you may ask for it again after %(again)s.") % {
            "sent": timezone.localtime(last).strftime("%H:%M"), "again": again.strftime("%H:%M")}, field="email")
    return _send_report(work_order, actor, _checked_address(address), by_customer=True)


# ---------------------------------------------------------------- views


def readable_work_order(request, pk: int) -> WorkOrder:
    """The work order for its report: staff with the view permission, or a customer user of the
    request's own customer (others: 404)."""
    user = request.user
    if user.is_external:
        if not user.is_customer_user or not user.has_perm("service.view_servicerequest"):
            raise PermissionDenied
    elif not user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    return get_object_or_404(scope(report_queryset(), user), pk=pk)


def _work_order_page(work_order: WorkOrder) -> str:
    try:
        return reverse("workorder-detail", args=[work_order.pk])
    except NoReverseMatch:  # the work order's page is not wired: the board
        return reverse("workorder-board")


@require_safe
def report_download_view(request, pk: int):
    """GET /work-orders/<pk>/report.pdf: the signed visit's report, shown in the browser."""
    work_order = readable_work_order(request, pk)
    refusal = report_refusal(work_order)
    if refusal:
        if request.user.is_external:
            raise Http404
        messages.error(request, refusal)
        return redirect(_work_order_page(work_order))
    response = HttpResponse(service_report_pdf(work_order=work_order), content_type="application/pdf")
    kind = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = content_disposition(work_order, kind)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class ReportEmailForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"), required=False,
                             help_text=gettext_lazy("Empty: the reporter's or the customer's contact e-mail."))


@require_POST
def report_email_view(request, pk: int):
    """POST /work-orders/<pk>/report/email/: send the report to ``email`` (or the customer's)."""
    user = request.user
    if user.is_external or not user.has_perm(EMAIL_PERMISSION):
        raise PermissionDenied
    work_order = readable_work_order(request, pk)
    back = safe_next(request, _work_order_page(work_order))
    form = ReportEmailForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("email", []):
            messages.error(request, error)
        return redirect(back)
    try:
        address = report_email(work_order=work_order, actor=user, to=form.cleaned_data["email"])
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The service report is sent to %(email)s.") % {"email": address})
    return redirect(back)


@require_POST
def report_email_me_view(request, pk: int):
    """POST /work-orders/<pk>/report/email-me/: a customer user has the report e-mailed to the address
    of their own user account (no address is taken from the request)."""
    user = request.user
    if not user.is_customer_user:
        raise PermissionDenied
    work_order = readable_work_order(request, pk)
    back = safe_next(request, reverse("workorder-report-page", args=[work_order.pk]))
    try:
        address = report_email_to_me(work_order=work_order, actor=user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The service report is sent to %(email)s.") % {"email": address})
    return redirect(back)


# ---------------------------------------------------------------- the service report, for the customer


@require_GET
def report_page_view(request, pk: int):
    """The service report of a visit for the customer's own users: download it, or have it e-mailed
    to their own address. A report not yet made does not exist for them (404, as its download);
    staff have the work order's page. The page shows what the report holds, not the work order."""
    work_order = readable_work_order(request, pk)
    if not request.user.is_external:
        return redirect(work_order.get_absolute_url())
    if report_refusal(work_order):
        raise Http404
    sr = work_order.request
    asset = sr.asset
    report = {
        "pk": work_order.pk, "arrived_at": work_order.arrived_at, "finished_at": work_order.finished_at,
        "technician": str(work_order.technician), "outcome": work_order.get_outcome_display(),
        "equipment": f"{asset.product_model.code} {asset.serial_number}".strip() if asset is not None else "",
    }
    context = {"report": report, "req": sr, "email": (request.user.email or "").strip(),
               "may_email": request.user.has_perm(CUSTOMER_PERMISSION),
               "wait_minutes": CUSTOMER_EMAIL_MINUTES}
    return render(request, "workorders/report.html", context)
