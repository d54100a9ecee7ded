"""Work-order numbers (SPEC D2): sequential per year, never skipping or repeating, also when many
people dispatch at once; a spoiled number is kept, void with its reason; a moved job names both."""

import threading

import pytest
from django.db import connection, transaction

from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import UserFactory
from aftersales.core.errors import ServiceError
from aftersales.service.tests.factories import ServiceRequestFactory
from aftersales.workorders import services
from aftersales.workorders.choices import WorkOrderState
from aftersales.workorders.models import WorkOrder
from aftersales.workorders.tests.factories import WorkOrderFactory

pytestmark = pytest.mark.django_db


def sequences() -> list[int]:
    return list(WorkOrder.objects.order_by("sequence").values_list("sequence", flat=True))


def test_numbers_are_consecutive_per_year_and_say_the_year(make_user):
    desk = make_user(Role.DESK)
    first, second = WorkOrderFactory(actor=desk), WorkOrderFactory(actor=desk)
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.number.startswith(f"PG{first.year}-") and second.number == f"PG{second.year}-000002"


def test_a_refused_dispatch_gives_no_number_away(make_user):
    desk = make_user(Role.DESK)
    request = ServiceRequestFactory()
    WorkOrderFactory(actor=desk, request=request)
    with pytest.raises(ServiceError):
        WorkOrderFactory(actor=desk, request=request, technician=make_user(Role.CUSTOMER, customer=request.customer))
    with pytest.raises(RuntimeError), transaction.atomic():  # a creation rolled back by what came after it
        WorkOrderFactory(actor=desk, request=request)
        raise RuntimeError("the rest of the form failed")
    assert WorkOrderFactory(actor=desk, request=request).sequence == 2
    assert sequences() == [1, 2]


def test_a_spoiled_number_stays_void_with_its_reason_and_a_moved_job_names_both(make_user):
    desk, tech = make_user(Role.DESK), make_user(Role.TECHNICIAN)
    spoiled = WorkOrderFactory(actor=desk, technician=tech)
    with pytest.raises(ServiceError) as refused:
        services.workorder_void(work_order=spoiled, actor=desk, reason="  ")
    assert refused.value.code == "reason_required"
    services.workorder_void(work_order=spoiled, actor=desk, reason="纸质单据填错作废")
    spoiled.refresh_from_db()
    assert spoiled.state == WorkOrderState.VOID and spoiled.void_reason == "纸质单据填错作废"
    assert spoiled.voided_by == desk

    job = WorkOrderFactory(actor=desk, technician=tech)
    new = services.workorder_move(work_order=job, actor=desk, reason="改派到次日单据")
    job.refresh_from_db()
    assert job.state == WorkOrderState.VOID and job.moved_to == new and new.moved_from == job
    assert new.sequence == job.sequence + 1 and new.technician == tech
    assert sequences() == [1, 2, 3]  # nothing skipped, nothing deleted
    from aftersales.core.models import ArchiveRefused

    with pytest.raises(ArchiveRefused):
        job.delete()
    steps = [(e.data["work_order"], e.data["step"]) for e in job.request.timeline.filter(kind="work_order")
             .order_by("id")]
    assert steps[-3:] == [(new.number, "create"), (job.number, "void"), (new.number, "moved")]


def test_only_roles_with_the_void_permission_make_numbers_void(make_user):
    from django.core.exceptions import PermissionDenied

    work_order = WorkOrderFactory(actor=make_user(Role.DESK))
    with pytest.raises(PermissionDenied):
        services.workorder_void(work_order=work_order, actor=make_user(Role.TECHNICIAN), reason="不想去")
    assert WorkOrder.objects.get(pk=work_order.pk).state == WorkOrderState.PLANNED


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite runs one writer at a time: concurrent numbering is tested on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_200_work_orders_from_8_threads_at_once_get_200_consecutive_numbers():
    from django.db import connections

    desk = UserFactory(roles=[Role.DESK])
    technician = UserFactory(roles=[Role.TECHNICIAN])
    requests = [ServiceRequestFactory() for _ in range(8)]
    threads_count, per_thread = 8, 25
    start = threading.Barrier(threads_count)
    failures: list[str] = []

    def dispatch(t: int) -> None:
        try:
            start.wait()
            for _n in range(per_thread):
                try:
                    WorkOrderFactory(actor=desk, request=requests[t], technician=technician)
                except Exception as exc:  # noqa: BLE001 - any failure fails the test below
                    failures.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dispatch, args=(t,)) for t in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    numbers = sequences()
    assert numbers == list(range(1, 201))
    assert WorkOrder.objects.values("number").distinct().count() == 200
