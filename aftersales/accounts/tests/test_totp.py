"""Two-step login: TOTP codes of RFC 6238, the code step of the login, enrolment, the API token."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from aftersales.accounts import otp
from aftersales.accounts.login_steps import PENDING_KEY
from aftersales.accounts.models import RecoveryCode, RoleSecurityPolicy, SecurityEvent, SecurityEventKind, TotpDevice
from aftersales.accounts.roles import Role
from aftersales.accounts.services import totp_enrolment_confirm
from aftersales.accounts.tests.factories import PASSWORD

RFC_KEY = b"12345678901234567890"  # RFC 6238 appendix B, SHA-1


# The algorithm (no database) ---------------------------------------------------------------------------

@pytest.mark.parametrize("at, expected", [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
                                          (1234567890, "89005924"), (2000000000, "69279037")])
def test_codes_match_the_rfc_6238_test_vectors(at, expected):
    assert otp.totp(RFC_KEY, at=at, digits=8) == expected


def test_six_digit_code_at_59_seconds():
    assert otp.totp(RFC_KEY, at=59) == "287082"


def test_one_step_either_side_is_accepted_and_no_further():
    secret = otp.secret_new()
    key = otp.secret_bytes(secret)
    now = 1_800_000_000
    for offset, accepted in [(-60, False), (-30, True), (0, True), (30, True), (60, False)]:
        assert (otp.totp_match(secret, otp.totp(key, at=now + offset), at=now) is not None) is accepted, offset


def test_a_step_already_used_is_refused():
    secret = otp.secret_new()
    code = otp.totp(otp.secret_bytes(secret), at=1_800_000_000)
    step = otp.totp_match(secret, code, at=1_800_000_000)
    assert step is not None
    assert otp.totp_match(secret, code, at=1_800_000_000, after_step=step) is None


def test_the_qr_code_carries_the_issuer_account_and_secret():
    uri = otp.provisioning_uri(secret="JBSWY3DPEHPK3PXP", account="li.xy", issuer="售后服务")
    assert uri.startswith("otpauth://totp/%E5%94%AE%E5%90%8E%E6%9C%8D%E5%8A%A1%3Ali.xy?")
    assert "secret=JBSWY3DPEHPK3PXP" in uri and "issuer=%E5%94%AE%E5%90%8E%E6%9C%8D%E5%8A%A1" in uri
    assert otp.qr_data_uri(uri).startswith("data:image/svg+xml")


# The login ---------------------------------------------------------------------------------------------

ADDRESS = "10.0.0.7"


def code_now(secret: str, offset: int = 0) -> str:
    return otp.totp(otp.secret_bytes(secret), at=time.time() + offset)


def totp_on(user) -> tuple[str, list[str]]:
    """Enrol ``user``; return the secret and the recovery codes (no code used yet)."""
    secret = otp.secret_new()
    codes = totp_enrolment_confirm(user=user, secret=secret, code=code_now(secret))
    TotpDevice.objects.filter(user=user).update(last_step=None)
    return secret, codes


def password_step(client, user, password=PASSWORD):
    return client.post("/accounts/login/", {"username": user.username, "password": password}, REMOTE_ADDR=ADDRESS)


def code_step(client, code):
    return client.post("/accounts/login/otp/", {"code": code}, REMOTE_ADDR=ADDRESS)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def policy(db):
    def set_(role, required):
        RoleSecurityPolicy.objects.update_or_create(role=role, defaults={"totp_required": required})

    for role in Role:
        set_(role, False)
    return set_


@pytest.mark.django_db
def test_the_password_alone_does_not_log_in_a_user_with_two_step_login(client, desk_user):
    secret, _codes = totp_on(desk_user)
    response = password_step(client, desk_user)
    assert response.status_code == 302 and response.url == "/accounts/login/otp/"
    assert not logged_in(client)
    assert client.get("/customers/").url.startswith("/accounts/login/")
    # when the code is right, then the user is in
    response = code_step(client, code_now(secret))
    assert response.status_code == 302 and logged_in(client)
    assert client.get("/customers/").status_code == 200
    kinds = list(SecurityEvent.objects.filter(user=desk_user).values_list("kind", flat=True))
    assert SecurityEventKind.PASSWORD_OK in kinds and SecurityEventKind.LOGIN_OK in kinds


@pytest.mark.django_db
def test_a_user_without_two_step_login_logs_in_with_the_password(client, desk_user, policy):
    assert password_step(client, desk_user).url == "/"
    assert logged_in(client)


@pytest.mark.django_db
def test_a_wrong_code_is_refused_logged_and_counts_toward_the_lockout(client, desk_user, settings):
    secret, _codes = totp_on(desk_user)
    password_step(client, desk_user)
    for _ in range(settings.LOGIN_LOCKOUT_ATTEMPTS):
        response = code_step(client, "000000" if code_now(secret) != "000000" else "111111")
        assert response.status_code == 200 and not logged_in(client)
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.TOTP_FAILED, user=desk_user,
                                        address=ADDRESS).count() == settings.LOGIN_LOCKOUT_ATTEMPTS
    # then the right code is refused too, and so is the password from that address
    assert code_step(client, code_now(secret)).status_code == 200 and not logged_in(client)
    assert password_step(client, desk_user).status_code == 200 and not logged_in(client)


@pytest.mark.django_db
def test_the_right_password_again_buys_no_new_guesses_at_the_code(client, desk_user, settings):
    secret, _codes = totp_on(desk_user)
    wrong = "000000" if code_now(secret) != "000000" else "111111"
    password_step(client, desk_user)
    for _ in range(settings.LOGIN_LOCKOUT_ATTEMPTS - 1):
        code_step(client, wrong)
    password_step(client, desk_user)  # right password: a first step, not a login, so the count stays
    code_step(client, wrong)
    assert password_step(client, desk_user).status_code == 200  # locked
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOCKED_OUT).exists()


@pytest.mark.django_db
def test_a_code_is_accepted_once(client, desk_user):
    secret, _codes = totp_on(desk_user)
    code = code_now(secret)
    password_step(client, desk_user)
    assert code_step(client, code).status_code == 302
    client.post("/accounts/logout/")
    password_step(client, desk_user)
    assert code_step(client, code).status_code == 200
    assert not logged_in(client)


@pytest.mark.django_db
def test_a_recovery_code_works_once(client, desk_user):
    _secret, codes = totp_on(desk_user)
    assert len(codes) == 8 and len(set(codes)) == 8
    assert not RecoveryCode.objects.filter(digest__in=codes).exists()  # kept hashed only
    password_step(client, desk_user)
    assert code_step(client, codes[0].upper()).status_code == 302 and logged_in(client)
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.RECOVERY_CODE_USED, user=desk_user).exists()
    client.post("/accounts/logout/")
    password_step(client, desk_user)
    assert code_step(client, codes[0]).status_code == 200 and not logged_in(client)
    assert code_step(client, codes[1]).status_code == 302 and logged_in(client)


@pytest.mark.django_db
def test_the_code_step_expires(client, desk_user):
    secret, _codes = totp_on(desk_user)
    password_step(client, desk_user)
    session = client.session
    session[PENDING_KEY]["until"] = int(time.time()) - 1
    session.save()
    response = code_step(client, code_now(secret))
    assert response.status_code == 200 and not logged_in(client)
    assert 'href="/accounts/login/"' in response.content.decode()


@pytest.mark.django_db
def test_a_session_that_skipped_the_code_step_is_ended(desk_user):
    totp_on(desk_user)
    client = Client()  # the plain client: force_login does not pass the second factor
    client.force_login(desk_user)
    response = client.get("/customers/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login")
    assert not logged_in(client)


# A role that requires two-step login -----------------------------------------------------------------

@pytest.mark.django_db
def test_a_role_that_requires_it_sends_the_user_to_set_it_up_and_blocks_everything_else(client, make_user, policy):
    policy(Role.FINANCE, True)
    finance = make_user(Role.FINANCE)
    response = password_step(client, finance)
    assert response.status_code == 302 and response.url.startswith("/accounts/two-step/")
    for path in ("/", "/customers/", "/contracts/", "/accounts/password-change/"):
        assert client.get(path).url.startswith("/accounts/two-step/"), path
    assert client.get("/api/v1/customers/").status_code == 403
    page = client.get("/accounts/two-step/")
    assert not TotpDevice.objects.filter(user=finance).exists()  # nothing is stored before it is confirmed
    secret = client.session["otp_enrol_secret"]
    text = page.content.decode()
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in text and "data:image/svg+xml" in text
    assert "no-store" in page["Cache-Control"]
    # a wrong code does not turn it on
    assert client.post("/accounts/two-step/", {"code": "12345"}).status_code == 200
    assert client.get("/customers/").status_code == 302
    # the right code does, and shows the recovery codes once
    done = client.post("/accounts/two-step/", {"code": code_now(secret)})
    assert done.status_code == 200 and done.content.decode().count("<li><code>") == 8
    assert client.get("/customers/").status_code == 200
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.TOTP_ENROLLED, target=finance).exists()
    # and the secret is never shown again
    assert secret not in client.get("/accounts/two-step/").content.decode()


@pytest.mark.django_db
def test_a_role_switched_on_later_applies_to_open_sessions(client, desk_user, policy):
    client.force_login(desk_user)
    session = client.session
    session.pop("otp_verified_user")
    session.save()  # a session of before the switch: it never needed a code
    assert client.get("/customers/").status_code == 200
    policy(Role.DESK, True)
    assert client.get("/customers/").url.startswith("/accounts/two-step/")


@pytest.mark.django_db
def test_administrators_and_finance_need_it_from_the_start():
    from importlib import import_module

    from django.apps import apps

    RoleSecurityPolicy.objects.all().delete()
    import_module("aftersales.accounts.migrations.0005_two_step_login_for_admin_and_finance").defaults(apps, None)
    required = set(RoleSecurityPolicy.objects.filter(totp_required=True).values_list("role", flat=True))
    assert required == {Role.ADMIN, Role.FINANCE}
    assert RoleSecurityPolicy.objects.count() == len(Role)


# The API token ---------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_api_token_needs_the_one_time_code(api, desk_user):
    secret, _codes = totp_on(desk_user)
    client = api()
    url = "/api/v1/auth/token/"
    body = {"username": desk_user.username, "password": PASSWORD}
    missing = client.post(url, body, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "otp_required" and missing.json()["otp"]
    wrong = client.post(url, {**body, "otp": "000000" if code_now(secret) != "000000" else "111111"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "otp_invalid"
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.TOTP_FAILED, user=desk_user).count() == 1
    right = client.post(url, {**body, "otp": code_now(secret)}, format="json")
    assert right.status_code == 200 and right.json()["token"]
    assert "secret" not in right.content.decode() and secret not in right.content.decode()


@pytest.mark.django_db
def test_the_api_token_is_refused_until_a_required_second_factor_is_set_up(api, make_user, policy):
    policy(Role.FINANCE, True)
    finance = make_user(Role.FINANCE)
    answer = api().post("/api/v1/auth/token/", {"username": finance.username, "password": PASSWORD}, format="json")
    assert answer.status_code == 400 and answer.json()["code"] == "otp_enrolment_required"


@pytest.mark.django_db
def test_api_errors_are_in_chinese_by_default(api, desk_user):
    from django.utils import translation

    totp_on(desk_user)
    answer = api().post("/api/v1/auth/token/", {"username": desk_user.username, "password": PASSWORD},
                        format="json")
    with translation.override("zh-hans"):
        from django.utils.translation import gettext

        expected = gettext("This account uses two-step login: send the one-time code in the field otp.")
    assert answer.json()["otp"] == [expected]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the seeded rows for later tests
def test_requests_with_the_same_code_at_once_succeed_once(desk_user):
    import threading

    from django.db import connection
    from django.test import RequestFactory

    from aftersales.accounts.services import second_factor_verify
    from aftersales.core.errors import ServiceError

    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter (SQLite writes one at a time)")
    secret, _codes = totp_on(desk_user)
    code = code_now(secret)
    barrier = threading.Barrier(6)
    results: list[str] = []

    def attempt():
        try:
            barrier.wait()
            second_factor_verify(user=desk_user, code=code, request=RequestFactory().post("/", REMOTE_ADDR=ADDRESS))
            results.append("ok")
        except ServiceError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok"] + ["otp_invalid"] * 5
