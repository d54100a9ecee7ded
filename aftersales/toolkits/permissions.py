"""Who may do what with tool kits: predicates used by the pages and the API alike.

Reading is for every member of staff (view permissions); recording an event needs the event's
add permission and the change permission of what it changes (the kit, or the tool for a receipt
or a scrap); settling a charge needs the event's change permission.
"""

from __future__ import annotations

EVENT_PERMISSION = "toolkits.add_toolevent"
SETTLE_PERMISSION = "toolkits.change_toolevent"
KIT_CHANGE = "toolkits.change_toolkit"
TOOL_CHANGE = "toolkits.change_tool"


def _staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and not user.is_external)


def can_record_kit_events(user) -> bool:
    """Issue, return, lost, broken, bought: a kit's contents change."""
    return _staff(user) and user.has_perm(EVENT_PERMISSION) and user.has_perm(KIT_CHANGE)


def can_record_store_events(user) -> bool:
    """Receipt and scrap: the store's count of a tool changes."""
    return _staff(user) and user.has_perm(EVENT_PERMISSION) and user.has_perm(TOOL_CHANGE)


def can_settle_charges(user) -> bool:
    return _staff(user) and user.has_perm(SETTLE_PERMISSION)
