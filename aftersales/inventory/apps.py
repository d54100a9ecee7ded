from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aftersales.inventory"
    label = "inventory"
    verbose_name = _("Spare parts stock")
