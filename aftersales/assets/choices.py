from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    FAULTY = "faulty", _("Faulty")
    UNDER_REPAIR = "under_repair", _("Under repair")
    SPARE = "spare", _("Spare")
    REPLACED = "replaced", _("Replaced")
    RETIRED = "retired", _("Retired")


ASSET_STATUS_COLOURS = {
    AssetStatus.IN_SERVICE: "green",
    AssetStatus.FAULTY: "red",
    AssetStatus.UNDER_REPAIR: "orange",
    AssetStatus.SPARE: "blue",
    AssetStatus.REPLACED: "grey",
    AssetStatus.RETIRED: "grey",
}


class DocumentKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("Acceptance record")
    HANDOVER = "handover", _("Handover document")
    DRAWING = "drawing", _("Drawing")
    MANUAL = "manual", _("Manual")
    OTHER = "other", _("Other")
