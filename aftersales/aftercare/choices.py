"""States and choices of returns and exchanges (SPEC W10) and depot repairs (SPEC §4, `001`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Wanted(models.TextChoices):
    REFUND = "refund", _("Refund")
    EXCHANGE = "exchange", _("Exchange for the same model")


class ReturnState(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting the general manager")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused by the general manager")
    REJECTED = "rejected", _("Refused by the rules")


RETURN_BADGE = {ReturnState.SUBMITTED: "blue", ReturnState.APPROVED: "green", ReturnState.REFUSED: "red",
                ReturnState.REJECTED: "grey"}
# the customer bears the cost of a return in these states (W10)
CUSTOMER_PAYS = (ReturnState.REFUSED, ReturnState.REJECTED)


class ReturnCheck(models.TextChoices):
    """The conditions of W10, each checked and named when it fails."""

    WITHIN_DAYS = "within_days", _("Asked for within the return period of the purchase")
    QUALITY_FAULT = "quality_fault", _("A quality fault not caused by people")
    RECEIPT = "receipt", _("Purchase receipt given")
    PACKAGING = "packaging", _("Packaging intact")


class DepotState(models.TextChoices):
    RECEIVED = "received", _("Received for repair")
    REPAIRED = "repaired", _("Repaired")
    RETURNED = "returned", _("Returned to the customer")


DEPOT_BADGE = {DepotState.RECEIVED: "amber", DepotState.REPAIRED: "blue", DepotState.RETURNED: "green"}
# state -> the states it may move to
DEPOT_TRANSITIONS = {DepotState.RECEIVED: {DepotState.REPAIRED}, DepotState.REPAIRED: {DepotState.RETURNED},
                     DepotState.RETURNED: set()}
