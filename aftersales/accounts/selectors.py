"""Reads of the accounts app: who must use two-step login, the user list, sessions, the security log."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, Q, QuerySet
from django.utils import timezone

from .models import RecoveryCode, RoleSecurityPolicy, SecurityEvent, TotpDevice, User
from .roles import Role


def totp_active(user) -> bool:
    return TotpDevice.objects.filter(user_id=user.pk).exists()


def totp_required(user) -> bool:
    """Whether one of the user's roles demands two-step login (a superuser counts as an administrator)."""
    roles = set(user.groups.values_list("name", flat=True)) | ({Role.ADMIN.value} if user.is_superuser else set())
    return _requiring_roles().filter(role__in=roles).exists()


def totp_needed(user) -> bool:
    """One query: the user has an authenticator, or a role that demands one."""
    required_roles = _requiring_roles().values("role")
    condition = Q(totp__isnull=False) | Q(groups__name__in=required_roles)
    condition |= Q(is_superuser=True) & Exists(_requiring_roles().filter(role=Role.ADMIN))
    return User.objects.filter(condition, pk=user.pk).exists()


def _requiring_roles() -> QuerySet:
    return RoleSecurityPolicy.objects.filter(totp_required=True)


def role_policies() -> dict[str, bool]:
    """Every role and whether it requires two-step login (a role without a row does not)."""
    stored = dict(RoleSecurityPolicy.objects.values_list("role", "totp_required"))
    return {role.value: stored.get(role.value, False) for role in Role}


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def user_list(*, text: str = "") -> QuerySet:
    users = User.objects.select_related("customer", "dealer", "totp").prefetch_related("groups").order_by("username")
    text = text.strip()
    if text:
        users = users.filter(Q(username__icontains=text) | Q(display_name__icontains=text)
                             | Q(email__icontains=text) | Q(phone__icontains=text))
    return users


def user_sessions_count(*, user) -> int:
    from django.contrib.sessions.models import Session

    return sum(
        1 for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)
    )


def security_event_list(*, kind: str = "", user_text: str = "", date_from: dt.date | None = None,
                        date_to: dt.date | None = None, concerning=None) -> QuerySet:
    events = SecurityEvent.objects.select_related("user", "target")
    if kind:
        events = events.filter(kind=kind)
    if user_text:
        events = events.filter(Q(username__icontains=user_text) | Q(user__username__icontains=user_text)
                               | Q(target__username__icontains=user_text))
    if concerning is not None:
        events = events.filter(Q(user=concerning) | Q(target=concerning))
    tz = timezone.get_current_timezone()
    if date_from:
        events = events.filter(at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        events = events.filter(at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return events
