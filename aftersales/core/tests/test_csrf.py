"""CSRF: every state-changing browser request needs the form's token; the API waives it only
for requests authenticated by token (a session-authenticated API call needs it too)."""

import pytest
from django.test import Client

from aftersales.accounts.tests.test_isolation import fill, walk
from aftersales.customers.models import Customer
from aftersales.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(desk_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk_user)
    return client


def test_every_page_refuses_a_post_without_the_token(browser):
    customer = CustomerFactory()
    posted = 0
    for route, _pattern in walk():
        if route.startswith(("api/", "static")):
            continue
        path = fill(route.replace("<uidb64>", "MQ").replace("<token>", "x-y").replace("<int:year>", "2026"),
                    customer.pk)
        if path is None:
            continue
        response = browser.post(path, {"name": "改名", "code": "X-1"})
        posted += 1
        assert response.status_code == 403, (path, response.status_code)
        assert "CSRF" in response.content.decode() or "跨站" in response.content.decode(), path
    assert posted >= 20
    customer.refresh_from_db()
    assert customer.name != "改名"


def test_the_same_post_with_the_token_goes_through(browser):
    customer = CustomerFactory()
    page = browser.get(f"/customers/{customer.pk}/edit/")
    token = page.cookies["csrftoken"].value
    data = {"csrfmiddlewaretoken": token, "code": customer.code, "name": "新名称", "level": customer.level,
            "city": customer.city, "phone": customer.phone}
    browser.post(f"/customers/{customer.pk}/edit/", data)
    assert Customer.objects.get(pk=customer.pk).name == "新名称"


def test_api_with_a_session_needs_the_token_and_with_a_token_does_not(api, desk_user):
    session = Client(enforce_csrf_checks=True)
    session.force_login(desk_user)
    body = {"code": "CSRF-1", "name": "会话客户", "phone": "021-66668888"}
    refused = session.post("/api/v1/customers/", body, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert not Customer.objects.filter(code="CSRF-1").exists()
    accepted = api(desk_user).post("/api/v1/customers/", body, format="json")
    assert accepted.status_code == 201, accepted.content
