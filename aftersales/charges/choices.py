"""Charges (SPEC W5–W9): how a price is made, what a quote decides, and its states."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")


class PriceKind(models.TextChoices):
    COST_PLUS_LABOUR = "cost_plus_labour", _("Parts at cost plus labour")
    MARKET_NO_LABOUR = "market_no_labour", _("Market price, no labour charge")
    HOURLY_CAPPED = "hourly_capped", _("Labour per hour with a cap")
    RATE_CARD = "rate_card", _("Rate card per person-day")


class Decision(models.TextChoices):
    FREE = "free", _("Free")
    CHARGEABLE = "chargeable", _("Chargeable")


class DecisionReason(models.TextChoices):
    COVERED = "covered", _("Covered by the entitlement")
    NOT_COVERED = "not_covered", _("Not covered")
    PARTLY_COVERED = "partly_covered", _("Partly covered by the contract")
    MISUSE = "misuse", _("Damage by misuse")


class QuoteState(models.TextChoices):
    FREE = "free", _("Free of charge")
    DRAFT = "draft", _("Waiting for the price")
    PRICED = "priced", _("Priced")
    QUOTED = "quoted", _("Quoted to the customer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


# state -> the states it may move to (quotes.services.quote_transition checks it)
TRANSITIONS = {
    QuoteState.FREE: {QuoteState.DRAFT},  # misuse found after all
    QuoteState.DRAFT: {QuoteState.PRICED, QuoteState.FREE},
    QuoteState.PRICED: {QuoteState.PRICED, QuoteState.QUOTED, QuoteState.DRAFT},
    QuoteState.QUOTED: {QuoteState.ACCEPTED, QuoteState.DECLINED, QuoteState.DRAFT},
    QuoteState.DECLINED: {QuoteState.DRAFT},
    QuoteState.ACCEPTED: set(),
}

STATE_BADGE = {
    QuoteState.FREE: "green", QuoteState.DRAFT: "amber", QuoteState.PRICED: "blue", QuoteState.QUOTED: "blue",
    QuoteState.ACCEPTED: "green", QuoteState.DECLINED: "red",
}


class LineKind(models.TextChoices):
    PART = "part", _("Part")
    LABOUR = "labour", _("Labour")
    PERSON_DAYS = "person_days", _("Person-days")
    TRAVEL = "travel", _("Travel")


class AcceptedVia(models.TextChoices):
    SIGNATURE = "signature", _("Signature on site")
    PORTAL = "portal", _("Customer portal")
