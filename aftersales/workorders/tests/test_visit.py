"""A technician's visit (SPEC D3–D8): departure, arrival meeting the on-site clock, parts from the
van, photos, both signatures, finish; the delay-reason form; who may dispatch and record."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.assets.tests.factories import AssetFactory, ProjectFactory
from aftersales.catalogue.tests.factories import PartFactory
from aftersales.core.errors import ServiceError
from aftersales.core.uploads import check_upload
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.inventory import services as stock
from aftersales.inventory.choices import Condition
from aftersales.inventory.selectors import stock_on_hand
from aftersales.inventory.tests.factories import VanFactory
from aftersales.service.choices import ClockKind, State
from aftersales.service.models import RequestClock
from aftersales.service.tests.factories import ServiceRequestFactory
from aftersales.workorders import services
from aftersales.workorders.choices import Outcome, WorkOrderState
from aftersales.workorders.tests.factories import WorkOrderFactory, signature_data_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def crew(make_user):
    return {"desk": make_user(Role.DESK), "tech": make_user(Role.TECHNICIAN, display_name="李师傅"),
            "other": make_user(Role.TECHNICIAN), "keeper": make_user(Role.PARTS)}


def sign_both(work_order, actor):
    services.workorder_sign(work_order=work_order, actor=actor, role="customer", image=signature_data_url(),
                            signer_name="赵主任", comment="已恢复，满意")
    services.workorder_sign(work_order=work_order, actor=actor, role="technician", image=signature_data_url(),
                            signer_name="李师傅")


def test_arrival_meets_the_on_site_clock_and_a_fixed_visit_resolves_the_request(crew):
    request = ServiceRequestFactory(severity=1)
    work_order = WorkOrderFactory(actor=crew["desk"], request=request, technician=crew["tech"])
    request.refresh_from_db()
    assert request.assignee == crew["tech"]  # an unassigned request goes to whom is sent
    left = timezone.now() - dt.timedelta(minutes=50)
    services.workorder_start_travel(work_order=work_order, actor=crew["tech"], at=left)
    services.workorder_arrive(work_order=work_order, actor=crew["tech"], at=left + dt.timedelta(minutes=40))
    on_site = RequestClock.objects.get(request=request, clock=ClockKind.ON_SITE)
    assert on_site.met_at == left + dt.timedelta(minutes=40)
    sign_both(work_order, crew["tech"])
    services.workorder_finish(work_order=work_order, actor=crew["tech"], outcome=Outcome.FIXED,
                              work_done="更换硬盘录像机电源，系统恢复")
    work_order.refresh_from_db()
    request.refresh_from_db()
    assert work_order.state == WorkOrderState.DONE and work_order.minutes_spent >= 10
    assert request.state == State.RESOLVED and request.resolution == "更换硬盘录像机电源，系统恢复"


def test_the_visit_needs_both_signatures_and_an_empty_signature_is_refused(crew):
    work_order = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"])
    services.workorder_arrive(work_order=work_order, actor=crew["tech"])
    with pytest.raises(ServiceError) as blank:
        services.workorder_sign(work_order=work_order, actor=crew["tech"], role="customer",
                                image=signature_data_url(blank=True), signer_name="赵主任")
    assert blank.value.code == "signature_empty"
    with pytest.raises(ServiceError) as not_png:
        services.workorder_sign(work_order=work_order, actor=crew["tech"], role="customer",
                                image="data:image/png;base64,PHN2Zz4=", signer_name="赵主任")
    assert not_png.value.code == "signature"
    services.workorder_sign(work_order=work_order, actor=crew["tech"], role="customer", image=signature_data_url(),
                            signer_name="赵主任")
    with pytest.raises(ServiceError) as missing:
        services.workorder_finish(work_order=work_order, actor=crew["tech"], outcome=Outcome.FIXED, work_done="好了")
    assert missing.value.code == "signature_missing"
    assert work_order.signatures.count() == 1


def test_an_unfinished_visit_waits_for_its_delay_reason_due_in_48_hours(crew):
    work_order = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"])
    services.workorder_arrive(work_order=work_order, actor=crew["tech"])
    sign_both(work_order, crew["tech"])
    at = timezone.now()
    services.workorder_finish(work_order=work_order, actor=crew["tech"], outcome=Outcome.NOT_FIXED,
                              work_done="主板损坏，需返厂", at=at)
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.DELAY_DUE and work_order.delay_due_at == at + dt.timedelta(hours=48)
    assert work_order.request.state != State.RESOLVED
    with pytest.raises(ServiceError) as incomplete:
        services.workorder_delay_reason(work_order=work_order, actor=crew["tech"], delay_reason="等备件",
                                        next_step="", expected_at=None)
    assert incomplete.value.field == "next_step"
    services.workorder_delay_reason(work_order=work_order, actor=crew["tech"], delay_reason="主板需返厂维修",
                                    next_step="借用备机，返厂后上门更换", expected_at=at + dt.timedelta(days=5))
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.DONE and work_order.next_step == "借用备机，返厂后上门更换"


def test_the_delay_form_given_at_finish_is_whole_or_refused(crew):
    work_order = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"])
    services.workorder_arrive(work_order=work_order, actor=crew["tech"])
    sign_both(work_order, crew["tech"])
    with pytest.raises(ServiceError) as partial:
        services.workorder_finish(work_order=work_order, actor=crew["tech"], outcome=Outcome.NOT_FIXED,
                                  work_done="排查线路", delay_reason="光缆被挖断")
    assert partial.value.field == "next_step"
    assert type(work_order).objects.get(pk=work_order.pk).state == WorkOrderState.ON_SITE  # nothing half-saved


def test_parts_come_from_the_technicians_van_and_a_swapped_unit_comes_back_defective(crew):
    van = VanFactory(holder=crew["tech"])
    part = PartFactory(code="PSU-12V")
    stock.stock_receive(actor=crew["keeper"], part=part, location=van, quantity=1)
    work_order = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"])
    services.workorder_arrive(work_order=work_order, actor=crew["tech"])
    used = services.workorder_use_part(work_order=work_order, actor=crew["tech"], part=part, quantity=1,
                                       serial_number="PSU-NEW-1", removed_serial="PSU-OLD-9", swapped_out=True)
    assert used.issue.reference == work_order.number
    assert stock_on_hand(part=part, location=van) == 0
    assert stock_on_hand(part=part, location=van, condition=Condition.DEFECTIVE) == 1
    assert used.defective_return.serial_number == "PSU-OLD-9"
    with pytest.raises(ServiceError) as short:
        services.workorder_use_part(work_order=work_order, actor=crew["tech"], part=part, quantity=1)
    assert short.value.code == "insufficient_stock"
    assert work_order.used_parts.count() == 1


def test_only_the_work_orders_own_people_or_a_dispatcher_record_the_visit(crew):
    work_order = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"], team=[crew["other"]])
    stranger = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"])
    services.workorder_start_travel(work_order=work_order, actor=crew["other"])  # a team member
    with pytest.raises(ServiceError) as refused:
        services.workorder_start_travel(work_order=stranger, actor=crew["other"])
    assert refused.value.code == "not_yours"
    services.workorder_start_travel(work_order=stranger, actor=crew["desk"])  # the desk records a phoned-in step


def test_photos_are_checked_images(crew):
    work_order = WorkOrderFactory(actor=crew["desk"], technician=crew["tech"])
    services.workorder_arrive(work_order=work_order, actor=crew["tech"])
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG")
    checked = check_upload(SimpleUploadedFile("损坏.jpg", out.getvalue()), allowed={"jpg", "jpeg", "png"})
    photo = services.workorder_add_photo(work_order=work_order, actor=crew["tech"], checked=checked, kind="damage",
                                         caption="进水痕迹")
    assert photo.kind == "damage" and photo.size == len(checked.content) and photo.file.read(3) == b"\xff\xd8\xff"
    with pytest.raises(ServiceError):
        check_upload(SimpleUploadedFile("fake.jpg", b"<html>not a photo</html>"), allowed={"jpg", "jpeg", "png"})


def test_a_customer_not_installed_by_us_needs_the_review_before_dispatch(crew):
    customer = CustomerFactory(installed_by_others=True)
    request = ServiceRequestFactory(customer=customer)
    with pytest.raises(ServiceError) as refused:
        WorkOrderFactory(actor=crew["desk"], request=request, technician=crew["tech"])
    assert refused.value.code == "review_required"
    customer.documents_reviewed_on = timezone.localdate()
    customer.save()
    assert WorkOrderFactory(actor=crew["desk"], request=request, technician=crew["tech"]).pk


def test_when_the_project_manager_has_left_the_technician_sent_must_be_briefed(crew, make_user):
    manager = make_user(Role.PROJECT_MANAGER, display_name="原项目经理")
    project = ProjectFactory(project_manager=manager)
    asset = AssetFactory(project=project, site__customer=project.customer)
    request = ServiceRequestFactory(customer=asset.customer, site=asset.site, asset=asset)
    # while he is here, another may be sent without a briefing (he can be asked)
    WorkOrderFactory(actor=crew["desk"], request=request, technician=crew["tech"])
    manager.is_active = False
    manager.save()
    with pytest.raises(ServiceError) as refused:
        WorkOrderFactory(actor=crew["desk"], request=request, technician=crew["tech"])
    assert refused.value.code == "briefing_required" and refused.value.field == "briefing"
    briefed = WorkOrderFactory(actor=crew["desk"], request=request, technician=crew["tech"],
                               briefing="系统为海康NVR+32路摄像机，机房在B1，钥匙在物业")
    assert briefed.briefing.startswith("系统为海康")


def test_a_closed_request_gets_no_work_order(crew):
    request = ServiceRequestFactory()
    from aftersales.service import services as requests

    requests.request_cancel(request=request, actor=None, reason="客户撤销")
    with pytest.raises(ServiceError) as refused:
        WorkOrderFactory(actor=crew["desk"], request=request, technician=crew["tech"])
    assert refused.value.code == "wrong_state"
