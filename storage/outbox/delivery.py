"""The sender's steps, each one short transaction: claim, renew, mark inflight, record, recover, release.

The package docstring (:mod:`storage.outbox`) draws the states these steps move a row through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .. import audiences
from ..models import OutboxMessage, Run, utcnow
from .broadcasts import due_broadcasts
from .common import OPEN, OPT_IN_KINDS, aware


@dataclass(frozen=True)
class Claimed:
    id: int
    broadcast_id: int | None
    respondent_id: int
    run_id: int | None
    kind: str
    chat_id: int
    language: str
    payload: Any
    attempts: int
    not_before: datetime


async def claim(
    session: AsyncSession, holder: str, limit: int, lease_seconds: float, now: datetime | None = None
) -> list[Claimed]:
    """Lease up to ``limit`` due pending rows to ``holder`` (oldest first)."""
    now = now or utcnow()
    pick = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.not_before <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.bind.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    ids = list(await session.scalars(pick))
    if not ids:
        return []
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending")
        .values(status="claimed", lease_holder=holder, lease_expires_at=now + timedelta(seconds=lease_seconds), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    rows = await session.execute(
        select(
            OutboxMessage.id, OutboxMessage.broadcast_id, OutboxMessage.respondent_id, OutboxMessage.run_id,
            OutboxMessage.kind, OutboxMessage.chat_id, OutboxMessage.language, OutboxMessage.payload,
            OutboxMessage.attempts, OutboxMessage.not_before,
        )
        .where(OutboxMessage.id.in_(ids), OutboxMessage.lease_holder == holder, OutboxMessage.status == "claimed")
        .order_by(OutboxMessage.id)
    )
    return [Claimed(*row[:-1], aware(row[-1])) for row in rows]  # type: ignore[arg-type]


async def renew(session: AsyncSession, holder: str, lease_seconds: float, now: datetime | None = None) -> int:
    """Extend the lease of every row ``holder`` claimed or has in flight."""
    now = now or utcnow()
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.lease_holder == holder, OutboxMessage.status.in_(("claimed", "inflight")))
        .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def mark_inflight(
    session: AsyncSession, holder: str, rows: Sequence[Claimed], now: datetime | None = None
) -> tuple[list[int], list[int]]:
    """Right before sending: rows still ours and still wanted become ``inflight``.

    Returns (ids to send now, ids skipped). A row is skipped — and never sent — when its
    recipient opted out since it was enqueued, blocked the bot, or (a reminder) its run was
    completed, paused, erased or touched again. Rows whose lease is not ours any more are in
    neither list: another instance has them.
    """
    now = now or utcnow()
    if not rows:
        return [], []
    respondents = {r.respondent_id for r in rows}
    out = await audiences.opted_out(session, {r.respondent_id for r in rows if r.kind in OPT_IN_KINDS})
    blocked = await audiences.unreachable(session, respondents)
    stale_runs: set[int] = set()
    reminders = [r for r in rows if r.kind == "reminder" and r.run_id is not None]
    if reminders:
        runs = {
            run_id: (status, aware(updated))
            for run_id, status, updated in await session.execute(
                select(Run.id, Run.status, Run.updated_at).where(Run.id.in_({r.run_id for r in reminders}))
            )
        }
        for r in reminders:
            status, updated = runs.get(r.run_id, (None, None))  # type: ignore[arg-type]
            expected = (r.payload or {}).get("run_updated_at")
            if status != "active" or updated is None or (expected and updated.isoformat() != expected):
                stale_runs.add(r.id)
    skip = [r.id for r in rows if r.respondent_id in out or r.respondent_id in blocked or r.id in stale_runs]
    send = [r.id for r in rows if r.id not in set(skip)]
    if skip:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(skip), OutboxMessage.lease_holder == holder, OutboxMessage.status == "claimed")
            .values(status="skipped", last_error="opted out, unreachable or no longer relevant", updated_at=now)
            .execution_options(synchronize_session=False)
        )
    if send:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(send), OutboxMessage.lease_holder == holder, OutboxMessage.status == "claimed")
            .values(status="inflight", attempts=OutboxMessage.attempts + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        send = list(
            await session.scalars(
                select(OutboxMessage.id).where(
                    OutboxMessage.id.in_(send), OutboxMessage.lease_holder == holder, OutboxMessage.status == "inflight"
                )
            )
        )
    return send, skip


@dataclass(frozen=True)
class Outcome:
    """What Telegram answered for one row."""

    id: int
    status: str  # sent | failed | blocked | uncertain (answer lost once sent) | retry
    respondent_id: int = 0
    message_id: int | None = None
    error: str | None = None
    not_before: datetime | None = None  # retry: when to try again


async def record(session: AsyncSession, holder: str, outcomes: Sequence[Outcome], now: datetime | None = None) -> None:
    """Store Telegram's answers right after they arrive (sent rows grouped in one statement)."""
    now = now or utcnow()
    mine = and_(OutboxMessage.lease_holder == holder, OutboxMessage.status.in_(("inflight", "uncertain")))
    sent = [o for o in outcomes if o.status == "sent"]
    if sent:  # one statement, executed for every row (executemany)
        table = OutboxMessage.__table__
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"), table.c.lease_holder == holder,
                   (table.c.status == "inflight") | (table.c.status == "uncertain"))
            .values(status="sent", sent_at=now, telegram_message_id=bindparam("message_id"), last_error=None,
                    updated_at=now),
            [{"row_id": o.id, "message_id": o.message_id} for o in sent],
        )
    for o in outcomes:
        if o.status == "sent":
            continue
        if o.status == "retry":
            values: dict[str, Any] = {"status": "claimed", "not_before": o.not_before or now, "last_error": (o.error or "")[:300]}
        else:
            values = {"status": o.status, "last_error": (o.error or "")[:300]}
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == o.id, mine).values(updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )
        if o.status == "blocked" and o.respondent_id:
            await audiences.mark_unreachable(session, o.respondent_id, o.error or "blocked")


async def recover(session: AsyncSession, now: datetime | None = None, policy: str = "hold") -> dict[str, int]:
    """Rows whose holder died: ``claimed`` → ``pending``; ``inflight`` → ``uncertain`` (or ``pending``)."""
    now = now or utcnow()
    expired = or_(OutboxMessage.lease_expires_at.is_(None), OutboxMessage.lease_expires_at <= now)
    back = await session.execute(
        update(OutboxMessage).where(OutboxMessage.status == "claimed", expired)
        .values(status="pending", lease_holder=None, lease_expires_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    target = "pending" if policy == "resend" else "uncertain"
    values: dict[str, Any] = {"status": target, "updated_at": now, "last_error": "interrupted while Telegram had it"}
    if target == "pending":
        values.update(lease_holder=None, lease_expires_at=None)
    lost = await session.execute(
        update(OutboxMessage).where(OutboxMessage.status == "inflight", expired).values(**values)
        .execution_options(synchronize_session=False)
    )
    return {"released": int(back.rowcount or 0), "uncertain": int(lost.rowcount or 0)}


async def release(session: AsyncSession, holder: str) -> int:
    """A clean stop: rows claimed but not attempted go back to the queue at once."""
    result = await session.execute(
        update(OutboxMessage).where(OutboxMessage.lease_holder == holder, OutboxMessage.status == "claimed")
        .values(status="pending", lease_holder=None, lease_expires_at=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def open_work(session: AsyncSession, now: datetime | None = None) -> int:
    """Rows not finished yet plus broadcasts due to be expanded (0: nothing left to do)."""
    now = now or utcnow()
    rows = int(await session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(OPEN))) or 0)
    due = len(await due_broadcasts(session, now))
    return rows + due


async def next_due(session: AsyncSession) -> datetime | None:
    return aware(await session.scalar(select(func.min(OutboxMessage.not_before)).where(OutboxMessage.status == "pending")))
