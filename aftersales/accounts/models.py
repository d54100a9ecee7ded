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


class SecurityEvent(models.Model):
    """The security log: kept in the database and written to the log (UTC time, actor, address)."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=20, choices=SecurityEventKind.choices)
    username = models.CharField(_("username given"), max_length=150, blank=True, db_index=True)
    user = models.ForeignKey(User, verbose_name=_("user"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    address = models.GenericIPAddressField(_("network address"), null=True, blank=True)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "username", "address", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}"
