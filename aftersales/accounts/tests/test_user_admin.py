"""The administrators' pages: users, their sessions, roles and two-step login; the security log; the
per-role policy. Nobody else may open them."""

from __future__ import annotations

import pytest
from django.test import Client

from aftersales.accounts.models import RoleSecurityPolicy, SecurityEvent, SecurityEventKind, TotpDevice, User
from aftersales.accounts.roles import Role
from aftersales.accounts.tests.test_totp import totp_on
from aftersales.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PAGES = ["/accounts/users/", "/accounts/security-log/", "/accounts/security-policy/"]


def verified_client(user) -> Client:
    """A second browser, logged in as ``user`` (second factor passed)."""
    from aftersales.accounts.login_steps import mark_verified

    browser = Client()
    browser.force_login(user)
    session = browser.session
    mark_verified(session, user)
    session.save()
    return browser


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return client


def test_only_administrators_open_the_pages(client, make_user, admin_user, desk_user):
    target = make_user(Role.DESK)
    paths = PAGES + [f"/accounts/users/{target.pk}/"]
    for path in paths:
        assert client.get(path).url.startswith("/accounts/login/"), path
    for user in (desk_user, make_user(Role.FINANCE), make_user(Role.GENERAL_MANAGER),
                 make_user(Role.CUSTOMER, customer=CustomerFactory())):
        client.force_login(user)
        for path in paths:
            assert client.get(path).status_code == 403, (user, path)
        assert client.post(f"/accounts/users/{target.pk}/sessions/end/").status_code == 403
        assert client.post(f"/accounts/users/{target.pk}/active/", {"active": "0"}).status_code == 403
    assert User.objects.get(pk=target.pk).is_active
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.PERMISSION_DENIED).count() == 4 * (len(paths) + 2)
    client.force_login(admin_user)
    for path in paths:
        assert client.get(path).status_code == 200, path
    assert "/accounts/users/" in client.get("/").content.decode()  # the menu shows the way in


def test_the_menu_shows_the_users_page_to_administrators_only(client, desk_user):
    client.force_login(desk_user)
    assert 'href="/accounts/users/"' not in client.get("/").content.decode()


def test_the_user_list_searches_and_shows_roles_and_two_step_state(admin, make_user):
    found = make_user(Role.FINANCE, display_name="林静", username="lin.jing")
    make_user(Role.DESK, display_name="李晓燕", username="li.xiaoyan")
    totp_on(found)
    page = admin.get("/accounts/users/", {"q": "林"}).content.decode()
    assert "lin.jing" in page and "li.xiaoyan" not in page
    assert page.count("totp-on") == 1  # two-step login on


def test_the_user_page_shows_sessions_and_never_the_secret(admin, desk_user):
    secret, _codes = totp_on(desk_user)
    verified_client(desk_user)
    verified_client(desk_user)
    page = admin.get(f"/accounts/users/{desk_user.pk}/").content.decode()
    assert '<dd id="session-count">2</dd>' in page
    assert secret not in page and secret[:4] + " " not in page


def test_an_administrator_ends_all_sessions_of_a_user(admin, admin_user, desk_user, api):
    browser = verified_client(desk_user)
    token_client = api(desk_user)
    assert browser.get("/customers/").status_code == 200
    response = admin.post(f"/accounts/users/{desk_user.pk}/sessions/end/", REMOTE_ADDR="10.3.3.3")
    assert response.status_code == 302
    assert browser.get("/customers/").url.startswith("/accounts/login/")
    assert token_client.get("/api/v1/customers/").status_code == 401
    event = SecurityEvent.objects.get(kind=SecurityEventKind.SESSIONS_ENDED)
    assert (event.user, event.target, event.address) == (admin_user, desk_user, "10.3.3.3")


def test_ending_sessions_needs_a_post_with_the_csrf_token(admin_user, desk_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    session = browser.session
    session["otp_verified_user"] = str(admin_user.pk)
    session.save()
    assert browser.get(f"/accounts/users/{desk_user.pk}/sessions/end/").status_code == 405
    assert browser.post(f"/accounts/users/{desk_user.pk}/sessions/end/").status_code == 403
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.SESSIONS_ENDED).exists()


def test_an_administrator_resets_two_step_login(admin, admin_user, desk_user):
    totp_on(desk_user)
    browser = verified_client(desk_user)
    admin.post(f"/accounts/users/{desk_user.pk}/two-step/reset/")
    assert not TotpDevice.objects.filter(user=desk_user).exists() and not desk_user.recovery_codes.exists()
    assert browser.get("/customers/").url.startswith("/accounts/login/")
    event = SecurityEvent.objects.get(kind=SecurityEventKind.TOTP_RESET)
    assert (event.user, event.target) == (admin_user, desk_user)


def test_deactivation_and_reactivation_are_logged_and_one_cannot_deactivate_oneself(admin, admin_user, desk_user):
    browser = verified_client(desk_user)
    admin.post(f"/accounts/users/{desk_user.pk}/active/", {"active": "0"})
    assert not User.objects.get(pk=desk_user.pk).is_active
    assert browser.get("/customers/").status_code == 302
    admin.post(f"/accounts/users/{desk_user.pk}/active/", {"active": "1"})
    assert User.objects.get(pk=desk_user.pk).is_active
    kinds = list(SecurityEvent.objects.filter(target=desk_user).values_list("kind", flat=True))
    assert SecurityEventKind.USER_DEACTIVATED in kinds and SecurityEventKind.USER_REACTIVATED in kinds
    admin.post(f"/accounts/users/{admin_user.pk}/active/", {"active": "0"})
    assert User.objects.get(pk=admin_user.pk).is_active


def test_role_changes_keep_the_rules_of_the_organisations(admin, admin_user, make_user):
    customer_user = make_user(Role.CUSTOMER, customer=CustomerFactory())
    admin.post(f"/accounts/users/{customer_user.pk}/roles/", {"roles": [Role.ADMIN]})
    assert set(customer_user.groups.values_list("name", flat=True)) == {Role.CUSTOMER}
    admin.post(f"/accounts/users/{admin_user.pk}/roles/", {"roles": [Role.DESK]})
    assert Role.ADMIN in set(admin_user.groups.values_list("name", flat=True))


def test_the_policy_page_switches_two_step_login_per_role(admin, admin_user):
    RoleSecurityPolicy.objects.update_or_create(role=Role.ADMIN, defaults={"totp_required": True})
    RoleSecurityPolicy.objects.filter(role=Role.DESK).delete()
    admin.post("/accounts/security-policy/", {Role.ADMIN: "on", Role.DESK: "on"})
    required = set(RoleSecurityPolicy.objects.filter(totp_required=True).values_list("role", flat=True))
    assert required == {Role.ADMIN, Role.DESK}
    event = SecurityEvent.objects.get(kind=SecurityEventKind.POLICY_CHANGED, detail__startswith="role desk:")
    assert event.user == admin_user and event.detail == "role desk: totp_required=True"


def test_the_security_log_filters_by_event_user_and_date(admin, desk_user, make_user):
    other = make_user(Role.PARTS)
    for user in (desk_user, other):
        SecurityEvent.objects.create(kind=SecurityEventKind.LOGIN_FAILED, username=user.username, user=user)
    page = admin.get("/accounts/security-log/", {"kind": "login_failed", "user": other.username}).content.decode()
    assert f">{other.username}<" in page and f">{desk_user.username}<" not in page
    assert "没有事件" in admin.get("/accounts/security-log/", {"date_to": "2000-01-01"}).content.decode()


@pytest.mark.parametrize("path", ["/accounts/users/", "/accounts/security-log/"])
def test_admin_list_queries_do_not_grow_with_rows(admin, make_user, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin.get(path).status_code == 200
        return len(ctx.captured_queries)

    admin.get(path)
    for _ in range(2):
        totp_on(make_user(Role.DESK))
    few = count()
    for _ in range(8):
        totp_on(make_user(Role.FINANCE))
    assert count() == few


def test_the_commands_reset_two_step_login_and_end_sessions_as_the_system(desk_user):
    from io import StringIO

    from django.core.management import call_command

    totp_on(desk_user)
    browser = verified_client(desk_user)
    call_command("totp_reset", desk_user.username, stdout=StringIO())
    assert not TotpDevice.objects.filter(user=desk_user).exists()
    assert browser.get("/customers/").status_code == 302
    call_command("end_sessions", desk_user.username, stdout=StringIO())
    events = SecurityEvent.objects.filter(target=desk_user, kind__in=[SecurityEventKind.TOTP_RESET,
                                                                      SecurityEventKind.SESSIONS_ENDED])
    assert [(e.kind, e.user, e.detail) for e in events.order_by("id")] == [
        ("totp_reset", None, "manage.py totp_reset"), ("sessions_ended", None, "manage.py end_sessions")]
