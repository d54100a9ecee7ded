"""What the benchmarks share: a database of their own, Django set up on it, bulk inserts by COPY,
counting SQL statements, percentiles, and a signed-in test client."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5_000


def prepare_database(args, name: str) -> str:
    """A new, empty database ``name`` on ``args.server`` (or a SQLite file under var/bench/ with
    ``args.sqlite``); its URL."""
    if args.sqlite:
        path = ROOT / "var" / "bench" / f"{name}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    return f"{args.server}/{name}"


def drop_database(args, name: str) -> None:
    from django.db import connections

    connections.close_all()
    if args.sqlite:
        return
    import psycopg

    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")


def setup_django(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": url,
        "DEBUG": "1",  # plain static files and http; turned off below once the settings are read
        "ALLOWED_HOSTS": "testserver,localhost",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "LOG_LEVEL": "WARNING",
        "NOTICE_WEBHOOK_URL": "",
    })
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False  # no query log, production error pages: timings as in production
    call_command("migrate", verbosity=0, interactive=False)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def insert(model, rows: list[dict]) -> None:
    """Insert rows given as {attname: value} with their ids: COPY on PostgreSQL (bulk_create builds
    a model object per row and would take minutes), bulk_create elsewhere. Fields a row leaves
    out get their default; created_at / updated_at the time of the call."""
    from django.db import connection
    from django.utils import timezone

    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=BATCH)
        return
    fields = model._meta.concrete_fields
    stamp = timezone.now()
    defaults = {f.attname: stamp if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                else f.get_default() for f in fields}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row.get(f.attname, defaults[f.attname]) for f in fields])


def reset_sequences(*models) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


class QueryCount:
    """Counts the SQL statements run on the default connection (a test client request clears
    ``connection.queries`` when it starts, so CaptureQueriesContext would miss some)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        from django.db import connection

        self._wrapping = connection.execute_wrapper(self)
        self._wrapping.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapping.__exit__(*exc)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def signed_in_client(user):
    """A test client signed in as ``user``, second login step passed."""
    from django.test import Client

    from aftersales.accounts.login_steps import mark_verified

    client = Client()
    client.force_login(user)
    session = client.session
    mark_verified(session, user)
    session.save()
    return client
