"""Deny by default: an anonymous visitor walks every URL pattern and finds only the login,
password-reset and language pages open; every other page sends them to the login, and every
API route answers 401."""

import pytest

from aftersales.accounts.tests.matrix import fill, walk

pytestmark = pytest.mark.django_db

OPEN_PAGES = ("accounts/login/", "accounts/password-reset/", "accounts/password-reset/done/",
              "accounts/reset/", "i18n/setlang/")


def test_every_page_needs_a_login_and_every_api_route_a_token(client):
    pages = api = 0
    for route, _pattern in walk():
        path = fill(route.replace("<uidb64>", "MQ").replace("<token>", "x-y"), 1)
        if path is None:
            continue
        response = client.get(path)
        if path.startswith("/api/"):
            if "auth/token" in path:
                assert response.status_code == 405  # POST only, and open: it is how a token is obtained
                continue
            api += 1
            assert response.status_code == 401, path
        elif path.lstrip("/").startswith(OPEN_PAGES):
            assert response.status_code in {200, 302, 405}, path
            if response.status_code == 302:
                assert "/accounts/login/" not in response.url or path.startswith("/accounts/reset/"), path
        else:
            pages += 1
            assert response.status_code == 302 and response.url.startswith("/accounts/login/"), path
    assert pages >= 15 and api >= 20
