from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.core.errors import ServiceError
from aftersales.core.services import record_create, record_update

from .models import Contract


def _check_assets(customer, assets) -> None:
    foreign = [str(a) for a in assets if a.customer_id != customer.pk]
    if foreign:
        raise ServiceError(
            "asset_of_other_customer",
            _("These assets belong to another customer: %(assets)s") % {"assets": "、".join(foreign[:5])},
            field="assets",
        )


@transaction.atomic
def contract_create(*, actor, data: dict[str, Any], assets=None) -> Contract:
    if assets:
        _check_assets(data["customer"], assets)
    return record_create(model=Contract, actor=actor, data=data, m2m={"assets": assets or []})


@transaction.atomic
def contract_update(*, actor, contract: Contract, data: dict[str, Any], assets=None) -> Contract:
    customer = data.get("customer", contract.customer)
    covered = assets if assets is not None else list(contract.assets.all())
    _check_assets(customer, covered)
    m2m = {"assets": assets} if assets is not None else None
    return record_update(instance=contract, actor=actor, data=data, m2m=m2m)
