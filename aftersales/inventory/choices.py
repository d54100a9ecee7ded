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


class Direction(models.TextChoices):
    """Which side of a stock row a movement is on: stock comes in, or goes out."""

    IN = "in", _("in")
    OUT = "out", _("out")


# The columns of the monthly reconciliation (SPEC P5): each kind of movement on the side(s) of a
# stock row it can be on, in the order finance reads them.
RECONCILIATION_COLUMNS: list[tuple[str, str, object]] = [
    (MovementKind.RECEIPT, Direction.IN, _("Receipts")),
    (MovementKind.TRANSFER, Direction.IN, _("Transfers in")),
    (MovementKind.TRANSFER, Direction.OUT, _("Transfers out")),
    (MovementKind.ISSUE, Direction.OUT, _("Issues")),
    (MovementKind.RETURN_UNUSED, Direction.IN, _("Returns unused")),
    (MovementKind.DEFECTIVE_RETURN, Direction.IN, _("Defective returns")),
    (MovementKind.REPAIRED, Direction.IN, _("Repaired in")),
    (MovementKind.REPAIRED, Direction.OUT, _("Repaired out")),
    (MovementKind.SCRAP, Direction.OUT, _("Scrapped")),
    (MovementKind.ADJUSTMENT, Direction.IN, _("Count gains")),
    (MovementKind.ADJUSTMENT, Direction.OUT, _("Count losses")),
]


class ReservationState(models.TextChoices):
    HELD = "held", _("Held")
    COLLECTED = "collected", _("Collected")  # taken out of the store for the job (to the technician's van)
    RELEASED = "released", _("Released")


RESERVATION_BADGE = {"held": "blue", "collected": "green", "released": "grey"}


class StocktakeState(models.TextChoices):
    COUNTING = "counting", _("Counting")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


STOCKTAKE_BADGE = {StocktakeState.COUNTING: "orange", StocktakeState.POSTED: "green",
                   StocktakeState.CANCELLED: "grey"}
