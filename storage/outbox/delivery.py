"""The sender's steps, each one short transaction: claim, renew, mark inflight, record, recover, release.

The package docstring (:mod:`storage.outbox`) draws the states these steps move a row through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .. import audiences
from ..models import Consent, OutboxMessage, RecipientStatus, Run, utcnow
from .broadcasts import due_broadcasts
from .common import OPEN, OPT_IN_KINDS, aware, lease_due


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
    session: AsyncSession, holder: str, limit: int, lease_seconds: float, now: datetime | None = None,
    channel: str = "telegram",
) -> list[Claimed]:
    """Lease up to ``limit`` due pending rows of ``channel`` to ``holder`` (oldest first).

    Each sender claims its own channel's rows only (the e-mail sender's are :mod:`.email`'s).
    """
    now = now or utcnow()
    ids = await lease_due(session, holder, limit, lease_seconds, now, channel)
    if not ids:
        return []
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
    session: AsyncSession, holder: str, rows: Sequence[Claimed], now: datetime | None = None,
    since: str | None = None,
) -> tuple[list[int], list[int]]:
    """Right before sending: rows still ours and still wanted become ``inflight``.

    Returns (ids to send now, ids skipped). A row is skipped — and never sent — when its
    recipient opted out since it was enqueued (or agreed under a notice older than ``since``,
    :mod:`storage.audiences`), blocked the bot, or (a reminder) its run was completed, paused,
    erased or touched again. Rows whose lease is not ours any more are in
    neither list: another instance has them.
    """
    now = now or utcnow()
    if not rows:
        return [], []
    if not any(r.kind == "reminder" for r in rows):
        return await _mark_in_one_statement(session, holder, rows, now, since)
    respondents = {r.respondent_id for r in rows}
    out = await audiences.opted_out(session, {r.respondent_id for r in rows if r.kind in OPT_IN_KINDS}, since)
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
            .values(status="skipped", last_error=SKIPPED, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    if send:
        # RETURNING: the rows that became inflight in the same statement (one round trip less)
        marked = set(
            await session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(send), OutboxMessage.lease_holder == holder, OutboxMessage.status == "claimed")
                .values(status="inflight", attempts=OutboxMessage.attempts + 1, updated_at=now)
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
        )
        send = [i for i in send if i in marked]
    return send, skip


SKIPPED = "opted out, unreachable or no longer relevant"


async def _mark_in_one_statement(
    session: AsyncSession, holder: str, rows: Sequence[Claimed], now: datetime, since: str | None = None
) -> tuple[list[int], list[int]]:
    """:func:`mark_inflight` without reminders: the checks inside one ``UPDATE … RETURNING``.

    The sender marks a group before every send it starts; asking for the opt-outs, the
    unreachable and then reading the marked rows back took four round trips, here one. Each
    row's latest newsletter decision and its recipient's status are read by the row itself
    (correlated, by index), with the same meaning as :func:`storage.audiences.opted_out` and
    :func:`storage.audiences.unreachable`.
    """
    table = OutboxMessage.__table__
    # of the latest decision, whether it forbids sending: NULL (never asked) does not
    latest_forbids = (
        select(audiences.forbids_sending(since))
        .where(Consent.respondent_id == table.c.respondent_id, Consent.purpose == audiences.NEWSLETTER)
        .order_by(Consent.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    blocked = exists().where(RecipientStatus.respondent_id == table.c.respondent_id, RecipientStatus.unreachable_at.is_not(None))
    skip = or_(blocked, and_(table.c.kind.in_(OPT_IN_KINDS), latest_forbids.is_(True)))
    marked = dict(
        (
            await session.execute(
                update(table)
                .where(table.c.id.in_([r.id for r in rows]), table.c.lease_holder == holder, table.c.status == "claimed")
                .values(
                    status=case((skip, "skipped"), else_="inflight"),
                    attempts=case((skip, table.c.attempts), else_=table.c.attempts + 1),
                    last_error=case((skip, SKIPPED), else_=table.c.last_error),
                    updated_at=now,
                )
                .returning(table.c.id, table.c.status)
            )
        ).all()
    )
    send = [r.id for r in rows if marked.get(r.id) == "inflight"]
    skipped = [r.id for r in rows if marked.get(r.id) == "skipped"]
    return send, skipped


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


async def open_work(session: AsyncSession, now: datetime | None = None, channel: str = "telegram") -> int:
    """Rows of ``channel`` not finished yet plus broadcasts due to be expanded (0: nothing left to do)."""
    now = now or utcnow()
    rows = int(await session.scalar(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.status.in_(OPEN), OutboxMessage.channel == channel)
    ) or 0)
    due = len(await due_broadcasts(session, now)) if channel == "telegram" else 0
    return rows + due


async def next_due(session: AsyncSession, channel: str = "telegram") -> datetime | None:
    return aware(await session.scalar(
        select(func.min(OutboxMessage.not_before))
        .where(OutboxMessage.status == "pending", OutboxMessage.channel == channel)
    ))
