"""Drives the real UI in headless Chromium: log in, find a customer by a Chinese name, open an
asset, see its entitlement."""

from __future__ import annotations

import datetime as dt

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from aftersales.accounts.tests.factories import PASSWORD
from aftersales.assets.tests.factories import AssetFactory
from aftersales.contracts.tests.factories import ContractFactory
from aftersales.customers.tests.factories import CustomerFactory, SiteFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]  # keeps the seeded calendars for later tests

def test_desk_finds_customer_and_sees_entitlement(browser, live_server, make_user):
    # given a customer with a 3-year warranty on a camera accepted a year ago, seen on a phone-width screen
    customer = CustomerFactory(name="宁波市第一人民医院")
    CustomerFactory(name="宁波港务集团")
    site = SiteFactory(customer=customer, name="门诊楼")
    accepted = dt.date.today() - dt.timedelta(days=365)
    asset = AssetFactory(site=site, serial_number="NB-CAM-0001", accepted_on=accepted, installed_on=accepted)
    ContractFactory(customer=customer, warranty_months=36, assets=[asset])
    user = make_user("desk")
    wait = WebDriverWait(browser, 15)

    # when the desk logs in
    browser.get(live_server.url + "/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(user.username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait.until(ec.presence_of_element_located((By.NAME, "q")))

    # and searches customers by part of the Chinese name (the list filters as she types)
    browser.get(live_server.url + "/customers/")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("人民医院")
    wait.until(ec.invisibility_of_element_located((By.LINK_TEXT, "宁波港务集团")))
    browser.find_element(By.LINK_TEXT, "宁波市第一人民医院").click()

    # and opens the asset from the customer's page
    wait.until(ec.element_to_be_clickable((By.LINK_TEXT, "NB-CAM-0001"))).click()

    # then the entitlement says plainly: in warranty, labour and parts free
    headline = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#entitlement .headline")))
    assert headline.get_attribute("data-coverage") == "warranty"
    assert "保修期内" in headline.text
    assert "免费" in browser.find_element(By.ID, "entitlement").text
