from django.core.management.base import BaseCommand, CommandError

from aftersales.accounts.models import User
from aftersales.accounts.services import user_sessions_end


class Command(BaseCommand):
    help = "End every session and API token of a user (e.g. a lost phone)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        ended = user_sessions_end(user=user)
        self.stdout.write(f"{ended} session(s) of {username} ended; API tokens revoked.")
