from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ToolkitsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aftersales.toolkits"
    label = "toolkits"
    verbose_name = _("Tool kits")
