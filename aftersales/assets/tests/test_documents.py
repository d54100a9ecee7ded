import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from aftersales.assets.models import ProjectDocument
from aftersales.assets.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return out.getvalue()


def test_document_is_stored_under_a_random_name_and_downloaded_as_attachment(client, desk_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = ProjectFactory()
    client.force_login(desk_user)
    upload = SimpleUploadedFile("验收单 ../../x.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(f"/assets/projects/{project.pk}/documents/", {"title": "竣工验收单", "kind": "acceptance",
                                                                         "file": upload})
    assert response.status_code == 302
    document = ProjectDocument.objects.get(project=project)
    assert ".." not in document.file.name and "x.pdf" not in document.file.name
    download = client.get(f"/assets/documents/{document.pk}/download/")
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"


@pytest.mark.parametrize("name,content", [
    ("photo.png", b"<html><script>alert(1)</script></html>"),
    ("drawing.pdf", b"\x89PNG\r\n\x1a\n<html>"),
    ("shell.php", b"<?php system($_GET['c']); ?>"),
    ("logo.svg", b"<svg onload='alert(1)'/>"),
])
def test_files_whose_content_does_not_match_are_refused(client, desk_user, settings, tmp_path, name, content):
    settings.MEDIA_ROOT = tmp_path
    project = ProjectFactory()
    client.force_login(desk_user)
    response = client.post(f"/assets/projects/{project.pk}/documents/",
                           {"file": SimpleUploadedFile(name, content)}, follow=True)
    assert not ProjectDocument.objects.exists()
    assert "errors" in response.content.decode() or "notice error" in response.content.decode()


def test_images_are_reencoded(client, desk_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = ProjectFactory()
    client.force_login(desk_user)
    payload = png_bytes() + b"<script>alert(1)</script>"
    client.post(f"/assets/projects/{project.pk}/documents/", {"file": SimpleUploadedFile("site.png", payload)})
    stored = ProjectDocument.objects.get().file.read()
    assert stored.startswith(b"\x89PNG") and b"<script>" not in stored


def test_a_decompression_bomb_image_is_refused_with_a_clear_message(client, desk_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = ProjectFactory()
    client.force_login(desk_user)
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, format="PNG", optimize=True)  # 144 megapixels, a few kB
    assert len(out.getvalue()) < 100_000
    response = client.post(f"/assets/projects/{project.pk}/documents/",
                           {"file": SimpleUploadedFile("plan.png", out.getvalue())}, follow=True)
    assert not ProjectDocument.objects.exists()
    assert "图片像素过多" in response.content.decode()
    assert not any(tmp_path.rglob("*.png"))
