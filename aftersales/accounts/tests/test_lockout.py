import datetime as dt
import logging

import pytest

from aftersales.accounts.models import SecurityEvent
from aftersales.accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password, address="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_same_message_for_a_wrong_user_and_a_wrong_password(client, desk_user):
    wrong_user = login(client, "nobody-here", PASSWORD).content.decode()
    wrong_password = login(client, desk_user.username, "not-the-password").content.decode()
    marker = 'class="errors" role="alert">'
    assert wrong_user.split(marker)[1].split("<")[0] == wrong_password.split(marker)[1].split("<")[0]


def test_five_failures_lock_the_account_for_that_address_only_and_for_a_while(client, desk_user, api):
    for _ in range(5):
        assert login(client, desk_user.username, "wrong-password").status_code == 200
    # the right password is refused from that address, through the page and the API alike
    assert login(client, desk_user.username, PASSWORD).status_code == 200
    token = api().post("/api/v1/auth/token/", {"username": desk_user.username, "password": PASSWORD},
                       REMOTE_ADDR="10.0.0.1")
    assert token.status_code == 400
    # another address is not locked: an attacker cannot lock the user out everywhere
    assert login(client, desk_user.username, PASSWORD, address="10.0.0.2").status_code == 302
    client.logout()
    # after 15 minutes the lock lifts by itself
    SecurityEvent.objects.update(at=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc))
    assert login(client, desk_user.username, PASSWORD).status_code == 302
    kinds = list(SecurityEvent.objects.values_list("kind", flat=True))
    assert "locked_out" in kinds and "login_ok" in kinds


def test_a_success_resets_the_count(client, desk_user):
    for _ in range(4):
        login(client, desk_user.username, "wrong-password")
    assert login(client, desk_user.username, PASSWORD).status_code == 302
    client.logout()
    login(client, desk_user.username, "wrong-password")
    assert login(client, desk_user.username, PASSWORD).status_code == 302


def test_a_log_line_cannot_be_forged_by_the_username(client, caplog):
    with caplog.at_level(logging.INFO, logger="aftersales.security"):
        login(client, "x\nsecurity login_ok username='admin'", "whatever")
    lines = [r.getMessage() for r in caplog.records if r.name == "aftersales.security"]
    assert lines and all("\n" not in line for line in lines)
    assert SecurityEvent.objects.get().address == "10.0.0.1"


def test_behind_a_trusted_proxy_the_lock_follows_the_client_not_the_proxy(client, settings, make_user):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    make_user("desk", username="proxied")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "proxied", "password": "wrong"},
                    REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.7")
    assert SecurityEvent.objects.filter(username="proxied", address="203.0.113.7").count() == 5
    # another client behind the same proxy is not locked out
    response = client.post("/accounts/login/", {"username": "proxied", "password": PASSWORD},
                           REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert response.status_code == 302
