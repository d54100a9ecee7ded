from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from aftersales.core.validators import validate_cn_phone

from .roles import Role


class User(AbstractUser):
    """A person who logs in. Customer users belong to one customer, dealer users to one dealer;
    everyone else is our own staff."""

    display_name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_cn_phone])
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    dealer = models.ForeignKey(
        "dealers.Dealer",
        verbose_name=_("dealer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )

    customer_path = None  # users are not customer records
    internal_only = True

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(customer__isnull=True) | models.Q(dealer__isnull=True),
                name="user_one_organisation",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @cached_property
    def role_codes(self) -> set[str]:
        return set(self.groups.values_list("name", flat=True))

    @property
    def is_customer_user(self) -> bool:
        return self.customer_id is not None

    @property
    def is_dealer_user(self) -> bool:
        return self.dealer_id is not None

    @property
    def is_external(self) -> bool:
        return self.is_customer_user or self.is_dealer_user

    @property
    def is_staff_member(self) -> bool:
        return self.is_active and not self.is_external

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or Role.ADMIN in self.role_codes


class SecurityEventKind(models.TextChoices):
    LOGIN_OK = "login_ok", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Login failed")
    LOCKED_OUT = "locked_out", _("Login refused: too many failures")
    PASSWORD_OK = "password_ok", _("Password right, one-time code asked")
    TOTP_FAILED = "totp_failed", _("Wrong one-time code")
    RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
    TOTP_ENROLLED = "totp_enrolled", _("Two-step login set up")
    TOTP_RESET = "totp_reset", _("Two-step login reset")
    PERMISSION_DENIED = "permission_denied", _("Access refused")
    ROLES_CHANGED = "roles_changed", _("Roles changed")
    PERMISSIONS_CHANGED = "permissions_changed", _("Role permissions changed")
    POLICY_CHANGED = "policy_changed", _("Security policy changed")
    SESSIONS_ENDED = "sessions_ended", _("Sessions ended by an administrator")
    USER_DEACTIVATED = "user_deactivated", _("User deactivated")
    USER_REACTIVATED = "user_reactivated", _("User reactivated")


# Failures that count toward the lockout of an account from an address (security.is_locked_out).
LOCKOUT_FAILURES = (SecurityEventKind.LOGIN_FAILED, SecurityEventKind.TOTP_FAILED)


class SecurityEvent(models.Model):
    """The security log: kept in the database and written to the log (UTC time, actor, address).

    ``user`` is who acted (the person logging in, the administrator, the user refused), ``target``
    the user acted upon; no user and no username means the system itself (a migration)."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=30, choices=SecurityEventKind.choices)
    username = models.CharField(_("username given"), max_length=150, blank=True, db_index=True)
    user = models.ForeignKey(User, verbose_name=_("user"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    target = models.ForeignKey(User, verbose_name=_("concerning"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    address = models.GenericIPAddressField(_("network address"), null=True, blank=True)
    detail = models.TextField(_("detail"), blank=True)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "username", "address", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}"


class TotpDevice(models.Model):
    """A user's authenticator (RFC 6238), stored once the user confirmed it with a code. The secret is
    shown during enrolment only and never again: it is in no API, no audit trail, no later page."""

    user = models.OneToOneField(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="totp")
    secret = models.CharField(_("secret"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("active since"), auto_now_add=True)
    last_step = models.BigIntegerField(_("last time step accepted"), null=True, blank=True, editable=False)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")

    def __str__(self) -> str:
        return f"TOTP of {self.user_id}"  # never the secret


class RecoveryCode(models.Model):
    """A single-use code for when the phone is lost; kept only as a salted hash."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="recovery_codes")
    salt = models.CharField(max_length=32, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"recovery code {self.pk} of {self.user_id}"


class RoleSecurityPolicy(models.Model):
    """What a role demands at login: an administrator switches two-step login on per role."""

    # a Role value; no choices here, so that a new role needs no migration of this table
    role = models.CharField(_("role"), max_length=30, unique=True)
    totp_required = models.BooleanField(_("two-step login required"), default=False)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("role security policy")
        verbose_name_plural = _("role security policies")
        ordering = ["role"]

    def __str__(self) -> str:
        return f"{self.role}: totp_required={self.totp_required}"
