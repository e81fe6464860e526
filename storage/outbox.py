"""Broadcasts and the durable delivery outbox: one row per recipient, claimed with a lease.

A row moves through these states (``outbox_messages.status``)::

    pending ──claim──▶ claimed ──mark_inflight──▶ inflight ──record──▶ sent | failed | blocked
       ▲                  │                          │                 | uncertain (answer lost once
       │                  │                          │                   sent), or back to claimed:
       └── lease expired ─┘                          │                   429, connection refused)
                                                     └── lease expired ─▶ uncertain (or pending,
                                                                          policy "resend")
    skipped   (at send time the person had opted out, blocked the bot, or a reminder's run moved on)
    cancelled (the broadcast was cancelled before the row was sent)

Each step is one short transaction of its own; the Bot API call happens *between*
:func:`mark_inflight` and :func:`record`, never inside a transaction:

* :func:`claim` takes up to N due rows for one holder with a lease (a conditional ``UPDATE …
  WHERE status = 'pending'``; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, ``BEGIN IMMEDIATE`` on
  SQLite): two instances never hold the same row.
* :func:`mark_inflight`, right before the call, moves only rows this holder still leases to
  ``inflight`` — a holder whose lease expired (a long pause) and was taken over sends nothing.
* :func:`record`, right after Telegram's answer, stores the outcome and the message id.

**The window no Bot API can close**: between Telegram accepting ``sendMessage`` and
:func:`record`'s commit (a few milliseconds) a crash leaves the row ``inflight``. Telegram has
no idempotency key and a bot cannot read back what it sent, so nobody can tell whether that
message went out. :func:`recover` turns such rows (lease expired) into ``uncertain`` and does
not send them again (policy ``hold``, the default: never twice), or back into ``pending``
(policy ``resend``: never skipped); ``scenari broadcast status`` counts them and ``scenari
broadcast resend-uncertain`` sends them after all. Outside that window a crash is harmless:
``claimed`` rows were never attempted and go back to ``pending``.

Callers own the transaction (one short transaction per call is the intent).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from . import audiences
from .models import Broadcast, OutboxMessage, Run, utcnow

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


# --- broadcasts -----------------------------------------------------------------------------------


async def create_broadcast(
    session: AsyncSession,
    *,
    segment: dict[str, Any],
    text_it: str,
    text_en: str | None = None,
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


# --- enqueueing -------------------------------------------------------------------------------------


async def enqueue(session: AsyncSession, rows: Sequence[dict[str, Any]], chunk: int = 500) -> int:
    """Insert outbox rows; a row whose ``dedupe_key`` exists already is left alone. Returns how many were new.

    Each row: dedupe_key, respondent_id, chat_id, kind, and optionally broadcast_id, run_id,
    language, payload, not_before.
    """
    now = utcnow()
    added = 0
    for start in range(0, len(rows), chunk):
        values = [
            {
                "dedupe_key": r["dedupe_key"], "broadcast_id": r.get("broadcast_id"), "respondent_id": r["respondent_id"],
                "run_id": r.get("run_id"), "kind": r["kind"], "chat_id": int(r["chat_id"]),
                "language": r.get("language") or "it", "payload": r.get("payload"), "status": "pending",
                "not_before": r.get("not_before") or now, "attempts": 0, "created_at": now, "updated_at": now,
            }
            for r in rows[start : start + chunk]
        ]
        result = await session.execute(
            _insert(session)(OutboxMessage).values(values).on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
        added += int(result.rowcount or 0) if result.rowcount and result.rowcount > 0 else 0
    return added


async def set_recipients(session: AsyncSession, broadcast_id: int) -> int:
    n = int(await session.scalar(select(func.count()).where(OutboxMessage.broadcast_id == broadcast_id)) or 0)
    await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id).values(recipients=n).execution_options(synchronize_session=False)
    )
    return n


async def existing_keys(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    keys = list(keys)
    for start in range(0, len(keys), 500):
        found |= set(await session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys[start:start + 500]))))
    return found


# --- the sender's steps -------------------------------------------------------------------------------


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


async def respondent_messages(session: AsyncSession, respondent_id: int) -> dict[str, int]:
    """For the privacy report: messages sent to a respondent, per kind."""
    rows = await session.execute(
        select(OutboxMessage.kind, func.count()).where(OutboxMessage.respondent_id == respondent_id, OutboxMessage.status == "sent")
        .group_by(OutboxMessage.kind)
    )
    return {kind: int(n) for kind, n in rows}


async def reminders_of_runs(session: AsyncSession, run_ids: Iterable[int]) -> dict[int, int]:
    """How many reminders each run has had enqueued (any state)."""
    ids = list(run_ids)
    found: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        rows = await session.execute(
            select(OutboxMessage.run_id, func.count())
            .where(OutboxMessage.run_id.in_(ids[start:start + 500]), OutboxMessage.kind == "reminder")
            .group_by(OutboxMessage.run_id)
        )
        found.update({int(r): int(n) for r, n in rows})
    return found


async def stalled_runs(session: AsyncSession, idle_since: datetime, questionnaires: Sequence[str] | None = None) -> list[tuple[int, int, str, str, str, datetime]]:
    """Active runs of Telegram respondents untouched since ``idle_since``.

    (run id, respondent id, chat id, language, questionnaire, updated_at).
    """
    from .models import Respondent

    query = (
        select(Run.id, Run.respondent_id, Respondent.external_id, Respondent.language, Run.questionnaire_id, Run.updated_at)
        .join(Respondent, Respondent.id == Run.respondent_id)
        .where(Run.status == "active", Run.updated_at <= idle_since, Respondent.channel == audiences.CHANNEL)
        .order_by(Run.id)
    )
    if questionnaires:
        query = query.where(Run.questionnaire_id.in_(questionnaires))
    return [
        (rid, resp, ext, lang, qid, aware(updated))  # type: ignore[misc]
        for rid, resp, ext, lang, qid, updated in await session.execute(query)
        if str(ext).lstrip("-").isdigit()
    ]
