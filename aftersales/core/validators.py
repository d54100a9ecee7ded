"""Validators for Chinese data: phone numbers."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Landline: area code 0xx or 0xxx, 7-8 digit number, optional extension; also 400/800 service numbers.
LANDLINE_RE = re.compile(r"^0\d{2,3}-?[2-9]\d{6,7}(-\d{1,6})?$")
SERVICE_RE = re.compile(r"^[48]00-?\d{3}-?\d{4}$")


def normalise_phone(value: str) -> str:
    value = (value or "").strip().replace(" ", "").replace("（", "(").replace("）", ")")
    value = re.sub(r"^\((0\d{2,3})\)", r"\1-", value)
    if value.startswith("+86"):
        value = value[3:].lstrip("-")
    return value


def validate_cn_mobile(value: str) -> None:
    if not MOBILE_RE.match(normalise_phone(value)):
        raise ValidationError(
            _("“%(value)s” is not a mainland mobile number (11 digits starting with 1)."),
            code="invalid_mobile",
            params={"value": value},
        )


def validate_cn_phone(value: str) -> None:
    phone = normalise_phone(value)
    if not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone) or SERVICE_RE.match(phone)):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid phone number: use a mobile number (13812345678) "
                "or a landline with area code (010-12345678)."
            ),
            code="invalid_phone",
            params={"value": value},
        )
