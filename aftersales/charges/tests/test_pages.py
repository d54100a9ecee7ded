"""The charges pages: a quote's page with its steps, the price rules, the month's totals."""

import datetime as dt

import pytest

from aftersales.charges import services
from aftersales.charges.models import PriceRule
from aftersales.charges.tests.test_services import _quoted
from aftersales.workorders.tests.factories import signature_data_url

pytestmark = pytest.mark.django_db


def test_the_service_manager_prices_on_the_quote_page(crew, job, client):
    quote = services.quote_open(actor=crew["tech"], work_order=job(covered=False))
    client.force_login(crew["tech"])
    page = client.get(f"/charges/quotes/{quote.pk}/")
    assert page.status_code == 200 and "price" not in page.context["steps"]
    assert client.post(f"/charges/quotes/{quote.pk}/send/").status_code == 400
    client.force_login(crew["manager"])
    page = client.get(f"/charges/quotes/{quote.pk}/")
    assert "price" in page.context["steps"]
    rule = PriceRule.objects.get(code="RATE-004")
    refused = client.post(f"/charges/quotes/{quote.pk}/price/", {"price-rule": rule.pk,
                                                                 "price-person_days": "架构师 = 1"})
    assert refused.status_code == 400 and "架构师" in refused.content.decode()
    done = client.post(f"/charges/quotes/{quote.pk}/price/", {"price-rule": rule.pk,
                                                              "price-person_days": "测试 = 2"})
    assert done.status_code == 302
    quote.refresh_from_db()
    assert str(quote.total) == "1600.00"


def test_price_rules_and_the_month_for_finance(crew, job, client):
    quote = _quoted(crew, job(covered=False, parts=[("100", 1)]))
    services.quote_accept(actor=crew["tech"], quote=quote, signer_name="赵主任", signature=signature_data_url())
    client.force_login(crew["finance"])
    rules = client.get("/charges/price-rules/")
    assert rules.status_code == 200 and "高级开发" in rules.content.decode()
    month = client.get("/charges/finance/", {"month": dt.date.today().strftime("%Y-%m")})
    assert month.status_code == 200 and "180.00" in month.content.decode()
