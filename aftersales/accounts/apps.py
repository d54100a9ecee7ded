from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "aftersales.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from . import signals  # noqa: F401
        from .services import roles_sync

        def _sync(sender, **kwargs):
            # After every app: permissions of apps migrated later exist only then.
            roles_sync(using=kwargs.get("using", "default"))

        post_migrate.connect(_sync, dispatch_uid="accounts-roles-sync", weak=False)
