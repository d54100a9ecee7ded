"""Factories of returns and depot batches; MATRIX_FACTORIES: the who-sees-what matrix's rows of this app."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from aftersales.aftercare.choices import ReturnState, Wanted
from aftersales.aftercare.models import DepotBatch, ReturnRequest


def _return_request(org, w):
    today = timezone.localdate()
    ReturnRequest.objects.create(
        id=org.pk, customer_id=org.pk, asset_id=org.pk, product_model_id=org.pk, serial_number=f"SN-{org.key}",
        purchased_on=today - dt.timedelta(days=2), requested_on=today, receipt_given=True, packaging_intact=True,
        fault_by_people=False, fault_description="开机无显示", wanted=Wanted.EXCHANGE, state=ReturnState.SUBMITTED,
        registered_by=w.users["manager"])


def _depot_batch(org, w):
    now = timezone.now()
    DepotBatch.objects.create(
        id=org.pk, customer_id=org.pk, reference=f"YD-{org.key}", received_at=now - dt.timedelta(hours=2),
        unit_count=1, serial_numbers=f"SN-{org.key}", description="不开机", due_on=timezone.localdate(),
        received_by=w.users["manager"])


MATRIX_FACTORIES = {
    "aftercare.returnrequest": _return_request,
    "aftercare.depotbatch": _depot_batch,
}
