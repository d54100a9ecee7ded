"""Models of the app (filled in by its first slice)."""

from django.db import models  # noqa: F401
