"""`manage.py backup [--output PATH]`: the database and the uploaded files in one archive (docs/operations.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from aftersales.core.backup import BackupError, backup_create, summary


class Command(BaseCommand):
    help = ("Back up the database (SQLite or PostgreSQL) and the uploaded files into one .tar.gz "
            "(default var/backups/aftersales-YYYYmmdd-HHMMSSZ.tar.gz).")

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="Path of the archive to write; it must not exist yet.")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args, output=None, database="default", **options):
        try:
            result = backup_create(output=output, using=database)
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        numbers = summary(result.manifest)
        self.stdout.write(self.style.SUCCESS(_("Backup written: %(path)s") % {"path": result.path}))
        self.stdout.write(_("Database %(vendor)s: %(tables)s tables, %(rows)s rows. Uploaded files: %(files)s "
                            "(%(file_size)s). Archive: %(size)s.") % {
            **numbers, "file_size": filesizeformat(numbers["file_bytes"]), "size": filesizeformat(result.size)})
        if result.skipped:
            self.stderr.write(_("Not backed up, not regular files: %(names)s") % {"names": ", ".join(result.skipped)})
