"""The security log: refusals, role and permission changes, with who acted, on whom, from where."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import Group, Permission

from aftersales.accounts.models import SecurityEvent, SecurityEventKind
from aftersales.accounts.roles import Role
from aftersales.accounts.services import roles_sync
from aftersales.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def denials():
    return SecurityEvent.objects.filter(kind=SecurityEventKind.PERMISSION_DENIED)


def test_a_refused_page_is_logged_with_the_path_the_user_and_the_address(client, desk_user):
    client.force_login(desk_user)
    assert client.get("/accounts/users/", REMOTE_ADDR="10.1.2.3").status_code == 403
    event = denials().get()
    assert event.user == desk_user and event.address == "10.1.2.3" and event.detail == "GET /accounts/users/"


def test_a_refused_api_call_is_logged(api, make_user):
    customer_user = make_user(Role.CUSTOMER, customer=CustomerFactory())
    assert api(customer_user).get("/api/v1/calendars/").status_code == 403
    event = denials().get()
    assert event.user == customer_user and event.detail.startswith("GET /api/v1/calendars/")


def test_a_record_outside_the_users_scope_is_not_a_refusal(client, desk_user):
    client.force_login(desk_user)
    assert client.get("/customers/987654/").status_code == 404
    assert not denials().exists()


def test_a_role_change_by_an_administrator_is_logged_with_who_whom_from_and_to(client, admin_user, desk_user):
    client.force_login(admin_user)
    client.post(f"/accounts/users/{desk_user.pk}/roles/", {"roles": [Role.DESK, Role.FINANCE]},
                REMOTE_ADDR="10.9.9.9")
    event = SecurityEvent.objects.filter(kind=SecurityEventKind.ROLES_CHANGED, target=desk_user).latest("id")
    assert event.user == admin_user and event.address == "10.9.9.9"
    assert event.detail == "desk -> desk, finance"
    assert set(desk_user.groups.values_list("name", flat=True)) == {"desk", "finance"}


def test_a_role_change_made_any_other_way_is_logged_too(desk_user):
    desk_user.groups.add(Group.objects.get(name=Role.PARTS))
    Group.objects.get(name=Role.DESK).user_set.remove(desk_user)
    details = list(SecurityEvent.objects.filter(kind=SecurityEventKind.ROLES_CHANGED, target=desk_user)
                   .order_by("id").values_list("detail", "user"))
    assert details[-2:] == [("desk -> desk, parts", None), ("desk, parts -> parts", None)]  # no request: the system


def test_a_change_of_a_roles_permissions_is_logged():
    group = Group.objects.get(name=Role.DESK)
    group.permissions.add(Permission.objects.get(codename="add_contract"))
    event = SecurityEvent.objects.get(kind=SecurityEventKind.PERMISSIONS_CHANGED)
    assert event.detail == "role desk: added contracts.add_contract" and event.user is None
    # the role table of the code, applied at every migration, is not a person's change: logger only
    roles_sync()
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.PERMISSIONS_CHANGED).count() == 1
    assert not group.permissions.filter(codename="add_contract").exists()


def test_roles_sync_writes_the_change_to_the_logger_with_the_system_as_actor(caplog):
    Group.objects.get(name=Role.DESK).permissions.add(Permission.objects.get(codename="add_contract"))
    with caplog.at_level(logging.INFO, logger="aftersales.security"):
        roles_sync()
    lines = [r.getMessage() for r in caplog.records if "actor=system" in r.getMessage()]
    assert lines == ["security permissions_changed actor=system role='desk' added=[] "
                     "removed=['contracts.add_contract']"]


def test_a_username_with_a_newline_cannot_forge_a_log_line(client, make_user, admin_user, caplog):
    evil = make_user(Role.DESK)
    evil.username = "x\nsecurity login_ok username='admin'"
    evil.save()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="aftersales.security"):
        client.force_login(evil)
        client.get("/accounts/security-log/")  # refused: the actor is the user
        client.force_login(admin_user)
        client.post(f"/accounts/users/{evil.pk}/roles/", {"roles": [Role.PARTS]})  # the target is the user
    lines = [r.getMessage() for r in caplog.records if r.name == "aftersales.security"]
    assert [line.split()[1] for line in lines] == ["permission_denied", "roles_changed"]
    assert all("\n" not in line for line in lines)
    assert f"username={evil.username!r}" in lines[0] and f"target={evil.username!r}" in lines[1]
