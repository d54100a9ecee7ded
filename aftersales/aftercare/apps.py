from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftercareConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aftersales.aftercare"
    label = "aftercare"
    verbose_name = _("After-sales policies")
