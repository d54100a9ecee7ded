"""The tool events: every kind, the refusals that change nothing, charges settled once, counts that
always equal the sum of the events, and the last tools issued by many keepers at once."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import UserFactory
from aftersales.core.errors import ServiceError
from aftersales.core.models import AuditEvent
from aftersales.toolkits import selectors, services
from aftersales.toolkits.models import Tool, ToolEvent, ToolKit, ToolKitLine

from .factories import ToolFactory, ToolKitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper():
    return UserFactory(roles=[Role.PARTS])


@pytest.fixture
def meter(keeper):
    tool = ToolFactory(code="WYB", name="万用表", unit_price=Decimal("680.00"))
    services.tool_receive(actor=keeper, tool=tool, quantity=5, reference="CG-1")
    return tool


@pytest.fixture
def crimper(keeper):
    tool = ToolFactory(code="WXQ", name="网线钳", unit_price=Decimal("85.00"))
    services.tool_receive(actor=keeper, tool=tool, quantity=3)
    return tool


@pytest.fixture
def kit():
    return ToolKitFactory(code="GJB-1")


def fresh(obj):
    obj.refresh_from_db()
    return obj


def held(kit, tool) -> int:
    line = ToolKitLine.objects.filter(kit=kit, tool=tool).first()
    return line.quantity if line else 0


def assert_counts_equal_events():
    assert selectors.counts_stored() == selectors.counts_from_events()


def unchanged(*objs):
    """A snapshot of the counts and the number of events and audit rows, to compare after a refusal."""
    return ([(type(o).__name__, o.pk, getattr(fresh(o), "quantity", None), getattr(o, "broken_quantity", None))
             for o in objs], list(ToolKitLine.objects.values_list("kit_id", "tool_id", "quantity").order_by("pk")),
            ToolEvent.objects.count(), AuditEvent.objects.count())


# ---------------------------------------------------------------- every kind


def test_receipt_puts_tools_into_the_store_with_its_audit_row(keeper, meter):
    assert fresh(meter).quantity == 5
    event = ToolEvent.objects.get()
    assert (event.kind, event.quantity, event.kit, event.actor) == ("receipt", 5, None, keeper)
    assert AuditEvent.objects.filter(object_id=str(event.pk), content_type__model="toolevent").exists()


def test_issue_moves_tools_from_the_store_into_the_kit_all_at_once(keeper, meter, crimper, kit):
    events = services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 1), (crimper, 2)], reference="LY-1")
    assert [e.kind for e in events] == ["issue", "issue"]
    assert all(e.holder == kit.holder for e in events)
    assert (fresh(meter).quantity, fresh(crimper).quantity) == (4, 1)
    assert (held(kit, meter), held(kit, crimper)) == (1, 2)
    assert_counts_equal_events()


def test_issuing_more_than_the_store_holds_is_refused_and_nothing_moves(keeper, meter, crimper, kit):
    before = unchanged(meter, crimper)
    with pytest.raises(ServiceError) as exc:
        services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 1), (crimper, 4)])
    assert exc.value.code == "insufficient_store"
    assert "WXQ" in exc.value.message and exc.value.params == {"on_hand": 3, "asked": 4}
    assert unchanged(meter, crimper) == before


def test_return_brings_tools_back_and_more_than_held_is_refused(keeper, meter, kit):
    services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 2)])
    before = unchanged(meter)
    with pytest.raises(ServiceError) as exc:
        services.tools_return(actor=keeper, kit=kit, lines=[(meter, 3)])
    assert exc.value.code == "not_held" and exc.value.params == {"held": 2, "asked": 3}
    assert unchanged(meter) == before
    services.tools_return(actor=keeper, kit=kit, lines=[(meter, 2)], note="离职交回")
    assert (fresh(meter).quantity, held(kit, meter)) == (5, 0)
    assert_counts_equal_events()


def test_returning_a_tool_the_kit_never_held_is_refused(keeper, meter, crimper, kit):
    services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 1)])
    with pytest.raises(ServiceError) as exc:
        services.tools_return(actor=keeper, kit=kit, lines=[(crimper, 1)])
    assert exc.value.code == "not_held"
    assert not ToolKitLine.objects.filter(tool=crimper).exists()


def test_lost_leaves_the_kit_and_the_holder_owes_quantity_times_unit_price(keeper, crimper, kit):
    services.tools_issue(actor=keeper, kit=kit, lines=[(crimper, 2)])
    event = services.tool_lost(actor=keeper, kit=kit, tool=crimper, quantity=2, note="遗失")
    assert (event.amount, event.holder, event.settled_at) == (Decimal("170.00"), kit.holder, None)
    assert (held(kit, crimper), fresh(crimper).quantity) == (0, 1)  # gone: not back in the store
    assert selectors.kit_get_for(actor=keeper, pk=kit.pk).owed == Decimal("170.00")
    assert_counts_equal_events()


def test_lost_with_an_amount_given_records_that_amount(keeper, crimper, kit):
    services.tools_issue(actor=keeper, kit=kit, lines=[(crimper, 1)])
    event = services.tool_lost(actor=keeper, kit=kit, tool=crimper, amount="60.5")
    assert event.amount == Decimal("60.50")


@pytest.mark.parametrize("amount", [0, "0.00", -1, "1.234", "abc", 1.5, True])
def test_lost_with_a_bad_or_zero_amount_is_refused(keeper, crimper, kit, amount):
    services.tools_issue(actor=keeper, kit=kit, lines=[(crimper, 1)])
    before = unchanged(crimper)
    with pytest.raises(ServiceError) as exc:
        services.tool_lost(actor=keeper, kit=kit, tool=crimper, amount=amount)
    assert exc.value.code in ("invalid_amount", "amount_required") and exc.value.field == "amount"
    assert unchanged(crimper) == before


def test_lost_without_an_amount_of_a_tool_without_a_price_is_refused(keeper, kit):
    ladder = ToolFactory(code="TZ", name="梯子", unit_price=Decimal("0"))
    services.tool_receive(actor=keeper, tool=ladder, quantity=1)
    services.tools_issue(actor=keeper, kit=kit, lines=[(ladder, 1)])
    with pytest.raises(ServiceError) as exc:
        services.tool_lost(actor=keeper, kit=kit, tool=ladder)
    assert exc.value.code == "amount_required"
    assert held(kit, ladder) == 1
    assert services.tool_lost(actor=keeper, kit=kit, tool=ladder, amount=Decimal("300")).amount == Decimal("300.00")


def test_lost_more_than_held_is_refused(keeper, crimper, kit):
    services.tools_issue(actor=keeper, kit=kit, lines=[(crimper, 1)])
    with pytest.raises(ServiceError) as exc:
        services.tool_lost(actor=keeper, kit=kit, tool=crimper, quantity=2)
    assert exc.value.code == "not_held"
    assert not ToolEvent.objects.filter(kind="lost").exists()


def test_broken_is_old_for_new_the_kit_keeps_its_count_the_store_gives_one(keeper, meter, kit):
    services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 1)])
    services.tool_broken(actor=keeper, kit=kit, tool=meter, note="摔坏")
    meter = fresh(meter)
    assert (held(kit, meter), meter.quantity, meter.broken_quantity) == (1, 3, 1)
    assert_counts_equal_events()


def test_broken_needs_the_kit_to_hold_it_and_a_new_one_in_the_store(keeper, meter, kit):
    with pytest.raises(ServiceError) as exc:
        services.tool_broken(actor=keeper, kit=kit, tool=meter)
    assert exc.value.code == "not_held"
    services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 5)])
    before = unchanged(meter)
    with pytest.raises(ServiceError) as exc:
        services.tool_broken(actor=keeper, kit=kit, tool=meter)
    assert exc.value.code == "insufficient_store"
    assert unchanged(meter) == before


def test_bought_on_the_road_goes_into_the_store_and_is_owed_to_the_holder(keeper, crimper, kit):
    event = services.tool_bought(actor=keeper, kit=kit, tool=crimper, amount="92", reference="FP-1")
    assert (event.amount, event.holder, fresh(crimper).quantity, held(kit, crimper)) == (
        Decimal("92.00"), kit.holder, 4, 0)
    assert selectors.kit_get_for(actor=keeper, pk=kit.pk).to_repay == Decimal("92.00")
    with pytest.raises(ServiceError) as exc:
        services.tool_bought(actor=keeper, kit=kit, tool=crimper, amount=None)
    assert exc.value.code == "amount_required"
    assert_counts_equal_events()


def test_scrap_takes_broken_tools_only_and_needs_a_reason(keeper, meter, kit):
    with pytest.raises(ServiceError) as exc:
        services.tool_scrap(actor=keeper, tool=meter, quantity=1, note="无法修复")
    assert exc.value.code == "insufficient_broken"
    services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 1)])
    services.tool_broken(actor=keeper, kit=kit, tool=meter)
    with pytest.raises(ServiceError) as exc:
        services.tool_scrap(actor=keeper, tool=meter, quantity=1, note=" ")
    assert exc.value.code == "reason_required"
    services.tool_scrap(actor=keeper, tool=meter, quantity=1, note="无法修复")
    assert (fresh(meter).quantity, fresh(meter).broken_quantity) == (3, 0)
    assert_counts_equal_events()


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2", True, None])
def test_quantity_must_be_a_positive_whole_number(keeper, meter, kit, quantity):
    before = unchanged(meter)
    with pytest.raises(ServiceError) as exc:
        services.tools_issue(actor=keeper, kit=kit, lines=[(meter, quantity)])
    assert exc.value.code == "invalid_quantity"
    assert unchanged(meter) == before


def test_a_tool_named_twice_or_no_tool_is_refused(keeper, meter, kit):
    with pytest.raises(ServiceError) as exc:
        services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 1), (meter, 1)])
    assert exc.value.code == "duplicate_tool"
    with pytest.raises(ServiceError) as exc:
        services.tools_issue(actor=keeper, kit=kit, lines=[])
    assert exc.value.code == "empty"


def test_archived_tools_and_kits_take_no_event(keeper, meter, kit):
    ToolKit.objects.filter(pk=kit.pk).update(archived_at=timezone.now())
    with pytest.raises(ServiceError) as exc:
        services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 1)])
    assert exc.value.code == "archived"
    Tool.objects.filter(pk=meter.pk).update(archived_at=timezone.now())
    with pytest.raises(ServiceError) as exc:
        services.tool_receive(actor=keeper, tool=meter, quantity=1)
    assert exc.value.code == "archived"
    assert fresh(meter).quantity == 5


# ---------------------------------------------------------------- charges


def test_a_charge_is_settled_once_with_who_and_when(keeper, crimper, kit):
    services.tools_issue(actor=keeper, kit=kit, lines=[(crimper, 1)])
    lost = services.tool_lost(actor=keeper, kit=kit, tool=crimper)
    assert list(selectors.open_charges(actor=keeper)) == [lost]
    settled = services.tool_event_settle(actor=keeper, event=lost, note="工资扣除")
    assert settled.settled_by == keeper and settled.settled_at and settled.settle_note == "工资扣除"
    assert not selectors.open_charges(actor=keeper).exists()
    assert selectors.kit_get_for(actor=keeper, pk=kit.pk).owed == 0
    with pytest.raises(ServiceError) as exc:
        services.tool_event_settle(actor=keeper, event=lost)
    assert exc.value.code == "already_settled"


def test_only_lost_and_bought_are_settled(keeper, meter):
    receipt = ToolEvent.objects.get(tool=meter)
    with pytest.raises(ServiceError) as exc:
        services.tool_event_settle(actor=keeper, event=receipt)
    assert exc.value.code == "not_a_charge"
    assert fresh(receipt).settled_at is None


def test_charges_by_holder_sum_what_each_owes_and_is_owed(keeper, crimper, meter):
    first, second = ToolKitFactory(), ToolKitFactory()
    services.tools_issue(actor=keeper, kit=first, lines=[(crimper, 2)])
    services.tools_issue(actor=keeper, kit=second, lines=[(meter, 1)])
    services.tool_lost(actor=keeper, kit=first, tool=crimper)
    services.tool_lost(actor=keeper, kit=first, tool=crimper)
    services.tool_lost(actor=keeper, kit=second, tool=meter)
    services.tool_bought(actor=keeper, kit=first, tool=meter, amount="500")
    rows = {r["holder"]: (r["owes"], r["to_repay"], r["count"]) for r in selectors.charges_by_holder(actor=keeper)}
    assert rows == {first.holder_id: (Decimal("170.00"), Decimal("500.00"), 3),
                    second.holder_id: (Decimal("680.00"), Decimal("0.00"), 1)}
    assert [r["holder"] for r in selectors.charges_by_holder(actor=keeper)] == [second.holder_id, first.holder_id]


def test_the_charge_stays_with_who_held_the_kit_when_it_was_lost(keeper, crimper, kit):
    services.tools_issue(actor=keeper, kit=kit, lines=[(crimper, 1)])
    before = kit.holder
    services.tool_lost(actor=keeper, kit=kit, tool=crimper)
    kit.holder = UserFactory(roles=[Role.TECHNICIAN])
    kit.save()
    assert [r["holder"] for r in selectors.charges_by_holder(actor=keeper)] == [before.pk]


# ---------------------------------------------------------------- archiving, the holder


def test_a_kit_holding_tools_or_a_tool_in_kits_is_not_archived(keeper, meter, kit):
    services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 1)])
    with pytest.raises(ServiceError) as exc:
        services.kit_archive(actor=keeper, kit=kit)
    assert exc.value.code == "kit_not_empty"
    with pytest.raises(ServiceError) as exc:
        services.tool_archive(actor=keeper, tool=meter)
    assert exc.value.code == "tool_in_kits"
    services.tools_return(actor=keeper, kit=kit, lines=[(meter, 1)])
    assert services.kit_archive(actor=keeper, kit=kit).archived_at is not None
    assert services.tool_archive(actor=keeper, tool=meter).archived_at is not None


def test_a_kit_is_held_by_staff_only():
    from django.core.exceptions import ValidationError

    from aftersales.customers.tests.factories import CustomerFactory

    customer_user = UserFactory(roles=[Role.CUSTOMER], customer=CustomerFactory())
    with pytest.raises(ValidationError) as exc:
        ToolKit(code="X", holder=customer_user).full_clean()
    assert "holder" in exc.value.message_dict


def test_the_database_refuses_negative_counts_and_deleting_events(keeper, meter, kit):
    from aftersales.core.models import ArchiveRefused

    with pytest.raises(IntegrityError), transaction.atomic():
        Tool.objects.filter(pk=meter.pk).update(quantity=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ToolKitLine.objects.create(kit=kit, tool=meter, quantity=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ToolEvent.objects.create(kind="lost", tool=meter, kit=kit, holder=kit.holder, quantity=1, actor=keeper)
    with pytest.raises(ArchiveRefused):
        ToolEvent.objects.all().delete()


def test_counts_follow_the_events_through_a_mixed_history(keeper, meter, crimper):
    kits = [ToolKitFactory(), ToolKitFactory()]
    services.tools_issue(actor=keeper, kit=kits[0], lines=[(meter, 2), (crimper, 1)])
    services.tools_issue(actor=keeper, kit=kits[1], lines=[(meter, 1), (crimper, 1)])
    services.tool_broken(actor=keeper, kit=kits[0], tool=meter)
    services.tool_lost(actor=keeper, kit=kits[1], tool=crimper)
    services.tool_bought(actor=keeper, kit=kits[1], tool=crimper, amount="90")
    services.tools_return(actor=keeper, kit=kits[0], lines=[(meter, 2)])
    services.tool_scrap(actor=keeper, tool=meter, quantity=1, note="报废")
    meter, crimper = fresh(meter), fresh(crimper)
    assert (meter.quantity, meter.broken_quantity, crimper.quantity) == (3, 0, 2)
    assert_counts_equal_events()


# ---------------------------------------------------------------- at once (PostgreSQL)


def _at_once(count: int, work) -> list[str]:
    from django.db import connections

    start = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        try:
            start.wait()
            try:
                work(n)
                outcome = "ok"
            except ServiceError as exc:
                outcome = exc.code
            except Exception as exc:  # noqa: BLE001 - counted as a failure of the test
                outcome = repr(exc)
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite runs one writer at a time: row locks are only tested on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_last_tools_issued_to_many_kits_at_once_never_go_negative():
    keeper = UserFactory(roles=[Role.PARTS])
    meter = ToolFactory(code="WYB-C")
    crimper = ToolFactory(code="WXQ-C")
    services.tool_receive(actor=keeper, tool=meter, quantity=10)
    services.tool_receive(actor=keeper, tool=crimper, quantity=10)
    kits = [ToolKitFactory() for _ in range(20)]
    # 20 keepers issue a meter and a crimper each, half of them naming the tools the other way round
    outcomes = _at_once(20, lambda n: services.tools_issue(
        actor=keeper, kit=kits[n], lines=[(meter, 1), (crimper, 1)][:: 1 if n % 2 else -1]))
    assert sorted(set(outcomes)) == ["insufficient_store", "ok"], set(outcomes)
    assert outcomes.count("ok") == 10
    assert (fresh(meter).quantity, fresh(crimper).quantity) == (0, 0)
    assert ToolKitLine.objects.filter(quantity=1).count() == 20  # 10 kits × 2 tools, none half-issued
    assert ToolEvent.objects.filter(kind="issue").count() == 20
    assert_counts_equal_events()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite runs one writer at a time: row locks are only tested on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_kit_losing_returning_and_exchanging_at_once_keeps_exact_counts():
    keeper = UserFactory(roles=[Role.PARTS])
    meter = ToolFactory(code="WYB-D", unit_price=Decimal("100"))
    services.tool_receive(actor=keeper, tool=meter, quantity=12)
    kit = ToolKitFactory()
    services.tools_issue(actor=keeper, kit=kit, lines=[(meter, 6)])

    def work(n: int) -> None:
        if n % 3 == 0:
            services.tool_lost(actor=keeper, kit=kit, tool=meter)
        elif n % 3 == 1:
            services.tools_return(actor=keeper, kit=kit, lines=[(meter, 1)])
        else:
            services.tool_broken(actor=keeper, kit=kit, tool=meter)

    outcomes = _at_once(15, work)
    assert set(outcomes) <= {"ok", "not_held", "insufficient_store"}, set(outcomes)
    events = {k: ToolEvent.objects.filter(kind=k).count() for k in ("lost", "return", "broken")}
    assert outcomes.count("ok") == sum(events.values())
    meter = fresh(meter)
    assert held(kit, meter) == 6 - events["lost"] - events["return"] >= 0
    assert meter.quantity == 6 + events["return"] - events["broken"] >= 0
    assert meter.broken_quantity == events["broken"]
    assert_counts_equal_events()
