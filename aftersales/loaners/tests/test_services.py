"""The loaner's state machine: in store -> lent -> back (in store, to repair, or lost), repair and
retirement; every refusal names its reason and changes nothing; two lendings at once, one wins."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import UserFactory
from aftersales.assets.tests.factories import AssetFactory
from aftersales.core.errors import ServiceError
from aftersales.core.models import AuditEvent
from aftersales.customers.tests.factories import CustomerFactory, SiteFactory
from aftersales.loaners import services
from aftersales.loaners.choices import (
    EventKind,
    LoanerState,
    LoanReason,
    ReturnCondition,
)
from aftersales.loaners.models import Loan, Loaner, LoanerEvent
from aftersales.service.tests.factories import ServiceRequestFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NEXT_WEEK = TODAY + dt.timedelta(days=7)


def kinds(loaner) -> list[str]:
    return list(LoanerEvent.objects.filter(loaner=loaner).order_by("at", "id").values_list("kind", flat=True))


def state_of(loaner) -> str:
    return Loaner.objects.get(pk=loaner.pk).state


def unchanged(loaner):
    """What must not move when an action on ``loaner`` is refused."""
    return (state_of(loaner), Loan.objects.count(), LoanerEvent.objects.count(),
            list(Loan.objects.values_list("due_back", "returned_at")))


def lend(loaner, actor, **kwargs):
    kwargs.setdefault("customer", kwargs.get("customer") or CustomerFactory())
    kwargs.setdefault("due_back", NEXT_WEEK)
    return services.loaner_lend(actor=actor, loaner=loaner, **kwargs)


# ---------------------------------------------------------------- the way through


def test_a_registered_unit_is_in_store_with_its_first_history_row(register, keeper):
    loaner = register("BYJ-001")
    assert loaner.state == LoanerState.IN_STORE
    event = LoanerEvent.objects.get(loaner=loaner)
    assert (event.kind, event.from_state, event.to_state, event.actor) == (
        EventKind.REGISTERED, "", LoanerState.IN_STORE, keeper)
    assert AuditEvent.objects.filter(object_id=str(loaner.pk), action="create").exists()


def test_the_state_cannot_be_given_at_registration(register):
    with pytest.raises(ServiceError) as refused:
        register("BYJ-002", state=LoanerState.LENT)
    assert refused.value.code == "invalid"
    assert not Loaner.objects.filter(code="BYJ-002").exists()


def test_lent_and_taken_back_in_good_condition_it_is_in_store_again(register, tech):
    loaner = register()
    customer = CustomerFactory(name="杭州文澜实验学校")
    loan = lend(loaner, tech, customer=customer, reason=LoanReason.TARGET_MISSED, received_by="总务处王老师")
    assert state_of(loaner) == LoanerState.LENT
    assert (loan.customer, loan.lent_by, loan.due_back, loan.is_open) == (customer, tech, NEXT_WEEK, True)

    closed = services.loaner_return(actor=tech, loaner=loaner, condition=ReturnCondition.GOOD)
    assert state_of(loaner) == LoanerState.IN_STORE
    assert closed.pk == loan.pk and closed.returned_by == tech and not closed.is_open
    assert kinds(loaner) == [EventKind.REGISTERED, EventKind.LENT, EventKind.RETURNED]
    lent_event = LoanerEvent.objects.get(loaner=loaner, kind=EventKind.LENT)
    assert (lent_event.from_state, lent_event.to_state, lent_event.loan) == (LoanerState.IN_STORE,
                                                                            LoanerState.LENT, loan)
    # in store again: it can go out once more
    again = lend(loaner, tech)
    assert again.pk != loan.pk and state_of(loaner) == LoanerState.LENT


def test_the_service_request_gives_the_customer_site_and_equipment(register, tech):
    asset = AssetFactory(product_model=register().product_model)
    request = ServiceRequestFactory(customer=asset.customer, site=asset.site, asset=asset)
    loan = lend(register("BYJ-002"), tech, customer=None, service_request=request)
    assert (loan.customer, loan.site, loan.asset, loan.service_request) == (asset.customer, asset.site, asset,
                                                                          request)


def test_damaged_goes_straight_to_repair_and_lost_leaves_the_pool(register, tech, keeper):
    damaged, lost = register("BYJ-001"), register("BYJ-002")
    lend(damaged, tech)
    lend(lost, tech)
    with pytest.raises(ServiceError) as refused:
        services.loaner_return(actor=tech, loaner=damaged, condition=ReturnCondition.DAMAGED)
    assert refused.value.code == "note_required" and state_of(damaged) == LoanerState.LENT

    services.loaner_return(actor=tech, loaner=damaged, condition=ReturnCondition.DAMAGED, note="外壳摔裂")
    services.loaner_return(actor=tech, loaner=lost, condition=ReturnCondition.LOST, note="客户搬迁时遗失")
    assert (state_of(damaged), state_of(lost)) == (LoanerState.IN_REPAIR, LoanerState.RETIRED)
    assert Loan.objects.get(loaner=damaged).return_condition == ReturnCondition.DAMAGED
    services.loaner_repair_back(actor=keeper, loaner=damaged, note="更换外壳")
    assert state_of(damaged) == LoanerState.IN_STORE


def test_repair_and_retirement(register, keeper):
    loaner = register()
    services.loaner_repair_send(actor=keeper, loaner=loaner, note="镜头模糊，送厂家")
    assert state_of(loaner) == LoanerState.IN_REPAIR
    with pytest.raises(ServiceError) as refused:
        lend(loaner, keeper)
    assert refused.value.code == "invalid_state"
    with pytest.raises(ServiceError) as refused:
        services.loaner_retire(actor=keeper, loaner=loaner, reason=" ")
    assert refused.value.code == "reason_required"
    services.loaner_retire(actor=keeper, loaner=loaner, reason="厂家判定无法修复")
    assert state_of(loaner) == LoanerState.RETIRED
    assert kinds(loaner) == [EventKind.REGISTERED, EventKind.REPAIR_SENT, EventKind.RETIRED]
    for action in (lambda: lend(loaner, keeper),
                   lambda: services.loaner_repair_back(actor=keeper, loaner=loaner),
                   lambda: services.loaner_repair_send(actor=keeper, loaner=loaner),
                   lambda: services.loaner_retire(actor=keeper, loaner=loaner, reason="再次")):
        with pytest.raises(ServiceError) as refused:
            action()
        assert refused.value.code == "invalid_state"


def test_extend_moves_the_due_date_of_the_open_loan(register, tech):
    loaner = register()
    with pytest.raises(ServiceError) as refused:
        services.loaner_extend(actor=tech, loaner=loaner, due_back=NEXT_WEEK)
    assert refused.value.code == "invalid_state"
    loan = lend(loaner, tech)
    later = NEXT_WEEK + dt.timedelta(days=10)
    services.loaner_extend(actor=tech, loaner=loaner, due_back=later, note="客户设备返厂未归")
    loan.refresh_from_db()
    assert loan.due_back == later
    event = LoanerEvent.objects.get(kind=EventKind.EXTENDED)
    assert NEXT_WEEK.isoformat() in event.note and later.isoformat() in event.note and "返厂" in event.note
    for due_back, code in ((TODAY - dt.timedelta(days=1), "invalid_due_back"), (later, "unchanged")):
        with pytest.raises(ServiceError) as refused:
            services.loaner_extend(actor=tech, loaner=loaner, due_back=due_back)
        assert refused.value.code == code


# ---------------------------------------------------------------- refusals


def test_a_lent_unit_is_not_lent_again_repaired_retired_or_archived(register, tech, keeper):
    loaner = register()
    lend(loaner, tech)
    before = unchanged(loaner)
    refusals = {
        "lend": lambda: lend(loaner, keeper),
        "repair": lambda: services.loaner_repair_send(actor=keeper, loaner=loaner),
        "back": lambda: services.loaner_repair_back(actor=keeper, loaner=loaner),
        "retire": lambda: services.loaner_retire(actor=keeper, loaner=loaner, reason="报废"),
        "archive": lambda: services.loaner_archive(actor=keeper, loaner=loaner),
    }
    for name, action in refusals.items():
        with pytest.raises(ServiceError) as refused:
            action()
        assert refused.value.code == ("lent" if name == "archive" else "invalid_state"), name
        assert loaner.code in refused.value.message
        assert unchanged(loaner) == before, name
    assert Loaner.objects.get(pk=loaner.pk).archived_at is None


def test_archive_once_it_is_back_and_an_archived_unit_is_not_lent(register, tech, keeper):
    loaner = register()
    lend(loaner, tech)
    services.loaner_return(actor=tech, loaner=loaner, condition=ReturnCondition.GOOD)
    services.loaner_archive(actor=keeper, loaner=loaner)
    with pytest.raises(ServiceError) as refused:
        lend(loaner, tech)
    assert refused.value.code == "archived"
    assert Loan.objects.filter(returned_at__isnull=True).count() == 0


def test_return_of_a_unit_that_is_not_lent_is_refused(register, tech):
    loaner = register()
    with pytest.raises(ServiceError) as refused:
        services.loaner_return(actor=tech, loaner=loaner, condition=ReturnCondition.GOOD)
    assert refused.value.code == "invalid_state"
    with pytest.raises(ServiceError) as refused:
        services.loaner_return(actor=tech, loaner=loaner, condition="broken")
    assert refused.value.code == "invalid_condition"


@pytest.mark.parametrize("case", ["no_customer", "no_due_back", "due_before_lent", "bad_reason", "other_site",
                                  "closed_request", "other_kind", "archived_customer"])
def test_lending_is_refused_with_the_reason_and_nothing_is_saved(register, tech, nvr_model, case):
    loaner = register()
    customer = CustomerFactory()
    arguments = {"customer": customer, "due_back": NEXT_WEEK, "reason": LoanReason.TAKEN_AWAY}
    expected = {"no_customer": "required", "no_due_back": "required", "due_before_lent": "invalid_due_back",
                "bad_reason": "invalid_reason", "other_site": "invalid", "closed_request": "request_closed",
                "other_kind": "wrong_grade", "archived_customer": "archived"}[case]
    if case == "no_customer":
        arguments["customer"] = None
    elif case == "no_due_back":
        arguments["due_back"] = None
    elif case == "due_before_lent":
        arguments["due_back"] = TODAY - dt.timedelta(days=1)
    elif case == "bad_reason":
        arguments["reason"] = "whim"
    elif case == "other_site":
        arguments["site"] = SiteFactory()
    elif case == "closed_request":
        request = ServiceRequestFactory(customer=customer)
        type(request).objects.filter(pk=request.pk).update(state="cancelled")
        request.refresh_from_db()
        arguments["service_request"] = request
    elif case == "other_kind":
        arguments["asset"] = AssetFactory(product_model=nvr_model, site=SiteFactory(customer=customer))
    elif case == "archived_customer":
        type(customer).objects.filter(pk=customer.pk).update(archived_at=timezone.now())
        customer.refresh_from_db()
    before = unchanged(loaner)
    with pytest.raises(ServiceError) as refused:
        services.loaner_lend(actor=tech, loaner=loaner, **arguments)
    assert refused.value.code == expected
    assert refused.value.message
    assert unchanged(loaner) == before


def test_the_database_keeps_one_open_loan_per_unit(register, tech):
    loaner = register()
    loan = lend(loaner, tech)
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.create(loaner=loaner, customer=loan.customer, reason=LoanReason.OTHER, due_back=NEXT_WEEK,
                            lent_by=tech)


def test_loans_and_history_are_never_deleted(register, tech):
    from aftersales.core.models import ArchiveRefused

    loaner = register()
    loan = lend(loaner, tech)
    for delete in (loan.delete, LoanerEvent.objects.all().delete, LoanerEvent.objects.first().delete,
                   loaner.delete):
        with pytest.raises(ArchiveRefused):
            delete()


# ---------------------------------------------------------------- at once (PostgreSQL)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite runs one writer at a time: row locks are only tested on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_unit_lent_twice_at_once_goes_out_once():
    from django.db import connections

    from aftersales.catalogue.tests.factories import ProductModelFactory

    keeper = UserFactory(roles=[Role.PARTS])
    loaner = services.loaner_register(actor=keeper, data={
        "code": "BYJ-C1", "product_model": ProductModelFactory(), "serial_number": "SN-C1", "grade": "摄像机"})
    customers = [CustomerFactory(), CustomerFactory()]
    technicians = [UserFactory(roles=[Role.TECHNICIAN]) for _ in customers]
    start = threading.Barrier(len(customers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def lend_at_once(n: int) -> None:
        try:
            start.wait()
            try:
                services.loaner_lend(actor=technicians[n], loaner=loaner, customer=customers[n], due_back=NEXT_WEEK)
                outcome = "ok"
            except ServiceError as exc:
                outcome = exc.code
            except Exception as exc:  # noqa: BLE001 - counted as a failure of the test below
                outcome = repr(exc)
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=lend_at_once, args=(n,)) for n in range(len(customers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["invalid_state", "ok"], outcomes
    assert Loan.objects.filter(loaner=loaner).count() == 1
    assert Loaner.objects.get(pk=loaner.pk).state == LoanerState.LENT
    assert list(LoanerEvent.objects.filter(loaner=loaner).values_list("kind", flat=True).order_by("id")) == [
        EventKind.REGISTERED, EventKind.LENT]


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite runs one writer at a time: row locks are only tested on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_taken_back_and_retired_at_once_never_loses_either():
    """The keeper retires the unit while a technician takes it back: the retirement waits for the
    return and then succeeds, or is refused because the unit is still lent; never both lost."""
    from django.db import connections

    from aftersales.catalogue.tests.factories import ProductModelFactory

    keeper, technician = UserFactory(roles=[Role.PARTS]), UserFactory(roles=[Role.TECHNICIAN])
    loaner = services.loaner_register(actor=keeper, data={
        "code": "BYJ-C2", "product_model": ProductModelFactory(), "serial_number": "SN-C2", "grade": "摄像机"})
    services.loaner_lend(actor=technician, loaner=loaner, customer=CustomerFactory(), due_back=NEXT_WEEK)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def run(name, action) -> None:
        try:
            start.wait()
            try:
                action()
                outcomes[name] = "ok"
            except ServiceError as exc:
                outcomes[name] = exc.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=("return", lambda: services.loaner_return(
                   actor=technician, loaner=loaner, condition=ReturnCondition.GOOD))),
               threading.Thread(target=run, args=("retire", lambda: services.loaner_retire(
                   actor=keeper, loaner=loaner, reason="报废")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes["return"] == "ok"
    final = Loaner.objects.get(pk=loaner.pk).state
    assert (outcomes["retire"], final) in {("ok", LoanerState.RETIRED), ("invalid_state", LoanerState.IN_STORE)}
    assert Loan.objects.get(loaner=loaner).returned_at is not None
