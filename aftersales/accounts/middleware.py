"""Request-wide security pieces of the accounts app."""

from __future__ import annotations

from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from .login_steps import is_verified
from .models import SecurityEventKind
from .security import current_request, security_event
from .selectors import totp_active, totp_needed


class SecurityContextMiddleware:
    """Makes the request known to signal handlers (who acted, from where) and logs every refusal.

    Every 403 answer passes here, whatever produced it: PermissionDenied in a page, a REST framework
    permission, a CSRF failure. A 404 for a record outside the user's scope is not a refusal."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            response = self.get_response(request)
            if response.status_code == 403:
                user = getattr(request, "user", None)
                user = user if user is not None and user.is_authenticated else None
                security_event(kind=SecurityEventKind.PERMISSION_DENIED, user=user, request=request,
                               detail=f"{request.method} {request.get_full_path()}"[:1000])
            return response
        finally:
            current_request.reset(token)


class SecondFactorMiddleware:
    """A signed-in session of a user who needs two-step login must have passed it.

    Sessions that never passed it (the password step of such a user does not log in, so only a
    login by other means gets here) are ended. A user whose role requires two-step login but who
    has no authenticator yet may open only the set-up page, the logout and the language switch."""

    OPEN = {"totp-enrol", "logout", "set_language", "login-otp"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and hasattr(request, "session")
                and not is_verified(request) and totp_needed(user)):
            refused = self._refuse(request, user)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _refuse(self, request, user):
        if totp_active(user):
            logout(request)
            return self._answer(request, "login", _("Log in again with your one-time code."), "otp_required")
        try:
            name = resolve(request.path_info).url_name
        except Resolver404:
            name = None
        if name in self.OPEN:
            return None
        return self._answer(request, "totp-enrol", _("Two-step login must be set up before using the system."),
                            "otp_enrolment_required")

    @staticmethod
    def _answer(request, page: str, message: str, code: str):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message, "code": code}, status=403)
        return redirect(page)
