from __future__ import annotations

import logging

from celery import shared_task
from django.core.mail import send_mail
from django.db import transaction

from .selectors import calendar_warnings
from .services import holiday_year_seed, known_package_years

logger = logging.getLogger(__name__)


@shared_task
def calendar_years_check() -> list[str]:
    """Enter any year the holiday package knows and the database does not; warn administrators
    by e-mail about the years still missing."""
    for year in sorted(known_package_years()):
        holiday_year_seed(year=year)
    warnings = calendar_warnings()
    if warnings:
        from aftersales.accounts.models import User
        from aftersales.accounts.roles import Role

        emails = list(
            User.objects.filter(groups__name=Role.ADMIN, is_active=True).exclude(email="").values_list("email", flat=True)
        )
        for text in warnings:
            logger.warning("calendar: %s", text)
        if emails:
            transaction.on_commit(
                lambda: send_mail("节假日安排待录入", "\n".join(warnings), None, emails, fail_silently=True)
            )
    return warnings
