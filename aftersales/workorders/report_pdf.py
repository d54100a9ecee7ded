"""The service report (售后服务报告单 / 维修记录, SPEC D5): a PDF of one visit with the fault, the times,
the work done, the parts, the charges and both sides' signatures, in Chinese.

The report exists once the visit is over and signed: the work order is done (or waits for its
delay reason) and both the customer and the technician signed. How it reaches people (download,
e-mail, the customer's page) is in workorders.reports.

Like the warranty card it is a document handed to the customer: it is printed in the site language
(``settings.LANGUAGE_CODE``) whatever the reader's own.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .choices import WorkOrderState
from .models import Signature, SignatureRole, UsedPart, WorkOrder

logger = logging.getLogger(__name__)

__all__ = ["TITLE", "ChargeLine", "charges_of", "report_refusal", "service_report_pdf"]

#: The document's title, as the seeds name it.
TITLE = "售后服务报告单"
REPORT_STATES = (WorkOrderState.DONE, WorkOrderState.DELAY_DUE)

FONT = "STSong-Light"
_BORDER = colors.HexColor("#888888")
_HEADER_FILL = colors.HexColor("#e8edf3")


# ---------------------------------------------------------------- what the report holds


@dataclass(frozen=True)
class ChargeLine:
    """One line of the report's charges: what is charged, how many, and (once priced) the amounts."""

    description: str
    quantity: Decimal | int
    unit: str = ""
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    note: str = ""


def charges_of(work_order: WorkOrder) -> list[ChargeLine]:
    """The charges of the visit, from its quote (SPEC W5-W9): the priced lines of a chargeable job;
    the parts at no charge, saying why, for a free one; the parts without amounts while no quote
    has been made (the report then says they are worked out separately)."""
    from aftersales.charges.selectors import charge_lines

    charges = charge_lines(work_order)
    parts = [ChargeLine(description=f"{used.part.code} {used.part.name}", quantity=used.quantity,
                        unit=used.part.unit) for used in work_order.used_parts.all()]
    if charges["quote"] is None:
        return parts
    if charges["free"]:
        return [ChargeLine(description=line.description, quantity=line.quantity, unit=line.unit,
                           unit_price=Decimal("0"), amount=Decimal("0"), note=str(charges["reason"]))
                for line in parts]
    return [ChargeLine(description=f"{line.kind_label}: {line.description}", quantity=line.quantity,
                       unit_price=line.unit_price, amount=line.amount) for line in charges["lines"]]


def report_refusal(work_order: WorkOrder) -> str | None:
    """Why the work order has no report yet, or None when it has one."""
    if work_order.state not in REPORT_STATES:
        return _("The service report of %(number)s exists once the visit is finished.") % {
            "number": work_order.number}
    signed = {s.role for s in work_order.signatures.all()}
    if not {SignatureRole.CUSTOMER, SignatureRole.TECHNICIAN} <= signed:
        return _("The service report of %(number)s needs both signatures.") % {"number": work_order.number}
    return None


def report_queryset():
    return WorkOrder.objects.select_related(
        "request__customer", "request__site", "request__asset__product_model", "technician",
    ).prefetch_related(
        "team", Prefetch("signatures", queryset=Signature.objects.order_by("role")),
        Prefetch("used_parts", queryset=UsedPart.objects.select_related("part")))


# ---------------------------------------------------------------- the PDF


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _style(name: str, size: float, *, leading: float | None = None, align: int = 0, space_after: float = 0):
    return ParagraphStyle(name, fontName=FONT, fontSize=size, leading=leading or size * 1.4, alignment=align,
                          wordWrap="CJK", spaceAfter=space_after)


STYLES = {
    "company": _style("company", 11, align=1),
    "title": _style("title", 18, leading=26, align=1, space_after=2 * mm),
    "number": _style("number", 9.5, align=2, space_after=2 * mm),
    "heading": _style("heading", 11.5, space_after=1.5 * mm),
    "body": _style("body", 9.5, leading=14, space_after=1.5 * mm),
    "cell": _style("cell", 9, leading=12),
    "note": _style("note", 8.5, leading=12),
}


def _p(text: object, style: str = "cell") -> Paragraph:
    """A paragraph of user text: escaped, so ``<b>`` or ``&`` print literally."""
    return Paragraph(escape(str(text if text is not None else "")).replace("\n", "<br/>"), STYLES[style])


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _duration(minutes: int | None) -> str:
    if minutes is None:
        return "—"
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": rest}
    return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": rest}


def _grid(rows: list[list], widths: list[float], *, header: bool = False, label_columns=(0,)) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.5, _BORDER), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("FONT", (0, 0), (-1, -1), FONT, 9)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), _HEADER_FILL))
    else:
        style += [("BACKGROUND", (c, 0), (c, -1), _HEADER_FILL) for c in label_columns]
    table.setStyle(TableStyle(style))
    return table


def _pairs(pairs: list[tuple[str, object]], width: float) -> Table:
    """Label / value pairs, two a line; a pair whose label ends the list alone spans the line."""
    cells = [[_p(label), _p(value)] for label, value in pairs]
    if len(cells) % 2:
        cells.append([_p(""), _p("")])
    rows = [cells[i] + cells[i + 1] for i in range(0, len(cells), 2)]
    return _grid(rows, [width * s for s in (0.15, 0.35, 0.15, 0.35)], label_columns=(0, 2))


def _wide(pairs: list[tuple[str, object]], width: float) -> Table:
    """Label / value pairs, one a line (long texts)."""
    return _grid([[_p(label), _p(value)] for label, value in pairs], [width * 0.15, width * 0.85])


def _heading(text: str) -> Paragraph:
    return _p(text, "heading")


def _request_section(work_order: WorkOrder, width: float) -> list[Flowable]:
    request = work_order.request
    site = request.site
    asset = request.asset
    equipment = "—"
    if asset is not None:
        equipment = f"{asset.product_model.code} {asset.product_model.name}".strip()
        if asset.name:
            equipment += f" · {asset.name}"
    team = "、".join(str(member) for member in work_order.team.all())
    return [
        _pairs([
            (_("Work order"), work_order.number),
            (_("Service request"), request.number),
            (_("Customer"), request.customer.name),
            (_("Site"), f"{site.name} {site.address}".strip() if site else "—"),
            (_("Equipment"), equipment),
            (_("Serial number"), asset.serial_number if asset is not None else "—"),
            (_("Reporter"), f"{request.reporter_name} {request.reporter_phone}".strip()),
            (_("Time of call"), _when(request.reported_at)),
            (_("Technician"), str(work_order.technician)),
            (_("Team"), team or "—"),
        ], width),
        Spacer(1, 2 * mm),
        _wide([(_("Fault description"), request.description)], width),
        Spacer(1, 4 * mm),
    ]


def _times_section(work_order: WorkOrder, width: float) -> list[Flowable]:
    return [
        _heading(_("Times")),
        _pairs([
            (_("Planned start"), _when(work_order.planned_start)),
            (_("Planned time"), _duration(work_order.planned_minutes)),
            (_("Left for the site"), _when(work_order.travel_started_at)),
            (_("Arrived on site"), _when(work_order.arrived_at)),
            (_("Finished"), _when(work_order.finished_at)),
            (_("Time spent"), _duration(work_order.minutes_spent)),
        ], width),
        Spacer(1, 4 * mm),
    ]


def _work_section(work_order: WorkOrder, width: float) -> list[Flowable]:
    rows = [(_("Work done"), work_order.work_done or "—"),
            (_("Outcome"), work_order.get_outcome_display() or "—")]
    if work_order.delay_reason:
        rows += [(_("Why not finished"), work_order.delay_reason), (_("Next step"), work_order.next_step),
                 (_("Expected to finish by"), _when(work_order.expected_at))]
    elif work_order.state == WorkOrderState.DELAY_DUE:
        rows.append((_("Why not finished"), _("The delay reason is due by %(when)s.") % {
            "when": _when(work_order.delay_due_at)}))
    return [_heading(_("Work")), _wide(rows, width), Spacer(1, 4 * mm)]


def _parts_section(work_order: WorkOrder, width: float) -> list[Flowable]:
    heading = _heading(_("Parts used"))
    parts = list(work_order.used_parts.all())
    if not parts:
        return [heading, _p(_("No parts were used."), "body"), Spacer(1, 3 * mm)]
    header = [_p(text) for text in (_("No."), _("Part number"), _("Name"), _("Quantity"),
                                    _("Serial number fitted"), _("Serial number removed"))]
    body = [[str(i), _p(u.part.code), _p(u.part.name), _p(f"{u.quantity} {u.part.unit}".strip()),
             _p(u.serial_number or "—"), _p(u.removed_serial or "—")] for i, u in enumerate(parts, start=1)]
    shares = (0.07, 0.18, 0.27, 0.12, 0.18, 0.18)
    return [heading, _grid([header, *body], [width * s for s in shares], header=True), Spacer(1, 4 * mm)]


def _money(value: Decimal | None) -> str:
    return f"{value:,.2f}" if value is not None else "—"


def _charges_section(work_order: WorkOrder, width: float) -> list[Flowable]:
    heading = _heading(_("Charges"))
    lines = charges_of(work_order)
    if not lines:
        return [heading, _p(_("Nothing is charged for this visit."), "body"), Spacer(1, 3 * mm)]
    header = [_p(text) for text in (_("No."), _("Item"), _("Quantity"), _("Unit price"), _("Amount"), _("Note"))]
    body = [[str(i), _p(line.description), _p(f"{line.quantity} {line.unit}".strip()), _money(line.unit_price),
             _money(line.amount), _p(line.note)] for i, line in enumerate(lines, start=1)]
    priced = [line.amount for line in lines if line.amount is not None]
    flowables = [heading]
    if len(priced) == len(lines):
        body.append(["", _p(_("Total")), "", "", _money(sum(priced, Decimal("0"))), ""])
    shares = (0.07, 0.35, 0.12, 0.14, 0.14, 0.18)
    flowables.append(_grid([header, *body], [width * s for s in shares], header=True))
    if len(priced) < len(lines):
        flowables.append(Spacer(1, 1.5 * mm))
        flowables.append(_p(_("Amounts are not shown on this report: the charges of the visit are worked out and "
                              "invoiced separately."), "note"))
    flowables.append(Spacer(1, 4 * mm))
    return flowables


def _signature_image(signature: Signature, width: float) -> Flowable:
    try:
        with signature.image.open("rb") as handle:
            data = handle.read()
        reader = ImageReader(io.BytesIO(data))
        pixels_w, pixels_h = reader.getSize()
    except (OSError, ValueError):
        return _p(_("(signature image missing)"))
    box_w, box_h = width, 28 * mm
    scale = min(box_w / pixels_w, box_h / pixels_h)
    return Image(io.BytesIO(data), width=pixels_w * scale, height=pixels_h * scale, mask="auto")


def _signature_cell(signature: Signature | None, label: str, width: float) -> list[Flowable]:
    cell: list[Flowable] = [_p(label, "heading")]
    if signature is None:
        return [*cell, _p(_("Not signed."))]
    cell.append(_signature_image(signature, width))
    cell.append(_p(_("Name: %(name)s") % {"name": signature.signer_name}))
    if signature.comment:
        cell.append(_p(_("Comment: %(comment)s") % {"comment": signature.comment}))
    cell.append(_p(_("Signed at %(when)s") % {"when": _when(signature.signed_at)}))
    return cell


def _signatures_section(work_order: WorkOrder, width: float) -> list[Flowable]:
    by_role = {s.role: s for s in work_order.signatures.all()}
    half = width / 2
    table = Table([[_signature_cell(by_role.get(SignatureRole.CUSTOMER), _("Customer's signature"), half - 6 * mm),
                    _signature_cell(by_role.get(SignatureRole.TECHNICIAN), _("Technician's signature"),
                                    half - 6 * mm)]], colWidths=[half, half])
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, _BORDER), ("INNERGRID", (0, 0), (-1, -1), 0.5, _BORDER),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [KeepTogether([_heading(_("Signatures")), table])]


def _numbered_canvas(footer: str):
    """A canvas class that writes ``footer`` and "page n of m" once the page count is known."""

    class NumberedCanvas(pdf_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                width, _height = self._pagesize
                self.setFont(FONT, 8)
                self.setFillColor(colors.grey)
                self.drawString(18 * mm, 10 * mm, footer)
                self.drawRightString(width - 18 * mm, 10 * mm,
                                     _("Page %(page)s of %(total)s") % {"page": number, "total": total})
                super().showPage()
            super().save()

    return NumberedCanvas


def service_report_pdf(*, work_order: WorkOrder, printed_at: dt.datetime | None = None) -> bytes:
    """The visit's service report as PDF bytes (A4, Chinese). ``work_order`` read through
    report_queryset() reads everything in a fixed number of queries."""
    _register_font()
    company = settings.AFTERSALES["COMPANY_NAME"]
    printed_at = printed_at or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=14 * mm,
                                bottomMargin=18 * mm, title=f"{TITLE} {work_order.number}", author=company,
                                subject=work_order.request.customer.name)
        story = [
            _p(company, "company"),
            _p(TITLE, "title"),
            _p(_("No. %(number)s") % {"number": work_order.number}, "number"),
            *_request_section(work_order, doc.width),
            *_times_section(work_order, doc.width),
            *_work_section(work_order, doc.width),
            *_parts_section(work_order, doc.width),
            *_charges_section(work_order, doc.width),
            *_signatures_section(work_order, doc.width),
        ]
        printed = _("Printed %(when)s") % {"when": _when(printed_at)}
        doc.build(story, canvasmaker=_numbered_canvas(f"{company}  {TITLE} {work_order.number}  {printed}"))
    return buffer.getvalue()


def report_filename(work_order: WorkOrder) -> str:
    ascii_number = re.sub(r"[^A-Za-z0-9._-]+", "_", work_order.number).strip("._") or str(work_order.pk)
    return f"service-report-{ascii_number}.pdf"


def content_disposition(work_order: WorkOrder, kind: str = "inline") -> str:
    readable = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', "_", f"{TITLE}-{work_order.number}.pdf")
    return f"{kind}; filename=\"{report_filename(work_order)}\"; filename*=UTF-8''{quote(readable, safe='')}"
