"""Login lockout and the security log.

After ``LOGIN_LOCKOUT_ATTEMPTS`` failures (wrong passwords and wrong one-time codes alike) for one
account from one address within ``LOGIN_LOCKOUT_MINUTES``, further attempts from that address are
refused until the window has passed. The lock is per account *and* address, and it lifts by itself:
nobody can lock a user out for good, nor from another address. Only a complete login (both factors)
resets the count, so knowing the password does not buy new guesses at the code.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from .models import LOCKOUT_FAILURES, SecurityEvent, SecurityEventKind

logger = logging.getLogger("aftersales.security")

# The request being served, for signal handlers that log who acted (set by SecurityContextMiddleware).
current_request: contextvars.ContextVar = contextvars.ContextVar("aftersales_current_request", default=None)


def client_address(request) -> str | None:
    """The client's address: the peer, or, when the peer is one of ``TRUSTED_PROXIES``, the
    right-most ``X-Forwarded-For`` entry that is not a trusted proxy (entries further left are
    written by the client and cannot be believed)."""
    meta = getattr(request, "META", {}) or {}
    peer = meta.get("REMOTE_ADDR") or None
    trusted = set(getattr(settings, "TRUSTED_PROXIES", ()))
    if peer not in trusted:
        return peer
    for hop in reversed([h.strip() for h in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]):
        if hop not in trusted:
            return hop if _is_ip(hop) else peer
    return peer


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def current_actor():
    """The signed-in user of the request being served, or None (the system: a command, a migration)."""
    request = current_request.get()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def security_event(*, kind: str, username: str | None = None, user=None, target=None, request=None,
                   detail: str = "") -> SecurityEvent:
    """Write one event to the security log table and the ``aftersales.security`` logger.

    Without ``request`` the request being served (if any) gives the address; ``username`` defaults
    to the acting user's. Every value a user could have typed is quoted with %r in the log line."""
    request = request if request is not None else current_request.get()
    if username is None:
        username = getattr(user, "username", "")
    event = SecurityEvent.objects.create(kind=kind, username=(username or "")[:150], user=user, target=target,
                                         address=client_address(request), detail=detail)
    logger.info("security %s username=%r user_id=%s target=%r target_id=%s address=%s at=%sZ detail=%r",
                kind, event.username, getattr(user, "pk", None), getattr(target, "username", None),
                getattr(target, "pk", None), event.address,
                event.at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"), event.detail)
    return event


def is_locked_out(*, username: str, request) -> bool:
    window = timezone.now() - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    address = client_address(request)
    recent = SecurityEvent.objects.filter(username__iexact=username, address=address, at__gte=window)
    last_ok = recent.filter(kind=SecurityEventKind.LOGIN_OK).order_by("-at").values_list("at", flat=True).first()
    failures = recent.filter(kind__in=LOCKOUT_FAILURES)
    if last_ok:
        failures = failures.filter(at__gt=last_ok)
    return failures.count() >= settings.LOGIN_LOCKOUT_ATTEMPTS


class LockoutBackend(ModelBackend):
    """The model backend, refusing accounts locked for the caller's address, and logging every attempt.

    A right password of a user with an active authenticator is only the first step (PASSWORD_OK):
    the login is complete, and logged LOGIN_OK, when the one-time code is right too."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        from .selectors import totp_active

        username = username or kwargs.get("username") or ""
        if request is not None and username and is_locked_out(username=username, request=request):
            security_event(kind=SecurityEventKind.LOCKED_OUT, username=username, request=request)
            raise PermissionDenied  # stops every backend; the caller shows the usual message
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            kind = SecurityEventKind.LOGIN_FAILED
        else:
            kind = SecurityEventKind.PASSWORD_OK if totp_active(user) else SecurityEventKind.LOGIN_OK
        security_event(kind=kind, username=username, user=user, request=request)
        return user
