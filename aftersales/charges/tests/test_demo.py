"""The demo builder of charges: rules, quotes in several states, a cost against us."""

import datetime as dt

import pytest

from aftersales.charges.choices import QuoteState
from aftersales.charges.demo import demo_charges
from aftersales.charges.models import PriceRule, Quote

pytestmark = pytest.mark.django_db


def test_demo_charges(crew, job):
    for _n in range(4):
        job(covered=False, parts=[("100", 1)])
    job(covered=True)
    counts = demo_charges(manager=crew["manager"], finance=crew["finance"], today=dt.date.today())
    assert counts["quotes"] == 5
    assert PriceRule.objects.get(is_default=True).code == "CL-002"
    states = set(Quote.objects.values_list("state", flat=True))
    assert {QuoteState.FREE, QuoteState.ACCEPTED, QuoteState.QUOTED, QuoteState.PRICED} <= states
