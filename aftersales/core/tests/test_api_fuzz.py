"""Schemathesis walks every operation of /api/schema/ with an administrator's token: no server
error, every response as the schema says, invalid input rejected. New routes join by themselves."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

pytestmark = [pytest.mark.django_db, pytest.mark.slow]



def load_schema():
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    config = schemathesis.config.SchemathesisConfig.from_dict({
        # other HTTP methods are answered 405 by the framework for every route alike: tried once, not per route
        "phases": {"coverage": {"unexpected-methods": ["DELETE"], "generate-duplicate-query-parameters": False}},
    })
    loaded = schemathesis.openapi.from_dict(document, config=config)
    loaded.app = WSGIHandler()
    return loaded


schema = load_schema()


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI handler closes the database connection after each request, which would end the
    test's transaction; Django's test client detaches that handler the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_holds_to_its_schema(case, admin_user):
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=admin_user)
    # A schema cannot say which linked ids exist, so schema-valid input may rightly be refused:
    # positive_data_acceptance is left out; every other check runs.
    case.call_and_validate(headers={"Authorization": f"Token {token.key}"},
                           excluded_checks=[schemathesis.checks.positive_data_acceptance])
