"""A password change or a deactivation ends every session and token of that user."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .models import User


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
