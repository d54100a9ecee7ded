"""Stocktakes (盘点): count a store, enter the counts (or import them from Excel), see the
differences, post them as adjustment movements, all or nothing.

Movements posted during the count. Each line keeps the stock expected when the count started
(the store's stock rows read in one statement when the stocktake is started). Posting adjusts
each row by counted − expected, relative to its stock at posting: a receipt or an issue posted
while the count was going on is kept, not undone by the count. The count is therefore of the
shelves as they were when it started: stock received during the count is counted apart (or put
away after counting), stock issued during the count is counted as if still there. A line added
during the count (a part found that had no stock row with stock when the count started) expects 0.
A row whose stock at posting cannot take the loss is refused, named, and nothing is posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO

from django.db import IntegrityError, transaction
from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts.scoping import scope
from aftersales.catalogue.models import Part
from aftersales.core.audit import AuditAction, audit_event, diff, snapshot
from aftersales.core.errors import ServiceError
from aftersales.transfer.workbook import read_rows, read_upload

from . import posting, reconciliation
from .choices import Condition, MovementKind, StocktakeState
from .models import StockBalance, StockLocation, StockMovement, Stocktake, StocktakeLine

MAX_COUNT = 2**31 - 1

# ---------------------------------------------------------------- reads


def stocktake_list(*, actor, filters: dict[str, Any] | None = None) -> QuerySet:
    filters = filters or {}
    queryset = scope(Stocktake.objects.all(), actor).select_related("location")
    if filters.get("location"):
        queryset = queryset.filter(location=filters["location"])
    if filters.get("state"):
        queryset = queryset.filter(state=filters["state"])
    return queryset


def stocktake_get_for(*, actor, pk: int) -> Stocktake:
    stocktake = scope(Stocktake.objects.select_related("location"), actor).filter(pk=pk).first()
    if stocktake is None:
        raise Http404
    return stocktake


def stocktake_lines(stocktake: Stocktake, *, differences_only: bool = False) -> QuerySet:
    """The lines with the part, the stock on hand now (``on_hand``) and the adjustment posting would
    make (``difference`` = counted − expected)."""
    on_hand = StockBalance.objects.filter(part_id=OuterRef("part_id"), location_id=stocktake.location_id,
                                          condition=OuterRef("condition")).values("quantity")[:1]
    lines = (stocktake.lines.select_related("part", "movement")
             .annotate(on_hand=Coalesce(Subquery(on_hand), Value(0), output_field=IntegerField())))
    if differences_only:
        lines = lines.filter(counted__isnull=False).exclude(counted=F("expected"))
    return lines.order_by("part__code", "condition")


@dataclass(frozen=True)
class Summary:
    lines: int
    counted: int
    differing: int
    gains: int  # units found beyond the expected
    losses: int  # units missing

    @property
    def uncounted(self) -> int:
        return self.lines - self.counted


def stocktake_summary(stocktake: Stocktake) -> Summary:
    lines = list(stocktake.lines.values_list("expected", "counted"))
    differences = [c - e for e, c in lines if c is not None and c != e]
    return Summary(lines=len(lines), counted=sum(1 for _e, c in lines if c is not None),
                   differing=len(differences), gains=sum(d for d in differences if d > 0),
                   losses=-sum(d for d in differences if d < 0))


# ---------------------------------------------------------------- writes


def _locked(stocktake: Stocktake) -> Stocktake:
    """The stocktake, locked, still counting."""
    locked = Stocktake.objects.select_for_update().select_related("location").get(pk=stocktake.pk)
    if locked.state != StocktakeState.COUNTING:
        raise ServiceError("not_counting", _("This stocktake is %(state)s: it can no longer change.")
                           % {"state": locked.get_state_display()})
    return locked


@transaction.atomic
def stocktake_start(*, actor, location: StockLocation, note: str = "") -> Stocktake:
    """Start counting a store: one line per part and condition it holds (or keeps a minimum of),
    expecting the stock on hand now."""
    if location is None:
        raise ServiceError("required", _("Choose the store to count."), field="location")
    if location.archived_at is not None:
        raise ServiceError("archived", _("%(record)s is archived; restore it first.") % {"record": location},
                           field="location")
    if Stocktake.objects.filter(location=location, state=StocktakeState.COUNTING).exists():
        raise ServiceError("already_counting", _("%(location)s is already being counted: finish or cancel that "
                                                 "stocktake first.") % {"location": location}, field="location")
    stocktake = Stocktake(location=location, note=(note or "").strip(), started_at=timezone.now())
    try:
        with transaction.atomic():
            stocktake.save()
    except IntegrityError as exc:  # started by someone else at the same moment
        raise ServiceError("already_counting", _("%(location)s is already being counted: finish or cancel that "
                                                 "stocktake first.") % {"location": location},
                           field="location") from exc
    rows = (StockBalance.objects.filter(location=location).filter(Q(quantity__gt=0) | Q(minimum__gt=0))
            .values_list("part_id", "condition", "quantity"))
    StocktakeLine.objects.bulk_create([StocktakeLine(stocktake=stocktake, part_id=part_id, condition=condition,
                                                     expected=quantity) for part_id, condition, quantity in rows],
                                      batch_size=2000)
    audit_event(stocktake, action=AuditAction.CREATE, actor=actor, changes=diff({}, snapshot(stocktake)))
    return stocktake


def _check_count(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise ServiceError("invalid_quantity", _("Give a whole number of at least 0."), field="counted")
    return value


@transaction.atomic
def stocktake_count(*, actor, stocktake: Stocktake, counts: list[dict[str, Any]]) -> int:
    """Enter counts: each {"part": Part, "condition": ..., "counted": int or None (not counted)}.
    A part and condition without a line gets one (expecting 0). Returns the lines changed."""
    stocktake = _locked(stocktake)
    existing = {(line.part_id, line.condition): line for line in stocktake.lines.all()}
    changed, added = [], []
    for entry in counts:
        part, condition = entry["part"], entry.get("condition") or Condition.GOOD
        counted = _check_count(entry.get("counted"))
        if condition not in Condition.values:
            raise ServiceError("invalid_condition", _("Unknown condition."), field="condition")
        line = existing.get((part.pk, condition))
        if line is None:
            if counted is None:
                continue
            if part.archived_at is not None:
                raise ServiceError("archived", _("%(record)s is archived; restore it first.") % {"record": part},
                                   field="part")
            line = existing[(part.pk, condition)] = StocktakeLine(stocktake=stocktake, part=part, condition=condition,
                                                                  expected=0, counted=counted)
            added.append(line)
        elif line.counted != counted:
            line.counted = counted
            changed.append(line)
    StocktakeLine.objects.bulk_create(added, batch_size=2000)
    StocktakeLine.objects.bulk_update(changed, ["counted"], batch_size=2000)
    if added or changed:
        audit_event(stocktake, action=AuditAction.UPDATE, actor=actor,
                    changes={"counts": [None, _("%(count)s lines counted") % {"count": len(added) + len(changed)}]})
    return len(added) + len(changed)


@transaction.atomic
def stocktake_post(*, actor, stocktake: Stocktake, reason: str) -> list[StockMovement]:
    """Post the differences as adjustment movements (盘盈 / 盘亏), all or nothing: each by counted −
    expected, relative to the stock at posting. Every line must be counted."""
    reconciliation.months_hold()  # before any row lock, as every posting
    stocktake = _locked(stocktake)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason_required", _("Give the reason."), field="reason")
    summary = stocktake_summary(stocktake)
    if summary.uncounted:
        raise ServiceError("not_counted", _("%(count)s lines are not counted yet: enter their counts (0 when none is "
                                            "there) before posting.") % {"count": summary.uncounted})
    lines = list(stocktake_lines(stocktake, differences_only=True))
    rows = [{"kind": MovementKind.ADJUSTMENT, "part": line.part, "quantity": abs(line.difference),
             "condition": line.condition, "reference": stocktake.number, "reason": reason,
             ("to_location" if line.difference > 0 else "from_location"): stocktake.location} for line in lines]
    movements = []
    if rows:
        try:
            movements = posting.movements_post(actor=actor, rows=rows)
        except ServiceError as exc:
            raise _refused(exc, lines) from exc
    for line, movement in zip(lines, movements):
        line.movement = movement
    StocktakeLine.objects.bulk_update(lines, ["movement"], batch_size=2000)
    before = snapshot(stocktake)
    stocktake.state, stocktake.posted_at, stocktake.reason = StocktakeState.POSTED, timezone.now(), reason
    stocktake.save(update_fields=["state", "posted_at", "reason"])
    audit_event(stocktake, action=AuditAction.UPDATE, actor=actor, changes=diff(before, snapshot(stocktake)))
    return movements


def _refused(exc: ServiceError, lines: list[StocktakeLine]) -> ServiceError:
    if exc.code != "rows_refused":
        return exc
    named = {}
    for index, errors in exc.params["rows"].items():
        line = lines[index]
        label = f"{line.part} ({line.get_condition_display()})"
        named[line.pk] = "; ".join(m for messages in errors.values() for m in messages)
        named[line.pk] = f"{label}: {named[line.pk]}"
    return ServiceError("lines_refused", _("Nothing was posted: %(count)s lines cannot be adjusted. %(lines)s")
                        % {"count": len(named), "lines": " ".join(named.values())}, params={"lines": named})


@transaction.atomic
def stocktake_cancel(*, actor, stocktake: Stocktake, reason: str) -> Stocktake:
    stocktake = _locked(stocktake)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason_required", _("Give the reason."), field="reason")
    before = snapshot(stocktake)
    stocktake.state, stocktake.reason = StocktakeState.CANCELLED, reason
    stocktake.save(update_fields=["state", "reason"])
    audit_event(stocktake, action=AuditAction.UPDATE, actor=actor, changes=diff(before, snapshot(stocktake)))
    return stocktake


# ---------------------------------------------------------------- Excel: template and import

COLUMNS = [  # field, header, required, explanation
    ("part", gettext_lazy("Part number"), True, gettext_lazy("As in the parts catalogue.")),
    ("name", gettext_lazy("Part name"), False, gettext_lazy("For reading only: not imported.")),
    ("unit", gettext_lazy("Unit"), False, gettext_lazy("For reading only: not imported.")),
    ("condition", gettext_lazy("Condition"), False,
     gettext_lazy("Good or Defective (良品 / 坏件); empty: good.")),
    ("counted", gettext_lazy("Counted"), True,
     gettext_lazy("The whole number found, 0 when none is there; empty: not counted yet (left as it is).")),
]


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel shows it
    column: str
    message: str


def _texts(text) -> set[str]:
    """``text`` in every language of the site (a workbook may come from a user of another language)."""
    from django.conf import settings

    found = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found.add("".join(str(text).split()))
    return found


def stocktake_template(stocktake: Stocktake) -> bytes:
    """The stocktake's lines to count (part number, name, unit, condition), the counts empty; the
    expected stock is not shown (a blind count)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = stocktake.number
    for index, (_field, header, required, _help) in enumerate(COLUMNS, start=1):
        sheet.cell(row=1, column=index, value=str(header)).font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for number, line in enumerate(stocktake.lines.select_related("part").order_by("part__code", "condition"),
                                  start=2):
        for index, value in enumerate([line.part.code, line.part.name, line.part.unit,
                                       str(line.get_condition_display()), line.counted], start=1):
            cell = sheet.cell(row=number, column=index, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text: a value starting with “=” never becomes a formula
    for letter, width in zip("ABCDE", (18, 30, 8, 10, 10)):
        sheet.column_dimensions[letter].width = width
    about = book.create_sheet(_("About"))
    for number, (_field, header, required, help_text) in enumerate(COLUMNS, start=1):
        about.append([str(header), _("Required") if required else _("Optional"), str(help_text)])
    about.append([])
    about.append([_("Stocktake %(number)s of %(location)s, started %(at)s. Add a row for a part found that is not "
                    "listed. The file is imported only when every row is correct.")
                  % {"number": stocktake.number, "location": stocktake.location,
                     "at": f"{timezone.localtime(stocktake.started_at):%Y-%m-%d %H:%M}"}])
    import io

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _condition_of(value: Any) -> str | None:
    text = "".join(str(value or "").split()).lower()
    if not text:
        return Condition.GOOD
    for choice in Condition:
        if text == choice.value or text in {t.lower() for t in _texts(choice.label)}:
            return choice.value
    return None


def _count_of(value: Any) -> int | None | bool:
    """The count in a cell: an int, None (empty), or False (not a whole number of at least 0)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return False
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and 0 <= value <= MAX_COUNT else False


def _read_import(content: bytes) -> tuple[list[dict[str, Any]], list[RowError]]:
    header, cells = read_rows(content)
    errors: list[RowError] = []
    positions: dict[str, int] = {}
    known = {text: name for name, title, _r, _h in COLUMNS for text in _texts(title)}
    for index, text in enumerate(header):
        if text in known and known[text] not in positions:
            positions[known[text]] = index
    for name, title, required, _help in COLUMNS:
        if required and name not in positions:
            errors.append(RowError(1, str(title), _("This column is missing; keep the headers of the template.")))
    if errors:
        return [], errors
    if not cells:
        raise ServiceError("empty", _("The file contains no rows to import."), field="file")

    def cell(values, name):
        index = positions.get(name)
        return values[index] if index is not None and index < len(values) else None

    codes = {str(cell(v, "part") or "").strip() for _n, v in cells}
    parts = {p.code: p for p in Part.objects.filter(code__in=codes - {""})}
    entries, seen = [], {}
    for number, values in cells:
        code = str(cell(values, "part") or "").strip()
        condition = _condition_of(cell(values, "condition"))
        counted = _count_of(cell(values, "counted"))
        problems = []
        if not code:
            problems.append(("part", _("Give the part number.")))
        elif code not in parts:
            problems.append(("part", _("No part has this number.")))
        if condition is None:
            problems.append(("condition", _("Write Good or Defective.")))
        if counted is False:
            problems.append(("counted", _("Give a whole number of at least 0.")))
        key = (code, condition)
        if not problems and key in seen:
            problems.append(("part", _("This part and condition are already on row %(row)s.") % {"row": seen[key]}))
        for name, message in problems:
            errors.append(RowError(number, str(dict((c[0], c[1]) for c in COLUMNS)[name]), message))
        if not problems:
            seen[key] = number
            entries.append({"part": parts[code], "condition": condition, "counted": counted, "row": number})
    return entries, errors


def stocktake_import(*, actor, stocktake: Stocktake, file: BinaryIO | bytes) -> int:
    """Counts from a workbook (stocktake_template's columns): every row is checked first, and the
    counts are entered only when every row is correct; else ServiceError ``import_refused`` with
    ``params["errors"]``: [RowError(row, column, message)], nothing entered. Empty counts are left
    as they are. Returns the lines changed."""
    entries, errors = _read_import(read_upload(file))
    if not errors and stocktake.state == StocktakeState.COUNTING:
        archived = [e for e in entries if e["part"].archived_at is not None and e["counted"] is not None]
        known = set(stocktake.lines.values_list("part_id", "condition"))
        errors = [RowError(e["row"], str(COLUMNS[0][1]), _("%(record)s is archived; restore it first.")
                           % {"record": e["part"]}) for e in archived if (e["part"].pk, e["condition"]) not in known]
    if errors:
        raise ServiceError("import_refused", _("Nothing was imported: %(count)s problems were found. Correct the file "
                                               "and upload it again.") % {"count": len(errors)},
                           field="file", params={"errors": errors})
    return stocktake_count(actor=actor, stocktake=stocktake,
                           counts=[e for e in entries if e["counted"] is not None])
