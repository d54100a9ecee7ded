from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from aftersales.core.errors import ServiceError
from aftersales.core.views import paginate

from . import login_steps, otp
from .forms import OneTimeCodeForm, RolePolicyForm, SecurityLogFilterForm, UserRolesForm
from .models import TotpDevice, User
from .roles import Role
from .selectors import (
    recovery_codes_left,
    role_policies,
    security_event_list,
    totp_active,
    totp_required,
    user_list,
    user_sessions_count,
)
from .services import (
    role_policy_set,
    second_factor_verify,
    totp_enrolment_confirm,
    totp_reset,
    user_active_set,
    user_roles_set,
    user_sessions_end_by,
)

# Two-step login --------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """The password step. A user with an authenticator is not logged in yet: the one-time code is
    asked first. A user whose role requires one but who has none is sent to set it up."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if totp_active(user):
            login_steps.pending_start(self.request, user=user, backend=user.backend, next_url=self.get_success_url())
            return redirect("login-otp")
        response = super().form_valid(form)
        if totp_required(user):
            return redirect(f"{reverse('totp-enrol')}?{urlencode({'next': self.get_success_url()})}")
        return response


@login_not_required
@never_cache
@sensitive_post_parameters("code")
def login_otp_view(request):
    """The second step: the code of the authenticator app, or one recovery code."""
    state = login_steps.pending(request)
    user = User.objects.filter(pk=state["user"], is_active=True).first() if state else None
    if user is None:
        login_steps.pending_end(request)
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return render(request, "registration/login_otp.html", {"expired": True})
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            method = second_factor_verify(user=user, code=form.cleaned_data["code"], request=request)
        except ServiceError as exc:
            if exc.code == "otp_locked":
                login_steps.pending_end(request)
            form.add_error("code", exc.message)
        else:
            login_steps.pending_end(request)
            auth_login(request, user, backend=state["backend"])
            login_steps.mark_verified(request.session, user)
            if method == "recovery":
                messages.warning(request, _("You logged in with a recovery code. Recovery codes left: %(n)s.")
                                 % {"n": recovery_codes_left(user)})
            return redirect(state["next"] or resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(request, "registration/login_otp.html", {"form": form})


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@never_cache
@sensitive_post_parameters("code")
def totp_enrol_view(request):
    """Set up the authenticator: secret as text and QR code, confirmed by a code; then the recovery
    codes, shown this once. Once active, the secret is never shown again."""
    user = request.user
    device = TotpDevice.objects.filter(user=user).first()
    if device is not None:
        login_steps.enrolment_end(request)
        return render(request, "accounts/totp_status.html", {
            "device": device, "codes_left": recovery_codes_left(user), "required": totp_required(user),
        })
    secret = login_steps.enrolment_secret(request)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp_enrolment_confirm(user=user, secret=secret, code=form.cleaned_data["code"], request=request)
        except ServiceError as exc:
            form.add_error("code", exc.message)
        else:
            login_steps.enrolment_end(request)
            login_steps.mark_verified(request.session, user)
            return render(request, "accounts/totp_codes.html", {"codes": codes, "next": _safe_next(request)})
    uri = otp.provisioning_uri(secret=secret, account=user.username, issuer=settings.TOTP_ISSUER)
    return render(request, "accounts/totp_enrol.html", {
        "form": form, "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "qr": otp.qr_data_uri(uri), "required": totp_required(user), "next": _safe_next(request),
    })


# Administration of users ---------------------------------------------------------------------------------


def administrator_required(view):
    """Only our own administrators (the administrator role, or a superuser); everyone else gets 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_staff_member and user.is_administrator):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _role_labels(user) -> list[str]:
    labels = dict(Role.choices)
    return [str(labels.get(g.name, g.name)) for g in user.groups.all()]


def _totp_on(user) -> bool:
    try:
        return user.totp is not None
    except TotpDevice.DoesNotExist:
        return False


@administrator_required
def user_list_view(request):
    text = request.GET.get("q", "")
    page, query = paginate(request, user_list(text=text))
    for person in page:
        person.role_labels = _role_labels(person)
        person.totp_on = _totp_on(person)
    return render(request, "accounts/user_list.html", {"page": page, "query": query, "q": text})


@administrator_required
def user_detail_view(request, pk: int):
    person = get_object_or_404(User.objects.select_related("customer", "dealer", "totp").prefetch_related("groups"),
                               pk=pk)
    person.role_labels = _role_labels(person)
    person.totp_on = _totp_on(person)
    return render(request, "accounts/user_detail.html", {
        "person": person,
        "roles_form": UserRolesForm(initial={"roles": [g.name for g in person.groups.all()]}),
        "totp_required": totp_required(person),
        "codes_left": recovery_codes_left(person),
        "sessions": user_sessions_count(user=person),
        "events": security_event_list(concerning=person)[:20],
    })


def _user_action(view):
    """POST only, administrators only, on an existing user; a refused action is shown, not raised."""

    @administrator_required
    @require_POST
    @wraps(view)
    def wrapped(request, pk: int):
        person = get_object_or_404(User, pk=pk)
        try:
            view(request, person)
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("user-detail", pk=person.pk)

    return wrapped


@_user_action
def user_sessions_end_view(request, person):
    ended = user_sessions_end_by(user=person, actor=request.user)
    messages.success(request, _("Sessions ended: %(n)s. The user's API tokens are revoked.") % {"n": ended})


@_user_action
def user_totp_reset_view(request, person):
    totp_reset(user=person, actor=request.user)
    messages.success(request, _("Two-step login was reset; the user sets it up again at the next login."))


@_user_action
def user_active_view(request, person):
    active = request.POST.get("active") == "1"
    user_active_set(user=person, active=active, actor=request.user)
    messages.success(request, _("The user can log in again.") if active else
                     _("The user is deactivated; all sessions and API tokens ended."))


@_user_action
def user_roles_view(request, person):
    form = UserRolesForm(request.POST)
    if not form.is_valid():
        raise ServiceError("roles_invalid", _("Choose roles from the list."), field="roles")
    user_roles_set(user=person, roles=form.cleaned_data["roles"], actor=request.user)
    messages.success(request, _("Roles saved."))


@administrator_required
def security_log_view(request):
    form = SecurityLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = security_event_list(kind=filters.get("kind", ""), user_text=filters.get("user", ""),
                                 date_from=filters.get("date_from"), date_to=filters.get("date_to"))
    page, query = paginate(request, events, per_page=50)
    return render(request, "accounts/security_log.html", {"form": form, "page": page, "query": query})


@administrator_required
def security_policy_view(request):
    form = RolePolicyForm(request.POST or None, policies=role_policies())
    if request.method == "POST" and form.is_valid():
        role_policy_set(policies={role.value: form.cleaned_data[role.value] for role in Role}, actor=request.user)
        messages.success(request, _("Saved."))
        return redirect("security-policy")
    return render(request, "accounts/security_policy.html", {"form": form})
