"""`manage.py demo_data [--once]`: load the demo world once (see aftersales.core.demo)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from aftersales.core.demo import DEMO_LOGINS, DEMO_PASSWORD, MARKER_CODE, demo_data_load


class Command(BaseCommand):
    help = "Load demo data: users for every role, customers, catalogue, projects, assets and contracts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Say nothing when the demo data is already there (for `make run`)."
        )

    def handle(self, *args, once: bool = False, **options):
        started = time.monotonic()
        counts = demo_data_load()
        if counts is None:
            if not once:
                self.stdout.write(f"Demo data is already loaded (customer {MARKER_CODE} exists); nothing changed.")
            return
        summary = ", ".join(f"{n} {label}" for label, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {time.monotonic() - started:.1f} s: {summary}."))
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}): " + ", ".join(u for u, _role in DEMO_LOGINS))
