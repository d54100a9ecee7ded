"""Working calendars (7x24, or working hours on Chinese working days) and the statutory
holiday schedule they follow, entered one year at a time."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import TimeStampedModel


class WorkingCalendar(TimeStampedModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    always_open = models.BooleanField(_("7×24"), default=False, help_text=_("Every hour of every day counts."))
    is_default = models.BooleanField(_("default"), default=False)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True), name="one_default_calendar")
        ]

    def __str__(self) -> str:
        return self.name


class WorkingPeriod(models.Model):
    """One stretch of working time on a working day, e.g. 9:00–12:00."""

    calendar = models.ForeignKey(WorkingCalendar, on_delete=models.CASCADE, related_name="periods")
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"))

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        ordering = ["calendar_id", "start"]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="period_end_after_start")]

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("The end must be after the start.")})


class HolidaySource(models.TextChoices):
    PACKAGE = "package", _("Official schedule (chinesecalendar)")
    MANUAL = "manual", _("Entered by an administrator")


class HolidayYear(TimeStampedModel):
    """A year whose statutory holidays and make-up working days (调休) are entered.
    A year without a row falls back to weekends only, and administrators are warned."""

    year = models.PositiveIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=10, choices=HolidaySource.choices, default=HolidaySource.MANUAL)
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("holiday schedule year")
        verbose_name_plural = _("holiday schedule years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class SpecialDay(models.Model):
    """A day that breaks the Monday–Friday rule: a statutory holiday, or a make-up working day."""

    year = models.ForeignKey(HolidayYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(_("working day"), help_text=_("On: make-up working day. Off: holiday."))
    name = models.CharField(_("name"), max_length=50, blank=True)

    customer_path = None
    internal_only = True

    class Meta:
        verbose_name = _("special day")
        verbose_name_plural = _("special days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    def clean(self) -> None:
        if self.date and self.year_id and self.date.year != self.year.year:
            raise ValidationError({"date": _("This date is not in %(year)s.") % {"year": self.year.year}})
