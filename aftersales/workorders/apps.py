from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aftersales.workorders"
    label = "workorders"
    verbose_name = _("Work orders")
