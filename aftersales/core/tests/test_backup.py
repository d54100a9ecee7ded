"""Backup and restore (docs/operations.md): the drill backs up, wipes, restores and finds every
row and every file again; damaged, unsafe and mismatched archives are refused and change nothing.

Runs on the configured database, SQLite or PostgreSQL. Transactional, because pg_dump and the
SQLite backup API see committed data only; every test starts from the database as `migrate`
left it (serialized_rollback), and the file leaves it so for the tests that come after."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation
from PIL import Image

from aftersales.accounts.tests.factories import UserFactory
from aftersales.assets.models import Project, ProjectDocument
from aftersales.assets.services import project_document_add
from aftersales.assets.tests.factories import AssetFactory, ProjectFactory
from aftersales.contracts.tests.factories import ContractFactory
from aftersales.core import backup as backup_module
from aftersales.customers.tests.factories import ContactFactory, SiteFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PDF = b"%PDF-1.4 \xe7\xab\xa3\xe5\xb7\xa5\xe9\xaa\x8c\xe6\x94\xb6\xe5\x8d\x95 acceptance"


@pytest.fixture(autouse=True)
def english_and_fresh_content_types():
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()  # the rows were just loaded again: no key from before may linger
    with translation.override("en"):
        yield


@pytest.fixture
def uploads(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, format="PNG")
    return out.getvalue()


def make_world(uploads: Path) -> Project:
    """Records of every kind, two uploaded documents and a file nobody's row names."""
    user = UserFactory(roles=["desk"])
    project = ProjectFactory()
    asset = AssetFactory(project=project, site=SiteFactory(customer=project.customer), customer=project.customer)
    ContractFactory(customer=project.customer, assets=[asset])
    ContactFactory(customer=project.customer)
    project_document_add(actor=user, project=project, upload=SimpleUploadedFile("竣工验收单.pdf", PDF),
                         title="竣工验收单", kind="acceptance")
    project_document_add(actor=user, project=project, upload=SimpleUploadedFile("现场.png", png_bytes()),
                         title="现场照片", kind="other")
    (uploads / "其他").mkdir()
    (uploads / "其他" / "说明.txt").write_text("保留", encoding="utf-8")
    (uploads / "其他" / "a b\\c.txt").write_bytes(b"")  # an empty file, a space and a backslash in its name
    return project


def row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def checksums(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def make_backup(tmp_path: Path, name: str = "backup.tar.gz") -> Path:
    archive = tmp_path / "backups" / name
    call_command("backup", output=str(archive), stdout=io.StringIO())
    return archive


def read_manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def repack(source: Path, target: Path, *, edit=None, drop=(), rename=None, first=()) -> Path:
    """A copy of ``source`` with members edited, dropped, renamed, or extra members put first."""
    edit, rename = edit or {}, rename or {}
    with tarfile.open(source, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for info, data in first:
            dst.addfile(info, io.BytesIO(data) if data is not None else None)
        for member in src:
            if member.name in drop:
                continue
            member = copy.copy(member)
            data = src.extractfile(member).read() if member.isreg() else None
            if member.name in edit:
                data = edit[member.name](data)
                member.size = len(data)
            member.name = rename.get(member.name, member.name)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    return target


def leftovers(uploads: Path) -> list[str]:
    return sorted(p.name for p in uploads.parent.iterdir() if p.name.startswith(f".{uploads.name}.restore-"))


def wipe(uploads: Path) -> None:
    call_command("flush", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cascade = " CASCADE" if connection.vendor == "postgresql" else ""
        cursor.execute(f"DROP TABLE {ProjectDocument._meta.db_table}{cascade}")
    shutil.rmtree(uploads)


def test_drill_backup_wipe_restore_gives_back_every_row_count_and_every_file_checksum(uploads, tmp_path):
    project = make_world(uploads)
    rows, files = row_counts(), checksums(uploads)
    assert rows[ProjectDocument._meta.db_table] == 2 and len(files) == 4

    out = io.StringIO()
    archive = tmp_path / "backups" / "drill.tar.gz"
    call_command("backup", output=str(archive), stdout=out)
    assert str(archive) in out.getvalue()
    assert archive.stat().st_mode & 0o777 == 0o600  # it holds everything: the owner only
    assert [p.name for p in archive.parent.iterdir()] == ["drill.tar.gz"]  # no partial or work file left

    manifest = read_manifest(archive)
    assert manifest["format_version"] == 1 and manifest["created_at"].endswith("Z")
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["database"]["tables"] == rows
    assert {name: entry["sha256"] for name, entry in manifest["files"].items()} == files
    assert manifest["migrations"]["assets"] == max(manifest["migrations_applied"]["assets"])

    call_command("restore", str(archive), check_only=True, stdout=out)
    assert "Nothing was changed" in out.getvalue()

    wipe(uploads)
    assert row_counts() != rows and checksums(uploads) == {}

    out = io.StringIO()
    call_command("restore", str(archive), yes=True, stdout=out)
    assert "every row count matches the backup" in out.getvalue()
    assert row_counts() == rows
    assert checksums(uploads) == files
    assert leftovers(uploads) == []

    # The restored database is in use at once: documents open, new rows get new keys.
    document = ProjectDocument.objects.get(title="竣工验收单")
    with document.file.open("rb") as handle:
        assert handle.read() == PDF
    assert ProjectFactory(customer=project.customer).pk > project.pk


def test_default_archive_name_is_under_var_backups_with_utc_time(settings, uploads, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    out = io.StringIO()
    call_command("backup", stdout=out)
    (archive,) = (tmp_path / "var" / "backups").iterdir()
    assert archive.name.startswith("aftersales-") and archive.name.endswith("Z.tar.gz")
    assert str(archive) in out.getvalue()
    with pytest.raises(CommandError, match="never overwrites"):
        call_command("backup", output=str(archive), stdout=io.StringIO())


def _change_a_file(manifest):
    name = "files/" + next(name for name, entry in manifest["files"].items() if entry["size"])
    return {"edit": {name: lambda data: data[:-1] + bytes([data[-1] ^ 1])}}, "does not match the checksum"


def _change_the_database(manifest):
    return {"edit": {manifest["database"]["file"]: lambda data: data + b"\0"}}, "does not match the checksum"


def _drop_a_file(manifest):
    return {"drop": {"files/" + next(iter(manifest["files"]))}}, "listed in its manifest but missing"


def _add_a_file(manifest):
    info = tarfile.TarInfo("files/projects/unlisted")
    info.size = 3
    return {"first": [(info, b"bad")]}, "not listed in its manifest"


def _drop_the_manifest(manifest):
    return {"drop": {"manifest.json"}}, "no manifest.json"


@pytest.mark.parametrize("damage", [_change_a_file, _change_the_database, _drop_a_file, _add_a_file,
                                    _drop_the_manifest], ids=lambda f: f.__name__.strip("_"))
def test_a_damaged_or_altered_archive_is_refused_and_nothing_changes(uploads, tmp_path, damage):
    make_world(uploads)
    archive = make_backup(tmp_path)
    changes, message = damage(read_manifest(archive))
    damaged = repack(archive, tmp_path / "damaged.tar.gz", **changes)
    ProjectFactory()  # after the backup: a restore would remove it
    rows, files = row_counts(), checksums(uploads)
    for check_only in (True, False):
        with pytest.raises(CommandError, match=message):
            call_command("restore", str(damaged), yes=True, check_only=check_only, stdout=io.StringIO())
    assert row_counts() == rows and checksums(uploads) == files
    assert leftovers(uploads) == []


def test_a_truncated_archive_is_refused(uploads, tmp_path):
    make_world(uploads)
    archive = make_backup(tmp_path)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    rows, files = row_counts(), checksums(uploads)
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("restore", str(truncated), yes=True, stdout=io.StringIO())
    assert row_counts() == rows and checksums(uploads) == files


def _member(name, kind=tarfile.REGTYPE, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    data = b"evil" if kind == tarfile.REGTYPE else None
    info.size = len(data) if data else 0
    return info, data


@pytest.mark.parametrize("name,kind,linkname", [
    ("../evil", tarfile.REGTYPE, ""),
    ("files/../../evil", tarfile.REGTYPE, ""),
    ("ABSOLUTE", tarfile.REGTYPE, ""),
    ("files/link", tarfile.SYMTYPE, "../../evil"),
    ("files/hard", tarfile.LNKTYPE, "manifest.json"),
    ("files/device", tarfile.CHRTYPE, ""),
    ("files/fifo", tarfile.FIFOTYPE, ""),
    ("settings.py", tarfile.REGTYPE, ""),
], ids=["dot-dot", "dot-dot-under-files", "absolute", "symlink", "hardlink", "device", "fifo", "unexpected-name"])
def test_tar_members_outside_the_archive_links_and_devices_are_refused(uploads, tmp_path, name, kind, linkname):
    make_world(uploads)
    archive = make_backup(tmp_path)
    if name == "ABSOLUTE":
        name = str(tmp_path / "evil")
    evil = repack(archive, tmp_path / "evil.tar.gz", first=[_member(name, kind, linkname)])
    rows, files = row_counts(), checksums(uploads)
    for check_only in (True, False):
        with pytest.raises(CommandError, match="unsafe entry"):
            call_command("restore", str(evil), yes=True, check_only=check_only, stdout=io.StringIO())
    assert not (tmp_path / "evil").exists() and not (tmp_path.parent / "evil").exists()
    assert row_counts() == rows and checksums(uploads) == files
    assert leftovers(uploads) == []


def test_a_backup_of_the_other_database_vendor_is_refused(uploads, tmp_path):
    make_world(uploads)
    archive = make_backup(tmp_path)
    manifest = read_manifest(archive)
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    own_file, other_file = manifest["database"]["file"], backup_module.DUMP_NAMES[other]
    manifest["database"].update(vendor=other, file=other_file)
    mismatched = repack(archive, tmp_path / "other.tar.gz", rename={own_file: other_file},
                        edit={"manifest.json": lambda _data: json.dumps(manifest).encode()})
    rows, files = row_counts(), checksums(uploads)
    label = backup_module.VENDOR_LABELS[other]
    for check_only in (True, False):
        with pytest.raises(CommandError, match=f"This is a backup of a {label} database"):
            call_command("restore", str(mismatched), yes=True, check_only=check_only, stdout=io.StringIO())
    assert row_counts() == rows and checksums(uploads) == files


def test_restore_over_data_asks_first_and_refuses_without_yes(uploads, tmp_path, monkeypatch):
    make_world(uploads)
    archive = make_backup(tmp_path)
    ProjectFactory()
    rows, files = row_counts(), checksums(uploads)

    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: nobody to ask
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive), stdout=io.StringIO())

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdin", Terminal(""))
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Restore cancelled"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert row_counts() == rows and checksums(uploads) == files
    assert leftovers(uploads) == []


def test_a_failed_backup_leaves_no_archive_behind(uploads, tmp_path, monkeypatch):
    make_world(uploads)

    def disk_full(tar, media_root):
        raise OSError("No space left on device")

    monkeypatch.setattr(backup_module, "_add_uploads", disk_full)
    archive = tmp_path / "backups" / "failed.tar.gz"
    with pytest.raises(OSError, match="No space left"):
        call_command("backup", output=str(archive), stdout=io.StringIO())
    assert list(archive.parent.iterdir()) == []
