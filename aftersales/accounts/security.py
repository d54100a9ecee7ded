"""Login lockout and the security log.

After ``LOGIN_LOCKOUT_ATTEMPTS`` failures for one account from one address within
``LOGIN_LOCKOUT_MINUTES``, further attempts from that address are refused until the window
has passed. The lock is per account *and* address, and it lifts by itself: nobody can lock a
user out for good, nor from another address.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from .models import SecurityEvent, SecurityEventKind

logger = logging.getLogger("aftersales.security")


def client_address(request) -> str | None:
    """The peer address (a proxy in front must be trusted to set REMOTE_ADDR, see docs/deployment)."""
    return (getattr(request, "META", {}) or {}).get("REMOTE_ADDR") or None


def security_event(*, kind: str, username: str = "", user=None, request=None) -> SecurityEvent:
    event = SecurityEvent.objects.create(kind=kind, username=(username or "")[:150], user=user,
                                         address=client_address(request))
    # %r quotes the user's input, so a newline in a username cannot forge a log line
    logger.info("security %s username=%r user_id=%s address=%s at=%sZ", kind, event.username,
                getattr(user, "pk", None), event.address, event.at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"))
    return event


def is_locked_out(*, username: str, request) -> bool:
    window = timezone.now() - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    address = client_address(request)
    recent = SecurityEvent.objects.filter(username__iexact=username, address=address, at__gte=window)
    last_ok = recent.filter(kind=SecurityEventKind.LOGIN_OK).order_by("-at").values_list("at", flat=True).first()
    failures = recent.filter(kind=SecurityEventKind.LOGIN_FAILED)
    if last_ok:
        failures = failures.filter(at__gt=last_ok)
    return failures.count() >= settings.LOGIN_LOCKOUT_ATTEMPTS


class LockoutBackend(ModelBackend):
    """The model backend, refusing accounts locked for the caller's address, and logging every attempt."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        username = username or kwargs.get("username") or ""
        if request is not None and username and is_locked_out(username=username, request=request):
            security_event(kind=SecurityEventKind.LOCKED_OUT, username=username, request=request)
            raise PermissionDenied  # stops every backend; the caller shows the usual message
        user = super().authenticate(request, username=username, password=password, **kwargs)
        kind = SecurityEventKind.LOGIN_OK if user is not None else SecurityEventKind.LOGIN_FAILED
        security_event(kind=kind, username=username, user=user, request=request)
        return user
