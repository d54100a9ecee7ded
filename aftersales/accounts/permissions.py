"""API permission: the role's model permissions; rows are narrowed by accounts.scoping."""

from __future__ import annotations

from rest_framework.permissions import DjangoModelPermissions


class RolePermission(DjangoModelPermissions):
    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method not in view.allowed_methods:
            return True  # answered 405 by the view: records are never deleted
        action_perm = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if action_perm:
            model = view.get_queryset().model
            return request.user.has_perm(f"{model._meta.app_label}.{action_perm}_{model._meta.model_name}")
        return super().has_permission(request, view)
