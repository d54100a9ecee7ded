"""Every HTML page carries a Content-Security-Policy without 'unsafe-inline', and needs no inline script."""

import re

import pytest

from aftersales.accounts.tests.test_isolation import fill, walk
from aftersales.assets.tests.factories import AssetFactory, ProjectFactory
from aftersales.contracts.tests.factories import ContractFactory

pytestmark = pytest.mark.django_db

INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=", re.IGNORECASE)


def test_every_page_has_the_policy_and_no_inline_script(client, admin_user):
    asset = AssetFactory(pk=1)
    ProjectFactory(pk=1, customer=asset.customer)
    ContractFactory(pk=1, customer=asset.customer, assets=[asset])
    client.force_login(admin_user)
    seen = 0
    for route, _pattern in walk():
        path = fill(route, 1)
        if path is None or path.startswith("/api/v1/") or path.startswith("/api/schema"):
            continue
        response = client.get(path)
        if not response.get("Content-Type", "").startswith("text/html") or response.status_code != 200:
            continue
        seen += 1
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path
        assert not INLINE.search(response.content.decode()), (path, INLINE.search(response.content.decode()))
    assert seen >= 10
