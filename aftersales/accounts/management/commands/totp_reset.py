from django.core.management.base import BaseCommand, CommandError

from aftersales.accounts.models import User
from aftersales.accounts.services import totp_reset


class Command(BaseCommand):
    help = ("Remove a user's two-step login (authenticator and recovery codes) and end their sessions, e.g. "
            "when the only administrator lost the phone; written to the security log.")

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        totp_reset(user=user, actor=None, detail="manage.py totp_reset")
        self.stdout.write(f"Two-step login of {username} removed; it is set up again at the next login.")
