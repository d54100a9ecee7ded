"""Writes of projects and assets: the record services plus the rules of the installed base."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from aftersales.core.audit import audit_event
from aftersales.core.models import AuditAction
from aftersales.core.services import record_create, record_update
from aftersales.core.uploads import check_upload

from .models import Asset, ProjectDocument


def _with_customer(data: dict[str, Any]) -> dict[str, Any]:
    # An asset belongs to the customer of its site; the two can never disagree.
    site = data.get("site")
    if site is not None:
        data = {**data, "customer": site.customer}
    return data


@transaction.atomic
def asset_create(*, actor, data: dict[str, Any]) -> Asset:
    return record_create(model=Asset, actor=actor, data=_with_customer(data))


@transaction.atomic
def asset_update(*, actor, asset: Asset, data: dict[str, Any]) -> Asset:
    return record_update(instance=asset, actor=actor, data=_with_customer(data))


@transaction.atomic
def project_document_add(*, actor, project, upload, title: str, kind: str) -> ProjectDocument:
    """Store a checked document under a random name and record it in the project's history."""
    checked = check_upload(upload, allowed={"pdf", "png", "jpg", "jpeg", "docx", "xlsx"})
    document = ProjectDocument(
        project=project, title=(title or checked.original_name)[:150], kind=kind, original_name=checked.original_name,
        content_type=checked.content_type, size=len(checked.content), uploaded_by=actor,
    )
    document.file.save("upload", ContentFile(checked.content), save=False)
    try:
        document.full_clean()
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    audit_event(project, action=AuditAction.UPDATE, actor=actor, changes={"documents": [None, document.title]})
    return document
