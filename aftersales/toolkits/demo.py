"""Demo tool store (SPEC P6): the tools a systems integrator's technicians carry, a kit for each
technician, and one of each thing that happens to tools: a lost one still owed, one lost and paid,
a broken one exchanged old for new, one bought on the road waiting to be paid back.

Called by the demo builder (aftersales.core.demo) through the services, so that every count is
what the events say.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from . import services
from .models import Tool, ToolKit

# code, name, specification, unit, unit price, received
TOOLS = [
    ("GJ-001", "万用表", "FLUKE 17B+", "台", "680.00", 8),
    ("GJ-002", "网线钳", "AMP 8P8C", "把", "85.00", 10),
    ("GJ-003", "寻线仪", "精明鼠 NF-801", "台", "260.00", 6),
    ("GJ-004", "光功率计", "JW3208", "台", "420.00", 4),
    ("GJ-005", "梯子", "2.5米 铝合金伸缩", "架", "450.00", 3),
    ("GJ-006", "电烙铁", "60W 恒温", "把", "120.00", 6),
    ("GJ-007", "工具包", "帆布 24袋", "个", "150.00", 6),
    ("GJ-008", "螺丝刀套装", "32件", "套", "95.00", 8),
    ("GJ-009", "测线仪", "RJ45/RJ11", "台", "60.00", 8),
    ("GJ-010", "剥线钳", "自动", "把", "45.00", 10),
    ("GJ-011", "光纤切割刀", "FC-6S", "把", "580.00", 2),
    ("GJ-012", "视频监控测试仪", "工程宝 IPC-9800", "台", "1800.00", 3),
]
BASIC = ["GJ-001", "GJ-002", "GJ-003", "GJ-006", "GJ-007", "GJ-008", "GJ-009", "GJ-010"]
FIBRE = ["GJ-004", "GJ-011", "GJ-012"]


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30)))


def demo_toolkits(*, keeper, technicians: list, today: dt.date) -> dict[str, int]:
    """The store's tools received, a kit issued to each of ``technicians`` (the last one also gets
    the fibre and video tools), and the events of a year. Returns counts for the demo's summary."""
    start = today - dt.timedelta(days=320)
    tools = {}
    for code, name, spec, unit, price, received in TOOLS:
        tool = Tool.objects.create(code=code, name=name, spec=spec, unit=unit, unit_price=Decimal(price))
        services.tool_receive(actor=keeper, tool=tool, quantity=received, amount=Decimal(price) * received,
                              reference=f"CG-GJ-{start:%Y%m}", at=_at(start))
        tools[code] = tool
    kits = []
    for n, person in enumerate(technicians, start=1):
        issued = start + dt.timedelta(days=5 + n)
        kit = ToolKit.objects.create(code=f"GJB-{n:03d}", name=f"{person}的工具包", holder=person, issued_on=issued)
        codes = BASIC + (FIBRE if n == len(technicians) else [])
        services.tools_issue(actor=keeper, kit=kit, lines=[(tools[c], 1) for c in codes], reference=f"LY-GJ-{n:03d}",
                             at=_at(issued, 10))
        kits.append(kit)
    if len(kits) >= 3:
        first, second, third = kits[:3]
        services.tool_lost(actor=keeper, kit=third, tool=tools["GJ-010"], note="现场施工时遗失",
                           at=_at(today - dt.timedelta(days=90)))
        paid = third.events.get(kind="lost")
        services.tool_event_settle(actor=keeper, event=paid, note="已从当月工资中扣除")
        services.tool_lost(actor=keeper, kit=second, tool=tools["GJ-009"],
                           note="在客户机房遗失，已找过未找到", at=_at(today - dt.timedelta(days=20), 15))
        services.tool_broken(actor=keeper, kit=first, tool=tools["GJ-006"], note="烙铁头烧坏，以旧换新",
                             at=_at(today - dt.timedelta(days=40), 14))
        services.tool_bought(actor=keeper, kit=third, tool=tools["GJ-005"], amount=Decimal("380.00"),
                             reference=f"FP-{today:%Y%m}-017", note="出差途中临时需要梯子，在当地五金店购买，回来后交库",
                             at=_at(today - dt.timedelta(days=10), 16))
    return {"tools": len(tools), "tool kits": len(kits)}
