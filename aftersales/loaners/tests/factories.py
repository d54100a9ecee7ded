"""Factories of the app; MATRIX_FACTORIES: model label -> maker(org, world) for the who-sees-what matrix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from aftersales.catalogue.tests.factories import ProductModelFactory
from aftersales.loaners.choices import LoanerState, LoanReason, ReturnCondition
from aftersales.loaners.models import Loan, Loaner


class LoanerFactory(factory.django.DjangoModelFactory):
    """A unit in store made directly (lists, the matrix): loaners.services.loaner_register in real use."""

    class Meta:
        model = Loaner

    code = factory.Sequence(lambda n: f"BYJ-{n:04d}")
    product_model = factory.SubFactory(ProductModelFactory)
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    grade = "400万像素摄像机"
    state = LoanerState.IN_STORE
    purchase_value = Decimal("980.00")


def _loaner(org, w):
    LoanerFactory(id=org.pk, code=f"BYJ-{org.key}", product_model_id=org.pk, serial_number=f"SN-{org.key}",
                  grade=f"档次{org.key.upper()}", home_store_id=org.pk, notes="备注")


def _loan(org, w):
    """A loan that came back (the unit is in store again), of the organisation's customer, site,
    equipment and service request."""
    now = timezone.now()
    Loan.objects.create(id=org.pk, loaner_id=org.pk, customer_id=org.pk, site_id=org.pk, asset_id=org.pk,
                        service_request_id=org.pk, reason=LoanReason.TAKEN_AWAY, lent_at=now - dt.timedelta(days=9),
                        due_back=timezone.localdate() + dt.timedelta(days=3650), lent_by=w.users["manager"],
                        received_by="收货人", note="借出说明", returned_at=now - dt.timedelta(days=1),
                        returned_by=w.users["manager"], return_condition=ReturnCondition.GOOD, return_note="完好")


MATRIX_FACTORIES: dict = {"loaners.loaner": _loaner, "loaners.loan": _loan}
