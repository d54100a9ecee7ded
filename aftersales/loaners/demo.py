"""Demo loaner pool: NVRs, cameras and door controllers of the demo catalogue in every state, with a
few months of history and one loan overdue (for the dispatch board). Built through the services.

Called by the demo builder (aftersales.core.demo) after the stock:
    demo_loaners(actor=keeper, lender=technician, today=today)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from aftersales.assets.choices import AssetStatus
from aftersales.assets.models import Asset
from aftersales.catalogue.models import ProductModel
from aftersales.customers.models import Customer
from aftersales.inventory.models import StockLocation
from aftersales.service.choices import OPEN_STATES
from aftersales.service.models import ServiceRequest

from . import services
from .choices import LoanReason, ReturnCondition
from .models import Loan, Loaner
from .selectors import loaners_to_stand_in

UNITS = [  # asset tag, product model (demo catalogue), grade, purchase value, serial number
    ("BYJ-NVR-01", "DS-8632N-I8", "32路网络硬盘录像机", 4800, "DS8632N20220315A01"),
    ("BYJ-NVR-02", "DH-NVR5432-16P-I", "32路网络硬盘录像机", 5200, "5432P2022081100B7"),
    ("BYJ-NVR-03", "DS-96064N-I16", "64路网络硬盘录像机", 12800, "DS96064N2021112203"),
    ("BYJ-CAM-01", "DS-2CD3T46WDV3-I3", "400万像素摄像机", 980, "DS2CD3T46202303A11"),
    ("BYJ-CAM-02", "DH-IPC-HFW2433M-I1", "400万像素摄像机", 720, "2433M20230517C042"),
    ("BYJ-CAM-03", "DS-2DE4425IW-DE", "400万像素球机", 3200, "DS2DE4425202209B07"),
    ("BYJ-CAM-04", "IPC2124LB-SF40KM-G", "400万像素摄像机", 650, "2124LB2019060300X9"),
    ("BYJ-ACS-01", "DS-K2604T", "四门门禁控制器", 2100, "DSK2604T2022070145"),
    ("BYJ-ACS-02", "DS-K2604T", "四门门禁控制器", 2100, "DSK2604T2022070146"),
    ("BYJ-ACS-03", "PRO32IC", "门禁控制器", 6800, "PRO32IC21100988"),
]


def _customer_asset(unit: Loaner) -> Asset | None:
    """A customer's unit of the loaner's kind (the equipment a loan stands in for)."""
    return (Asset.objects.filter(product_model__category=unit.product_model.category_id, archived_at__isnull=True)
            .select_related("customer", "site", "product_model").order_by("pk").first())


def _lend(unit: Loaner, *, actor, at: dt.datetime, due_back: dt.date, reason: str, asset: Asset | None = None,
          request: ServiceRequest | None = None, received_by: str = "", note: str = "") -> Loan:
    asset = asset if asset is not None or request is not None else _customer_asset(unit)
    customer = None if asset is not None or request is not None else Customer.objects.order_by("pk").first()
    return services.loaner_lend(actor=actor, loaner=unit, at=at, due_back=due_back, reason=reason, asset=asset,
                                customer=customer, service_request=request, received_by=received_by, note=note)


def demo_loaners(*, actor, today: dt.date, lender=None) -> list[Loaner]:
    """The pool: ``actor`` (the parts keeper) registers, repairs and retires; ``lender`` (a
    technician) lends and takes back. Units whose product model the catalogue lacks are left out."""
    lender = lender or actor
    now = timezone.now()

    def ago(days: float) -> dt.datetime:
        return now - dt.timedelta(days=days)

    store = StockLocation.objects.filter(code="ZXK").first()
    models = {m.code: m for m in ProductModel.objects.filter(code__in=[u[1] for u in UNITS])}
    units: dict[str, Loaner] = {}
    for code, model_code, grade, value, serial in UNITS:
        if model_code in models:
            units[code] = services.loaner_register(actor=actor, at=ago(200), data={
                "code": code, "product_model": models[model_code], "serial_number": serial, "grade": grade,
                "purchase_value": Decimal(value), "home_store": store, "notes": "备用机，随机附电源及安装支架。"})

    if (unit := units.get("BYJ-ACS-01")) is not None:  # lent and back in good order: history only
        _lend(unit, actor=lender, at=ago(62), due_back=today - dt.timedelta(days=45), reason=LoanReason.TAKEN_AWAY,
              received_by="物业工程主管", note="控制器返厂维修期间借用")
        services.loaner_return(actor=lender, loaner=unit, at=ago(47), condition=ReturnCondition.GOOD)
    if (unit := units.get("BYJ-CAM-02")) is not None:  # came back damaged: in repair
        _lend(unit, actor=lender, at=ago(40), due_back=today - dt.timedelta(days=30),
              reason=LoanReason.TARGET_MISSED, received_by="保卫科干事")
        services.loaner_return(actor=lender, loaner=unit, at=ago(29), condition=ReturnCondition.DAMAGED,
                               note="红外补光灯板不亮，外壳有磕碰")
    if (unit := units.get("BYJ-NVR-03")) is not None:  # serviced and back in store
        services.loaner_repair_send(actor=actor, loaner=unit, at=ago(80), note="风扇异响，例行检修")
        services.loaner_repair_back(actor=actor, loaner=unit, at=ago(74), note="更换散热风扇")
    if (unit := units.get("BYJ-CAM-04")) is not None:  # old, repaired once, then retired
        services.loaner_repair_send(actor=actor, loaner=unit, at=ago(120), note="图像偏色，送厂家检测")
        services.loaner_retire(actor=actor, loaner=unit, at=ago(95), reason="厂家判定传感器老化，已停产无法修复")

    _overdue_loan(units, actor=lender, at=ago(16), due_back=today - dt.timedelta(days=2))
    _request_loan(units, actor=lender, now=now, due_back=today + dt.timedelta(days=5))
    unit = units.get("BYJ-ACS-02")
    if unit is not None and Loaner.objects.get(pk=unit.pk).state == "in_store":  # out, due date extended
        _lend(unit, actor=lender, at=ago(10), due_back=today - dt.timedelta(days=1), reason=LoanReason.TAKEN_AWAY,
              received_by="后勤科科长")
        services.loaner_extend(actor=lender, loaner=unit, at=ago(2), due_back=today + dt.timedelta(days=7),
                               note="客户设备返厂维修延期一周")
    return list(Loaner.objects.filter(pk__in=[u.pk for u in units.values()]))


def _stand_in(units: dict[str, Loaner], asset: Asset, actor) -> Loaner | None:
    """The demo unit in store that best stands in for ``asset`` (selectors.loaners_to_stand_in)."""
    return loaners_to_stand_in(actor=actor, product_model=asset.product_model).filter(
        pk__in=[u.pk for u in units.values()]).first()


def _overdue_loan(units: dict[str, Loaner], *, actor, at: dt.datetime, due_back: dt.date) -> None:
    """A unit lent while the customer's equipment is away for repair, not back by its due date: the
    dispatch board shows it overdue."""
    away = Asset.objects.filter(status=AssetStatus.UNDER_REPAIR, archived_at__isnull=True).select_related(
        "product_model", "customer", "site").order_by("pk")
    for asset in away:
        unit = _stand_in(units, asset, actor)
        if unit is not None:
            _lend(unit, actor=actor, at=at, due_back=due_back, reason=LoanReason.TAKEN_AWAY, asset=asset,
                  received_by="信息科科长", note="原设备返厂维修")
            return
    free = [u for u in units.values() if Loaner.objects.get(pk=u.pk).state == "in_store"]
    if free:
        _lend(free[0], actor=actor, at=at, due_back=due_back, reason=LoanReason.TAKEN_AWAY, received_by="信息科科长")


def _request_loan(units: dict[str, Loaner], *, actor, now: dt.datetime, due_back: dt.date) -> None:
    """A unit lent today for an open service request whose fix target was missed."""
    requests = ServiceRequest.objects.filter(state__in=OPEN_STATES, asset__isnull=False).select_related(
        "asset__product_model", "customer", "site").order_by("reported_at")
    for request in requests[:50]:
        unit = _stand_in(units, request.asset, actor)
        if unit is not None:
            _lend(unit, actor=actor, at=now, due_back=due_back, reason=LoanReason.TARGET_MISSED, request=request,
                  received_by=request.reporter_name)
            return
