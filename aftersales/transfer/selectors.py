"""Reads of the transfer app: which kinds a user may import or export."""

from __future__ import annotations

from aftersales.accounts.scoping import can

from .specs import SPECS, KindSpec


def kinds_for(*, actor, action: str) -> list[KindSpec]:
    """The kinds whose records ``actor`` may ``action`` (add: import, view: export)."""
    return [spec for spec in SPECS.values() if can(actor, action, spec.model)]
