"""Checking uploaded files by what they contain, not by their name."""

from __future__ import annotations

import base64
import binascii
import io
import zipfile
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from .errors import ServiceError

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MAX_SIGNATURE_BYTES = 512 * 1024

# extension -> (content type, test on the first bytes)
KINDS = {
    "pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    "png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             lambda head: head.startswith(b"PK\x03\x04")),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             lambda head: head.startswith(b"PK\x03\x04")),
}
OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    extension: str
    content_type: str
    original_name: str


def _refuse(code: str, message: str) -> ServiceError:
    return ServiceError(code, message, field="file")


def check_upload(upload: UploadedFile, *, allowed: set[str], max_bytes: int = MAX_DOCUMENT_BYTES) -> CheckedFile:
    """The file's bytes if its content is what its extension says and it is allowed; else ServiceError."""
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in allowed or extension not in KINDS:
        raise _refuse("file_type", _("Files of this type are not accepted. Accepted: %(types)s.")
                      % {"types": ", ".join(sorted(allowed))})
    if upload.size is not None and upload.size > max_bytes:
        raise _refuse("file_size", _("The file is larger than %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)})
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise _refuse("file_size", _("The file is larger than %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)})
    content_type, matches = KINDS[extension]
    if not content or not matches(content[:16]) or not _structure_ok(extension, content):
        raise _refuse("file_content", _("The file's content is not a %(ext)s file.") % {"ext": extension.upper()})
    if content_type.startswith("image/"):
        content = _reencode_image(content, extension)
    return CheckedFile(content=content, extension=extension, content_type=content_type, original_name=name[:200])


def _structure_ok(extension: str, content: bytes) -> bool:
    part = OOXML_PART.get(extension)
    if part is None:
        return True
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return part in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _reencode_image(content: bytes, extension: str) -> bytes:
    """Decode and encode again: what is stored is pixels only, never a payload riding in the file."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise _refuse("image_too_large", _("The image has too many pixels."))
            image.load()
            out = io.BytesIO()
            if extension == "png":
                image.save(out, format="PNG")
            else:
                image.convert("RGB").save(out, format="JPEG", quality=90)
            return out.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refuse("image_too_large", _("The image has too many pixels.")) from exc
    except OSError as exc:
        raise _refuse("file_content", _("The image cannot be read.")) from exc


def signature_png(data: str | bytes) -> bytes:
    """The PNG bytes of a signature drawn on the screen (a data: URL or bytes), checked to be a real,
    non-empty image."""
    if isinstance(data, str):
        text = data.strip()
        if text.startswith("data:"):
            head, _sep, text = text.partition(",")
            if head != "data:image/png;base64":
                raise ServiceError("signature", _("The signature must be a PNG image."), field="image")
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ServiceError("signature", _("The signature could not be read."), field="image") from exc
    if not data or len(data) > MAX_SIGNATURE_BYTES or not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ServiceError("signature", _("The signature must be a PNG image of at most 512 KB."), field="image")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.width < 50 or image.height < 20 or image.width * image.height > 4_000_000:
                raise ServiceError("signature", _("The signature image has an odd size."), field="image")
            extrema = image.convert("L").getextrema()
            alpha = image.getchannel("A").getextrema() if "A" in image.getbands() else (255, 255)
    except (UnidentifiedImageError, OSError) as exc:
        raise ServiceError("signature", _("The signature could not be read."), field="image") from exc
    if extrema[0] == extrema[1] and (alpha[0] == alpha[1]):
        raise ServiceError("signature_empty", _("The signature is empty: sign in the box."), field="image")
    return data
