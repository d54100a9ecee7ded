from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoanersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aftersales.loaners"
    label = "loaners"
    verbose_name = _("Loaner pool")
