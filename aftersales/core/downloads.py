"""Headers for files handed to a browser: always an attachment, never sniffed."""

from __future__ import annotations

import re
from urllib.parse import quote


def safe_ascii_name(name: str, default: str = "download") -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or default
    return ascii_name[:120]


def attachment_headers(filename: str) -> dict[str, str]:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].replace('"', "").replace("\r", "").replace("\n", "")
    return {
        "Content-Disposition": f"attachment; filename=\"{safe_ascii_name(base)}\"; filename*=UTF-8''{quote(base)}",
        "X-Content-Type-Options": "nosniff",
    }
