"""{% load aftercare %}{% repair_advice asset %}: the repair-count rule's advice (W8) for a unit, shown
to staff on the asset page and on a work order."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("aftercare/_repair_advice.html", takes_context=True)
def repair_advice(context, asset):
    from aftersales.aftercare.selectors import asset_repair_advice

    request = context.get("request")
    user = getattr(request, "user", None)
    if asset is None or user is None or not user.is_authenticated or user.is_external:
        return {"advice": []}
    return {"advice": asset_repair_advice(asset)}
