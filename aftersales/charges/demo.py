"""Demo charges: the price rules of SPEC W6 beside the seeded `004` rate card, quotes of the demo's
work orders in every state, and one third-party cost against us (W9). Built through the services.

Called by the demo builder (aftersales.core.demo) after the work orders and breaches exist:
    demo_charges(manager=service_manager, finance=finance_user, today=today)
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from decimal import Decimal

from aftersales.service.models import Breach
from aftersales.workorders.choices import WorkOrderState
from aftersales.workorders.models import WorkOrder

from . import services
from .choices import Decision, PriceKind
from .models import PriceRule, Quote, ThirdPartyCost

RULES = [  # code, name, kind, labour per hour, cap, travel, misuse parts only, default
    ("CL-002", "材料成本价+人工费（002）", PriceKind.COST_PLUS_LABOUR, "80", None, "0", True, True),
    ("MK-000", "市场价，不收人工费（000）", PriceKind.MARKET_NO_LABOUR, "0", None, "0", False, False),
    ("HR-002", "人工费按小时计，封顶（002）", PriceKind.HOURLY_CAPPED, "10", "80", "0", False, False),
]


def _signature() -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 70), (90, 20), (160, 80), (260, 30)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def demo_rules() -> dict[str, PriceRule]:
    rules = {}
    for code, name, kind, rate, cap, travel, parts_only, default in RULES:
        rules[code], _created = PriceRule.objects.get_or_create(code=code, defaults={
            "name": name, "kind": kind, "labour_rate": Decimal(rate), "labour_cap": Decimal(cap) if cap else None,
            "travel_charge": Decimal(travel), "misuse_parts_only": parts_only, "is_default": default})
    return rules


def demo_charges(*, manager, finance, today: dt.date, limit: int = 6) -> dict[str, int]:
    rules = demo_rules()
    work_orders = (WorkOrder.objects.exclude(state=WorkOrderState.VOID).filter(quote__isnull=True)
                   .select_related("request__asset").order_by("id")[:limit])
    steps = 0
    for work_order in work_orders:
        quote = services.quote_open(actor=None, work_order=work_order)
        if quote.decision == Decision.FREE:
            continue
        services.quote_price(actor=manager, quote=quote, rule=rules["CL-002"], hours=Decimal("2"),
                             part_prices={u.part_id: u.part.unit_cost or Decimal("100")
                                          for u in work_order.used_parts.select_related("part")})
        steps += 1
        if steps % 3 == 0:
            continue  # priced, not yet given to the customer
        services.quote_send(actor=None, quote=quote)
        if steps % 3 == 1:
            services.quote_accept(actor=None, quote=quote, signer_name="赵主任", signature=_signature())
    breach = Breach.objects.select_related("request").order_by("id").first()
    if breach is not None and not ThirdPartyCost.objects.exists():
        services.third_party_cost_record(actor=finance, request=breach.request, breach=breach, amount="1500.00",
                                         incurred_on=today, invoice_ref="FP-DEMO-0001",
                                         note="未在承诺时间内到场，客户自行请第三方维修")
    return {"quotes": Quote.objects.count(), "third_party_costs": ThirdPartyCost.objects.count()}
