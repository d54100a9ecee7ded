"""The Chinese catalogue is complete: every string the user can see has a translation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ["aftersales", "config", "templates", "locale", "manage.py"]


def catalogues(root: Path) -> list[Path]:
    return [p for p in root.rglob("zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts]


def test_every_entry_is_translated_and_none_is_fuzzy():
    found = catalogues(ROOT)
    assert found
    for path in found:
        po = polib.pofile(str(path))
        assert not po.untranslated_entries(), (path, [e.msgid for e in po.untranslated_entries()][:10])
        assert not po.fuzzy_entries(), (path, [e.msgid for e in po.fuzzy_entries()][:10])


@pytest.mark.slow
def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path):
    if not shutil.which("xgettext"):
        pytest.fail("xgettext (Debian package gettext) is needed to extract strings")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy(source, tmp_path / name)
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"], cwd=tmp_path,
                   check=True, capture_output=True, env={"DEBUG": "1", "PATH": "/usr/bin:/bin",
                                                         "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    known = {e.msgid for p in catalogues(ROOT) for e in polib.pofile(str(p)) if e.msgstr or e.msgstr_plural}
    missing = sorted({e.msgid for p in catalogues(tmp_path) for e in polib.pofile(str(p))} - known)
    assert not missing, missing[:20]
