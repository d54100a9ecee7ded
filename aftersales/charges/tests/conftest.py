"""Fixtures of the charges tests: a crew, and work orders on equipment in warranty or not covered."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.accounts.roles import Role
from aftersales.assets.tests.factories import AssetFactory
from aftersales.catalogue.tests.factories import PartFactory
from aftersales.contracts.tests.factories import ContractFactory
from aftersales.core.uploads import check_upload
from aftersales.customers.tests.factories import CustomerFactory, SiteFactory
from aftersales.inventory import services as stock
from aftersales.inventory.choices import LocationKind
from aftersales.inventory.models import StockLocation
from aftersales.inventory.tests.factories import VanFactory
from aftersales.service.tests.factories import ServiceRequestFactory
from aftersales.workorders import services as visits
from aftersales.workorders.tests.factories import WorkOrderFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def crew(make_user):
    return {"desk": make_user(Role.DESK), "tech": make_user(Role.TECHNICIAN, display_name="李师傅"),
            "manager": make_user(Role.SERVICE_MANAGER), "finance": make_user(Role.FINANCE),
            "keeper": make_user(Role.PARTS)}


@pytest.fixture
def job(crew):
    """job(covered=True, parts=[(cost, quantity)]) -> a work order on site, its parts used from the van."""

    def make(*, covered: bool = True, parts=(), customer=None):
        customer = customer or CustomerFactory()
        asset = AssetFactory(site=SiteFactory(customer=customer))
        if covered:
            ContractFactory(customer=customer, assets=[asset])  # 36 months from 2024-06-28
        request = ServiceRequestFactory(customer=customer, site=asset.site, asset=asset)
        work_order = WorkOrderFactory(actor=crew["desk"], request=request, technician=crew["tech"])
        visits.workorder_arrive(work_order=work_order, actor=crew["tech"])
        if parts:
            van = (StockLocation.objects.filter(kind=LocationKind.VAN, holder=crew["tech"]).first()
                   or VanFactory(holder=crew["tech"]))
            for number, (cost, quantity) in enumerate(parts):
                part = PartFactory(code=f"P-{work_order.pk}-{number}",
                                   unit_cost=None if cost is None else Decimal(cost))
                stock.stock_receive(actor=crew["keeper"], part=part, location=van, quantity=quantity)
                visits.workorder_use_part(work_order=work_order, actor=crew["tech"], part=part, quantity=quantity)
        return work_order

    return make


def photo(work_order, actor, kind="damage"):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG")
    checked = check_upload(SimpleUploadedFile("损坏.jpg", out.getvalue()), allowed={"jpg", "jpeg", "png"})
    return visits.workorder_add_photo(work_order=work_order, actor=actor, checked=checked, kind=kind)
