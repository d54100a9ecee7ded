from __future__ import annotations

import hmac
import logging
import time

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.errors import ServiceError

from . import otp
from .models import RecoveryCode, RoleSecurityPolicy, SecurityEventKind, TotpDevice, User
from .roles import EXTERNAL_ROLES, ROLE_PERMISSIONS, Role
from .security import is_locked_out, security_event
from .signals import logged_by_caller

logger = logging.getLogger("aftersales.security")


def roles_sync(*, using: str = "default") -> None:
    """Make the role groups and their permissions match ROLE_PERMISSIONS.

    This applies the role table of the code (reviewed in version control) at every migration, so it
    writes no row to the security log table; a change to an existing role is written to the
    ``aftersales.security`` logger with the actor "system"."""
    all_perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.using(using).select_related("content_type")
    }
    for role in Role:
        group, created = Group.objects.using(using).get_or_create(name=role.value)
        wanted = {code: all_perms[code] for code in sorted(ROLE_PERMISSIONS.get(role, set())) if code in all_perms}
        held = group.permissions.values_list("content_type__app_label", "codename")
        before = set() if created else {f"{app}.{codename}" for app, codename in held}
        with logged_by_caller():
            group.permissions.set(wanted.values())
        if not created and before != set(wanted):
            logger.info("security permissions_changed actor=system role=%r added=%r removed=%r", role.value,
                        sorted(set(wanted) - before), sorted(before - set(wanted)))


def _roles_check(*, roles: list[str], customer=None, dealer=None) -> None:
    external = {Role(r) for r in roles} & EXTERNAL_ROLES
    if Role.CUSTOMER in external and customer is None:
        raise ServiceError("customer_required", _("A customer user must belong to a customer."), field="customer")
    if Role.DEALER in external and dealer is None:
        raise ServiceError("dealer_required", _("A dealer user must belong to a dealer."), field="dealer")
    if (customer or dealer) and set(roles) - {r.value for r in EXTERNAL_ROLES}:
        raise ServiceError("mixed_roles", _("Customer and dealer users cannot hold staff roles."), field="roles")


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
    _roles_check(roles=roles, customer=customer, dealer=dealer)
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
    """End every session and API token of ``user`` (on deactivation or a password change; logged when
    an administrator asks, see user_sessions_end_by). Returns how many sessions were ended."""
    from django.contrib.sessions.models import Session
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def user_sessions_end_by(*, user: User, actor: User | None, detail: str = "") -> int:
    """An administrator (or, with no actor, a command) ends every session and token of ``user``."""
    ended = user_sessions_end(user=user)
    security_event(kind=SecurityEventKind.SESSIONS_ENDED, user=actor, target=user,
                   detail=detail or f"{ended} session(s) ended, API tokens revoked")
    return ended


@transaction.atomic
def user_roles_set(*, user: User, roles: list[str], actor: User) -> User:
    """Give ``user`` exactly ``roles``; one security event says from what to what."""
    from .signals import roles_text

    roles = sorted({Role(r).value for r in roles})
    _roles_check(roles=roles, customer=user.customer, dealer=user.dealer)
    locked = User.objects.select_for_update().get(pk=user.pk)
    before = set(locked.groups.values_list("name", flat=True))
    if locked.pk == actor.pk and Role.ADMIN in before and Role.ADMIN not in roles and not locked.is_superuser:
        raise ServiceError("own_admin_role", _("You cannot take the administrator role from yourself."),
                           field="roles")
    if before != set(roles):
        with logged_by_caller():
            locked.groups.set(Group.objects.filter(name__in=roles))
        security_event(kind=SecurityEventKind.ROLES_CHANGED, user=actor, target=locked,
                       detail=f"{roles_text(before)} -> {roles_text(roles)}")
    return locked


@transaction.atomic
def user_active_set(*, user: User, active: bool, actor: User) -> User:
    """Deactivate (which ends every session and token) or reactivate a user; logged."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.pk == actor.pk and not active:
        raise ServiceError("own_account", _("You cannot deactivate your own account."))
    if locked.is_active != active:
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        security_event(kind=SecurityEventKind.USER_REACTIVATED if active else SecurityEventKind.USER_DEACTIVATED,
                       user=actor, target=locked)
    return locked


@transaction.atomic
def role_policy_set(*, policies: dict[str, bool], actor: User) -> None:
    """Switch two-step login on or off per role; each change is logged."""
    for role, required in policies.items():
        policy, _created = RoleSecurityPolicy.objects.select_for_update().get_or_create(role=Role(role).value)
        if policy.totp_required != required:
            policy.totp_required = required
            policy.save(update_fields=["totp_required"])
            security_event(kind=SecurityEventKind.POLICY_CHANGED, user=actor,
                           detail=f"role {policy.role}: totp_required={required}")


# Two-step login (TOTP, RFC 6238) -------------------------------------------------------------------


@transaction.atomic
def totp_enrolment_confirm(*, user: User, secret: str, code: str, request=None) -> list[str]:
    """Store the authenticator once the user typed a code it shows; returns the recovery codes,
    shown this once and kept only as salted hashes."""
    if TotpDevice.objects.select_for_update().filter(user=user).exists():
        raise ServiceError("totp_active", _("Two-step login is already set up."))
    step = otp.totp_match(secret, code, at=time.time())
    if step is None:
        raise ServiceError("otp_invalid", _("The code is wrong. Check the time on your phone and type the code "
                                            "the app shows now."), field="code")
    TotpDevice.objects.create(user=user, secret=secret, last_step=step)
    codes = _recovery_codes_new(user=user)
    security_event(kind=SecurityEventKind.TOTP_ENROLLED, user=user, target=user, request=request)
    return codes


def _recovery_codes_new(*, user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [otp.recovery_code_new() for _ in range(otp.RECOVERY_COUNT)]
    rows = []
    for code in codes:
        salt = otp.salt_new()
        rows.append(RecoveryCode(user=user, salt=salt, digest=otp.recovery_code_digest(code, salt)))
    RecoveryCode.objects.bulk_create(rows)
    return codes


@transaction.atomic
def totp_reset(*, user: User, actor: User | None, detail: str = "") -> None:
    """An administrator (or, with no actor, ``manage.py totp_reset``) removes a user's authenticator and
    recovery codes (a lost phone): the user's sessions end, and the user sets up a new one at the next
    login if the role requires it."""
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    user_sessions_end(user=user)
    security_event(kind=SecurityEventKind.TOTP_RESET, user=actor, target=user, detail=detail)


def second_factor_verify(*, user: User, code: str, request) -> str:
    """Check the one-time code (or a recovery code) of the second login step; returns "totp" or
    "recovery". A wrong code is logged and counts toward the lockout of the password; a code is
    accepted once only."""
    if is_locked_out(username=user.username, request=request):
        security_event(kind=SecurityEventKind.LOCKED_OUT, user=user, request=request)
        raise ServiceError("otp_locked", _("Too many failed attempts. Try again later."), field="otp")
    method = _second_factor_use(user=user, code=code)
    if method is None:
        security_event(kind=SecurityEventKind.TOTP_FAILED, user=user, request=request)
        raise ServiceError("otp_invalid", _("The one-time code is wrong or has already been used."), field="otp")
    if method == "recovery":
        security_event(kind=SecurityEventKind.RECOVERY_CODE_USED, user=user, target=user, request=request)
    security_event(kind=SecurityEventKind.LOGIN_OK, user=user, request=request, detail=f"second factor: {method}")
    return method


@transaction.atomic
def _second_factor_use(*, user: User, code: str) -> str | None:
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        return None
    step = otp.totp_match(device.secret, code, at=time.time(), after_step=device.last_step)
    if step is not None:
        device.last_step = step
        device.save(update_fields=["last_step"])
        return "totp"
    typed = otp.recovery_code_normalise(code)
    if len(typed) != otp.RECOVERY_LENGTH:
        return None
    for recovery in RecoveryCode.objects.select_for_update().filter(user=user, used_at__isnull=True):
        if hmac.compare_digest(recovery.digest, otp.recovery_code_digest(typed, recovery.salt)):
            recovery.used_at = timezone.now()
            recovery.save(update_fields=["used_at"])
            return "recovery"
    return None
