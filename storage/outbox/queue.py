"""Enqueueing rows (each once, by ``dedupe_key``), and what the queue holds for a person or a run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .. import audiences
from ..models import Broadcast, OutboxMessage, Respondent, Run, utcnow
from .common import _insert, aware


async def enqueue(session: AsyncSession, rows: Sequence[dict[str, Any]], chunk: int = 5000) -> int:
    """Insert outbox rows; a row whose ``dedupe_key`` exists already is left alone. Returns how many were new.

    Each row: dedupe_key, respondent_id, chat_id, kind, and optionally broadcast_id, run_id,
    language, payload, not_before, channel. The channel is the recipient's: a row without one
    goes to WhatsApp's sender when its respondent writes on WhatsApp, else to Telegram's
    (:func:`channels_of`), so no caller has to know how a person talks to the plan. One Core ``INSERT … ON CONFLICT DO NOTHING`` executed with
    the rows as parameters (executemany): compiled once and cached, where a multi-VALUES
    statement built from the rows was compiled afresh for every chunk of 500 (a fifth of a
    broadcast's time in a profile).
    """
    now = utcnow()
    table = OutboxMessage.__table__
    # RETURNING: executemany's rowcount is not reliable on every driver (asyncpg gives none);
    # SQLAlchemy's "insertmanyvalues" sends the rows in batches and hands back one id per new row
    statement = _insert(session)(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
    added = 0
    for start in range(0, len(rows), chunk):
        whatsapp = await channels_of(session, [r["respondent_id"] for r in rows[start : start + chunk] if not r.get("channel")])
        values = [
            {
                "dedupe_key": r["dedupe_key"], "broadcast_id": r.get("broadcast_id"), "respondent_id": r["respondent_id"],
                "channel": r.get("channel") or (audiences.WHATSAPP if r["respondent_id"] in whatsapp else audiences.CHANNEL),
                "run_id": r.get("run_id"), "kind": r["kind"], "chat_id": int(r["chat_id"]),
                "language": r.get("language") or "it", "payload": r.get("payload"), "status": "pending",
                "not_before": r.get("not_before") or now, "attempts": 0, "created_at": now, "updated_at": now,
            }
            for r in rows[start : start + chunk]
        ]
        result = await session.execute(statement, values)
        added += len(result.all())
    return added


async def channels_of(session: AsyncSession, respondent_ids: Sequence[int | None]) -> set[int]:
    """Of ``respondent_ids``, those who talk to the plan on WhatsApp (the rest are Telegram's)."""
    ids = sorted({i for i in respondent_ids if i is not None})
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        found |= set(await session.scalars(select(Respondent.id).where(
            Respondent.id.in_(ids[start:start + 500]), Respondent.channel == audiences.WHATSAPP)))
    return found


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
