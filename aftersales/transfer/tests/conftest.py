"""Workbooks built in memory for the import tests."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from aftersales.transfer.specs import SPECS


def xlsx_bytes(kind: str, rows: list[dict | list], headers: list[str] | None = None) -> bytes:
    """A workbook with the kind's headers (or ``headers``); a row is a list, or a dict by header."""
    headers = headers if headers is not None else SPECS[kind].headers
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers] if isinstance(row, dict) else row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_sheet(content: bytes, index: int = 0) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[index]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.fixture
def upload():
    """upload(kind, rows, headers=None, name=...) -> an uploaded .xlsx file."""

    def make(kind: str, rows: list, headers: list[str] | None = None, name: str = "导入.xlsx"):
        return SimpleUploadedFile(name, xlsx_bytes(kind, rows, headers))

    return make
