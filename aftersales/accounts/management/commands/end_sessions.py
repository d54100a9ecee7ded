from django.core.management.base import BaseCommand, CommandError

from aftersales.accounts.models import User
from aftersales.accounts.services import user_sessions_end_by


class Command(BaseCommand):
    help = "End every session and API token of a user (e.g. a lost phone); written to the security log."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        ended = user_sessions_end_by(user=user, actor=None, detail="manage.py end_sessions")
        self.stdout.write(f"{ended} session(s) of {username} ended; API tokens revoked.")
