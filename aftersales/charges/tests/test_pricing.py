"""The arithmetic of the four price rules (SPEC W6), without the database."""

from decimal import Decimal

import pytest

from aftersales.charges.choices import LineKind, PriceKind
from aftersales.charges.pricing import PartItem, Terms, price_lines, totals_of
from aftersales.core.errors import ServiceError

D = Decimal
PARTS = [PartItem("电源模块", 2, cost=D("120.50"), market=D("180")), PartItem("风扇", 1, cost=D("35"), market=D("60"))]
RATE_004 = {"系统部署": D("1200"), "运维工程师": D("1000"), "高级开发": D("1500"), "测试": D("800")}


def test_parts_at_cost_plus_labour():
    lines = price_lines(Terms(PriceKind.COST_PLUS_LABOUR, labour_rate=D("80")), parts=PARTS, hours=D("2.5"))
    totals = totals_of(lines)
    assert totals.parts == D("276.00")  # 2 × 120.50 + 35
    assert totals.labour == D("200.00")  # 2.5 h × 80
    assert totals.total == D("476.00")


def test_market_price_without_labour():
    lines = price_lines(Terms(PriceKind.MARKET_NO_LABOUR, labour_rate=D("80")), parts=PARTS, hours=D("3"))
    totals = totals_of(lines)
    assert totals.parts == D("420.00") and totals.labour == D("0.00") and totals.total == D("420.00")
    assert all(line.kind == LineKind.PART for line in lines)


def test_market_price_must_be_given():
    with pytest.raises(ServiceError) as missing:
        price_lines(Terms(PriceKind.MARKET_NO_LABOUR), parts=[PartItem("主板", 1, cost=D("900"))])
    assert missing.value.code == "price_missing"


def test_labour_per_hour_is_capped():
    terms = Terms(PriceKind.HOURLY_CAPPED, labour_rate=D("10"), labour_cap=D("50"))
    assert totals_of(price_lines(terms, parts=[], hours=D("3"))).labour == D("30.00")
    capped = price_lines(terms, parts=[], hours=D("7.5"))
    assert totals_of(capped).labour == D("50.00") and capped[0].unit_price == D("10.00")


def test_rate_card_person_days_and_travel():
    terms = Terms(PriceKind.RATE_CARD, travel_charge=D("300"), day_rates=RATE_004)
    lines = price_lines(terms, parts=[], person_days={"高级开发": D("2"), "测试": D("0.5")}, travel=True)
    totals = totals_of(lines)
    assert [(line.description, line.amount) for line in lines if line.kind == LineKind.PERSON_DAYS] == [
        ("高级开发", D("3000.00")), ("测试", D("400.00"))]
    assert totals.labour == D("3400.00") and totals.travel == D("300.00") and totals.total == D("3700.00")
    with pytest.raises(ServiceError) as unknown:
        price_lines(terms, parts=[], person_days={"架构师": D("1")})
    assert unknown.value.code == "rate_missing"


def test_misuse_at_parts_only_and_what_the_contract_still_covers():
    terms = Terms(PriceKind.MARKET_NO_LABOUR, travel_charge=D("100"))
    parts_only = totals_of(price_lines(terms, parts=PARTS, hours=D("2"), travel=True, parts_only=True))
    assert parts_only.parts == D("276.00") and parts_only.total == D("276.00")  # at cost, no labour, no travel
    labour_free = totals_of(price_lines(Terms(PriceKind.COST_PLUS_LABOUR, labour_rate=D("80")), parts=PARTS,
                                        hours=D("2"), free_labour=True))
    assert labour_free.labour == D("0.00") and labour_free.total == D("276.00")


def test_money_is_rounded_half_up_to_the_cent():
    lines = price_lines(Terms(PriceKind.COST_PLUS_LABOUR, labour_rate=D("33.335")), parts=[], hours=D("1"))
    assert lines[0].unit_price == D("33.34") and lines[0].amount == D("33.34")
