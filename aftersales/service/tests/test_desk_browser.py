"""Drives the service desk in headless Chromium at phone width: take a call, see the caller's
equipment and history, register, acknowledge, pause, resume and resolve the request."""

from __future__ import annotations

import datetime as dt

import pytest
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from aftersales.accounts.tests.factories import PASSWORD
from aftersales.assets.tests.factories import AssetFactory
from aftersales.contracts.tests.factories import ContractFactory
from aftersales.customers.tests.factories import (
    ContactFactory,
    CustomerFactory,
    SiteFactory,
)
from aftersales.service import services
from aftersales.service.choices import ClockKind, State
from aftersales.service.models import ServiceRequest
from aftersales.service.tests.factories import request_data

# serialized_rollback keeps the seeded calendars and service levels for later tests
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

def state_shown(browser) -> str | None:
    try:
        return browser.find_element(By.ID, "request-state").get_attribute("data-state")
    except (NoSuchElementException, StaleElementReferenceException):
        return None


def test_the_desk_takes_a_call_and_works_the_request(browser, live_server, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # given a hospital whose camera is in warranty, a known contact, and an earlier repair of the camera
    customer = CustomerFactory(name="宁波市第一人民医院")
    site = SiteFactory(customer=customer, name="门诊楼")
    ContactFactory(customer=customer, name="陈主任", mobile="13957412345")
    accepted = dt.date.today() - dt.timedelta(days=365)
    asset = AssetFactory(site=site, serial_number="NB-CAM-0001", accepted_on=accepted, installed_on=accepted)
    ContractFactory(customer=customer, warranty_months=36, assets=[asset])
    earlier = services.request_register(actor=None, data=request_data(customer=customer, site=site, asset=asset))
    services.request_resolve(request=earlier, actor=None, resolution="重新插拔网线")
    user = make_user("desk")
    wait = WebDriverWait(browser, 15)

    # when the desk logs in
    browser.get(live_server.url + "/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(user.username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "nav.menu")))

    # and takes a call: types the caller's number, the lookup finds the hospital through its contact
    browser.get(live_server.url + "/service/new/")
    browser.find_element(By.ID, "intake-q").send_keys("13957412345")
    wait.until(ec.element_to_be_clickable((By.PARTIAL_LINK_TEXT, "宁波市第一人民医院"))).click()

    # then, before saving, she sees the hospital's equipment with its cover, and its history
    wait.until(ec.presence_of_element_located((By.ID, "intake-customer-card")))
    assert browser.find_element(By.CSS_SELECTOR, "#intake-context [data-coverage]").get_attribute(
        "data-coverage") == "warranty"
    assert earlier.number not in browser.find_element(By.ID, "intake-context").text  # resolved: not open
    wait.until(ec.element_to_be_clickable((By.LINK_TEXT, f"{asset.product_model.code} NB-CAM-0001"))).click()
    history = wait.until(ec.presence_of_element_located((By.ID, "last-visit")))
    assert earlier.number in history.text
    # and the form has the customer, the unit and the caller filled in
    assert browser.find_element(By.ID, "intake-customer").text == "宁波市第一人民医院"
    assert Select(browser.find_element(By.ID, "id_asset")).first_selected_option.get_attribute("value") == str(asset.pk)
    assert browser.find_element(By.ID, "id_reporter_name").get_attribute("value") == "陈主任"
    assert browser.find_element(By.ID, "id_reporter_phone").get_attribute("value") == "13957412345"

    # when she describes the fault, picks level 2 and registers
    browser.find_element(By.ID, "id_description").send_keys("门诊楼大厅摄像头无画面")
    browser.find_element(By.CSS_SELECTOR, "input[name=severity][value='2']").click()
    browser.find_element(By.ID, "intake-submit").click()
    wait.until(lambda d: state_shown(d) == State.NEW)

    # then the request is numbered, with its clocks
    request = ServiceRequest.objects.exclude(pk=earlier.pk).get()
    assert request.asset == asset and request.site == site and request.severity == 2
    assert request.number in browser.find_element(By.TAG_NAME, "h1").text
    clocks = {c.clock: c for c in request.clocks.all()}
    assert set(clocks) == {"response", "callback", "on_site", "fixed"} and all(c.due_at for c in clocks.values())

    # when she acknowledges it
    browser.find_element(By.ID, "action-acknowledge").click()
    wait.until(lambda d: state_shown(d) == State.ACKNOWLEDGED)
    assert request.clocks.get(clock=ClockKind.RESPONSE).met_at is not None

    # and pauses it while the customer finds the key to the equipment room
    browser.find_element(By.CSS_SELECTOR, "#action-pause summary").click()
    browser.find_element(By.ID, "id_pause-reason").send_keys("等客户找到机房钥匙")
    browser.find_element(By.CSS_SELECTOR, "#action-pause button[type=submit]").click()
    wait.until(lambda d: state_shown(d) == State.WAITING)
    fixed = request.clocks.get(clock=ClockKind.FIXED)
    assert fixed.due_at is None and fixed.met_at is None  # stopped
    assert request.pauses.filter(ended_at__isnull=True).count() == 1
    assert browser.find_element(By.CSS_SELECTOR, "tr[data-clock=fixed]").get_attribute("data-status") == "paused"

    # and resumes it when the customer calls back
    browser.find_element(By.ID, "action-resume").click()
    wait.until(lambda d: state_shown(d) == State.IN_PROGRESS)
    fixed.refresh_from_db()
    assert fixed.due_at is not None and fixed.due_at >= clocks["fixed"].due_at
    assert not request.pauses.filter(ended_at__isnull=True).exists()

    # and resolves it by telephone (SPEC R4)
    browser.find_element(By.CSS_SELECTOR, "#action-resolve summary").click()
    browser.find_element(By.ID, "id_resolve-resolution").send_keys("电话指导客户重启录像机后恢复")
    Select(browser.find_element(By.ID, "id_resolve-remote_method")).select_by_value("phone")
    browser.find_element(By.CSS_SELECTOR, "#action-resolve button[type=submit]").click()
    wait.until(lambda d: state_shown(d) == State.RESOLVED)

    # then the request is resolved, its clocks met, and the problem report is due
    request.refresh_from_db()
    assert request.state == State.RESOLVED and request.remote_method == "phone" and request.resolved_at
    met = {c.clock: c.met_at for c in request.clocks.all()}
    assert met["fixed"] == request.resolved_at and met["on_site"] == request.resolved_at
    assert request.clocks.get(clock=ClockKind.REPORT).due_at is not None
    assert "电话指导客户重启录像机后恢复" in browser.find_element(By.CSS_SELECTOR, ".request-timeline").text
