"""Writes of projects and assets: the record services plus the rules of the installed base."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from aftersales.core.services import record_create, record_update

from .models import Asset


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
