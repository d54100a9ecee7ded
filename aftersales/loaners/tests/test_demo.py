"""The demo pool: units of every state with their history, and one loan overdue for the dispatch board."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from aftersales.accounts.models import User
from aftersales.loaners import selectors
from aftersales.loaners.choices import EventKind, LoanerState
from aftersales.loaners.demo import UNITS, demo_loaners
from aftersales.loaners.models import Loan, Loaner, LoanerEvent

pytestmark = pytest.mark.django_db


def test_the_demo_pool_has_every_state_and_an_overdue_loan():
    call_command("demo_data", stdout=io.StringIO())
    if not Loaner.objects.exists():  # until the demo builder calls demo_loaners itself
        today = timezone.localdate()
        demo_loaners(actor=User.objects.get(username="parts"), lender=User.objects.get(username="technician"),
                     today=today)
    keeper = User.objects.get(username="parts")
    assert Loaner.objects.count() == len(UNITS)
    assert set(Loaner.objects.values_list("state", flat=True)) == set(LoanerState.values)
    overdue = list(selectors.loans_overdue(actor=keeper, today=timezone.localdate()))
    assert len(overdue) == 1 and overdue[0].days_overdue(timezone.localdate()) == 2
    assert selectors.loans_open(actor=keeper).count() == Loaner.objects.filter(state=LoanerState.LENT).count() >= 3
    assert Loan.objects.filter(service_request__isnull=False).exists()
    assert set(LoanerEvent.objects.values_list("kind", flat=True)) == set(EventKind.values)
    # every loan's unit stands in for equipment of its own kind
    loans = Loan.objects.filter(asset__isnull=False).select_related("loaner__product_model", "asset__product_model")
    for loan in loans:
        assert loan.loaner.product_model.category_id == loan.asset.product_model.category_id
