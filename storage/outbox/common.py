"""What the outbox modules share: the row states, the opt-in kinds, UTC times, the dialect's INSERT."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


OPEN = ("pending", "claimed", "inflight")
FINAL = ("sent", "failed", "blocked", "uncertain", "skipped", "cancelled")
# kinds sent only to people who opted in to the newsletter (checked again at send time)
OPT_IN_KINDS = ("newsletter", "event", "feedback", "reminder")


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
