"""Excel files in and out: check an upload is a real .xlsx of acceptable size, read its first sheet,
and write a sheet of the kind's columns (with the explanation sheet for templates)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any, BinaryIO, Iterable

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from aftersales.core.errors import ServiceError

from .specs import KindSpec

WORKBOOK_PART = "xl/workbook.xml"
MAX_UNPACKED_BYTES = 400 * 1024 * 1024  # a small file that unpacks to more is a zip bomb
MAX_ROWS = 50_000
HELP_SHEET = "说明"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_FONT = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")


def read_upload(file: BinaryIO | bytes) -> bytes:
    """The upload's bytes if it is an .xlsx workbook no larger than settings.IMPORT_MAX_BYTES."""
    max_bytes = settings.IMPORT_MAX_BYTES
    too_large = ServiceError("file_size", _("The file is too large: at most %(size)s can be imported.")
                             % {"size": filesizeformat(max_bytes)}, field="file")
    if isinstance(file, (bytes, bytearray)):
        content = bytes(file)
    else:
        if getattr(file, "size", None) is not None and file.size > max_bytes:
            raise too_large
        content = file.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise too_large
    if not _is_xlsx(content):
        raise ServiceError("file_type", _("The file is not an Excel workbook (.xlsx)"), field="file")
    return content


def _is_xlsx(content: bytes) -> bool:
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return False
    names = {info.filename for info in infos}
    return WORKBOOK_PART in names and sum(info.file_size for info in infos) <= MAX_UNPACKED_BYTES


def read_rows(content: bytes) -> tuple[list[str], list[tuple[int, tuple[Any, ...]]]]:
    """The header texts of the first sheet and its non-blank rows as (Excel row number, values)."""
    unreadable = ServiceError("file_content", _("The workbook cannot be read; save it again in Excel as .xlsx "
                                                "and upload it again."), field="file")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on damaged files
        raise unreadable from exc
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong size; read what is there
        header: list[str] = []
        rows: list[tuple[int, tuple[Any, ...]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number == 1:
                header = [_header_text(v) for v in values]
                continue
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise ServiceError("too_many_rows", _("The file has more than %(max)d rows; split it into "
                                                      "smaller files.") % {"max": MAX_ROWS}, field="file")
            rows.append((number, values))
    except ServiceError:
        raise
    except Exception as exc:
        raise unreadable from exc
    finally:
        book.close()
    return header, rows


def _header_text(value: Any) -> str:
    return "" if value is None else "".join(str(value).split())


def build_workbook(spec: KindSpec, rows: Iterable[list[Any]], *, explain: bool = False) -> bytes:
    """A workbook with the kind's headers and ``rows``; ``explain`` adds the sheet 说明."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(spec.label)[:31]
    for index, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = HEADER_FONT
        if column.required:
            cell.fill = REQUIRED_FILL
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column.header) * 3)
    sheet.freeze_panes = "A2"
    count = 0
    for count, row in enumerate(rows, start=2):
        for index, value in enumerate(row, start=1):
            _write(sheet, count, index, value)
    _add_drop_downs(sheet, spec, last_row=max(count, 2) + 1000)
    if explain:
        _write_help(book, spec)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(sheet, row: int, column: int, value: Any) -> None:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, (dt.date, dt.datetime)):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif value is None or value == "":
        return
    else:
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # text is text: a value starting with “=” never becomes a formula


def _add_drop_downs(sheet, spec: KindSpec, *, last_row: int) -> None:
    for index, column in enumerate(spec.columns, start=1):
        choices = column.choice_list()
        if not choices:
            continue
        letter = get_column_letter(index)
        check = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
        check.add(f"{letter}2:{letter}{last_row}")
        sheet.add_data_validation(check)


def _write_help(book: Workbook, spec: KindSpec) -> None:
    sheet = book.create_sheet(HELP_SHEET)
    titles = (pgettext("import template", "Column"), pgettext("import template", "Required"),
              pgettext("import template", "Explanation"))
    for index, title in enumerate(titles, start=1):
        sheet.cell(row=1, column=index, value=title).font = HEADER_FONT
    for row, column in enumerate(spec.columns, start=2):
        _write(sheet, row, 1, column.header)
        _write(sheet, row, 2, pgettext("import template", "Required") if column.required
               else pgettext("import template", "Optional"))
        _write(sheet, row, 3, str(column.help))
    note = len(spec.columns) + 3
    _write(sheet, note, 1, _("Row 2 of the first sheet is an example: replace it with your own rows. Keep the "
                             "headers as they are and fill in every required column; the file is imported only "
                             "when every row is correct."))
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 80
