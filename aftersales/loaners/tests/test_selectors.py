"""Reads for the dispatch board and the lending desk: overdue and open loans, units that can stand in
for a customer's equipment, counts per state."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.catalogue.tests.factories import ProductModelFactory
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.loaners import selectors, services
from aftersales.loaners.choices import LoanerState, ReturnCondition

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def lend(loaner, actor, *, lent_days_ago: int, due_in_days: int):
    return services.loaner_lend(actor=actor, loaner=loaner, customer=CustomerFactory(),
                                at=timezone.now() - dt.timedelta(days=lent_days_ago),
                                due_back=TODAY + dt.timedelta(days=due_in_days))


def test_overdue_is_open_and_due_before_today(register, tech):
    late = lend(register("BYJ-1"), tech, lent_days_ago=20, due_in_days=-3)
    later = lend(register("BYJ-2"), tech, lent_days_ago=20, due_in_days=-10)
    lend(register("BYJ-3"), tech, lent_days_ago=5, due_in_days=0)  # due today: not yet overdue
    back = register("BYJ-4")
    lend(back, tech, lent_days_ago=20, due_in_days=-5)
    services.loaner_return(actor=tech, loaner=back, condition=ReturnCondition.GOOD)

    overdue = list(selectors.loans_overdue(actor=tech, today=TODAY))
    assert overdue == [later, late]  # longest overdue first
    assert [loan.days_overdue(TODAY) for loan in overdue] == [10, 3]
    assert selectors.loans_open(actor=tech).count() == 3
    assert selectors.loans_overdue(actor=tech, today=TODAY - dt.timedelta(days=4)).count() == 1


def test_nobody_outside_the_staff_reads_loans(register, tech, make_user):
    from aftersales.accounts.roles import Role

    loan = lend(register(), tech, lent_days_ago=9, due_in_days=-1)
    customer_user = make_user(Role.CUSTOMER, customer=loan.customer)
    # the role holds no permission on loans; the selectors answer by customer all the same
    assert not customer_user.has_perm("loaners.view_loan")
    assert selectors.loaner_list(actor=customer_user).count() == 0


def test_units_that_stand_in_come_same_model_first_then_grade_then_category(register, keeper, camera_model, tech):
    other_camera = ProductModelFactory(category=camera_model.category, code="DH-IPC-2433")
    third_camera = ProductModelFactory(category=camera_model.category, code="IPC2124")
    same_model = register("BYJ-A")
    same_grade = register("BYJ-B", product_model=other_camera)
    same_kind = register("BYJ-C", product_model=third_camera, grade="球机")
    lend(register("BYJ-D"), tech, lent_days_ago=1, due_in_days=3)  # lent: not offered
    retired = register("BYJ-E")
    services.loaner_retire(actor=keeper, loaner=retired, reason="报废")

    offered = list(selectors.loaners_to_stand_in(actor=tech, product_model=camera_model))
    assert offered == [same_model, same_grade, same_kind]
    assert [o.match for o in offered] == [0, 1, 2]
    assert list(selectors.loaners_available(actor=tech, grade="球机")) == [same_kind]
    assert list(selectors.loaners_available(actor=tech, product_model=other_camera)) == [same_grade]


def test_counts_per_state(register, keeper, tech):
    register("BYJ-1")
    lend(register("BYJ-2"), tech, lent_days_ago=1, due_in_days=3)
    services.loaner_repair_send(actor=keeper, loaner=register("BYJ-3"))
    assert selectors.loaner_state_counts(actor=keeper) == {
        LoanerState.IN_STORE: 1, LoanerState.LENT: 1, LoanerState.IN_REPAIR: 1, LoanerState.RETIRED: 0}
