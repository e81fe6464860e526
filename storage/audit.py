"""The audit log: who logged in, downloaded, published, imported, changed accounts, exported, erased.

A data-protection officer asks "who saw what, when": every such act is one row of
``audit_events``, written in the same transaction as the act itself (a download is logged
by the request that serves it). The log is append-only by construction — this module offers
no update — and rows are removed only by :func:`purge` once older than the retention time
(``SCENARI_AUDIT_RETENTION_DAYS``). Callers pass plain words and counts: never a password,
a token, a Telegram id or an answer's content (:func:`record` refuses detail keys that look
like secrets).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import AuditEvent, utcnow

ACTIONS = frozenset({"login", "download", "publish", "coding_import", "account", "privacy_export", "erasure",
                     "retention"})
OUTCOMES = frozenset({"ok", "refused"})
_SECRET_WORDS = ("password", "token", "secret", "hash", "telegram_id", "chat_id")


@dataclass(frozen=True)
class Event:
    at: datetime
    actor: str
    action: str
    outcome: str
    target: str | None
    detail: dict[str, Any]


async def record(session: AsyncSession, actor: str, action: str, target: str | None = None, *,
                 outcome: str = "ok", detail: Mapping[str, Any] | None = None, at: datetime | None = None) -> None:
    """Append one event (flushed with the caller's transaction)."""
    if action not in ACTIONS or outcome not in OUTCOMES:
        raise ValueError(f"unknown audit action/outcome: {action}/{outcome}")
    detail = dict(detail or {})
    for key in detail:
        if any(word in key.lower() for word in _SECRET_WORDS):
            raise ValueError(f"the audit log never holds secrets or ids: {key}")
    session.add(AuditEvent(at=at or utcnow(), actor=actor[:64], action=action, outcome=outcome,
                           target=target[:200] if target else None, detail=detail))
    await session.flush()


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


async def events(session: AsyncSession, since: datetime | None = None, *, action: str | None = None,
                 actor: str | None = None, limit: int = 500) -> list[Event]:
    """The latest events first (at most ``limit``), optionally since a time, of one action or actor."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    rows = (await session.scalars(query)).all()
    return [Event(_aware(r.at), r.actor, r.action, r.outcome, r.target, dict(r.detail or {})) for r in rows]


async def purge(session: AsyncSession, keep_days: int, now: datetime | None = None) -> int:
    """Remove the events older than the retention time; how many went."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    result = await session.execute(delete(AuditEvent).where(AuditEvent.at < cutoff))
    return int(result.rowcount or 0)
