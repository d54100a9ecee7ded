"""The warranty card (保修卡) of a project, as a PDF (SPEC W11).

One card per project: the project's name, the warranty principles (the active
``WarrantyCardTemplate`` or ``DEFAULT_PRINCIPLES``), the responsible
department and people, and every non-archived unit with its warranty end date.
The card is a document handed to the customer, so it is always printed in the
site language (``settings.LANGUAGE_CODE``), whatever the reader's own language.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from urllib.parse import quote
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import pgettext
from django.views.decorators.http import require_safe
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from aftersales.accounts.scoping import scope
from aftersales.calendars.selectors import working_day_checker
from aftersales.contracts.entitlement import warranty_end
from aftersales.contracts.selectors import asset_facts

from .models import Asset, Project, WarrantyCardTemplate

__all__ = ["DEFAULT_PRINCIPLES", "DEFAULT_TITLE", "warranty_card_download", "warranty_card_pdf"]

#: Title printed when no active template exists (the model's own default title).
DEFAULT_TITLE = "保修卡"

#: Principles printed when no active template exists; also the text demo data may seed a template with.
#: Paragraphs are separated by blank lines, as in ``WarrantyCardTemplate.principles``.
DEFAULT_PRINCIPLES = """\
一、保修期自设备验收合格之日起计算，期限以合同约定为准；每台设备的质保截止日期见本卡设备清单。\
质保期满之日如为法定节假日或休息日，顺延至其后的第一个工作日。

二、保修期内，因设备本身质量问题引起的故障，我方免费维修（免人工费）并免费提供所需配件。\
因使用不当、人为损坏、擅自拆修或改装、雷击、水浸、火灾等不可抗力造成的损坏，不属于免费保修范围，我方可提供有偿维修。

三、保修期满后另有24个月的潜在缺陷保证期：期内发现属于设计、材料或工艺的潜在缺陷，仍予免费修复。

四、服务响应：接到报修后30分钟内响应；需要上门的，技术人员在24小时内到达现场，重大故障2小时内到达；\
4小时内未能修复的，提供同档次备用设备，保证系统正常使用。

五、保修期满后，可签订维保合同继续享受服务；未签订维保合同的，按有偿服务收费。

六、报修时请提供本卡上的项目编号和设备序列号。请妥善保管本保修卡。"""

FONT = "STSong-Light"
_CTX = "warranty card"
# Share of the frame width taken by each column of the equipment table.
_COLUMN_SHARES = (0.07, 0.20, 0.25, 0.22, 0.13, 0.13)
_BORDER = colors.HexColor("#888888")
_HEADER_FILL = colors.HexColor("#e8edf3")


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _style(name: str, size: float, *, leading: float | None = None, align: int = 0, space_after: float = 0):
    return ParagraphStyle(
        name, fontName=FONT, fontSize=size, leading=leading or size * 1.4, alignment=align,
        wordWrap="CJK", spaceAfter=space_after,
    )


STYLES = {
    "company": _style("company", 11, align=1),
    "title": _style("title", 20, leading=28, align=1, space_after=4 * mm),
    "heading": _style("heading", 12, space_after=2 * mm),
    "body": _style("body", 10, leading=15, space_after=2 * mm),
    "cell": _style("cell", 9, leading=12),
    "label": _style("label", 9.5, leading=13),
}


def _p(text: object, style: str = "cell") -> Paragraph:
    """A paragraph of user text: escaped, so ``<b>`` or ``&`` print literally."""
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), STYLES[style])


@dataclass(frozen=True)
class CardRow:
    model: str
    name: str
    serial: str
    accepted_on: dt.date | None
    warranty_until: dt.date | None


def card_rows(project: Project) -> list[CardRow]:
    """The project's non-archived units with their warranty end, the calendar loaded once."""
    assets = (
        Asset.objects.active()
        .filter(project=project)
        .select_related("product_model", "replaces")
        .prefetch_related("contracts", "replaces__contracts")
        .order_by("product_model__code", "serial_number", "id")
    )
    is_working_day = working_day_checker()
    return [
        CardRow(
            model=asset.product_model.code,
            name=asset.name or asset.product_model.name,
            serial=asset.serial_number,
            accepted_on=asset.accepted_on,
            warranty_until=warranty_end(asset_facts(asset, is_working_day=is_working_day), is_working_day),
        )
        for asset in assets
    ]


def _active_template() -> WarrantyCardTemplate | None:
    return WarrantyCardTemplate.objects.filter(is_active=True).order_by("-updated_at").first()


def _principles(text: str) -> list[Paragraph]:
    paragraphs = [block.strip() for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return [_p(block, "body") for block in paragraphs if block]


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _label_table(pairs: list[tuple[str, object]], width: float) -> Table:
    """Label / value pairs, two pairs a line."""
    cells = [[_p(label, "label"), _p(value, "label")] for label, value in pairs]
    if len(cells) % 2:
        cells.append(["", ""])
    rows = [cells[i] + cells[i + 1] for i in range(0, len(cells), 2)]
    shares = (0.16, 0.34, 0.16, 0.34)
    table = Table(rows, colWidths=[width * s for s in shares])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, _BORDER),
        ("BACKGROUND", (0, 0), (0, -1), _HEADER_FILL),
        ("BACKGROUND", (2, 0), (2, -1), _HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def _project_section(project: Project, width: float) -> list[Flowable]:
    site = project.site
    return [_label_table([
        (pgettext(_CTX, "Project name"), project.name),
        (pgettext(_CTX, "Project code"), project.code),
        (pgettext(_CTX, "Customer"), project.customer.name),
        (pgettext(_CTX, "Acceptance date"), _date(project.accepted_on)),
        (pgettext(_CTX, "Site"), f"{site.name} {site.address}".strip() if site else ""),
    ], width), Spacer(1, 5 * mm)]


def _responsibility_section(project: Project, width: float) -> list[Flowable]:
    manager = project.project_manager
    return [
        _p(pgettext(_CTX, "Service responsibility"), "heading"),
        _label_table([
            (pgettext(_CTX, "Responsible department"), project.responsible_department),
            (pgettext(_CTX, "Responsible people"), project.responsible_people),
            (pgettext(_CTX, "Project manager"), str(manager) if manager else ""),
            (pgettext(_CTX, "Phone"), manager.phone if manager else ""),
        ], width),
        Spacer(1, 5 * mm),
    ]


def _warranty_cell(row: CardRow) -> str:
    if row.accepted_on is None:
        return pgettext(_CTX, "Not accepted")
    return _date(row.warranty_until) or pgettext(_CTX, "No warranty")


def _asset_table(rows: list[CardRow], width: float) -> list[Flowable]:
    heading = _p(pgettext(_CTX, "Equipment list"), "heading")
    if not rows:
        return [heading, _p(pgettext(_CTX, "No equipment is recorded for this project."), "body")]
    header = [_p(label) for label in (
        pgettext(_CTX, "No."), pgettext(_CTX, "Model"), pgettext(_CTX, "Name"),
        pgettext(_CTX, "Serial number"), pgettext(_CTX, "Acceptance date"), pgettext(_CTX, "Warranty until"),
    )]
    body = [
        [str(i), _p(r.model), _p(r.name), _p(r.serial), _date(r.accepted_on) or "—", _p(_warranty_cell(r))]
        for i, r in enumerate(rows, start=1)
    ]
    table = Table([header, *body], colWidths=[width * s for s in _COLUMN_SHARES], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("GRID", (0, 0), (-1, -1), 0.5, _BORDER),
        ("BACKGROUND", (0, 0), (-1, 0), _HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
    ]))
    return [heading, table]


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
                self._draw_footer(number, total)
                super().showPage()
            super().save()

        def _draw_footer(self, number: int, total: int) -> None:
            width, _height = self._pagesize
            self.setFont(FONT, 8)
            self.setFillColor(colors.grey)
            self.drawString(18 * mm, 10 * mm, footer)
            page = pgettext(_CTX, "Page %(page)s of %(total)s") % {"page": number, "total": total}
            self.drawRightString(width - 18 * mm, 10 * mm, page)

    return NumberedCanvas


def warranty_card_pdf(*, project: Project, template: WarrantyCardTemplate | None = None,
                      today: dt.date | None = None) -> bytes:
    """The project's warranty card as PDF bytes (A4, Chinese, paginated equipment list)."""
    _register_font()
    template = template or _active_template()
    today = today or timezone.localdate()
    company = settings.AFTERSALES["COMPANY_NAME"]
    with translation.override(settings.LANGUAGE_CODE):
        title = (template.title if template else "") or DEFAULT_TITLE
        principles = template.principles if template else DEFAULT_PRINCIPLES
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=18 * mm,
            title=f"{title} {project.code}", author=company, subject=project.name,
        )
        story = [
            _p(company, "company"),
            _p(title, "title"),
            *_project_section(project, doc.width),
            _p(pgettext(_CTX, "Warranty principles"), "heading"),
            *_principles(principles),
            Spacer(1, 3 * mm),
            *_responsibility_section(project, doc.width),
            *_asset_table(card_rows(project), doc.width),
        ]
        issued = pgettext(_CTX, "Issued on %(date)s") % {"date": today.isoformat()}
        doc.build(story, canvasmaker=_numbered_canvas(f"{company}  {title} {project.code}  {issued}"))
    return buffer.getvalue()


def _content_disposition(project: Project) -> str:
    """A safe ASCII ``filename`` and, for modern browsers, the Chinese name in RFC 5987 ``filename*``."""
    ascii_code = re.sub(r"[^A-Za-z0-9._-]+", "_", project.code).strip("._") or str(project.pk)
    readable = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', "_", f"{DEFAULT_TITLE}-{project.name}-{project.code}.pdf")
    return f"attachment; filename=\"warranty-card-{ascii_code}.pdf\"; filename*=UTF-8''{quote(readable, safe='')}"


@require_safe
def warranty_card_download(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /assets/projects/<pk>/warranty-card.pdf: 404 outside the user's scope, 403 without view rights."""
    queryset = Project.objects.select_related("customer", "site", "project_manager")
    project = get_object_or_404(scope(queryset, request.user), pk=pk)
    if not request.user.has_perm("assets.view_project"):
        raise PermissionDenied
    response = HttpResponse(warranty_card_pdf(project=project), content_type="application/pdf")
    response["Content-Disposition"] = _content_disposition(project)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
