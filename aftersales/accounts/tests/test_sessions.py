import pytest

from aftersales.accounts.services import user_sessions_end

pytestmark = pytest.mark.django_db


def test_idle_session_ends(client, desk_user, settings):
    client.force_login(desk_user)
    assert client.get("/customers/").status_code == 200
    session = client.session
    session["last_seen"] -= settings.SESSION_IDLE_SECONDS + 5
    session.save()
    response = client.get("/customers/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_password_change_or_deactivation_ends_sessions_and_tokens(client, desk_user, api, make_user):
    client.force_login(desk_user)
    token_client = api(desk_user)
    assert token_client.get("/api/v1/customers/").status_code == 200
    desk_user.set_password("An0ther-long-passw0rd")
    desk_user.save()
    assert client.get("/customers/").status_code == 302
    assert token_client.get("/api/v1/customers/").status_code == 401
    other = make_user("desk")
    client.force_login(other)
    other.is_active = False
    other.save()
    assert client.get("/customers/").status_code == 302


def test_administrator_ends_a_users_sessions(client, desk_user, api):
    client.force_login(desk_user)
    token_client = api(desk_user)
    assert user_sessions_end(user=desk_user) == 1
    assert client.get("/customers/").status_code == 302
    assert token_client.get("/api/v1/customers/").status_code == 401
