"""Who may do what with returns, depot batches and the policy figures (used by views, API and services)."""

from __future__ import annotations

APPROVE_RETURN = "aftercare.approve_returnrequest"
ADD_RETURN = "aftercare.add_returnrequest"
CHANGE_DEPOT = "aftercare.change_depotbatch"
ADD_DEPOT = "aftercare.add_depotbatch"
CHANGE_POLICY = "aftercare.change_policysetting"


def can_approve_return(user) -> bool:
    """Only the general manager approves or refuses a return (W10)."""
    return bool(user and user.is_authenticated and not user.is_external and user.has_perm(APPROVE_RETURN))


def can_register_return(user) -> bool:
    return bool(user and user.is_authenticated and not user.is_external and user.has_perm(ADD_RETURN))


def can_work_depot(user) -> bool:
    return bool(user and user.is_authenticated and not user.is_external and user.has_perm(CHANGE_DEPOT))


def can_receive_depot(user) -> bool:
    return bool(user and user.is_authenticated and not user.is_external and user.has_perm(ADD_DEPOT))


def can_change_policy(user) -> bool:
    return bool(user and user.is_authenticated and not user.is_external and user.has_perm(CHANGE_POLICY))
