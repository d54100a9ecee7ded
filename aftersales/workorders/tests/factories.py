"""Factories of work orders; MATRIX_FACTORIES: the who-sees-what matrix's rows of this app."""

from __future__ import annotations

import base64
import datetime as dt
import io

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import UserFactory
from aftersales.workorders.models import (
    Signature,
    SignatureRole,
    UsedPart,
    VisitPhoto,
    WorkOrder,
)


def signature_png(width: int = 300, height: int = 100, *, blank: bool = False) -> bytes:
    """A signature as the phone's canvas sends it: a PNG with a stroke on a transparent ground."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line([(20, 70), (90, 20), (160, 80), (260, 30)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def signature_data_url(**kwargs) -> str:
    return "data:image/png;base64," + base64.b64encode(signature_png(**kwargs)).decode()


class WorkOrderFactory(factory.django.DjangoModelFactory):
    """A work order made through the dispatch service (numbered as in real life)."""

    class Meta:
        model = WorkOrder

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from aftersales.service.tests.factories import ServiceRequestFactory
        from aftersales.workorders.services import workorder_create

        actor = kwargs.pop("actor", None)
        request = kwargs.pop("request", None) or ServiceRequestFactory()
        technician = kwargs.pop("technician", None) or UserFactory(roles=[Role.TECHNICIAN])
        planned_start = kwargs.pop("planned_start", None) or timezone.now() + dt.timedelta(hours=1)
        return workorder_create(actor=actor, request=request, technician=technician, planned_start=planned_start,
                                **kwargs)


# ---------------------------------------------------------------- the matrix's rows


def _work_order(org, w):
    from aftersales.workorders.models import WorkOrderNumber

    counter, _created = WorkOrderNumber.objects.get_or_create(year=2026)
    counter.last += 1
    counter.save()
    WorkOrder.objects.create(id=org.pk, number=f"PG2026-{counter.last:06d}", year=2026, sequence=counter.last,
                             request_id=org.pk, technician=w.users["manager"], planned_start=timezone.now(),
                             instructions="说明", briefing="交底")


def _used_part(org, w):
    from aftersales.inventory.tests.factories import StockMovementFactory

    issue = StockMovementFactory(kind="issue", part_id=org.pk, from_location_id=org.pk, to_location=None, quantity=1,
                                 actor=w.users["manager"], reference=f"PG-{org.key}")
    UsedPart.objects.create(id=org.pk, work_order_id=org.pk, part_id=org.pk, quantity=1, issue=issue,
                            serial_number=f"SN-{org.key}", added_by=w.users["manager"])


def _photo(org, w):
    photo = VisitPhoto(id=org.pk, work_order_id=org.pk, original_name="现场.png", content_type="image/png",
                       size=10, caption="照片", uploaded_by=w.users["manager"])
    photo.file.save("p.png", ContentFile(signature_png()), save=False)
    photo.save()


def _signature(org, w):
    signature = Signature(id=org.pk, work_order_id=org.pk, role=SignatureRole.CUSTOMER, signer_name="客户",
                          comment="满意", signed_at=timezone.now(), recorded_by=w.users["manager"])
    signature.image.save("s.png", ContentFile(signature_png()), save=False)
    signature.save()


MATRIX_FACTORIES = {
    "workorders.workorder": _work_order,
    "workorders.usedpart": _used_part,
    "workorders.visitphoto": _photo,
    "workorders.signature": _signature,
}
