from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.IntegerChoices):
    """故障等级 (SPEC §4, seed 002)."""

    CRITICAL = 1, _("Level 1, critical")
    MAJOR = 2, _("Level 2, major")
    MINOR = 3, _("Level 3, minor")
    SLIGHT = 4, _("Level 4, intermittent")


SEVERITY_HELP = {
    Severity.CRITICAL: _("System down or service interrupted, basic function lost; another business "
                         "interruption over 10 minutes; key data lost."),
    Severity.MAJOR: _("Service directly affected, part of performance or capacity lost; or a real risk of "
                      "going down."),
    Severity.MINOR: _("Functions or performance affected, key business not."),
    Severity.SLIGHT: _("Intermittent or indirect effect."),
}


class RequestType(models.TextChoices):
    """SPEC R3."""

    CONSULTATION = "consultation", _("Consultation")
    REPAIR = "repair", _("Fault / repair")
    EMERGENCY = "emergency", _("Emergency repair")
    INSTALLATION = "installation", _("Installation and commissioning")
    UPGRADE = "upgrade", _("Software upgrade")
    TRAINING = "training", _("Training")
    RETURN = "return", _("Return / exchange")
    COMPLAINT = "complaint", _("Complaint")


class Channel(models.TextChoices):
    """SPEC R1."""

    PHONE = "phone", _("Telephone")
    PORTAL = "portal", _("Customer portal")
    EMAIL = "email", _("E-mail")
    FAX = "fax", _("Fax")
    PLATFORM = "platform", _("Third-party platform")
    API = "api", _("API")


class State(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = (State.NEW, State.ACKNOWLEDGED, State.IN_PROGRESS, State.WAITING)


class ClockKind(models.TextChoices):
    """The clocks of SPEC §4 and when each starts."""

    RESPONSE = "response", _("First response")
    CALLBACK = "callback", _("Telephone callback")
    ON_SITE = "on_site", _("On site")
    FIXED = "fixed", _("Fixed")
    SENIOR = "senior", _("Senior engineer on site")
    REPORT = "report", _("Problem report")


# A clock starts with its event: registration for most, escalation to a senior engineer for
# SENIOR, resolution for REPORT (the problem report is due after fixing).
STARTS_AT_REGISTRATION = (ClockKind.RESPONSE, ClockKind.CALLBACK, ClockKind.ON_SITE, ClockKind.FIXED)


class RemoteMethod(models.TextChoices):
    """SPEC R4: how a request was solved without a visit."""

    PHONE = "phone", _("By telephone")
    EMAIL = "email", _("By e-mail")
    REMOTE_LOGIN = "remote_login", _("By remote login")


class TimelineKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    STATE = "state", _("State changed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CALL = "call", _("Call logged")
    PAUSED = "paused", _("Clocks paused")
    RESUMED = "resumed", _("Clocks resumed")
    RECOMPUTED = "recomputed", _("Clocks recomputed")
    CLOCK_MET = "clock_met", _("Clock met")
    BREACH = "breach", _("Clock breached")
    NOTICE = "notice", _("Notice sent")
    ASSIGNED = "assigned", _("Assigned")
    ESCALATED = "escalated", _("Escalated to a senior engineer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    CANCELLED = "cancelled", _("Cancelled")
    NOTE = "note", _("Note")
    ATTACHMENT = "attachment", _("Attachment added")
    EMERGENCY = "emergency", _("Emergency")
    WORK_ORDER = "work_order", _("Work order")
