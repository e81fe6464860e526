"""What the outbox modules share: the row states, the opt-in kinds, UTC times, the dialect's INSERT,
and the lease step every sender claims its rows with."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import OutboxMessage


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


async def lease_due(
    session: AsyncSession, holder: str, limit: int, lease_seconds: float, now: datetime, channel: str
) -> list[int]:
    """Lease up to ``limit`` due pending rows of ``channel`` to ``holder``, oldest first; their ids.

    The one claim step of every sender (Telegram's :func:`.delivery.claim`, e-mail's
    :func:`.email.claim`): PostgreSQL skips rows another instance is locking, and the update
    re-checks ``pending`` so two instances never lease one row.
    """
    pick = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.not_before <= now, OutboxMessage.channel == channel)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.bind.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    ids = list(await session.scalars(pick))
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending")
            .values(status="claimed", lease_holder=holder, lease_expires_at=now + timedelta(seconds=lease_seconds), updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return ids
