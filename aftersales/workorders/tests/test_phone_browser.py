"""Drives the technician's phone pages in headless Chromium at 375 x 800: the desk dispatches a
request; the technician opens my jobs, leaves, arrives (the on-site clock is met), uses a part from
the van, has both signatures drawn on the screen and finishes: the request is resolved. A visit
entered without signal: kept on the phone, sent in order with its own times when signal returns.
And a chargeable job (W6): the quote waits for the service manager's price, the technician gives
it, the customer accepts it by signing on the phone, the work goes on; the customer downloads the
service report with its charges and has it e-mailed."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import PASSWORD
from aftersales.assets.tests.factories import AssetFactory
from aftersales.catalogue.tests.factories import PartFactory
from aftersales.charges import services as charges
from aftersales.charges.choices import AcceptedVia, PriceKind, QuoteState
from aftersales.charges.tests.factories import PriceRuleFactory
from aftersales.customers.tests.factories import CustomerFactory, SiteFactory
from aftersales.inventory import services as stock
from aftersales.inventory.selectors import stock_on_hand
from aftersales.inventory.tests.factories import VanFactory
from aftersales.service.choices import ClockKind, State
from aftersales.service.tests.factories import ServiceRequestFactory
from aftersales.workorders.choices import WorkOrderState
from aftersales.workorders.models import WorkOrder
from aftersales.workorders.report_pdf import TITLE
from aftersales.workorders.tests.factories import WorkOrderFactory
from aftersales.workorders.tests.test_report_pdf import text_of as pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DRAW = """
const canvas = arguments[0];
canvas.scrollIntoView({block: "center"});
const box = canvas.getBoundingClientRect();
const fire = (type, x, y) => canvas.dispatchEvent(new PointerEvent(type, {bubbles: true, cancelable: true,
  pointerId: 7, pointerType: "touch", isPrimary: true, clientX: box.left + x, clientY: box.top + y}));
fire("pointerdown", 20, 110);
for (let i = 1; i <= 12; i += 1) { fire("pointermove", 20 + i * 22, i % 2 ? 40 : 120); }
fire("pointerup", 284, 80);
"""


def phone(browser) -> None:
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 375, "height": 800, "deviceScaleFactor": 2, "mobile": True})


def network(browser, *, offline: bool) -> None:
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def log_in(browser, live_server, user) -> None:
    browser.delete_all_cookies()
    browser.get(live_server.url + "/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(user.username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    WebDriverWait(browser, 15).until(ec.presence_of_element_located((By.CSS_SELECTOR, "nav.menu")))


def shown(browser, attribute: str = "data-server-state") -> str | None:
    try:
        return browser.find_element(By.ID, "visit").get_attribute(attribute)
    except WebDriverException:  # not there yet, or the page is reloading
        return None


def text_of(browser, element_id: str) -> str:
    try:
        return browser.find_element(By.ID, element_id).get_attribute("textContent")
    except WebDriverException:  # not there yet, or the page is reloading
        return ""


FETCH_BYTES = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], {credentials: "same-origin"}).then((r) => r.arrayBuffer()).then((buffer) => {
  const bytes = new Uint8Array(buffer);
  let text = "";
  for (let i = 0; i < bytes.length; i += 1) { text += String.fromCharCode(bytes[i]); }
  done(btoa(text));
}).catch((error) => done("error: " + error));
"""


def attribute(browser, element_id: str, name: str) -> str | None:
    try:
        return browser.find_element(By.ID, element_id).get_attribute(name)
    except WebDriverException:  # not there yet, or the page is reloading
        return None


def narrow(browser) -> bool:
    return browser.execute_script("return document.documentElement.scrollWidth") <= 375


def click(browser, element_id: str) -> None:
    element = WebDriverWait(browser, 15).until(ec.element_to_be_clickable((By.ID, element_id)))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def test_a_request_from_dispatch_to_a_signed_visit_on_the_phone(browser, live_server, make_user, settings,
                                                                tmp_path):
    settings.MEDIA_ROOT = tmp_path
    phone(browser)
    wait = WebDriverWait(browser, 20)
    desk = make_user(Role.DESK)
    tech = make_user(Role.TECHNICIAN, display_name="李师傅")
    van = VanFactory(holder=tech)
    part = PartFactory(code="NVR-PSU", name="录像机电源")
    stock.stock_receive(actor=make_user(Role.PARTS), part=part, location=van, quantity=2)
    request = ServiceRequestFactory(severity=2, reporter_name="赵主任", reporter_phone="13957412345")

    # the desk dispatches the request to the technician
    log_in(browser, live_server, desk)
    browser.get(f"{live_server.url}/work-orders/new/?request={request.pk}")
    Select(browser.find_element(By.ID, "id_technician")).select_by_value(str(tech.pk))
    start = timezone.localtime() + dt.timedelta(minutes=30)
    browser.execute_script("arguments[0].value = arguments[1];", browser.find_element(By.ID, "id_planned_start"),
                           start.strftime("%Y-%m-%dT%H:%M"))
    click(browser, "dispatch-submit")
    wait.until(ec.presence_of_element_located((By.ID, "wo-state")))
    work_order = WorkOrder.objects.get(request=request)
    assert work_order.technician == tech and work_order.number in browser.find_element(By.TAG_NAME, "h1").text

    # the technician opens my jobs on the phone: the job, its customer and a number to call
    log_in(browser, live_server, tech)
    browser.get(f"{live_server.url}/work-orders/my/")
    job = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f"[data-work-order='{work_order.number}']")))
    assert request.customer.name in job.text
    assert job.find_element(By.CSS_SELECTOR, "a[href^='tel:']").get_attribute("href") == "tel:13957412345"
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 375  # nothing wider
    job.find_element(By.CSS_SELECTOR, "a.job-open").click()

    # leaves, then arrives: the request's on-site clock is met
    click(browser, "step-travel")
    wait.until(lambda d: shown(d) == WorkOrderState.TRAVELLING)
    click(browser, "step-arrive")
    wait.until(lambda d: shown(d) == WorkOrderState.ON_SITE)
    on_site = request.clocks.get(clock=ClockKind.ON_SITE)
    work_order.refresh_from_db()
    assert on_site.met_at is not None and on_site.met_at == work_order.arrived_at

    # uses a part from the van
    assert "NVR-PSU" in text_of(browser, "van-stock")
    Select(browser.find_element(By.ID, "id_part-part")).select_by_value(str(part.pk))
    browser.find_element(By.ID, "id_part-serial_number").send_keys("PSU-NEW-1")
    click(browser, "step-part")
    wait.until(lambda d: "NVR-PSU" in text_of(d, "used-parts"))
    assert stock_on_hand(part=part, location=van) == 1

    # the customer signs on the screen, with a name and a comment; then the technician
    browser.execute_script(DRAW, browser.find_element(By.ID, "sig-customer"))
    browser.find_element(By.ID, "id_sign-customer-signer_name").send_keys("赵主任")
    browser.find_element(By.ID, "id_sign-customer-comment").send_keys("已恢复，满意")
    click(browser, "step-sign-customer")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "[data-signed=customer]")))
    browser.execute_script(DRAW, browser.find_element(By.ID, "sig-technician"))
    click(browser, "step-sign-technician")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "[data-signed=technician]")))
    customer_signature = work_order.signatures.get(role="customer")
    assert customer_signature.signer_name == "赵主任" and customer_signature.comment == "已恢复，满意"
    assert work_order.signatures.get(role="technician").signer_name == "李师傅"

    # and finishes: fixed
    browser.find_element(By.ID, "id_finish-work_done").send_keys("更换录像机电源，系统恢复")
    click(browser, "id_finish-outcome_0")
    click(browser, "step-finish")
    wait.until(lambda d: shown(d) == WorkOrderState.DONE)
    work_order.refresh_from_db()
    request.refresh_from_db()
    assert work_order.state == WorkOrderState.DONE and work_order.outcome == "fixed"
    assert request.state == State.RESOLVED and request.resolution == "更换录像机电源，系统恢复"
    assert text_of(browser, "sync-count") == "0"  # nothing left waiting on the phone


def test_a_visit_without_signal_is_kept_and_sent_when_signal_returns(browser, live_server, make_user):
    phone(browser)
    wait = WebDriverWait(browser, 30)
    desk, tech = make_user(Role.DESK), make_user(Role.TECHNICIAN)
    request = ServiceRequestFactory(severity=2)
    work_order = WorkOrderFactory(actor=desk, request=request, technician=tech, planned_start=timezone.now())
    log_in(browser, live_server, tech)
    browser.get(f"{live_server.url}/work-orders/{work_order.pk}/visit/")
    wait.until(lambda d: shown(d) == WorkOrderState.PLANNED)

    # without signal, the technician leaves: the step waits on the phone
    network(browser, offline=True)
    left = timezone.now() - dt.timedelta(seconds=1)  # the phone's clock keeps milliseconds
    click(browser, "step-travel")
    wait.until(lambda d: text_of(d, "sync-count") == "1")
    assert shown(browser, "data-state") == WorkOrderState.TRAVELLING  # the screen goes on to the next step
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.PLANNED

    # signal returns: the step is sent, with the time it happened
    network(browser, offline=False)
    wait.until(lambda d: shown(d) == WorkOrderState.TRAVELLING)
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.TRAVELLING and left <= work_order.travel_started_at

    # without signal again: arrives and types the work notes
    network(browser, offline=True)
    arrived = timezone.now() - dt.timedelta(seconds=1)
    click(browser, "step-arrive")
    wait.until(lambda d: text_of(d, "sync-count") == "1")
    notes = wait.until(ec.visibility_of_element_located((By.ID, "id_finish-work_done")))
    notes.send_keys("光模块松动，重新插紧")
    browser.execute_script("return 1")  # let the page's input handler store the draft
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.TRAVELLING  # nothing reached the server

    # the page is opened again when there is signal: the draft is there, the queued arrival is sent
    reached = timezone.now()
    network(browser, offline=False)
    browser.refresh()
    wait.until(lambda d: shown(d) == WorkOrderState.ON_SITE)
    wait.until(lambda d: d.find_element(By.ID, "id_finish-work_done").get_attribute("value") == "光模块松动，重新插紧")
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.ON_SITE
    assert arrived <= work_order.arrived_at <= reached  # the time it happened, not when it was sent
    assert request.clocks.get(clock=ClockKind.ON_SITE).met_at == work_order.arrived_at


def test_a_chargeable_job_quoted_accepted_on_the_phone_and_its_report(browser, live_server, make_user, settings,
                                                                     tmp_path):
    settings.MEDIA_ROOT = tmp_path
    phone(browser)
    browser.set_script_timeout(30)
    wait = WebDriverWait(browser, 20)
    desk, manager = make_user(Role.DESK), make_user(Role.SERVICE_MANAGER, display_name="周经理")
    tech = make_user(Role.TECHNICIAN, display_name="李师傅")
    van = VanFactory(holder=tech)
    part = PartFactory(code="NVR-PSU", name="录像机电源", unit_cost=Decimal("150.00"))
    stock.stock_receive(actor=make_user(Role.PARTS), part=part, location=van, quantity=2)
    rule = PriceRuleFactory(name="成本加人工", kind=PriceKind.COST_PLUS_LABOUR, labour_rate=Decimal("80"),
                            travel_charge=Decimal("50"))
    school = CustomerFactory(name="杭州西湖中学")
    asset = AssetFactory(site=SiteFactory(customer=school))  # no contract: out of warranty, paid service
    request = ServiceRequestFactory(customer=school, site=asset.site, asset=asset, severity=2,
                                    reporter_name="赵主任", reporter_phone="13957412345")
    zhao = make_user(Role.CUSTOMER, customer=school, email="zhao@xihu.example.cn")

    # the desk dispatches the request to the technician
    log_in(browser, live_server, desk)
    browser.get(f"{live_server.url}/work-orders/new/?request={request.pk}")
    Select(browser.find_element(By.ID, "id_technician")).select_by_value(str(tech.pk))
    start = timezone.localtime() + dt.timedelta(minutes=30)
    browser.execute_script("arguments[0].value = arguments[1];", browser.find_element(By.ID, "id_planned_start"),
                           start.strftime("%Y-%m-%dT%H:%M"))
    click(browser, "dispatch-submit")
    wait.until(ec.presence_of_element_located((By.ID, "wo-state")))
    work_order = WorkOrder.objects.get(request=request)

    # the technician leaves and arrives
    log_in(browser, live_server, tech)
    browser.get(f"{live_server.url}/work-orders/{work_order.pk}/visit/")
    click(browser, "step-travel")
    wait.until(lambda d: shown(d) == WorkOrderState.TRAVELLING)
    click(browser, "step-arrive")
    wait.until(lambda d: shown(d) == WorkOrderState.ON_SITE)

    # out of warranty: the service manager opens the quote; the phone says it waits for his price
    quote = charges.quote_open(actor=manager, work_order=work_order)
    browser.get(f"{live_server.url}/work-orders/{work_order.pk}/visit/")
    wait.until(ec.visibility_of_element_located((By.ID, "quote-waiting")))
    assert attribute(browser, "quote-state", "data-state") == QuoteState.DRAFT
    assert not browser.find_elements(By.ID, "step-quote-send")

    # he sets the price on the quote's page: labour 1.5 h at 80, travel 50
    log_in(browser, live_server, manager)
    browser.get(f"{live_server.url}/charges/quotes/{quote.pk}/")
    Select(browser.find_element(By.ID, "id_price-rule")).select_by_value(str(rule.pk))
    browser.find_element(By.ID, "id_price-hours").send_keys("1.5")
    click(browser, "id_price-travel")
    browser.find_element(By.CSS_SELECTOR, "form.step-price button[type=submit]").click()
    wait.until(lambda d: (quote.refresh_from_db() or quote.state) == QuoteState.PRICED)
    assert quote.total == Decimal("170.00")

    # the technician gives it to the customer, who reads it on the phone and signs to accept it
    log_in(browser, live_server, tech)
    browser.get(f"{live_server.url}/work-orders/{work_order.pk}/visit/")
    assert "170.00" in text_of(browser, "quote-total")
    click(browser, "step-quote-send")
    wait.until(lambda d: attribute(d, "quote-state", "data-state") == QuoteState.QUOTED)
    assert "120.00" in text_of(browser, "quote-lines") and "50.00" in text_of(browser, "quote-lines")
    assert narrow(browser)  # the quote, its lines and the signature pad fit the phone
    browser.execute_script(DRAW, browser.find_element(By.ID, "sig-quote"))
    browser.find_element(By.ID, "id_quote-accept-signer_name").send_keys("赵主任")
    click(browser, "step-quote-accept")
    wait.until(lambda d: attribute(d, "quote-state", "data-state") == QuoteState.ACCEPTED)
    quote.refresh_from_db()
    assert (quote.accepted_via, quote.signer_name, quote.answered_by) == (AcceptedVia.SIGNATURE, "赵主任", tech)
    assert quote.signature.read(8) == b"\x89PNG\r\n\x1a\n"

    # the chargeable work goes on: the part, both signatures, the end of the visit
    Select(browser.find_element(By.ID, "id_part-part")).select_by_value(str(part.pk))
    click(browser, "step-part")
    wait.until(lambda d: "NVR-PSU" in text_of(d, "used-parts"))
    browser.execute_script(DRAW, browser.find_element(By.ID, "sig-customer"))
    browser.find_element(By.ID, "id_sign-customer-signer_name").send_keys("赵主任")
    click(browser, "step-sign-customer")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "[data-signed=customer]")))
    browser.execute_script(DRAW, browser.find_element(By.ID, "sig-technician"))
    click(browser, "step-sign-technician")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "[data-signed=technician]")))
    browser.find_element(By.ID, "id_finish-work_done").send_keys("更换录像机电源，系统恢复")
    click(browser, "id_finish-outcome_0")
    click(browser, "step-finish")
    wait.until(lambda d: shown(d) == WorkOrderState.DONE)
    request.refresh_from_db()
    assert request.state == State.RESOLVED and stock_on_hand(part=part, location=van) == 1

    # the customer opens the service report, downloads it: the charges are on it; and has it e-mailed
    log_in(browser, live_server, zhao)
    browser.get(f"{live_server.url}/work-orders/{work_order.pk}/report/")
    link = wait.until(ec.presence_of_element_located((By.ID, "report-pdf"))).get_attribute("href")
    assert narrow(browser)
    pdf = browser.execute_async_script(FETCH_BYTES, link)
    assert not pdf.startswith("error"), pdf
    text = pdf_text(base64.b64decode(pdf))
    for expected in (TITLE, work_order.number, "杭州西湖中学", "NVR-PSU", "赵主任", "李师傅", "120.00", "50.00",
                     "170.00"):
        assert expected in text, expected
    click(browser, "report-email-me-submit")
    sent = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".notice.success")))
    assert "zhao@xihu.example.cn" in sent.text
    assert [m.to for m in mail.outbox] == [["zhao@xihu.example.cn"]]
