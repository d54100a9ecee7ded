"""Fixtures shared by every app's tests."""

import pytest


def _flushes_the_database(item) -> bool:
    """A transactional test (a browser against the live server, threads that write at once, a
    restore): its teardown empties the database instead of rolling back."""
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    return transactional or bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test, put the database back as `migrate` left it (roles, permissions,
    working calendars, service levels), whatever test comes next in this worker. Such tests mark
    themselves ``serialized_rollback=True``, which makes the test run keep a copy of that state."""
    yield
    if nextitem is None or not _flushes_the_database(item):
        return  # nothing to restore, or nothing comes after (the test database is already gone)
    from django.core.management import call_command
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    contents = getattr(connection, "_test_serialized_contents", None)
    if contents is None:
        return
    from django.contrib.contenttypes.models import ContentType

    with item.config.stash[blocking_manager_key].unblock():
        call_command("flush", interactive=False, verbosity=0, reset_sequences=False, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(contents)
        ContentType.objects.clear_cache()


@pytest.fixture
def make_user(db):
    """make_user(role, customer=..., dealer=...) -> a user with that role."""
    from aftersales.accounts.tests.factories import UserFactory

    def make(role="desk", **kwargs):
        return UserFactory(roles=[role], **kwargs)

    return make


@pytest.fixture
def client(client):
    """Django's test client, whose force_login stands for a whole login, second factor included
    (a session that never passed two-step login is refused to users who need it)."""
    from aftersales.accounts.login_steps import mark_verified

    force_login = client.force_login

    def force_login_verified(user, backend=None):
        force_login(user, backend)
        session = client.session
        mark_verified(session, user)
        session.save()

    client.force_login = force_login_verified
    return client


@pytest.fixture
def api(db):
    """api(user) -> a REST client authenticated by that user's token."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def client_for(user=None):
        client = APIClient()
        if user is not None:
            token, _created = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


@pytest.fixture
def desk_user(make_user):
    return make_user("desk")


@pytest.fixture
def admin_user(make_user):
    return make_user("admin")


CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--window-size=412,900",
]


@pytest.fixture
def browser():
    """Debian's Chromium, headless, at phone width (bin/ensure-chromium installs it when missing)."""
    import os
    import tempfile

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # never let Selenium fetch a browser or driver
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}")
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()
