from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import RecordModel
from aftersales.core.validators import validate_cn_phone


class Dealer(RecordModel):
    """A dealer (经销商) that sells our products and performs three-guarantee repairs in its area (SPEC §11)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.CharField(_("region"), max_length=100, blank=True)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_cn_phone])

    customer_path = None
    internal_only = False

    class Meta:
        verbose_name = _("dealer")
        verbose_name_plural = _("dealers")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
