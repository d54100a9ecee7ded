"""What a session remembers of the two-step login.

* After a right password, a user with an authenticator is *not* logged in: the session keeps only
  the pending user's id, for ``LOGIN_OTP_STEP_SECONDS``, until the one-time code is right.
* A session that passed the second factor (or set one up) is marked verified for that user; the
  SecondFactorMiddleware sends every other session of a user who needs two-step login back to
  the login or to the set-up page.
"""

from __future__ import annotations

import time

from django.conf import settings

PENDING_KEY = "otp_pending"
VERIFIED_KEY = "otp_verified_user"
ENROL_KEY = "otp_enrol_secret"


def pending_start(request, *, user, backend: str, next_url: str) -> None:
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk, "backend": backend, "next": next_url,
        "until": int(time.time()) + settings.LOGIN_OTP_STEP_SECONDS,
    }


def pending(request) -> dict | None:
    """The pending login, or None when there is none or it has expired (then it is forgotten)."""
    state = request.session.get(PENDING_KEY)
    if not state:
        return None
    if state.get("until", 0) < time.time():
        request.session.pop(PENDING_KEY, None)
        return None
    return state


def pending_end(request) -> None:
    request.session.pop(PENDING_KEY, None)


def enrolment_secret(request) -> str:
    """The secret being set up: made on the first visit of the set-up page, kept in the session (not
    in the user's record) until a code confirms it."""
    from .otp import secret_new

    if not request.session.get(ENROL_KEY):
        request.session[ENROL_KEY] = secret_new()
    return request.session[ENROL_KEY]


def enrolment_end(request) -> None:
    request.session.pop(ENROL_KEY, None)


def mark_verified(session, user) -> None:
    session[VERIFIED_KEY] = str(user.pk)


def is_verified(request) -> bool:
    return request.session.get(VERIFIED_KEY) == str(request.user.pk)
