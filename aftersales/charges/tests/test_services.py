"""Quotes through their services (SPEC W5–W9): the entitlement decides free or chargeable, misuse
with photos makes covered work chargeable, the service manager prices before the quote goes out,
the customer accepts before chargeable work, third-party costs go against us."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from aftersales.accounts.roles import Role
from aftersales.charges import selectors, services
from aftersales.charges.choices import (
    AcceptedVia,
    Decision,
    DecisionReason,
    PriceKind,
    QuoteState,
)
from aftersales.charges.models import PriceRule, Quote
from aftersales.charges.tests.conftest import photo
from aftersales.charges.tests.factories import PriceRuleFactory
from aftersales.core.errors import ServiceError
from aftersales.service.models import Breach, RequestClock
from aftersales.workorders.tests.factories import signature_data_url

pytestmark = pytest.mark.django_db
D = Decimal


def test_in_warranty_work_is_free_and_not_covered_work_waits_for_the_price(crew, job):
    free = services.quote_open(actor=crew["tech"], work_order=job(covered=True))
    assert (free.decision, free.state, free.coverage) == (Decision.FREE, QuoteState.FREE, "warranty")
    assert selectors.chargeable_work_blocked(free.work_order) is None
    with pytest.raises(ServiceError) as nothing:
        services.quote_price(actor=crew["manager"], quote=free, rule=PriceRuleFactory())
    assert nothing.value.code == "free"

    paid = services.quote_open(actor=crew["tech"], work_order=job(covered=False))
    assert (paid.decision, paid.decision_reason, paid.state) == (Decision.CHARGEABLE, DecisionReason.NOT_COVERED,
                                                                 QuoteState.DRAFT)
    assert "服务经理定价" in selectors.chargeable_work_blocked(paid.work_order)


def test_the_service_manager_prices_before_the_quote_is_given(crew, job):
    """W6: a chargeable job cannot be quoted before the service manager priced it."""
    quote = services.quote_open(actor=crew["tech"], work_order=job(covered=False, parts=[("150.00", 2)]))
    with pytest.raises(ServiceError) as early:
        services.quote_send(actor=crew["tech"], quote=quote)
    assert early.value.code == "not_priced"
    with pytest.raises(PermissionDenied):
        services.quote_price(actor=crew["tech"], quote=quote, rule=PriceRuleFactory())
    with pytest.raises(ServiceError) as unanswered:
        services.quote_accept(actor=crew["tech"], quote=quote, signer_name="赵主任", signature=signature_data_url())
    assert unanswered.value.code == "not_quoted"

    rule = PriceRuleFactory(kind=PriceKind.COST_PLUS_LABOUR, labour_rate=D("80"), travel_charge=D("50"))
    priced = services.quote_price(actor=crew["manager"], quote=quote, rule=rule, hours=D("1.5"), travel=True)
    assert (priced.state, priced.priced_by) == (QuoteState.PRICED, crew["manager"])
    assert (priced.parts_total, priced.labour_total, priced.travel_total, priced.total) == (
        D("300.00"), D("120.00"), D("50.00"), D("470.00"))
    assert priced.lines.count() == 3
    sent = services.quote_send(actor=crew["tech"], quote=priced)
    assert sent.state == QuoteState.QUOTED
    assert "尚未接受报价" in selectors.chargeable_work_blocked(sent.work_order)


def test_acceptance_by_signature_on_site(crew, job):
    quote = _quoted(crew, job(covered=False, parts=[("99.90", 1)]))
    with pytest.raises(ServiceError) as unsigned:
        services.quote_accept(actor=crew["tech"], quote=quote, signer_name="赵主任")
    assert unsigned.value.code == "signature"
    with pytest.raises(ServiceError) as empty:
        services.quote_accept(actor=crew["tech"], quote=quote, signer_name="赵主任",
                              signature=signature_data_url(blank=True))
    assert empty.value.code == "signature_empty"
    accepted = services.quote_accept(actor=crew["tech"], quote=quote, signer_name="赵主任",
                                     signature=signature_data_url())
    assert (accepted.state, accepted.accepted_via, accepted.signer_name) == (QuoteState.ACCEPTED,
                                                                            AcceptedVia.SIGNATURE, "赵主任")
    assert accepted.signature.read(8) == b"\x89PNG\r\n\x1a\n"
    assert selectors.chargeable_work_blocked(accepted.work_order) is None
    lines = selectors.charge_lines(accepted.work_order)
    assert lines["total"] == accepted.total and [line.kind for line in lines["lines"]][0] == "part"


def _grant_portal(user):
    """What the customer role is to hold (SPEC: the customer accepts through the portal)."""
    from django.contrib.auth.models import Permission

    codes = ["view_quote", "change_quote", "accept_quote"]
    for group in user.groups.all():
        group.permissions.add(*Permission.objects.filter(content_type__app_label="charges", codename__in=codes))
    user.__dict__.pop("_perm_cache", None)
    user.__dict__.pop("_group_perm_cache", None)
    return user


def test_a_customer_accepts_through_the_portal_only_their_own(crew, job, make_user):
    quote = _quoted(crew, job(covered=False, parts=[("10", 1)]))
    other = _quoted(crew, job(covered=False, parts=[("10", 1)]))
    mine = _grant_portal(make_user(Role.CUSTOMER, customer=quote.work_order.request.customer))
    with pytest.raises(PermissionDenied):
        services.quote_accept(actor=mine, quote=other)
    with pytest.raises(PermissionDenied):
        services.quote_send(actor=mine, quote=quote)  # staff give quotes; the customer answers them
    accepted = services.quote_accept(actor=mine, quote=quote)
    assert (accepted.state, accepted.accepted_via, accepted.answered_by) == (QuoteState.ACCEPTED,
                                                                            AcceptedVia.PORTAL, mine)
    assert Quote.objects.get(pk=other.pk).state == QuoteState.QUOTED
    declined = services.quote_decline(actor=crew["tech"], quote=other, reason="太贵")
    assert declined.state == QuoteState.DECLINED
    assert "已拒绝报价" in selectors.chargeable_work_blocked(declined.work_order)


def _quoted(crew, work_order, **price):
    quote = services.quote_open(actor=crew["tech"], work_order=work_order)
    rule = price.pop("rule", None) or PriceRuleFactory()
    services.quote_price(actor=crew["manager"], quote=quote, rule=rule, hours=D("1"), **price)
    return services.quote_send(actor=crew["tech"], quote=quote)


def test_misuse_needs_a_damage_photo_and_makes_warranty_work_chargeable(crew, job):
    work_order = job(covered=True, parts=[("200.00", 1)])
    quote = services.quote_open(actor=crew["tech"], work_order=work_order)
    assert quote.state == QuoteState.FREE
    photo(work_order, crew["tech"], kind="work")
    with pytest.raises(ServiceError) as no_photo:
        services.misuse_mark(actor=crew["tech"], work_order=work_order, description="设备进水")
    assert no_photo.value.code == "photo_required"
    assert not hasattr(type(work_order).objects.get(pk=work_order.pk), "misuse")
    damage = photo(work_order, crew["tech"])
    finding = services.misuse_mark(actor=crew["tech"], work_order=work_order, description="设备进水")
    assert list(finding.photos.all()) == [damage]
    quote.refresh_from_db()
    assert (quote.decision, quote.decision_reason, quote.state) == (Decision.CHARGEABLE, DecisionReason.MISUSE,
                                                                    QuoteState.DRAFT)
    rule = PriceRuleFactory(kind=PriceKind.COST_PLUS_LABOUR, labour_rate=D("100"), misuse_parts_only=True)
    priced = services.quote_price(actor=crew["manager"], quote=quote, rule=rule, hours=D("3"))
    assert (priced.parts_total, priced.labour_total, priced.total) == (D("200.00"), D("0.00"), D("200.00"))
    full = PriceRuleFactory(kind=PriceKind.COST_PLUS_LABOUR, labour_rate=D("100"))
    assert services.quote_price(actor=crew["manager"], quote=quote, rule=full, hours=D("3")).total == D("500.00")


def test_misuse_before_the_quote_opens_it_chargeable(crew, job, make_user):
    work_order = job(covered=True)
    photo(work_order, crew["tech"])
    with pytest.raises(ServiceError) as stranger:
        services.misuse_mark(actor=make_user(Role.TECHNICIAN), work_order=work_order, description="摔坏")
    assert stranger.value.code == "not_yours"
    services.misuse_mark(actor=crew["tech"], work_order=work_order, description="摔坏")
    assert "人为损坏" in selectors.chargeable_work_blocked(work_order)
    quote = services.quote_open(actor=crew["tech"], work_order=work_order)
    assert (quote.decision_reason, quote.state) == (DecisionReason.MISUSE, QuoteState.DRAFT)


def test_the_rate_card_of_004_is_seeded_and_prices_person_days(crew, job):
    rule = PriceRule.objects.get(code="RATE-004")
    assert {line.role: line.daily_rate for line in rule.rate_lines.all()} == {
        "系统部署": D("1200"), "运维工程师": D("1000"), "高级开发": D("1500"), "开发": D("1000"), "UI部署": D("1200"),
        "UI制作": D("1000"), "测试": D("800"), "项目经理": D("1200")}
    quote = services.quote_open(actor=crew["tech"], work_order=job(covered=False))
    priced = services.quote_price(actor=crew["manager"], quote=quote, rule=rule,
                                  person_days={"运维工程师": "1.5", "项目经理": "0.5"})
    assert (priced.labour_total, priced.total) == (D("2100.00"), D("2100.00"))


def test_a_third_party_cost_goes_against_us_and_onto_the_breach(crew, job):
    work_order = job(covered=False)
    request = work_order.request
    clock = RequestClock.objects.filter(request=request).first()
    breach = Breach.objects.create(clock=clock, request=request, late_minutes=90)
    with pytest.raises(PermissionDenied):
        services.third_party_cost_record(actor=crew["tech"], request=request, amount="800", incurred_on=dt.date.today())
    with pytest.raises(ServiceError):
        services.third_party_cost_record(actor=crew["finance"], request=request, amount="0",
                                         incurred_on=dt.date.today())
    cost = services.third_party_cost_record(actor=crew["finance"], request=request, breach=breach, amount="800.5",
                                            incurred_on=dt.date.today(), invoice_ref="FP-2026-001")
    assert cost.amount == D("800.50")
    breach.refresh_from_db()
    assert breach.penalty == D("800.50") and breach.penalty_note
    month = selectors.finance_month(actor=crew["finance"], month=dt.date.today())
    assert month["costs_total"] == D("800.50") and month["costs"][0]["request__customer__name"] == \
        request.customer.name
    elsewhere_request = job(covered=False).request
    stranger_breach = Breach.objects.create(clock=RequestClock.objects.filter(request=elsewhere_request).first(),
                                            request=elsewhere_request)
    with pytest.raises(ServiceError) as elsewhere:
        services.third_party_cost_record(actor=crew["finance"], request=request, breach=stranger_breach,
                                         amount="1", incurred_on=dt.date.today())
    assert elsewhere.value.code == "breach"


def test_the_month_totals_for_finance(crew, job):
    quote = _quoted(crew, job(covered=False, parts=[("100", 1)]))
    services.quote_accept(actor=crew["tech"], quote=quote, signer_name="赵主任", signature=signature_data_url())
    month = selectors.finance_month(actor=crew["finance"], month=dt.date.today())
    assert month["income_total"] == D("180.00")  # 100 parts + 1 h × 80
    assert month["income"][0]["parts"] == D("100.00") and month["income"][0]["quotes"] == 1
