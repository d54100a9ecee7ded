"""The month for finance, as an Excel workbook."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from ..choices import RECONCILIATION_COLUMNS
from .figures import Line, Reconciliation

HEADER = Font(bold=True)
QUANTITY_FORMAT = "#,##0"
MONEY_FORMAT = "#,##0.00"


def _header() -> list[str]:
    names = [_("Store code"), _("Store"), _("Part number"), _("Part name"), _("Unit"), _("Condition"),
             _("Opening quantity"), _("Opening value")]
    for _kind, _direction, label in RECONCILIATION_COLUMNS:
        names += [_("%(column)s: quantity") % {"column": label}, _("%(column)s: value") % {"column": label}]
    return names + [_("Closing quantity"), _("Closing value")]


def _figures(line: Line) -> list:
    figures: list = [line.opening_quantity, line.opening_value]
    for quantity, value in line.moves:
        figures += [quantity, value]
    return figures + [line.closing_quantity, line.closing_value]


def reconciliation_workbook(result: Reconciliation) -> bytes:
    """The month for finance: one row per store, part and condition, figures as numbers (values with
    2 decimals), a total row, and a sheet that says what the figures are."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Reconciliation"))
    sheet.freeze_panes = "A2"

    def row(texts: list, figures: list, *, bold: bool = False) -> list:
        cells = []
        for value in texts:
            cell = WriteOnlyCell(sheet, value=value)
            if bold:
                cell.font = HEADER
            cells.append(cell)
        for n, value in enumerate(figures):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = MONEY_FORMAT if n % 2 else QUANTITY_FORMAT
            if bold:
                cell.font = HEADER
            cells.append(cell)
        return cells

    sheet.append(row(_header(), [], bold=True))
    for line in result.lines:
        sheet.append(row([line.location_code, line.location_name, line.part_code, line.part_name, line.unit,
                          line.condition_label], _figures(line)))
    sheet.append(row([_("Total"), "", "", "", "", ""], _figures(result.totals), bold=True))
    about = book.create_sheet(_("About"))
    status = (_("Locked on %(at)s by %(by)s") % {"at": f"{timezone.localtime(result.locked.locked_at):%Y-%m-%d %H:%M}",
                                                  "by": result.locked.locked_by}
              if result.locked else _("Open: not locked yet, the figures may still change"))
    for label, value in (
        (_("Month"), f"{result.month:%Y-%m}"),
        (_("Stores"), str(result.location) if result.location else _("All stores")),
        (_("Status"), status),
        (_("Made at"), f"{timezone.localtime():%Y-%m-%d %H:%M}"),
        (_("Values"), _("Moving weighted average cost. Stock coming in from outside at its unit cost (given, else "
                        "the part's unit cost); stock taken out at the store's average cost, rounded half up to "
                        "0.01; the last units out take the remaining value. Closing = opening + in − out.")),
    ):
        about.append([WriteOnlyCell(about, value=label), WriteOnlyCell(about, value=value)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
