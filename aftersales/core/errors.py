"""One application error type: a stable code, a translated message, and the fields it concerns."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class ServiceError(Exception):
    """A business rule refused the action. The API answers 400, the UI shows it on the form."""

    def __init__(self, code: str, message: str, *, field: str | None = None, params: dict | None = None):
        self.code = code
        self.message = str(message)
        self.field = field
        self.params = params or {}
        super().__init__(self.message)

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field or "non_field_errors": [self.message]}


def validation_messages(exc: ValidationError) -> dict[str, list[str]]:
    """Django's ValidationError as {field: [message, ...]}."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}
