"""States of a loaner, reasons for a loan, what comes back, and the events of a loaner's history
(SPEC D6, §8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoanerState(models.TextChoices):
    IN_STORE = "in_store", _("In store")
    LENT = "lent", _("Lent")
    IN_REPAIR = "in_repair", _("In repair")
    RETIRED = "retired", _("Retired")


STATE_BADGE = {LoanerState.IN_STORE: "green", LoanerState.LENT: "blue", LoanerState.IN_REPAIR: "orange",
               LoanerState.RETIRED: "grey"}


class LoanReason(models.TextChoices):
    """Why a loaner is lent (SPEC D6, seeds 001 and 002)."""

    TAKEN_AWAY = "taken_away", _("Equipment taken away for repair")
    TARGET_MISSED = "target_missed", _("Fix target missed")
    OTHER = "other", _("Other")


class ReturnCondition(models.TextChoices):
    """How a loaner comes back, and so where it goes: back on the shelf, to repair, or out of the pool."""

    GOOD = "good", _("Good: back in store")
    DAMAGED = "damaged", _("Damaged: to repair")
    LOST = "lost", _("Lost: not coming back")


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    LENT = "lent", _("Lent")
    EXTENDED = "extended", _("Loan extended")
    RETURNED = "returned", _("Returned")
    REPAIR_SENT = "repair_sent", _("Sent to repair")
    REPAIR_BACK = "repair_back", _("Back from repair")
    RETIRED = "retired", _("Retired")


# The state machine: event -> (the states it starts from, the state it leads to). A return leads
# to the state of RETURN_TO (by condition); an extension changes the loan, not the state.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    EventKind.LENT: (frozenset({LoanerState.IN_STORE}), LoanerState.LENT),
    EventKind.EXTENDED: (frozenset({LoanerState.LENT}), LoanerState.LENT),
    EventKind.RETURNED: (frozenset({LoanerState.LENT}), None),
    EventKind.REPAIR_SENT: (frozenset({LoanerState.IN_STORE}), LoanerState.IN_REPAIR),
    EventKind.REPAIR_BACK: (frozenset({LoanerState.IN_REPAIR}), LoanerState.IN_STORE),
    EventKind.RETIRED: (frozenset({LoanerState.IN_STORE, LoanerState.IN_REPAIR}), LoanerState.RETIRED),
}
RETURN_TO = {ReturnCondition.GOOD: LoanerState.IN_STORE, ReturnCondition.DAMAGED: LoanerState.IN_REPAIR,
             ReturnCondition.LOST: LoanerState.RETIRED}
