"""Compile every .po catalogue of the project to .mo, in Python (no gettext tools needed)."""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the project's translation catalogues."

    def handle(self, *args, **options):
        roots = [Path(p) for p in settings.LOCALE_PATHS] + [Path(settings.BASE_DIR) / "aftersales"]
        count = 0
        for root in roots:
            for po_path in root.rglob("*.po"):
                if ".venv" in po_path.parts:
                    continue
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                count += 1
        self.stdout.write(f"{count} catalogue(s) compiled.")
