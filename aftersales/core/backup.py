"""Backup and restore: the database and the uploaded files in one archive (docs/operations.md).

An archive is one ``.tar.gz`` holding

- ``database.sqlite3`` (a consistent copy made with SQLite's online backup API) or
  ``database.pgdump`` (``pg_dump --format=custom``, taken in the same snapshot as the row counts);
- ``files/…``: every file under ``MEDIA_ROOT`` (the uploaded documents);
- ``manifest.json``, written last: format version, creation time (UTC), database vendor, the
  migrations applied per app, the row count of every table and the SHA-256 of every file.

A restore first unpacks the archive next to ``MEDIA_ROOT`` and checks it whole (only regular
files and folders with safe relative names; every checksum; the database vendor; migrations this
version knows), and only then replaces the database and the uploaded files. Afterwards every
table's row count must equal the manifest's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3

# pg_dump / pg_restore only, with argument lists, never through a shell
import subprocess  # nosec B404
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.translation import gettext as _

FORMAT = "aftersales-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES_DIR = "files"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused or failed; ``message`` is translated and says what to do."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = str(message)
        super().__init__(self.message)


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    size: int
    skipped: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    manifest: dict
    counts: dict[str, int]
    pending_migrations: list[str]


# --------------------------------------------------------------------------- backup


def default_backup_path(now: dt.datetime | None = None) -> Path:
    now = now or dt.datetime.now(dt.timezone.utc)
    return Path(settings.VAR_DIR) / "backups" / f"aftersales-{now:%Y%m%d-%H%M%S}Z.tar.gz"


def backup_create(*, output: str | Path | None = None, using: str = DEFAULT_DB_ALIAS) -> BackupResult:
    """Write one archive with the database and the uploaded files; never a half archive under its name."""
    connection = connections[using]
    _check_vendor_supported(connection.vendor)
    _check_not_in_transaction(connection)
    media_root = Path(settings.MEDIA_ROOT).resolve()
    output = (Path(output).expanduser() if output else default_backup_path()).resolve()
    if output.is_relative_to(media_root):
        raise BackupError("output_in_uploads", _("The archive must not be written inside the upload folder %(folder)s.")
                          % {"folder": media_root})
    if output.exists():
        raise BackupError("exists", _("%(path)s already exists; a backup never overwrites a file.") % {"path": output})
    output.parent.mkdir(parents=True, exist_ok=True, mode=0o700)

    created_at = dt.datetime.now(dt.timezone.utc)
    fd, partial_name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".partial")  # mode 0600
    partial = Path(partial_name)
    try:
        with os.fdopen(fd, "wb") as raw, tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-work-") as work:
            dump = Path(work) / DUMP_NAMES[connection.vendor]
            # The database first: every file its rows name already exists when the files are read,
            # because a document's file is stored before its row is committed.
            tables, applied = _dump_database(connection, dump)
            with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
                db_sha, db_size = _add_file(tar, dump, DUMP_NAMES[connection.vendor])
                files, skipped = _add_uploads(tar, media_root)
                manifest = _manifest(
                    created_at=created_at, vendor=connection.vendor, tables=tables, applied=applied,
                    dump=(DUMP_NAMES[connection.vendor], db_sha, db_size), files=files,
                )
                data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
                tar.addfile(_tarinfo(MANIFEST, len(data), created_at.timestamp()), _BytesReader(data))
            raw.flush()
            os.fsync(raw.fileno())
        if output.exists():
            raise BackupError("exists", _("%(path)s already exists; a backup never overwrites a file.")
                              % {"path": output})
        os.replace(partial, output)
        _fsync_folder(output.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(path=output, manifest=manifest, size=output.stat().st_size, skipped=skipped)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every file system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _manifest(*, created_at, vendor, tables, applied, dump, files) -> dict:
    import django

    per_app: dict[str, list[str]] = {}
    for app_label, name in sorted(applied):
        per_app.setdefault(app_label, []).append(name)
    dump_name, dump_sha, dump_size = dump
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "django": django.get_version(),
        "database": {"vendor": vendor, "file": dump_name, "sha256": dump_sha, "size": dump_size,
                     "tables": dict(sorted(tables.items()))},
        "migrations": {app_label: names[-1] for app_label, names in per_app.items()},
        "migrations_applied": per_app,
        "files": dict(sorted(files.items())),
    }


def _dump_database(connection, target: Path) -> tuple[dict[str, int], set[tuple[str, str]]]:
    if connection.vendor == "sqlite":
        return _sqlite_dump(connection, target)
    return _postgresql_dump(connection, target)


def _sqlite_dump(connection, target: Path):
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # the online backup API: a consistent copy, writers may go on
        cursor = copy.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
        tables = [row[0] for row in cursor.fetchall()]
        counts = _count_rows(cursor, tables, connection.ops.quote_name)
        applied = _applied_migrations(cursor, tables)
    finally:
        copy.close()
    return counts, applied


def _postgresql_dump(connection, target: Path):
    # Counts and dump in one snapshot: the manifest describes exactly what the dump holds.
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = connection.introspection.table_names(cursor)
            counts = _count_rows(cursor, tables, connection.ops.quote_name)
            applied = _applied_migrations(cursor, tables)
            _run_pg_tool("pg_dump", connection.settings_dict, [
                "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                f"--file={target}",
            ])
    return counts, applied


def _count_rows(cursor, tables, quote_name) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        # table names come from the database's catalogue (or the manifest's, checked against it), quoted
        cursor.execute(f"SELECT COUNT(*) FROM {quote_name(table)}")  # nosec B608
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor, tables) -> set[tuple[str, str]]:
    if "django_migrations" not in tables:
        return set()
    cursor.execute("SELECT app, name FROM django_migrations")
    return {(app_label, name) for app_label, name in cursor.fetchall()}


def _add_uploads(tar: tarfile.TarFile, media_root: Path) -> tuple[dict[str, dict], list[str]]:
    files: dict[str, dict] = {}
    skipped: list[str] = []
    if not media_root.is_dir():
        return files, skipped
    for folder, dirnames, filenames in os.walk(media_root):  # never follows links
        dirnames.sort()
        for filename in sorted(filenames):
            path = Path(folder) / filename
            relative = path.relative_to(media_root).as_posix()
            if path.is_symlink() or not path.is_file():
                skipped.append(relative)
                continue
            sha, size = _add_file(tar, path, f"{FILES_DIR}/{relative}")
            files[relative] = {"sha256": sha, "size": size}
    return files, skipped


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    return info


def _add_file(tar: tarfile.TarFile, path: Path, arcname: str) -> tuple[str, int]:
    """Add one file, hashing exactly the bytes that go into the archive."""
    with open(path, "rb") as source:
        stat = os.fstat(source.fileno())
        reader = _HashingReader(source)
        try:
            tar.addfile(_tarinfo(arcname, stat.st_size, stat.st_mtime), reader)
        except OSError as exc:
            raise BackupError("file_changed", _("A file changed while it was being backed up: %(name)s. "
                                                "Run the backup again.") % {"name": arcname}) from exc
    return reader.sha256.hexdigest(), reader.size


class _HashingReader:
    def __init__(self, source):
        self.source = source
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


class _BytesReader:
    def __init__(self, data: bytes):
        self.data = memoryview(data)
        self.position = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size is None or size < 0 else self.position + size
        chunk = bytes(self.data[self.position:end])
        self.position += len(chunk)
        return chunk


# --------------------------------------------------------------------------- PostgreSQL tools


def _run_pg_tool(program: str, settings_dict: dict, arguments: list[str]) -> None:
    """Run pg_dump / pg_restore against the configured database; the password goes in PGPASSWORD only."""
    from django.db.backends.postgresql.client import DatabaseClient

    executable = shutil.which(program)
    if executable is None:
        raise BackupError("tool_missing", _("%(program)s was not found: install the PostgreSQL client programs "
                                            "of the server's version.") % {"program": program})
    _args, client_env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    env = {**os.environ, **(client_env or {})}
    # What the settings leave out, libpq takes from the environment, as for the application itself.
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("NAME", "PGDATABASE")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    command = [executable, "--no-password", *arguments]
    if program == "pg_restore" and settings_dict.get("NAME"):
        command.insert(-1, f"--dbname={settings_dict['NAME']}")
    result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,  # nosec B603
                            check=False)
    if result.returncode != 0:
        error = (result.stderr or result.stdout or "").strip().splitlines()[-5:]
        raise BackupError(f"{program}_failed", _("%(program)s failed: %(error)s")
                          % {"program": program, "error": " / ".join(error) or result.returncode})


# --------------------------------------------------------------------------- reading an archive


def _unsafe(name: str) -> BackupError:
    return BackupError("unsafe_entry", _("The archive contains an unsafe entry and is refused: %(name)s")
                       % {"name": name})


def _member_path(member: tarfile.TarInfo) -> str:
    """The member's clean relative name; only regular files and folders with safe names are accepted."""
    name = member.name
    if not (member.isreg() or member.isdir()):  # links, devices, fifos: refused
        raise _unsafe(name)
    if not name or name.startswith("/") or "\x00" in name:
        raise _unsafe(name)
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        raise _unsafe(name)
    clean = "/".join(parts)
    if clean == FILES_DIR and member.isdir():
        return clean
    if member.isreg() and (clean == MANIFEST or clean in DUMP_NAMES.values()):
        return clean
    if parts[0] == FILES_DIR and len(parts) > 1:
        return clean
    raise _unsafe(name)


def _read_archive(path: Path, dest: Path | None) -> dict:
    """Check every entry of the archive (and unpack it into ``dest`` when given); return its manifest."""
    found: dict[str, tuple[str, int]] = {}
    manifest_bytes = None
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            for member in tar:
                name = _member_path(member)
                if member.isdir():
                    if dest is not None:
                        dest.joinpath(*name.split("/")).mkdir(parents=True, exist_ok=True)
                    continue
                if name in found or (name == MANIFEST and manifest_bytes is not None):
                    raise _unsafe(name)
                source = tar.extractfile(member)
                if name == MANIFEST:
                    if member.size > MAX_MANIFEST_BYTES:
                        raise _bad_manifest()
                    manifest_bytes = source.read()
                    continue
                found[name] = _copy_hashing(source, dest.joinpath(*name.split("/")) if dest is not None else None)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError("unreadable", _("The archive cannot be read: %(error)s") % {"error": exc}) from exc
    if manifest_bytes is None:
        raise BackupError("no_manifest", _("The archive has no manifest.json: it is not a backup of this system, "
                                           "or it is incomplete."))
    manifest = _parse_manifest(manifest_bytes)
    expected = {manifest["database"]["file"]: (manifest["database"]["sha256"], manifest["database"]["size"])}
    expected.update({f"{FILES_DIR}/{name}": (entry["sha256"], entry["size"])
                     for name, entry in manifest["files"].items()})
    for name, (sha, size) in sorted(expected.items()):
        if name not in found:
            raise BackupError("missing", _("The archive is damaged or was altered: %(name)s is listed in its "
                                           "manifest but missing.") % {"name": name})
        if found[name] != (sha, size):
            raise BackupError("checksum", _("The archive is damaged or was altered: %(name)s does not match the "
                                            "checksum in its manifest.") % {"name": name})
    for name in sorted(set(found) - set(expected)):
        raise BackupError("unlisted", _("The archive is damaged or was altered: %(name)s is not listed in its "
                                        "manifest.") % {"name": name})
    return manifest


def _copy_hashing(source, target: Path | None) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    out = None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = open(target, "xb")  # noqa: SIM115 - closed below
    try:
        while chunk := source.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
            if out is not None:
                out.write(chunk)
    finally:
        if out is not None:
            out.close()
    return sha.hexdigest(), size


def _bad_manifest() -> BackupError:
    return BackupError("bad_manifest", _("The archive's manifest.json is not a valid manifest of this system."))


def _parse_manifest(data: bytes) -> dict:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad_manifest() from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _bad_manifest()
    version = manifest.get("format_version")
    if not isinstance(version, int):
        raise _bad_manifest()
    if version > FORMAT_VERSION:
        raise BackupError("format_version", _("The archive was made in a newer backup format (%(version)s); "
                                              "restore it with the version of this system that made it.")
                          % {"version": version})
    database = manifest.get("database")
    files = manifest.get("files")
    if (not isinstance(database, dict) or database.get("vendor") not in DUMP_NAMES
            or database.get("file") != DUMP_NAMES[database["vendor"]]
            or not isinstance(database.get("tables"), dict) or not isinstance(files, dict)
            or not all(isinstance(entry, dict) and {"sha256", "size"} <= set(entry) for entry in files.values())
            or not isinstance(manifest.get("migrations_applied", {}), dict)):
        raise _bad_manifest()
    return manifest


# --------------------------------------------------------------------------- restore


def archive_verify(path: str | Path, *, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Check an archive whole and whether it fits the configured database, changing nothing."""
    connection = connections[using]
    manifest = _read_archive(Path(path), dest=None)
    _check_target(manifest, connection)
    return manifest


def backup_restore(path: str | Path, *, using: str = DEFAULT_DB_ALIAS,
                   confirm: Callable[[dict], bool] | None = None) -> RestoreResult:
    """Replace the database and the uploaded files with the archive's.

    Nothing changes unless the whole archive checks out. ``confirm(manifest)`` is asked when the
    database already holds data; ``None`` means the caller has already agreed (``--yes``).
    """
    connection = connections[using]
    _check_vendor_supported(connection.vendor)
    _check_not_in_transaction(connection)
    media_root = Path(settings.MEDIA_ROOT).resolve()
    media_root.mkdir(parents=True, exist_ok=True)
    # Unpacked next to the upload folder, so that the files move in by renaming.
    staging = Path(tempfile.mkdtemp(dir=media_root.parent, prefix=f".{media_root.name}.restore-"))
    try:
        manifest = _read_archive(Path(path), dest=staging)
        _check_target(manifest, connection)
        if confirm is not None and holds_data(connection, media_root) and not confirm(manifest):
            raise BackupError("cancelled", _("Restore cancelled; nothing was changed."))
        staged_files = staging / FILES_DIR
        staged_files.mkdir(exist_ok=True)
        previous = staging / "previous"
        previous.mkdir()
        moved_in: list[Path] = []
        try:
            _move_entries(media_root, previous)
            for entry in sorted(staged_files.iterdir()):
                shutil.move(str(entry), str(media_root / entry.name))
                moved_in.append(media_root / entry.name)
            _restore_database(connection, staging / manifest["database"]["file"])
        except BaseException:
            # Put the upload folder back as it was; the database is untouched (one transaction).
            for entry in moved_in:
                _remove(entry)
            _move_entries(previous, media_root)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    with connection.cursor() as cursor:
        counts = _count_rows(cursor, manifest["database"]["tables"], connection.ops.quote_name)
    differ = [f"{table} {counts[table]}≠{expected}" for table, expected in manifest["database"]["tables"].items()
              if counts[table] != expected]
    if differ:
        raise BackupError("counts_differ", _("After the restore the row counts differ from the backup: %(tables)s")
                          % {"tables": ", ".join(differ)})
    return RestoreResult(manifest=manifest, counts=counts, pending_migrations=_pending_migrations(connection))


def _restore_database(connection, dump: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            source.backup(connection.connection)  # page by page into the live database, in one transaction
        finally:
            source.close()
        return
    connection.close()  # hold no lock that pg_restore would wait for
    try:
        _run_pg_tool("pg_restore", connection.settings_dict, [
            "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
            str(dump),
        ])
    finally:
        connection.close()  # the tables were recreated: start afresh


def _check_vendor_supported(vendor: str) -> None:
    if vendor not in DUMP_NAMES:
        raise BackupError("vendor_unsupported", _("Backups of a %(vendor)s database are not supported.")
                          % {"vendor": vendor})


def _check_not_in_transaction(connection) -> None:
    if connection.in_atomic_block:
        raise BackupError("in_transaction", _("This cannot run inside an open database transaction."))


def _check_target(manifest: dict, connection) -> None:
    """Refuse an archive the configured database cannot take."""
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError("vendor_mismatch", _(
            "This is a backup of a %(archive)s database, but the configured database is %(configured)s. "
            "Restore it onto a %(archive)s database (DATABASE_URL).")
            % {"archive": VENDOR_LABELS[vendor], "configured": VENDOR_LABELS.get(connection.vendor, connection.vendor)})
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces or ())
    applied = {(app_label, name) for app_label, names in manifest.get("migrations_applied", {}).items()
               for name in names}
    unknown = sorted(f"{app_label}.{name}" for app_label, name in applied - known)
    if unknown:
        raise BackupError("newer_version", _(
            "The backup was made by a newer version of this system (migrations unknown here: %(migrations)s). "
            "Install that version first.") % {"migrations": ", ".join(unknown[:10])})
    if connection.vendor == "postgresql":
        # pg_restore --clean replaces the archive's tables; tables it does not know would stay behind.
        with connection.cursor() as cursor:
            extra = sorted(set(connection.introspection.table_names(cursor)) - set(manifest["database"]["tables"]))
        if extra:
            raise BackupError("extra_tables", _(
                "The database has tables the backup does not have (%(tables)s). Restore into an empty database, "
                "then run manage.py migrate.") % {"tables": ", ".join(extra[:10])})


def holds_data(connection, media_root: Path | None = None) -> bool:
    """Whether anyone has used this installation: a user account exists, or an uploaded file.

    A database fresh from `migrate` has groups, permissions and the seeded calendars but no user:
    nobody can have entered anything without one.
    """
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    with connection.cursor() as cursor:
        migrated = user_model._meta.db_table in connection.introspection.table_names(cursor)
    if migrated and user_model._base_manager.using(connection.alias).exists():
        return True
    if media_root is not None and media_root.is_dir():
        return any(path.is_file() for path in media_root.rglob("*"))
    return False


def _pending_migrations(connection) -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def _move_entries(source: Path, target: Path) -> None:
    """Move everything in ``source`` into ``target`` (renames on one file system)."""
    for entry in sorted(source.iterdir()):
        shutil.move(str(entry), str(target / entry.name))


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry)
    else:
        entry.unlink(missing_ok=True)


def summary(manifest: dict) -> dict:
    """Numbers for messages: tables, rows, files, bytes of files."""
    tables = manifest["database"]["tables"]
    return {
        "vendor": VENDOR_LABELS.get(manifest["database"]["vendor"], manifest["database"]["vendor"]),
        "tables": len(tables),
        "rows": sum(tables.values()),
        "files": len(manifest["files"]),
        "file_bytes": sum(entry["size"] for entry in manifest["files"].values()),
        "created": manifest.get("created_at", ""),
    }
