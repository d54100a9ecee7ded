"""Projects (工程项目) and the equipment (设备) installed at customers' sites."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import STAFF_ONLY
from aftersales.core.models import RecordModel, TimeStampedModel

from .choices import AssetStatus, DocumentKind


class Project(RecordModel):
    """A delivered system at a customer, with its project manager and acceptance record."""

    code = models.CharField(_("project code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=150)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="projects"
    )
    site = models.ForeignKey(
        "customers.Site", verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="projects",
    )
    project_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, limit_choices_to=STAFF_ONLY, verbose_name=_("project manager"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="managed_projects",
    )
    accepted_on = models.DateField(_("acceptance date"), null=True, blank=True)
    responsible_department = models.CharField(_("responsible department"), max_length=100, blank=True)
    responsible_people = models.CharField(
        _("responsible people"), max_length=200, blank=True, help_text=_("Names and phones, as printed on the warranty card.")
    )
    warranty_card_issued_on = models.DateField(_("warranty card issued on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    customer_path = "customer"

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-accepted_on", "code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("project-detail", args=[self.pk])

    def clean(self) -> None:
        if self.site_id and self.customer_id and self.site.customer_id != self.customer_id:
            raise ValidationError({"site": _("This site belongs to another customer.")})


def document_upload_to(instance: "ProjectDocument", filename: str) -> str:
    # Random stored name: what the user called the file never reaches the file system.
    return f"projects/{uuid.uuid4().hex}"


class ProjectDocument(RecordModel):
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.OTHER)
    title = models.CharField(_("title"), max_length=150)
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    customer_path = "project__customer"

    class Meta:
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Asset(RecordModel):
    """One installed unit: model, serial number, site, project, dates and its place in a system."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="assets"
    )
    site = models.ForeignKey("customers.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="assets")
    project = models.ForeignKey(
        Project, verbose_name=_("project"), null=True, blank=True, on_delete=models.PROTECT, related_name="assets"
    )
    product_model = models.ForeignKey(
        "catalogue.ProductModel", verbose_name=_("product model"), on_delete=models.PROTECT, related_name="assets"
    )
    serial_number = models.CharField(_("serial number"), max_length=60)
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("Where or what it is, e.g. gate camera 3."))
    installed_on = models.DateField(_("installation date"), null=True, blank=True)
    accepted_on = models.DateField(
        _("acceptance date"), null=True, blank=True, help_text=_("The warranty starts on this date.")
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    replaces = models.ForeignKey(
        "self", verbose_name=_("replaces"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="replaced_by",
        help_text=_("The unit this one replaced; it keeps the rest of that unit's warranty if longer."),
    )
    status = models.CharField(_("status"), max_length=20, choices=AssetStatus.choices, default=AssetStatus.IN_SERVICE)
    notes = models.TextField(_("notes"), blank=True)

    customer_path = "customer"

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["customer_id", "site_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product_model", "serial_number"], name="asset_serial_unique_per_model"),
            models.CheckConstraint(
                condition=models.Q(accepted_on__isnull=True)
                | models.Q(installed_on__isnull=True)
                | models.Q(accepted_on__gte=models.F("installed_on")),
                name="asset_accepted_not_before_installed",
            ),
        ]
        indexes = [models.Index(fields=["serial_number"])]

    def __str__(self) -> str:
        return f"{self.product_model.code if self.product_model_id else ''} {self.serial_number}".strip()

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("asset-detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.serial_number = (self.serial_number or "").strip()
        if self.site_id:
            self.customer_id = self.site.customer_id
        if self.installed_on and self.accepted_on and self.accepted_on < self.installed_on:
            errors["accepted_on"] = _("The acceptance date cannot be before the installation date.")
        if self.project_id and self.project.customer_id != self.customer_id:
            errors["project"] = _("This project belongs to another customer.")
        for field in ("parent", "replaces"):
            other = getattr(self, field)
            if other is None:
                continue
            if self.pk and other.pk == self.pk:
                errors[field] = _("An asset cannot refer to itself.")
            elif other.customer_id != self.customer_id and field == "parent":
                errors[field] = _("The parent unit belongs to another customer.")
            elif other.customer_id != self.customer_id:
                errors[field] = _("The replaced unit belongs to another customer.")
        if self.parent_id and self.pk and self._parent_cycle():
            errors["parent"] = _("This would make the asset part of itself.")
        if errors:
            raise ValidationError(errors)

    def _parent_cycle(self) -> bool:
        seen, node = {self.pk}, self.parent
        while node is not None:
            if node.pk in seen:
                return True
            seen.add(node.pk)
            node = node.parent
        return False


class WarrantyCardTemplate(TimeStampedModel):
    """The warranty principles printed on every warranty card (SPEC W11); administrators edit them."""

    title = models.CharField(_("title"), max_length=100, default="保修卡")
    principles = models.TextField(_("warranty principles"))
    is_active = models.BooleanField(_("in use"), default=True)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("warranty card template")
        verbose_name_plural = _("warranty card templates")
        ordering = ["-is_active", "-updated_at"]

    def __str__(self) -> str:
        return self.title
