"""The work order's quote on the visit screen (SPEC W5, W6): shown with what is free or chargeable
and why; waiting for the service manager's price it says so and cannot be given; priced, the
technician gives it; quoted, the customer accepts it with a signature drawn on the phone or
declines it with the reason. The quote's steps go through the visit's queue: sent twice after a
lost answer they are done once, and a quote changed since the screen showed it is refused."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.assets.tests.factories import AssetFactory
from aftersales.catalogue.tests.factories import PartFactory
from aftersales.charges import services as charges
from aftersales.charges.choices import AcceptedVia, PriceKind, QuoteState
from aftersales.charges.tests.factories import PriceRuleFactory
from aftersales.contracts.tests.factories import ContractFactory
from aftersales.customers.tests.factories import CustomerFactory, SiteFactory
from aftersales.inventory import services as stock
from aftersales.inventory.tests.factories import VanFactory
from aftersales.service.models import TimelineEntry
from aftersales.service.tests.factories import ServiceRequestFactory
from aftersales.workorders import services
from aftersales.workorders.choices import WorkOrderState
from aftersales.workorders.tests.factories import WorkOrderFactory, signature_data_url

pytestmark = pytest.mark.django_db
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}
D = Decimal


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def crew(make_user):
    return {"desk": make_user(Role.DESK), "tech": make_user(Role.TECHNICIAN, display_name="李师傅"),
            "manager": make_user(Role.SERVICE_MANAGER, display_name="周经理"), "keeper": make_user(Role.PARTS)}


def on_site(crew, *, covered: bool = False):
    """A work order on site for equipment out of warranty (chargeable), or under contract (free)."""
    customer = CustomerFactory()
    asset = AssetFactory(site=SiteFactory(customer=customer))
    if covered:
        ContractFactory(customer=customer, assets=[asset])
    request = ServiceRequestFactory(customer=customer, site=asset.site, asset=asset)
    work_order = WorkOrderFactory(actor=crew["desk"], request=request, technician=crew["tech"])
    services.workorder_arrive(work_order=work_order, actor=crew["tech"])
    return work_order


def priced(crew, work_order):
    quote = charges.quote_open(actor=crew["manager"], work_order=work_order)
    rule = PriceRuleFactory(kind=PriceKind.COST_PLUS_LABOUR, labour_rate=D("80"), travel_charge=D("50"))
    return charges.quote_price(actor=crew["manager"], quote=quote, rule=rule, hours=D("1.5"), travel=True)


def english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def step(client, work_order, name, data=None, **extra):
    body = {f"{name}-{key}": value for key, value in (data or {}).items()}
    return client.post(f"/work-orders/{work_order.pk}/visit/{name}/", body, **extra)


def version(client, work_order) -> str:
    """The quote's version as the visit screen shows it."""
    page = client.get(f"/work-orders/{work_order.pk}/visit/")
    return page.context["quote"]["version"]


def test_a_quote_waiting_for_the_price_says_so_and_cannot_be_given(client, crew):
    work_order = on_site(crew)
    quote = charges.quote_open(actor=crew["manager"], work_order=work_order)
    client.force_login(crew["tech"])
    english(client)
    page = client.get(f"/work-orders/{work_order.pk}/visit/")
    html = page.content.decode()
    assert 'id="quote-waiting"' in html and "Waiting for the service manager's price" in html
    assert "Chargeable" in html and "Not covered" in html  # what is charged, and why
    assert 'id="step-quote-send"' not in html and 'id="step-quote-accept"' not in html

    refused = step(client, work_order, "quote-send", {"quote_version": page.context["quote"]["version"]}, **FETCH)
    assert refused.status_code == 400 and refused.json()["ok"] is False
    assert "service manager must set the price" in refused.json()["message"]  # W6: priced first
    quote.refresh_from_db()
    assert quote.state == QuoteState.DRAFT


def test_the_technician_gives_the_priced_quote_and_the_customer_accepts_it_with_a_signature(client, crew):
    work_order = on_site(crew)
    quote = priced(crew, work_order)
    client.force_login(crew["tech"])
    page = client.get(f"/work-orders/{work_order.pk}/visit/")
    html = page.content.decode()
    assert 'id="step-quote-send"' in html and "170.00" in html  # labour 1.5 h × 80 + travel 50

    sent = step(client, work_order, "quote-send", {"quote_version": version(client, work_order)}, **FETCH)
    assert sent.status_code == 200 and sent.json()["ok"] is True and sent.json()["state"] == WorkOrderState.ON_SITE
    quote.refresh_from_db()
    assert quote.state == QuoteState.QUOTED and quote.quoted_by == crew["tech"]
    html = client.get(f"/work-orders/{work_order.pk}/visit/").content.decode()
    assert 'id="sig-quote"' in html and 'id="step-quote-accept"' in html and 'id="step-quote-decline"' in html

    at = timezone.now().replace(microsecond=0)
    accepted = step(client, work_order, "quote-accept", {
        "quote_version": version(client, work_order), "image": signature_data_url(), "signer_name": "赵主任",
        "at": at.isoformat()}, **FETCH)
    assert accepted.status_code == 200, accepted.content
    quote.refresh_from_db()
    assert (quote.state, quote.accepted_via, quote.signer_name) == (QuoteState.ACCEPTED, AcceptedVia.SIGNATURE,
                                                                   "赵主任")
    assert quote.answered_at == at and quote.answered_by == crew["tech"]  # when it was signed on the phone
    assert quote.signature.read(8) == b"\x89PNG\r\n\x1a\n"
    html = client.get(f"/work-orders/{work_order.pk}/visit/").content.decode()
    assert 'id="quote-answer"' in html and "赵主任" in html and 'id="step-quote-accept"' not in html

    # chargeable work goes on now: a part from the van
    part = PartFactory()
    stock.stock_receive(actor=crew["keeper"], part=part, location=VanFactory(holder=crew["tech"]), quantity=1)
    used = step(client, work_order, "part", {"part": part.pk, "quantity": 1}, **FETCH)
    assert used.status_code == 200, used.content


def test_the_customer_declines_with_the_reason_and_chargeable_work_stays_blocked(client, crew):
    work_order = on_site(crew)
    quote = charges.quote_send(actor=crew["tech"], quote=priced(crew, work_order))
    client.force_login(crew["tech"])
    english(client)
    declined = step(client, work_order, "quote-decline", {"quote_version": version(client, work_order),
                                                          "reason": "价格太高，先不修"}, **FETCH)
    assert declined.status_code == 200, declined.content
    quote.refresh_from_db()
    assert quote.state == QuoteState.DECLINED and quote.decline_reason == "价格太高，先不修"
    html = client.get(f"/work-orders/{work_order.pk}/visit/").content.decode()
    assert "价格太高，先不修" in html and 'id="step-quote-accept"' not in html

    part = PartFactory()
    stock.stock_receive(actor=crew["keeper"], part=part, location=VanFactory(holder=crew["tech"]), quantity=1)
    blocked = step(client, work_order, "part", {"part": part.pk, "quantity": 1}, **FETCH)
    assert blocked.status_code == 400 and "declined the quote" in blocked.json()["message"]
    assert not work_order.used_parts.exists()


def test_a_quote_not_given_to_the_customer_cannot_be_answered_and_a_signature_is_required(client, crew):
    work_order = on_site(crew)
    quote = priced(crew, work_order)  # priced, not yet given
    client.force_login(crew["tech"])
    english(client)
    early = step(client, work_order, "quote-accept", {"quote_version": version(client, work_order),
                                                      "image": signature_data_url(), "signer_name": "赵主任"}, **FETCH)
    assert early.status_code == 400 and early.json()["ok"] is False
    assert "only a quote given to the customer can be accepted" in early.json()["message"]
    assert step(client, work_order, "quote-decline", {"quote_version": version(client, work_order)},
                **FETCH).status_code == 400
    quote.refresh_from_db()
    assert quote.state == QuoteState.PRICED

    charges.quote_send(actor=crew["tech"], quote=quote)
    blank = step(client, work_order, "quote-accept", {"quote_version": version(client, work_order),
                                                      "image": signature_data_url(blank=True),
                                                      "signer_name": "赵主任"}, **FETCH)
    assert blank.status_code == 400 and blank.json()["errors"]["image"]
    nameless = step(client, work_order, "quote-accept", {"quote_version": version(client, work_order),
                                                         "image": signature_data_url(), "signer_name": ""}, **FETCH)
    assert nameless.status_code == 400 and nameless.json()["errors"]["signer_name"]
    unsigned = step(client, work_order, "quote-accept", {"quote_version": version(client, work_order),
                                                         "signer_name": "赵主任"}, **FETCH)
    assert unsigned.status_code == 400
    quote.refresh_from_db()
    assert quote.state == QuoteState.QUOTED and not quote.signature


def test_an_answer_sent_again_after_a_lost_answer_is_recorded_once(client, crew):
    work_order = on_site(crew)
    quote = charges.quote_send(actor=crew["tech"], quote=priced(crew, work_order))
    client.force_login(crew["tech"])
    body = {"quote_version": version(client, work_order), "image": signature_data_url(), "signer_name": "赵主任",
            "step_id": "quote-abc-1"}
    assert step(client, work_order, "quote-accept", body, **FETCH).json()["ok"] is True
    quote.refresh_from_db()
    answered_at = quote.answered_at
    again = step(client, work_order, "quote-accept", body, **FETCH)  # the phone did not get the first answer
    assert again.status_code == 200 and again.json()["ok"] is True
    quote.refresh_from_db()
    assert quote.state == QuoteState.ACCEPTED and quote.answered_at == answered_at
    accepted = TimelineEntry.objects.filter(request=work_order.request, data__quote=quote.pk, data__step="accept")
    assert accepted.count() == 1


def test_a_quote_changed_since_the_screen_showed_it_is_not_answered(client, crew):
    from aftersales.charges.tests.conftest import photo

    work_order = on_site(crew)
    quote = charges.quote_send(actor=crew["tech"], quote=priced(crew, work_order))
    client.force_login(crew["tech"])
    shown = version(client, work_order)
    # meanwhile damage by misuse is marked: decided again, priced again and given again
    charges.misuse_mark(actor=crew["tech"], work_order=work_order, description="设备进水",
                        photos=[photo(work_order, crew["tech"])])
    quote.refresh_from_db()
    assert quote.state == QuoteState.DRAFT
    quote = charges.quote_send(actor=crew["tech"], quote=charges.quote_price(
        actor=crew["manager"], quote=quote, rule=PriceRuleFactory(labour_rate=D("200")), hours=D("2")))
    stale = step(client, work_order, "quote-accept", {"quote_version": shown, "image": signature_data_url(),
                                                      "signer_name": "赵主任"}, **FETCH)
    assert stale.status_code == 400 and quote.number in stale.json()["message"]
    quote.refresh_from_db()
    assert quote.state == QuoteState.QUOTED and quote.total == D("400.00")
    fresh = step(client, work_order, "quote-accept", {"quote_version": version(client, work_order),
                                                      "image": signature_data_url(), "signer_name": "赵主任"}, **FETCH)
    assert fresh.status_code == 200, fresh.content


def test_without_script_the_step_redirects_and_a_refusal_shows_on_the_page(client, crew):
    work_order = on_site(crew)
    quote = priced(crew, work_order)
    client.force_login(crew["tech"])
    refused = step(client, work_order, "quote-accept", {"quote_version": version(client, work_order),
                                                        "image": signature_data_url(), "signer_name": "赵主任"})
    assert refused.status_code == 400 and 'id="step-error"' in refused.content.decode()
    sent = step(client, work_order, "quote-send", {"quote_version": version(client, work_order)})
    assert sent.status_code == 302 and sent["Location"] == f"/work-orders/{work_order.pk}/visit/"
    assert [str(m) for m in get_messages(sent.wsgi_request)]
    quote.refresh_from_db()
    assert quote.state == QuoteState.QUOTED


def test_free_work_shows_why_and_offers_no_step(client, crew):
    work_order = on_site(crew, covered=True)
    charges.quote_open(actor=crew["tech"], work_order=work_order)
    client.force_login(crew["tech"])
    english(client)
    html = client.get(f"/work-orders/{work_order.pk}/visit/").content.decode()
    assert 'data-quote-state="free"' in html and "Covered by the entitlement" in html
    assert "step-quote-" not in html


def test_the_visit_screen_needs_the_same_queries_for_more_quote_lines(client, crew):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def visit_queries(work_order) -> int:
        client.get(f"/work-orders/{work_order.pk}/visit/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/work-orders/{work_order.pk}/visit/").status_code == 200
        return len(queries)

    few, many = on_site(crew), on_site(crew)
    van = VanFactory(holder=crew["tech"])
    for n in range(4):  # parts used before the quote is opened are priced as its lines
        part = PartFactory(code=f"Q-{n}", unit_cost=D("12.50"))
        stock.stock_receive(actor=crew["keeper"], part=part, location=van, quantity=1)
        services.workorder_use_part(work_order=many, actor=crew["tech"], part=part, quantity=1)
    assert priced(crew, few).lines.count() == 2 and priced(crew, many).lines.count() == 6
    client.force_login(crew["tech"])
    assert visit_queries(many) == visit_queries(few)


def test_another_technician_cannot_answer_the_quote_of_someone_elses_visit(client, crew, make_user):
    work_order = on_site(crew)
    quote = priced(crew, work_order)
    client.force_login(crew["tech"])
    shown = version(client, work_order)
    client.force_login(make_user(Role.TECHNICIAN))
    refused = step(client, work_order, "quote-send", {"quote_version": shown}, **FETCH)
    assert refused.status_code == 400 and refused.json()["ok"] is False
    quote.refresh_from_db()
    assert quote.state == QuoteState.PRICED
