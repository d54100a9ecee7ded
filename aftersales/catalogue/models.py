"""The product catalogue: categories, makers, models and their spare-part lists (SPEC §2)."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import RecordModel


class ProductCategory(RecordModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)

    customer_path = None

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Maker(RecordModel):
    name = models.CharField(_("name"), max_length=100, unique=True)

    customer_path = None

    class Meta:
        verbose_name = _("maker")
        verbose_name_plural = _("makers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Part(RecordModel):
    """A spare part (备品备件). Its normal service life decides the early-failure rule (SPEC W3)."""

    code = models.CharField(_("part number"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    spec = models.CharField(_("specification"), max_length=200, blank=True,
                            help_text=_("Size, rating or model of the part, as on its label."))
    unit = models.CharField(_("unit"), max_length=10, default="个")
    service_life_months = models.PositiveIntegerField(
        _("normal service life (months)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2, null=True, blank=True)

    customer_path = None
    internal_fields = ("unit_cost",)

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProductModel(RecordModel):
    """A product model (产品型号) in the catalogue."""

    code = models.CharField(_("model number"), max_length=60)
    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(
        ProductCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="product_models"
    )
    maker = models.ForeignKey(Maker, verbose_name=_("maker"), on_delete=models.PROTECT, related_name="product_models")
    description = models.TextField(_("description"), blank=True)
    service_life_months = models.PositiveIntegerField(
        _("normal service life (months)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    parts = models.ManyToManyField(Part, through="BomLine", verbose_name=_("spare parts"), related_name="used_in")

    customer_path = None

    class Meta:
        verbose_name = _("product model")
        verbose_name_plural = _("product models")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["maker", "code"], name="product_model_unique_per_maker")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class BomLine(models.Model):
    """One line of a model's spare-part list (BOM)."""

    product_model = models.ForeignKey(ProductModel, on_delete=models.CASCADE, related_name="bom_lines")
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="bom_lines")
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])

    customer_path = None

    class Meta:
        verbose_name = _("spare-part list line")
        verbose_name_plural = _("spare-part list")
        constraints = [models.UniqueConstraint(fields=["product_model", "part"], name="bom_part_once_per_model")]

    def __str__(self) -> str:
        return f"{self.part} × {self.quantity}"
