"""Writes of tool kits (SPEC P6): one service per kind of event, each all or nothing.

Every event locks what it changes in one order: the tool rows (by id), then the kit row, then
the kit's lines (by tool id). Every change of a tool's counts holds that tool's lock, and every
change of a kit's lines holds the kit's lock, so archiving a tool or a kit, which takes the same
lock, sees counts that cannot move under it. A count never goes below zero: the service refuses
with the tool, what there is and what was asked, and the database refuses too (check
constraints). Each event is saved with its audit row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.audit import AuditAction, audit_event, diff, snapshot
from aftersales.core.errors import ServiceError, validation_messages
from aftersales.core.services import record_archive

from .choices import CHARGE_KINDS, EFFECTS, KIT_KINDS, ToolEventKind
from .models import Tool, ToolEvent, ToolKit, ToolKitLine

MAX_LINES = 200
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")


@dataclass(frozen=True)
class Move:
    """One tool of an event: which, how many, and (lost, bought, receipt) the money."""

    tool: Tool
    quantity: int
    amount: Decimal | None = None


# ---------------------------------------------------------------- checks


def _refuse(code: str, message: str, field_name: str | None = None, **params: Any) -> ServiceError:
    return ServiceError(code, message, field=field_name, params=params or None)


def _check_quantity(quantity: Any, field_name: str = "quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise _refuse("invalid_quantity", _("Give a whole number of at least 1."), field_name)
    return quantity


def _check_amount(amount: Any) -> Decimal | None:
    """None, or money: 0 or more, at most two decimals."""
    if amount is None or amount == "":
        return None
    if isinstance(amount, (bool, float)):
        raise _refuse("invalid_amount", _("Give an amount of 0 or more, with at most two decimals."), "amount")
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise _refuse("invalid_amount", _("Give an amount of 0 or more, with at most two decimals."),
                      "amount") from exc
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT or value != value.quantize(CENT):
        raise _refuse("invalid_amount", _("Give an amount of 0 or more, with at most two decimals."), "amount")
    return value.quantize(CENT)


def _check_live(obj, field_name: str) -> None:
    if obj.archived_at is not None:
        raise _refuse("archived", _("%(record)s is archived; restore it first.") % {"record": obj}, field_name)


def _moves(moves: Iterable[Move]) -> list[Move]:
    moves = list(moves)
    if not moves:
        raise _refuse("empty", _("Give at least one tool and its quantity."), "lines")
    if len(moves) > MAX_LINES:
        raise _refuse("too_many", _("Give at most %(max)s tools at once.") % {"max": MAX_LINES}, "lines")
    seen: set[int] = set()
    for move in moves:
        if move.tool is None or move.tool.pk is None:
            raise _refuse("required", _("Give the tool."), "tool")
        if move.tool.pk in seen:
            raise _refuse("duplicate_tool", _("%(tool)s is named twice.") % {"tool": move.tool}, "lines")
        seen.add(move.tool.pk)
        _check_quantity(move.quantity)
    return moves


# ---------------------------------------------------------------- locks


def _lock_tools(ids: Iterable[int]) -> dict[int, Tool]:
    """The tool rows, locked one by one in id order."""
    return {pk: Tool.objects.select_for_update().get(pk=pk) for pk in sorted(set(ids))}


def _lock_kit(kit: ToolKit) -> ToolKit:
    return ToolKit.objects.select_for_update().select_related("holder").get(pk=kit.pk)


def _lock_lines(kit: ToolKit, tool_ids: Iterable[int], *, create: bool) -> dict[int, ToolKitLine]:
    """The kit's lines of these tools, locked in tool order; with ``create``, a missing line is made
    at 0 (no one else can make it meanwhile: the kit's row is locked)."""
    lines = {}
    for tool_id in sorted(set(tool_ids)):
        queryset = ToolKitLine.objects.select_for_update()
        if create:
            lines[tool_id] = queryset.get_or_create(kit=kit, tool_id=tool_id)[0]
        else:
            line = queryset.filter(kit=kit, tool_id=tool_id).first()
            lines[tool_id] = line if line is not None else ToolKitLine(kit=kit, tool_id=tool_id, quantity=0)
    return lines


# ---------------------------------------------------------------- refusals


def _short_store(tool: Tool, asked: int) -> ServiceError:
    return _refuse("insufficient_store", _(
        "Not enough in the store: %(tool)s has %(on_hand)s, %(asked)s asked.")
        % {"tool": tool, "on_hand": tool.quantity, "asked": asked}, "quantity", on_hand=tool.quantity, asked=asked)


def _short_broken(tool: Tool, asked: int) -> ServiceError:
    return _refuse("insufficient_broken", _(
        "Not enough broken tools handed in: %(tool)s has %(on_hand)s, %(asked)s asked.")
        % {"tool": tool, "on_hand": tool.broken_quantity, "asked": asked}, "quantity",
        on_hand=tool.broken_quantity, asked=asked)


def _not_held(kit: ToolKit, tool: Tool, held: int, asked: int) -> ServiceError:
    return _refuse("not_held", _(
        "Kit %(kit)s holds %(held)s of %(tool)s, %(asked)s given.")
        % {"kit": kit.code, "tool": tool, "held": held, "asked": asked}, "quantity", held=held, asked=asked)


# ---------------------------------------------------------------- posting


def _amount_of(kind: str, move: Move, tool: Tool) -> Decimal | None:
    amount = _check_amount(move.amount)
    if kind == ToolEventKind.LOST:
        if amount is None:
            amount = (tool.unit_price * move.quantity).quantize(CENT)
            if amount <= 0:
                raise _refuse("amount_required", _(
                    "Give the amount the holder pays: %(tool)s has no unit price.") % {"tool": tool}, "amount")
        elif amount <= 0:
            raise _refuse("amount_required", _("The holder pays more than 0 for a lost tool; to let them off, "
                                               "settle the charge with a note."), "amount")
    if kind == ToolEventKind.BOUGHT and (amount is None or amount <= 0):
        raise _refuse("amount_required", _("Give the price paid on the road."), "amount")
    if kind not in (ToolEventKind.LOST, ToolEventKind.BOUGHT, ToolEventKind.RECEIPT) and amount is not None:
        raise _refuse("no_amount", _("This kind of event carries no amount."), "amount")
    return amount


def _apply(kind: str, move: Move, tool: Tool, kit: ToolKit | None, line: ToolKitLine | None) -> None:
    """Check that every count stays at 0 or more, then change them (nothing is saved here)."""
    effect = EFFECTS[kind]
    quantity = move.quantity
    if effect.held and line.quantity < quantity:
        raise _not_held(kit, tool, line.quantity, quantity)
    if tool.quantity + effect.store * quantity < 0:
        raise _short_store(tool, quantity)
    if tool.broken_quantity + effect.broken * quantity < 0:
        raise _short_broken(tool, quantity)
    tool.quantity += effect.store * quantity
    tool.broken_quantity += effect.broken * quantity
    if line is not None:
        line.quantity += effect.kit * quantity


@transaction.atomic
def _post(*, actor, kind: str, moves: Iterable[Move], kit: ToolKit | None = None, reference: str = "",
          note: str = "", at: dt.datetime | None = None) -> list[ToolEvent]:
    """Post one event per tool of ``moves``, all or nothing."""
    if kind not in ToolEventKind.values:
        raise _refuse("invalid_kind", _("Unknown kind of tool event."), "kind")
    effect = EFFECTS[kind]
    moves = _moves(moves)
    if kind == ToolEventKind.SCRAP and not (note or "").strip():
        raise _refuse("reason_required", _("Give the reason."), "note")
    if kind in KIT_KINDS and kit is None:
        raise _refuse("kit_required", _("Name the kit."), "kit")
    if kind not in KIT_KINDS and kit is not None:
        raise _refuse("no_kit", _("This kind of event concerns no kit."), "kit")
    tools = _lock_tools(m.tool.pk for m in moves)
    for tool in tools.values():
        _check_live(tool, "tool")
    if kit is not None:
        kit = _lock_kit(kit)
        _check_live(kit, "kit")
    lines = (_lock_lines(kit, tools, create=effect.kit > 0) if kit is not None and (effect.kit or effect.held)
             else {})
    events = []
    for move in moves:
        tool = tools[move.tool.pk]
        amount = _amount_of(kind, move, tool)
        _apply(kind, move, tool, kit, lines.get(tool.pk))
        events.append(ToolEvent(kind=kind, tool=tool, kit=kit, holder=kit.holder if kit else None,
                                quantity=move.quantity, amount=amount, reference=(reference or "").strip(),
                                note=(note or "").strip(), actor=actor, at=at or timezone.now()))
    for tool in tools.values():
        tool.save(update_fields=["quantity", "broken_quantity", "updated_at"])
    for line in lines.values():
        if line.pk is not None:
            line.save(update_fields=["quantity", "updated_at"])
    for event in events:
        try:  # the fields' own rules; the linked rows are locked above, the database checks the constraints
            event.full_clean(exclude=["tool", "kit", "holder", "actor", "settled_by"], validate_unique=False,
                             validate_constraints=False)
        except ValidationError as exc:
            raise ServiceError("invalid", "; ".join(m for ms in validation_messages(exc).values() for m in ms)) from exc
        event.save()
        audit_event(event, action=AuditAction.CREATE, actor=actor, changes=diff({}, snapshot(event)))
    return events


# ---------------------------------------------------------------- the events


def tool_receive(*, actor, tool: Tool, quantity: int, amount: Any = None, reference: str = "", note: str = "",
                 at: dt.datetime | None = None) -> ToolEvent:
    """入库: new tools come into the store (``amount``: what they cost, if known)."""
    return _post(actor=actor, kind=ToolEventKind.RECEIPT, moves=[Move(tool, quantity, amount)],
                 reference=reference, note=note, at=at)[0]


def tools_issue(*, actor, kit: ToolKit, lines: Iterable[tuple[Tool, int]], reference: str = "", note: str = "",
                at: dt.datetime | None = None) -> list[ToolEvent]:
    """发放: tools leave the store for a kit, one event per tool, all or nothing."""
    return _post(actor=actor, kind=ToolEventKind.ISSUE, kit=kit, moves=[Move(t, q) for t, q in lines],
                 reference=reference, note=note, at=at)


def tools_return(*, actor, kit: ToolKit, lines: Iterable[tuple[Tool, int]], note: str = "",
                 at: dt.datetime | None = None) -> list[ToolEvent]:
    """归还: tools of a kit come back into the store, all or nothing."""
    return _post(actor=actor, kind=ToolEventKind.RETURN, kit=kit, moves=[Move(t, q) for t, q in lines],
                 note=note, at=at)


def tool_lost(*, actor, kit: ToolKit, tool: Tool, quantity: int = 1, amount: Any = None, note: str = "",
              at: dt.datetime | None = None) -> ToolEvent:
    """丢失: tools of a kit are lost; the holder pays ``amount`` (by default quantity × unit price),
    owed until settled."""
    return _post(actor=actor, kind=ToolEventKind.LOST, kit=kit, moves=[Move(tool, quantity, amount)], note=note,
                 at=at)[0]


def tool_broken(*, actor, kit: ToolKit, tool: Tool, quantity: int = 1, note: str = "",
                at: dt.datetime | None = None) -> ToolEvent:
    """以旧换新: the broken tool is handed in and a new one from the store takes its place in the kit."""
    return _post(actor=actor, kind=ToolEventKind.BROKEN, kit=kit, moves=[Move(tool, quantity)], note=note, at=at)[0]


def tool_bought(*, actor, kit: ToolKit, tool: Tool, quantity: int = 1, amount: Any, reference: str = "",
                note: str = "", at: dt.datetime | None = None) -> ToolEvent:
    """途中自购: the kit's holder bought a tool on the road; it goes into the store and the price paid
    (``amount``) is owed to the holder until settled."""
    return _post(actor=actor, kind=ToolEventKind.BOUGHT, kit=kit, moves=[Move(tool, quantity, amount)],
                 reference=reference, note=note, at=at)[0]


def tool_scrap(*, actor, tool: Tool, quantity: int, note: str, at: dt.datetime | None = None) -> ToolEvent:
    """报废: broken tools handed in leave the store for good (``note``: why)."""
    return _post(actor=actor, kind=ToolEventKind.SCRAP, moves=[Move(tool, quantity)], note=note, at=at)[0]


@transaction.atomic
def tool_event_settle(*, actor, event: ToolEvent, note: str = "") -> ToolEvent:
    """结清: the holder paid for a lost tool, or was paid back for one bought on the road. Once."""
    locked = ToolEvent.objects.select_for_update().get(pk=event.pk)
    if locked.kind not in CHARGE_KINDS:
        raise _refuse("not_a_charge", _("Only a lost tool or one bought on the road is settled."))
    if locked.settled_at is not None:
        raise _refuse("already_settled", _("Already settled on %(date)s by %(by)s.") % {
            "date": timezone.localtime(locked.settled_at).strftime("%Y-%m-%d %H:%M"), "by": locked.settled_by})
    note = (note or "").strip()
    if len(note) > 200:
        raise _refuse("invalid", _("At most 200 characters."), "note")
    locked.settled_at, locked.settled_by, locked.settle_note = timezone.now(), actor, note
    locked.save(update_fields=["settled_at", "settled_by", "settle_note"])
    audit_event(locked, action=AuditAction.UPDATE, actor=actor, changes={
        "settled_at": [None, locked.settled_at.isoformat()], "settled_by": [None, str(actor)],
        **({"settle_note": ["", note]} if note else {})})
    return locked


# ---------------------------------------------------------------- archiving


@transaction.atomic
def tool_archive(*, actor, tool: Tool) -> Tool:
    """A tool still in a kit is not archived: its holders answer for it."""
    locked = Tool.objects.select_for_update().get(pk=tool.pk)
    held = ToolKitLine.objects.filter(tool=locked).aggregate(n=Sum("quantity"))["n"] or 0
    if held:
        raise _refuse("tool_in_kits", _("%(count)s of %(tool)s are still in kits: have them returned first.")
                      % {"count": held, "tool": locked})
    return record_archive(instance=locked, actor=actor)


@transaction.atomic
def kit_archive(*, actor, kit: ToolKit) -> ToolKit:
    """A kit that still holds tools is not archived: return (or record as lost) what it holds first."""
    locked = _lock_kit(kit)
    held = locked.lines.aggregate(n=Sum("quantity"))["n"] or 0
    if held:
        raise _refuse("kit_not_empty", _("Kit %(kit)s still holds %(count)s tools: return them first.")
                      % {"kit": locked.code, "count": held})
    return record_archive(instance=locked, actor=actor)
