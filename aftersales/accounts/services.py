from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.core.errors import ServiceError

from .models import User
from .roles import EXTERNAL_ROLES, ROLE_PERMISSIONS, Role


def roles_sync(*, using: str = "default") -> None:
    """Make the role groups and their permissions match ROLE_PERMISSIONS."""
    all_perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.using(using).select_related("content_type")
    }
    for role in Role:
        group, _created = Group.objects.using(using).get_or_create(name=role.value)
        wanted = [all_perms[code] for code in sorted(ROLE_PERMISSIONS.get(role, set())) if code in all_perms]
        group.permissions.set(wanted)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    roles: list[str],
    display_name: str = "",
    email: str = "",
    phone: str = "",
    customer=None,
    dealer=None,
) -> User:
    external = {Role(r) for r in roles} & EXTERNAL_ROLES
    if Role.CUSTOMER in external and customer is None:
        raise ServiceError("customer_required", _("A customer user must belong to a customer."), field="customer")
    if Role.DEALER in external and dealer is None:
        raise ServiceError("dealer_required", _("A dealer user must belong to a dealer."), field="dealer")
    if (customer or dealer) and set(roles) - {r.value for r in EXTERNAL_ROLES}:
        raise ServiceError("mixed_roles", _("Customer and dealer users cannot hold staff roles."), field="roles")
    user = User(
        username=username, display_name=display_name, email=email, phone=phone, customer=customer, dealer=dealer
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


def user_sessions_end(*, user: User) -> int:
    """End every session and API token of ``user`` (an administrator's action, and on deactivation
    or a password change). Returns how many sessions were ended."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended
