"""Kinds of store, conditions of stock and kinds of movement (SPEC §8, P1–P3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LocationKind(models.TextChoices):
    CENTRAL = "central", _("Central store")
    BRANCH = "branch", _("Branch store")
    VAN = "van", _("Technician's van")


class Condition(models.TextChoices):
    """Good spares and defective parts are counted apart, never mixed."""

    GOOD = "good", _("Good")
    DEFECTIVE = "defective", _("Defective")


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    TRANSFER = "transfer", _("Transfer")
    ISSUE = "issue", _("Issue")
    RETURN_UNUSED = "return_unused", _("Return unused")
    DEFECTIVE_RETURN = "defective_return", _("Defective return")
    REPAIRED = "repaired", _("Repaired")
    SCRAP = "scrap", _("Scrap")
    ADJUSTMENT = "adjustment", _("Adjustment")


# kind -> (condition taken from from_location, condition put into to_location); None: that side is absent.
# A transfer and an adjustment carry the condition chosen on the movement ("any"); "repaired" moves
# defective stock back to good spares in the same store.
ANY = "any"
MOVEMENT_SIDES: dict[str, tuple[str | None, str | None]] = {
    MovementKind.RECEIPT: (None, Condition.GOOD),
    MovementKind.TRANSFER: (ANY, ANY),
    MovementKind.ISSUE: (Condition.GOOD, None),
    MovementKind.RETURN_UNUSED: (None, Condition.GOOD),
    MovementKind.DEFECTIVE_RETURN: (None, Condition.DEFECTIVE),
    MovementKind.REPAIRED: (Condition.DEFECTIVE, Condition.GOOD),
    MovementKind.SCRAP: (Condition.DEFECTIVE, None),
    MovementKind.ADJUSTMENT: (ANY, ANY),  # one side only: from (count lower) or to (count higher)
}
