from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractKind(models.TextChoices):
    WARRANTY = "warranty", _("Warranty")
    MAINTENANCE = "maintenance", _("Maintenance contract")
