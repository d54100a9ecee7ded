"""Background jobs of service requests: a thin wrapper per job around one service."""

from __future__ import annotations

from celery import shared_task

from .escalation import escalation_pass


@shared_task(ignore_result=True)
def escalation_run() -> dict[str, int]:
    """Record breaches and send the escalation notices due (every minute, CELERY_BEAT_SCHEDULE).
    Safe to run twice at once or on several workers: each notice is created and sent once."""
    return escalation_pass()
