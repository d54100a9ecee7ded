"""`manage.py restore PATH [--yes] [--check-only]`: put back what `manage.py backup` saved (docs/operations.md)."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from aftersales.core.backup import BackupError, archive_verify, backup_restore, summary


class Command(BaseCommand):
    help = ("Restore the database and the uploaded files from an archive of `manage.py backup`, after checking "
            "it whole. Stop the web server and the workers first.")

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Path of the .tar.gz written by `manage.py backup`.")
        parser.add_argument("--yes", action="store_true",
                            help="Replace a database that already holds data without asking.")
        parser.add_argument("--check-only", action="store_true",
                            help="Only check the archive (checksums, database vendor, migrations); change nothing.")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args, archive, yes=False, check_only=False, database="default", **options):
        self._database = database
        try:
            if check_only:
                manifest = archive_verify(archive, using=database)
                self.stdout.write(self.style.SUCCESS(_(
                    "The archive is sound: %(path)s, made %(created)s, %(vendor)s, %(tables)s tables, %(rows)s rows, "
                    "%(files)s files. Nothing was changed.") % {"path": archive, **summary(manifest)}))
                return
            result = backup_restore(archive, using=database, confirm=None if yes else self._confirm)
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(_(
            "Restored from %(path)s (made %(created)s): %(tables)s tables, %(rows)s rows, %(files)s uploaded "
            "files; every row count matches the backup.") % {"path": archive, **summary(result.manifest)}))
        if result.pending_migrations:
            self.stdout.write(self.style.WARNING(_(
                "This version has migrations the backup does not have: run manage.py migrate now.")))
        self.stdout.write(_("Restart the web servers and the workers now."))

    def _confirm(self, manifest) -> bool:
        if not sys.stdin or not sys.stdin.isatty():
            raise BackupError("not_empty", _("The database already holds data. Run again with --yes to replace it "
                                             "and the uploaded files with the archive's."))
        name = connections[self._database].settings_dict.get("NAME")
        answer = input(_("The database %(database)s already holds data; it and the uploaded files in %(folder)s "
                         "will be replaced by the archive's. Type yes to go on: ")
                       % {"database": name, "folder": settings.MEDIA_ROOT})
        return answer.strip().lower() in {"yes", "y", _("yes")}
