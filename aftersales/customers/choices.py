from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerLevel(models.TextChoices):
    A = "A", _("A: strategic")
    B = "B", _("B: regular")
    C = "C", _("C: occasional")
