"""Kinds of tool event and what each does to the store and to a kit (SPEC P6, ``001``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class ToolEventKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt into the store")
    ISSUE = "issue", _("Issued to a kit")
    RETURN = "return", _("Returned to the store")
    LOST = "lost", _("Lost (paid by the holder)")
    BROKEN = "broken", _("Broken: old for new")
    BOUGHT = "bought", _("Bought on the road")
    SCRAP = "scrap", _("Scrapped")


@dataclass(frozen=True)
class Effect:
    """What one tool of an event does: to the good tools in the store, to the broken ones handed
    in (kept apart until scrapped), and to the kit's line."""

    store: int = 0
    broken: int = 0
    kit: int = 0
    held: bool = False  # the kit must hold the tools (they leave it, or are exchanged)


EFFECTS: dict[str, Effect] = {
    ToolEventKind.RECEIPT: Effect(store=+1),
    ToolEventKind.ISSUE: Effect(store=-1, kit=+1),
    ToolEventKind.RETURN: Effect(store=+1, kit=-1, held=True),
    ToolEventKind.LOST: Effect(kit=-1, held=True),
    # the broken one is handed in (the kit gives it up and gets a new one from the store: the kit's
    # count stays), and kept apart in the store until scrapped
    ToolEventKind.BROKEN: Effect(store=-1, broken=+1, held=True),
    ToolEventKind.BOUGHT: Effect(store=+1),
    ToolEventKind.SCRAP: Effect(broken=-1),
}

KIT_KINDS = frozenset({ToolEventKind.ISSUE, ToolEventKind.RETURN, ToolEventKind.LOST, ToolEventKind.BROKEN,
                       ToolEventKind.BOUGHT})
"""Kinds that concern a kit (and so its holder)."""

CHARGE_KINDS = frozenset({ToolEventKind.LOST, ToolEventKind.BOUGHT})
"""Kinds that carry money between the company and the holder: a lost tool the holder pays for, a
tool bought on the road the company pays back. Each is settled once."""

KIND_BADGE = {
    ToolEventKind.RECEIPT: "green", ToolEventKind.ISSUE: "blue", ToolEventKind.RETURN: "grey",
    ToolEventKind.LOST: "red", ToolEventKind.BROKEN: "orange", ToolEventKind.BOUGHT: "blue",
    ToolEventKind.SCRAP: "grey",
}
