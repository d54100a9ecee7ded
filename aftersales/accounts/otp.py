"""One-time codes: TOTP (RFC 6238, on HOTP of RFC 4226) and recovery codes. Pure functions, no database.

A code is 6 digits for a 30-second step; the step before and after are accepted too (a phone's
clock drifts). Which step was last accepted is kept by the caller, so that a code is never
accepted twice (see services.second_factor_verify).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # steps accepted either side of the current one
SECRET_BYTES = 20  # 160 bits, the size RFC 4226 recommends for HMAC-SHA1
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper
RECOVERY_LENGTH = 10  # about 50 bits each, salted and hashed (ASVS 2.6.2)
RECOVERY_COUNT = 8


def secret_new() -> str:
    """A random secret as base32 text without padding (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def secret_bytes(secret: str) -> bytes:
    text = secret.strip().replace(" ", "").upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226 §5.3: HMAC of the counter, dynamic truncation, the last ``digits`` decimal digits."""
    mac = hmac.new(key, counter.to_bytes(8, "big"), digest).digest()
    offset = mac[-1] & 0x0F
    value = int.from_bytes(mac[offset:offset + 4], "big") & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def time_step(at: float, *, step: int = STEP_SECONDS) -> int:
    return int(at // step)


def totp(key: bytes, *, at: float, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 6238: the HOTP of the number of 30-second steps since the Unix epoch."""
    return hotp(key, time_step(at), digits=digits, digest=digest)


def totp_match(secret: str, code: str, *, at: float, after_step: int | None = None) -> int | None:
    """The time step ``code`` belongs to (within ±WINDOW of ``at``), or None.

    Steps up to ``after_step`` (the last one accepted) are refused: a code is used once."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = secret_bytes(secret)
    now = time_step(at)
    found = None
    for step in range(now - WINDOW, now + WINDOW + 1):  # compare all, whatever matches
        if hmac.compare_digest(hotp(key, step), code) and (after_step is None or step > after_step):
            found = step
    return found


def provisioning_uri(*, secret: str, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS,
                       "period": STEP_SECONDS}, quote_via=quote)
    return f"otpauth://totp/{label}?{query}"


def qr_data_uri(text: str) -> str:
    """``text`` as a QR code in an SVG data: address (an <img> source: no inline markup, CSP-safe)."""
    import segno

    return segno.make(text, error="m", micro=False).svg_data_uri(scale=5, border=2)


def recovery_code_new() -> str:
    code = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return f"{code[:5]}-{code[5:]}"


def recovery_code_normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def recovery_code_digest(code: str, salt: str) -> str:
    """SHA-256 of a per-code random salt and the normalised code."""
    return hashlib.sha256(f"{salt}:{recovery_code_normalise(code)}".encode()).hexdigest()


def salt_new() -> str:
    return secrets.token_hex(16)
