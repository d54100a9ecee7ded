"""Fixtures shared by every app's tests."""

import pytest


@pytest.fixture
def make_user(db):
    """make_user(role, customer=..., dealer=...) -> a user with that role."""
    from aftersales.accounts.tests.factories import UserFactory

    def make(role="desk", **kwargs):
        return UserFactory(roles=[role], **kwargs)

    return make


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
