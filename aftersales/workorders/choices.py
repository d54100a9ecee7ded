"""States of a work order and what a visit ends with (SPEC §7, D1–D4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkOrderState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    TRAVELLING = "travelling", _("On the way")
    ON_SITE = "on_site", _("On site")
    DELAY_DUE = "delay_due", _("Delay reason due")  # left unfinished, the delay-reason form not yet given
    DONE = "done", _("Done")
    VOID = "void", _("Void")


class Outcome(models.TextChoices):
    FIXED = "fixed", _("Fixed")
    NOT_FIXED = "not_fixed", _("Not finished in this visit")


OPEN_WORK = [WorkOrderState.PLANNED, WorkOrderState.TRAVELLING, WorkOrderState.ON_SITE]
# a work order whose number was spoiled, or whose job moved to another number, is void; the number stays
ENDED = [WorkOrderState.DONE, WorkOrderState.VOID]

STATE_BADGE = {
    WorkOrderState.PLANNED: "blue", WorkOrderState.TRAVELLING: "amber", WorkOrderState.ON_SITE: "amber",
    WorkOrderState.DELAY_DUE: "red", WorkOrderState.DONE: "green", WorkOrderState.VOID: "grey",
}

DELAY_FORM_HOURS = 48  # the delay-reason form is due within 48 hours of the visit's report (SPEC D4, `001`)
