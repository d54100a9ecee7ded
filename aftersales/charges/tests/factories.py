"""Factories of charges; MATRIX_FACTORIES: the who-sees-what matrix's rows of this app."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from aftersales.charges.choices import (
    Decision,
    DecisionReason,
    LineKind,
    PriceKind,
    QuoteState,
)
from aftersales.charges.models import (
    MisuseFinding,
    PriceRule,
    Quote,
    QuoteLine,
    RateCardLine,
    ThirdPartyCost,
)


class PriceRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceRule

    code = factory.Sequence(lambda n: f"PR-{n:03d}")
    name = factory.Sequence(lambda n: f"收费规则{n}")
    kind = PriceKind.COST_PLUS_LABOUR
    labour_rate = Decimal("80.00")


# ---------------------------------------------------------------- the matrix's rows


def _price_rule(org, w):
    rule = PriceRule.objects.create(id=org.pk, code=f"PR-{org.key}", name=f"规则{org.key.upper()}",
                                    kind=PriceKind.RATE_CARD, notes="备注")
    RateCardLine.objects.create(id=org.pk, rule=rule, role=f"开发{org.key}", daily_rate=Decimal("1000"))


def _quote(org, w):
    quote = Quote.objects.create(id=org.pk, number=f"BJ-{org.key}", work_order_id=org.pk, state=QuoteState.DRAFT,
                                 decision=Decision.CHARGEABLE, decision_reason=DecisionReason.NOT_COVERED,
                                 coverage="none", entitlement_reason="不在保修期")
    QuoteLine.objects.create(id=org.pk, quote=quote, kind=LineKind.PART, description="电源", quantity=Decimal("1"),
                             unit_price=Decimal("10.00"), amount=Decimal("10.00"))


def _misuse(org, w):
    finding = MisuseFinding.objects.create(id=org.pk, work_order_id=org.pk, description="进水损坏",
                                           marked_by=w.users["manager"])
    finding.photos.set([org.pk])


def _third_party_cost(org, w):
    ThirdPartyCost.objects.create(id=org.pk, request_id=org.pk, breach_id=org.pk, amount=Decimal("500.00"),
                                  incurred_on=timezone.localdate() - dt.timedelta(days=1), invoice_ref="FP-1",
                                  note="第三方维修", recorded_by=w.users["manager"])


MATRIX_FACTORIES = {
    "charges.pricerule": _price_rule,
    "charges.quote": _quote,
    "charges.quoteline": lambda org, w: None,  # made with its quote
    "charges.misusefinding": _misuse,
    "charges.thirdpartycost": _third_party_cost,
}
