"""Demo rows of the after-sales policies: returns in every state and depot batches (one late, one
whose follow-up is due). Called by aftersales/core/demo.py once customers and assets exist:

    from aftersales.aftercare.demo import demo_aftercare
    demo_aftercare(desk=self.users["desk"], gm=self.users["general_manager"], today=self.today)
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def demo_aftercare(*, desk, gm, today: dt.date) -> dict[str, int]:
    from aftersales.assets.models import Asset

    from . import services
    from .models import DepotBatch, ReturnRequest

    assets = list(Asset.objects.filter(archived_at__isnull=True).select_related("customer", "product_model")
                  .order_by("id")[:4])
    if len(assets) < 4:
        return {"returns": 0, "depot batches": 0}

    def ret(asset, *, days, **kw):
        data = {"customer": asset.customer, "asset": asset, "product_model": asset.product_model,
                "purchased_on": today - dt.timedelta(days=days), "requested_on": today, "receipt_given": True,
                "packaging_intact": True, "fault_by_people": False, "fault_description": "开机后画面无显示",
                "wanted": "exchange", **kw}
        return services.return_register(actor=desk, data=data)

    ret(assets[0], days=3)  # waits for the general manager
    services.return_approve(actor=gm, ret=ret(assets[1], days=5, wanted="refund"), note="质量问题属实，同意退款")
    ret(assets[2], days=12)  # out of the 7 days: refused by the rules
    ret(assets[3], days=2, fault_by_people=True, packaging_intact=False, fault_description="外壳摔裂")

    now = timezone.now()
    services.depot_receive(actor=desk, data={"customer": assets[0].customer, "unit_count": 12,
                                                    "reference": "YD-20260001", "description": "电源故障",
                                                    "received_at": now - dt.timedelta(days=6)})
    back = services.depot_receive(actor=desk, data={"customer": assets[1].customer, "unit_count": 3,
                                                    "serial_numbers": "DS0001\nDS0002\nDS0003",
                                                    "received_at": now - dt.timedelta(days=8)})
    services.depot_mark_repaired(actor=desk, batch=back, at=now - dt.timedelta(days=7))
    services.depot_mark_returned(actor=desk, batch=back, at=now - dt.timedelta(days=5))
    services.depot_receive(actor=desk, data={"customer": assets[2].customer, "unit_count": 25})
    return {"returns": ReturnRequest.objects.count(), "depot batches": DepotBatch.objects.count()}
