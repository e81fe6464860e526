"""What every part of deliberation shares: the limits, the states, the sources, the error type."""

from __future__ import annotations

from datetime import datetime, timezone


MAX_LENGTH = 140
CHOICES = ("agree", "disagree", "pass")
SOURCES = ("objective", "vision", "moderator", "participant")
PENDING, APPROVED, REJECTED, MERGED = "pending", "approved", "rejected", "merged"
# free-text answers statements are proposed from: objectives (ascolto) and visions (visione)
SOURCE_KEYS = {"objective": ("ascolto", "objective"), "vision_text": ("visione", "vision_text"),
               "become": ("visione", "become")}
CITIZEN = "citizen"
FIRM = "firm"


class DeliberationError(ValueError):
    """A request that cannot be carried out (unknown statement, wrong state …); the message says why."""


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
