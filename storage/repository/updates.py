"""Idempotency of inbound updates: a redelivered update is recognised and applied once."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..prefetch import cached, deferring
from ..models import ProcessedUpdate, utcnow


async def claim_update(session: AsyncSession, channel: str, update_id: int) -> bool:
    """Mark an update as processed in this transaction; False if it already was."""
    known = cached(session)
    if known is not None and (channel, update_id) in known.checked_updates:
        if (channel, update_id) in known.claimed_updates:  # marked by the batch's prefetch: first use
            known.claimed_updates.discard((channel, update_id))
            known.processed_updates.add((channel, update_id))
            return True
        if (channel, update_id) in known.processed_updates:
            return False
        known.processed_updates.add((channel, update_id))
        deferred = deferring(session)
        if deferred is not None:  # one executemany for the batch's marks (storage.prefetch)
            deferred.updates.append({"channel": channel, "update_id": update_id, "processed_at": utcnow()})
        else:
            session.add(ProcessedUpdate(channel=channel, update_id=update_id))
        return True
    if await session.get(ProcessedUpdate, (channel, update_id)) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(ProcessedUpdate(channel=channel, update_id=update_id))
    except IntegrityError:
        return False
    return True
