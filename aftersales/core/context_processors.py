from __future__ import annotations


def navigation(request) -> dict:
    """What the base layout needs: the user's menu and warnings for administrators."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    warnings: list[str] = []
    if user.is_administrator:
        from aftersales.calendars.selectors import calendar_warnings

        warnings = calendar_warnings()
    context = {"admin_warnings": warnings}
    if not user.is_external:
        from functools import partial

        from aftersales.service.notify import unread_count

        context["unread_notices"] = partial(unread_count, user)  # counted only where the layout shows it
    return context
