"""Broadcasts: one message to a segment or a system batch, from draft to scheduled, sending, done or cancelled."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .. import audiences
from ..models import Broadcast, OutboxMessage, utcnow
from .common import OPEN, _insert


async def create_broadcast(
    session: AsyncSession,
    *,
    segment: dict[str, Any],
    text_it: str,
    text_en: str | None = None,
    texts: dict[str, str] | None = None,
    buttons: list[dict[str, Any]] | None = None,
    document_path: str | None = None,
    kind: str = "newsletter",
    event_id: int | None = None,
    created_by: str | None = None,
    source_key: str | None = None,
    status: str = "draft",
    scheduled_at: datetime | None = None,
) -> Broadcast:
    broadcast = Broadcast(
        kind=kind, segment=audiences.check_segment(segment), text_it=text_it, text_en=text_en or None,
        texts={lang: text for lang, text in (texts or {}).items() if text and lang not in ("it", "en")} or None,
        buttons=list(buttons or []), document_path=document_path, event_id=event_id, created_by=created_by,
        source_key=source_key, status=status, recipients=0,
        scheduled_at=scheduled_at or (utcnow() if status == "scheduled" else None),
    )
    session.add(broadcast)
    await session.flush()
    return broadcast


async def system_broadcast(session: AsyncSession, source_key: str, kind: str, **fields: Any) -> Broadcast | None:
    """A system batch (feedback of a snapshot, an event's reminders) made once: None if it exists."""
    result = await session.execute(
        _insert(session)(Broadcast).values(
            kind=kind, source_key=source_key, segment={}, text_it=fields.get("text_it", ""),
            text_en=fields.get("text_en"), buttons=fields.get("buttons", []), event_id=fields.get("event_id"),
            status="sending", recipients=0, created_at=utcnow(), enqueued_at=utcnow(), created_by="system",
        ).on_conflict_do_nothing(index_elements=["source_key"])
    )
    if result.rowcount != 1:
        return None
    return await session.scalar(select(Broadcast).where(Broadcast.source_key == source_key))


async def get_broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.scalar(
        select(Broadcast).where(Broadcast.id == broadcast_id).execution_options(populate_existing=True)
    )


async def broadcasts_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Broadcast]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {b.id: b for b in await session.scalars(select(Broadcast).where(Broadcast.id.in_(ids)))}


async def list_broadcasts(session: AsyncSession, limit: int = 30) -> list[Broadcast]:
    return list(
        await session.scalars(
            select(Broadcast).where(Broadcast.source_key.is_(None)).order_by(Broadcast.id.desc()).limit(limit)
        )
    )


async def schedule(session: AsyncSession, broadcast_id: int, at: datetime | None = None) -> Broadcast | None:
    """A draft (or a scheduled one, moved) becomes due at ``at`` (now by default)."""
    broadcast = await get_broadcast(session, broadcast_id)
    if broadcast is None or broadcast.status not in ("draft", "scheduled"):
        return broadcast
    broadcast.status = "scheduled"
    broadcast.scheduled_at = at or utcnow()
    await session.flush()
    return broadcast


async def due_broadcasts(session: AsyncSession, now: datetime | None = None) -> list[int]:
    now = now or utcnow()
    return list(
        await session.scalars(
            select(Broadcast.id).where(Broadcast.status == "scheduled", Broadcast.scheduled_at <= now).order_by(Broadcast.id)
        )
    )


async def start_broadcast(session: AsyncSession, broadcast_id: int, now: datetime | None = None) -> Broadcast | None:
    """Take a due broadcast to expand it into rows (one instance wins); None if not ours to do."""
    now = now or utcnow()
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == "scheduled", Broadcast.scheduled_at <= now)
        .values(status="sending", enqueued_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return await get_broadcast(session, broadcast_id)


async def cancel(session: AsyncSession, broadcast_id: int, now: datetime | None = None) -> int | None:
    """Cancel a broadcast: rows not yet in flight are cancelled. None if unknown or finished."""
    now = now or utcnow()
    broadcast = await get_broadcast(session, broadcast_id)
    if broadcast is None or broadcast.status in ("done", "cancelled"):
        return None
    broadcast.status = "cancelled"
    broadcast.cancelled_at = now
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status.in_(("pending", "claimed")))
        .values(status="cancelled", lease_holder=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    return int(result.rowcount or 0)


async def set_document_file_id(session: AsyncSession, broadcast_id: int, file_id: str) -> None:
    await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.document_file_id.is_(None))
        .values(document_file_id=file_id).execution_options(synchronize_session=False)
    )


async def finish_broadcasts(session: AsyncSession, now: datetime | None = None) -> list[int]:
    """Broadcasts whose every row reached a final state are done."""
    now = now or utcnow()
    open_rows = select(OutboxMessage.id).where(
        OutboxMessage.broadcast_id == Broadcast.id, OutboxMessage.status.in_(OPEN)
    )
    ids = list(await session.scalars(select(Broadcast.id).where(Broadcast.status == "sending", ~open_rows.exists())))
    if ids:
        await session.execute(
            update(Broadcast).where(Broadcast.id.in_(ids)).values(status="done", finished_at=now)
            .execution_options(synchronize_session=False)
        )
    return ids


async def counts(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """Rows of a broadcast per state (sent, pending, failed, blocked …)."""
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).where(OutboxMessage.broadcast_id == broadcast_id)
        .group_by(OutboxMessage.status)
    )
    return {status: int(n) for status, n in rows}


async def resend_uncertain(session: AsyncSession, broadcast_id: int) -> int:
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == "uncertain")
        .values(status="pending", lease_holder=None, lease_expires_at=None, not_before=utcnow(), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        await session.execute(
            update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == "done")
            .values(status="sending", finished_at=None).execution_options(synchronize_session=False)
        )
    return int(result.rowcount or 0)
