"""The three writes every record shares: create, update, archive. Each is one atomic action
that validates, saves and writes its audit row in the same transaction."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_event, diff, snapshot
from .errors import ServiceError
from .models import AuditAction

M = TypeVar("M", bound=models.Model)


def _m2m_labels(instance, name: str) -> list[str]:
    return sorted(str(o) for o in getattr(instance, name).all())


def _set_m2m(instance, m2m: dict[str, Any] | None) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name, objects in (m2m or {}).items():
        before = _m2m_labels(instance, name) if instance.pk else []
        getattr(instance, name).set(objects)
        after = _m2m_labels(instance, name)
        if before != after:
            changes[name] = [before, after]
    return changes


@transaction.atomic
def record_create(*, model: type[M], actor, data: dict[str, Any], m2m: dict[str, Any] | None = None) -> M:
    instance = model(**data)
    instance.full_clean()
    instance.save()
    changes = diff({}, snapshot(instance)) | _set_m2m(instance, m2m)
    audit_event(instance, action=AuditAction.CREATE, actor=actor, changes=changes)
    return instance


@transaction.atomic
def record_update(*, instance: M, actor, data: dict[str, Any], m2m: dict[str, Any] | None = None) -> M:
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    if getattr(locked, "archived_at", None) is not None:
        raise ServiceError("archived", _("This record is archived; restore it before changing it."))
    before = snapshot(locked)
    for name, value in data.items():
        setattr(locked, name, value)
    locked.full_clean()
    changes = diff(before, snapshot(locked))
    if changes:
        fields = [f.name for f in locked._meta.concrete_fields if f.name in changes]
        if any(f.name == "updated_at" for f in locked._meta.concrete_fields):
            fields.append("updated_at")
        locked.save(update_fields=fields)
    changes |= _set_m2m(locked, m2m)
    if changes:
        audit_event(locked, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return locked


@transaction.atomic
def record_archive(*, instance: M, actor) -> M:
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    if locked.archived_at is None:
        locked.archived_at = timezone.now()
        locked.archived_by = actor
        locked.save(update_fields=["archived_at", "archived_by", "updated_at"])
        audit_event(locked, action=AuditAction.ARCHIVE, actor=actor)
    return locked


@transaction.atomic
def record_restore(*, instance: M, actor) -> M:
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    if locked.archived_at is not None:
        locked.archived_at = None
        locked.archived_by = None
        locked.save(update_fields=["archived_at", "archived_by", "updated_at"])
        audit_event(locked, action=AuditAction.RESTORE, actor=actor)
    return locked
