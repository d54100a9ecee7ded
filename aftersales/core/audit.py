"""Writing and reading the audit trail (who, when, what changed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditAction, AuditEvent

IGNORED_FIELDS = {"created_at", "updated_at", "archived_at", "archived_by"}


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The audited field values of an instance, as JSON-ready plain values."""
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.name in IGNORED_FIELDS:
            continue
        if field.is_relation:
            related_id = getattr(instance, field.attname)
            values[field.name] = str(getattr(instance, field.name)) if related_id is not None else None
        else:
            values[field.name] = _plain(getattr(instance, field.attname))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def audit_event(instance: models.Model, *, action: str, actor, changes: dict | None = None) -> AuditEvent:
    return AuditEvent.objects.create(**_event_fields(instance, action=action, actor=actor, changes=changes))


def audit_events_bulk(instances: Iterable[models.Model], *, action: str, actor) -> None:
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(**_event_fields(i, action=action, actor=actor, changes=diff({}, snapshot(i))))
            for i in instances
        ],
        batch_size=1000,
    )


def _event_fields(instance, *, action, actor, changes) -> dict[str, Any]:
    return {
        "content_type": ContentType.objects.get_for_model(instance, for_concrete_model=True),
        "object_id": str(instance.pk),
        "object_repr": str(instance)[:200],
        "action": action,
        "actor": actor if getattr(actor, "pk", None) else None,
        "changes": changes or {},
    }


def history_for(instance: models.Model):
    """The record's history, newest first."""
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
    ).select_related("actor")


__all__ = ["AuditAction", "audit_event", "audit_events_bulk", "diff", "history_for", "snapshot"]
