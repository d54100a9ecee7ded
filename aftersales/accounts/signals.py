"""A password change or a deactivation ends every session and token of that user; every change of
a user's roles and of a role's permissions goes to the security log, whatever made it (a page, the
shell, a command), with the acting user of the request being served."""

from __future__ import annotations

import contextlib
import contextvars

from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from .models import SecurityEventKind, User

# Set while a service logs the change itself (one event for a whole change instead of one per step).
_logged_by_caller: contextvars.ContextVar[bool] = contextvars.ContextVar("roles_logged_by_caller", default=False)


@contextlib.contextmanager
def logged_by_caller():
    token = _logged_by_caller.set(True)
    try:
        yield
    finally:
        _logged_by_caller.reset(token)


@receiver(pre_save, sender=User)
def _remember_credentials(sender, instance: User, **kwargs):
    if instance.pk:
        old = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
        instance._credentials_changed = bool(old) and (
            old["password"] != instance.password or (old["is_active"] and not instance.is_active)
        )


@receiver(post_save, sender=User)
def _end_sessions(sender, instance: User, created: bool, **kwargs):
    if not created and getattr(instance, "_credentials_changed", False):
        from .services import user_sessions_end

        user_sessions_end(user=instance)


def roles_text(codes) -> str:
    return ", ".join(sorted(codes)) or "-"


def _roles_of(user_ids) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {pk: set() for pk in user_ids}
    for pk, name in User.groups.through.objects.filter(user_id__in=found).values_list("user_id", "group__name"):
        found[pk].add(name)
    return found


@receiver(m2m_changed, sender=User.groups.through)
def _log_roles_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if _logged_by_caller.get() or action not in {"pre_add", "pre_remove", "pre_clear", "post_add",
                                                  "post_remove", "post_clear"}:
        return
    if action.startswith("pre_"):
        if reverse:  # group.user_set.add(...): the users are pk_set, or every member for clear()
            users = pk_set if pk_set is not None else set(instance.user_set.values_list("pk", flat=True))
        else:
            users = {instance.pk}
        instance._roles_before = _roles_of(users)
        return
    before = getattr(instance, "_roles_before", {})
    after = _roles_of(before)
    from .security import current_actor, security_event

    targets = User.objects.in_bulk([pk for pk in before if before[pk] != after[pk]])
    for pk, target in targets.items():
        security_event(kind=SecurityEventKind.ROLES_CHANGED, user=current_actor(), target=target,
                       detail=f"{roles_text(before[pk])} -> {roles_text(after[pk])}")


@receiver(m2m_changed, sender=Group.permissions.through)
def _log_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if _logged_by_caller.get() or action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if reverse:  # permission.group_set.add(...)
        groups = Group.objects.filter(pk__in=pk_set or []) if action != "pre_clear" else instance.group_set.all()
        changes = [(g.name, [instance], action) for g in groups]
    else:
        perms = Permission.objects.filter(pk__in=pk_set) if action != "pre_clear" else instance.permissions.all()
        changes = [(instance.name, list(perms.select_related("content_type")), action)]
    from .security import current_actor, security_event

    for role, perms_, act in changes:
        verb = "added" if act == "post_add" else "removed"
        codes = sorted(f"{p.content_type.app_label}.{p.codename}" for p in perms_)
        if codes:
            security_event(kind=SecurityEventKind.PERMISSIONS_CHANGED, user=current_actor(),
                           detail=f"role {role}: {verb} {', '.join(codes)}")
