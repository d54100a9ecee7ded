"""Who sees what: the one place that decides which rows a user may read.

Every model declares how it belongs to a customer:

* ``customer_path = ""``: the model is the customer itself;
* ``customer_path = "customer"`` (or any lookup path): the row belongs to that customer;
* ``customer_path = None``: shared reference data (the product catalogue), readable
  by every signed-in user unless ``internal_only`` is set, then staff only.

Staff see every row; a customer user sees the rows of their own customer; a dealer
user sees the rows of the customers their dealer serves. A model that declares
nothing is refused: new models are closed until they say who owns them.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import models

_MISSING = object()


def _customer_lookup(path: str, field: str) -> str:
    return f"{path}__{field}" if path else field


def scope(queryset: models.QuerySet, user) -> models.QuerySet:
    """The rows of ``queryset`` that ``user`` may read."""
    model = queryset.model
    path = getattr(model, "customer_path", _MISSING)
    if path is _MISSING:
        raise ImproperlyConfigured(f"{model.__name__} does not declare customer_path.")
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if not user.is_external:
        return queryset
    if path is None:
        return queryset.none() if getattr(model, "internal_only", False) else queryset
    if user.is_customer_user:
        return queryset.filter(**{_customer_lookup(path, "id" if path else "pk"): user.customer_id})
    return queryset.filter(**{_customer_lookup(path, "dealer_id"): user.dealer_id})


def can_view(user, obj: models.Model) -> bool:
    return scope(type(obj)._default_manager.filter(pk=obj.pk), user).exists()


def can(user, action: str, obj_or_model) -> bool:
    """``action`` is view, add or change; an instance is also checked against the user's scope."""
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    opts = model._meta
    if not user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
        return False
    if isinstance(obj_or_model, models.Model) and obj_or_model.pk:
        return can_view(user, obj_or_model)
    return True
