from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import STAFF_ONLY
from aftersales.core.models import RecordModel
from aftersales.core.validators import normalise_phone, validate_cn_mobile, validate_cn_phone

from .choices import CustomerLevel


class Customer(RecordModel):
    """A customer organisation (客户) whose equipment we look after."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    level = models.CharField(_("level"), max_length=1, choices=CustomerLevel.choices, default=CustomerLevel.B)
    is_key = models.BooleanField(_("key customer"), default=False, help_text=_("Key customers get regular visits."))
    installed_by_others = models.BooleanField(
        _("not installed by us"),
        default=False,
        help_text=_("Systems we did not install: requests need a technical review of the documents first."),
    )
    documents_reviewed_on = models.DateField(_("documents reviewed on"), null=True, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_cn_phone])
    dealer = models.ForeignKey(
        "dealers.Dealer", verbose_name=_("dealer"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="customers",
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, limit_choices_to=STAFF_ONLY, verbose_name=_("account manager"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="managed_customers",
    )
    internal_notes = models.TextField(_("internal notes"), blank=True)

    customer_path = ""
    internal_fields = ("internal_notes", "account_manager")

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("customer-detail", args=[self.pk])

    def clean(self) -> None:
        self.phone = normalise_phone(self.phone)


class Site(RecordModel):
    """A place (地址) of a customer where equipment is installed."""

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(_("name"), max_length=100)
    city = models.CharField(_("city"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)

    customer_path = "customer"

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["customer_id", "name"]
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="site_name_unique_per_customer")]

    def __str__(self) -> str:
        return f"{self.customer} · {self.name}" if self.customer_id else self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("customer-detail", args=[self.customer_id])


class Contact(RecordModel):
    """A person at a customer (联系人)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contacts"
    )
    site = models.ForeignKey(
        Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("position"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, validators=[validate_cn_mobile])
    phone = models.CharField(_("landline"), max_length=30, blank=True, validators=[validate_cn_phone])
    email = models.EmailField(_("e-mail"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    customer_path = "customer"

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["customer_id", "-is_primary", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("customer-detail", args=[self.customer_id])

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        self.mobile = normalise_phone(self.mobile)
        self.phone = normalise_phone(self.phone)
        if not (self.mobile or self.phone or self.email):
            raise ValidationError({"mobile": _("Give at least a mobile, a landline or an e-mail address.")})
        if self.site_id and self.customer_id and self.site.customer_id != self.customer_id:
            raise ValidationError({"site": _("This site belongs to another customer.")})
