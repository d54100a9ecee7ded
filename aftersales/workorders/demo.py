"""Demo work orders: a day of dispatch on the demo's open requests, through the real services
(numbers, clocks, stock): visits done and signed with parts from the van, jobs planned for today,
one on site, one left unfinished waiting for its delay reason, a spoiled number and a moved job."""

from __future__ import annotations

import base64
import datetime as dt
import io

from django.utils import timezone

from aftersales.service.choices import State

from . import services
from .choices import Outcome


def _signature(seed: int) -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (320, 110), (0, 0, 0, 0))
    points = [(20 + i * 40, 60 + ((i * 37 + seed * 13) % 50) - 25) for i in range(8)]
    ImageDraw.Draw(image).line(points, fill=(20, 20, 60, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _van_part(technician):
    from aftersales.inventory.choices import Condition, LocationKind
    from aftersales.inventory.models import StockBalance

    return (StockBalance.objects.filter(location__kind=LocationKind.VAN, location__holder=technician,
                                        condition=Condition.GOOD, quantity__gt=0)
            .select_related("part").order_by("part__code").first())


def _visit(work_order, technician, *, start: dt.datetime, fixed: bool, signer: str, seed: int) -> None:
    services.workorder_start_travel(work_order=work_order, actor=technician, at=start)
    services.workorder_arrive(work_order=work_order, actor=technician, at=start + dt.timedelta(minutes=35))
    balance = _van_part(technician)
    if balance is not None and fixed:
        services.workorder_use_part(work_order=work_order, actor=technician, part=balance.part, quantity=1,
                                    swapped_out=True, removed_serial=f"OLD-{work_order.sequence:04d}")
    at = start + dt.timedelta(minutes=100)
    services.workorder_sign(work_order=work_order, actor=technician, role="customer", image=_signature(seed),
                            signer_name=signer, comment="处理及时，已恢复" if fixed else "同意下次上门", at=at)
    services.workorder_sign(work_order=work_order, actor=technician, role="technician",
                            image=_signature(seed + 1), signer_name=str(technician), at=at)
    services.workorder_finish(work_order=work_order, actor=technician,
                              outcome=Outcome.FIXED if fixed else Outcome.NOT_FIXED, at=at + dt.timedelta(minutes=5),
                              work_done="检查线路与供电，更换故障部件，系统测试正常" if fixed
                              else "主板故障，现场无法修复，已拆回检测")


def demo_work_orders(*, desk, technicians: list, today: dt.date) -> int:
    """Dispatch the demo's open requests; returns the number of work orders made."""
    from aftersales.service.models import ServiceRequest

    now = timezone.now()
    open_requests = [r for r in ServiceRequest.objects.filter(state__in=[State.ACKNOWLEDGED, State.IN_PROGRESS])
                     .select_related("customer", "asset__project__project_manager").order_by("reported_at")
                     if not services.review_missing(r)]
    made = 0
    morning = timezone.make_aware(dt.datetime.combine(today, dt.time(9, 0)))
    for index, request in enumerate(open_requests[:10]):
        technician = technicians[index % len(technicians)]
        manager = services.project_manager_of(request)
        briefing = "" if manager is None or manager.is_active else "原项目经理已离职：系统资料见项目文档，机房钥匙在物业。"
        planned = morning + dt.timedelta(hours=index % 8)
        work_order = services.workorder_create(actor=desk, request=request, technician=technician,
                                               planned_start=planned, instructions="客户要求上午到场，进门前电话联系",
                                               briefing=briefing)
        made += 1
        if index < 2 and planned + dt.timedelta(hours=2) < now:
            _visit(work_order, technician, start=planned, fixed=True, signer="客户信息科王工", seed=index)
        elif index == 2 and planned < now:
            _visit(work_order, technician, start=planned, fixed=False, signer="值班主任李女士", seed=index)
        elif index == 3 and planned < now:
            services.workorder_start_travel(work_order=work_order, actor=technician, at=planned)
            services.workorder_arrive(work_order=work_order, actor=technician, at=planned + dt.timedelta(minutes=30))
        elif index == 4:
            services.workorder_void(work_order=work_order, actor=desk, reason="派工单填错客户地址，作废重开")
            services.workorder_create(actor=desk, request=request, technician=technician, planned_start=planned)
            made += 1
        elif index == 5:
            services.workorder_move(work_order=work_order, actor=desk, reason="客户改约到明天下午",
                                    planned_start=planned + dt.timedelta(days=1, hours=5))
            made += 1
    return made


def demo_reservations(*, desk, keeper) -> int:
    """Parts held in the central store for the planned work orders (SPEC P1): the first one collected
    into its technician's van, one released, the rest still held; returns how many were made."""
    from aftersales.inventory import reservations
    from aftersales.inventory.choices import Condition, LocationKind
    from aftersales.inventory.models import StockBalance

    from .choices import WorkOrderState
    from .models import WorkOrder

    spares = list(StockBalance.objects.filter(location__kind=LocationKind.CENTRAL, condition=Condition.GOOD,
                                              quantity__gte=3)
                  .select_related("part", "location").order_by("part__code"))
    planned = WorkOrder.objects.filter(state=WorkOrderState.PLANNED).order_by("planned_start", "sequence")[:4]
    made = []
    for index, work_order in enumerate(planned):
        if index >= len(spares):
            break
        balance = spares[index]
        made.append(reservations.reservation_create(actor=desk, work_order=work_order, part=balance.part,
                                                    location=balance.location, quantity=1 + index % 2,
                                                    note="按故障描述预判需更换"))
    if made:
        reservations.reservation_collect(actor=keeper, reservation=made[0])
    if len(made) > 2:
        reservations.reservation_release(actor=desk, reservation=made[-1], reason="客户自备配件")
    return len(made)
