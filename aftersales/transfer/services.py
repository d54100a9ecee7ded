"""Import of customers, sites, contacts and equipment from Excel, and their export.

An import checks every row and reports every problem as (row, column, problem); it saves all
rows or none. Rows are checked before the transaction opens (on SQLite a write transaction
locks out other writers), then saved in one transaction with bulk inserts and one audit row each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from aftersales.accounts.scoping import can, scope
from aftersales.core.audit import audit_events_bulk
from aftersales.core.errors import ServiceError
from aftersales.core.models import AuditAction

from .rows import BUILDERS, Report, RowError, parse_rows
from .specs import KindSpec, spec_for
from .workbook import build_workbook, read_rows, read_upload

SAVE_BATCH = 1000

__all__ = ["ImportResult", "RowError", "export_workbook", "import_workbook", "template_workbook"]


@dataclass(frozen=True)
class ImportResult:
    kind: str
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _spec(kind: str) -> KindSpec:
    spec = spec_for(kind)
    if spec is None:
        raise ServiceError("unknown_kind", _("Unknown kind of records: “%(kind)s”.") % {"kind": kind}, field="kind")
    return spec


def _require(actor, action: str, spec: KindSpec) -> None:
    if not can(actor, action, spec.model):
        raise ServiceError("not_allowed", _("You may not do this with %(kind)s.") % {"kind": spec.label})


def import_workbook(*, kind: str, file: BinaryIO | bytes, actor) -> ImportResult:
    """Check the workbook and save its rows, all or none. File-level refusals (type, size, no rows)
    raise ServiceError; problems of headers and rows come back in ``ImportResult.errors``."""
    spec = _spec(kind)
    _require(actor, "add", spec)
    header, cells = read_rows(read_upload(file))
    report = Report(spec)
    positions = _match_headers(spec, header, report)
    if report.errors:
        return ImportResult(kind=kind, errors=report.sorted())
    if not cells:
        raise ServiceError("empty", _("The file contains no rows to import."), field="file")
    rows = parse_rows(spec, positions, cells, report)
    records = BUILDERS[kind](spec, rows, actor=actor, report=report)
    if report.errors:
        return ImportResult(kind=kind, errors=report.sorted())
    _save(spec.model, records, actor=actor)
    return ImportResult(kind=kind, created=len(records))


def _match_headers(spec: KindSpec, header: list[str], report: Report) -> dict[str, int]:
    """Column positions by field; unknown, repeated and missing headers are reported on row 1."""
    if not any(header):
        report.add_at(1, "", _("The first row must hold the column headers of the template."))
        return {}
    by_header = {c.header: c for c in spec.columns}
    positions: dict[str, int] = {}
    for index, text in enumerate(header):
        column = by_header.get(text)
        if not text:
            continue
        if column is None:
            report.add_at(1, text, _("Unknown column; use the headers of the template."))
        elif column.field in positions:
            report.add_at(1, text, _("This column appears twice."))
        else:
            positions[column.field] = index
    for column in spec.columns:
        if column.field not in positions and not column.optional_column:
            report.add_at(1, column.header, _("This column is missing; keep the headers of the template."))
    return positions


def _save(model: type[models.Model], records: list[models.Model], *, actor) -> None:
    try:
        with transaction.atomic():
            model.objects.bulk_create(records, batch_size=SAVE_BATCH)
            audit_events_bulk(records, action=AuditAction.IMPORT, actor=actor)
    except IntegrityError as exc:
        # Someone saved a conflicting record (same code or serial number) while the rows were checked.
        raise ServiceError("conflict", _("Another user saved the same records meanwhile; nothing was imported. "
                                         "Upload the file again.")) from exc


def export_workbook(*, kind: str, actor) -> bytes:
    """The records of ``kind`` the actor may see, not archived, in the import's columns."""
    spec = _spec(kind)
    _require(actor, "view", spec)
    active = {f"{path}__archived_at__isnull": True for path in spec.active_paths}
    records = scope(spec.model.objects.filter(archived_at__isnull=True, **active), actor)
    records = records.select_related(*spec.select_related).order_by(*spec.ordering)
    # a column about records the actor may not view stays empty (a dealer is not shown project codes)
    shown = [not column.needs or actor.has_perm(column.needs) for column in spec.columns]
    rows = ([column.value_of(r) if show else "" for column, show in zip(spec.columns, shown)]
            for r in records.iterator(chunk_size=2000))
    return build_workbook(spec, rows)


def template_workbook(kind: str) -> bytes:
    """The kind's headers, one example row and the sheet 说明 explaining each column."""
    spec = _spec(kind)
    return build_workbook(spec, [[column.example for column in spec.columns]], explain=True)
