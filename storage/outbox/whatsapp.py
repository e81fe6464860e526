"""The outbox's WhatsApp rows (issue 19): replies, reminders and the plan's messages to WhatsApp respondents.

The same table, states and steps as Telegram's and e-mail's rows (:mod:`storage.outbox`):
``channel`` is ``"whatsapp"``, ``chat_id`` the respondent's phone number (its WhatsApp id, digits
only) and the payload the Cloud API message body already drawn (``{"message": {...}}``), or for
a message that may have to go out as a template (a reminder, a newsletter, results feedback)
its free-form body and the template to use outside the 24-hour window (``{"template": {...}}``).

A reply is enqueued in the same transaction as the answer it acknowledges, keyed by the inbound
message's id (``wa:<wamid>:<n>``): a redelivered webhook enqueues nothing twice, and a process
killed after the commit sends the reply when it restarts. Rows are claimed with
:func:`.common.lease_due`, marked ``inflight`` right before the HTTP call and recorded right after
(:func:`record`, which keeps the ``wamid``); :func:`storage.outbox.recover` and
:func:`~storage.outbox.release` are shared with the other senders, so a row inflight when the
process died is held as ``uncertain``, never sent twice.

Delivery statuses from the webhook (``sent``, ``delivered``, ``read``, ``failed``) are recorded
on the row by its ``wamid`` (:func:`record_status`), never moving back (a late ``delivered``
after ``read`` is ignored). One that outruns :func:`record` is stored (:func:`keep_early`) and
applied when the row is recorded or by the next sweep (:func:`apply_early`), by any instance.

The plan's messages (newsletters, event invitations, round invitations and summaries, results
feedback) are the general outbox's rows with ``channel`` 'whatsapp' (storage.outbox.queue.enqueue
gives a row its recipient's channel): a broadcast's copy (``broadcast_id``, no payload) or a
personal ``{"html", "buttons"}`` payload, drawn by the sender (bot.whatsapp.sender).

Callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .. import audiences
from ..models import OutboxMessage, Run, WhatsAppEarlyStatus, WhatsAppWindow, utcnow
from .common import OPEN, OPT_IN_KINDS, _insert, aware, lease_due

CHANNEL = "whatsapp"
REPLY = "wa_reply"  # outbox_messages.kind of a conversation's reply (the plan's kinds keep their names)
WINDOW = timedelta(hours=24)  # the Cloud API's customer-service window
STATUS_ORDER = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


def reply_key(inbound_id: str, number: int) -> str:
    """A reply's key: the inbound message's id (≤ 80 characters with its number)."""
    return f"wa:{inbound_id[-70:]}:{number}"


async def enqueue(session: AsyncSession, rows: Sequence[dict[str, Any]], now: datetime | None = None) -> int:
    """Insert WhatsApp rows (dedupe_key, chat_id, kind, payload; optionally respondent_id, run_id,
    language, not_before); one whose key exists already is left alone. Returns how many are new."""
    now = now or utcnow()
    added = 0
    for r in rows:
        result = await session.execute(
            _insert(session)(OutboxMessage).values(
                dedupe_key=r["dedupe_key"], channel=CHANNEL, respondent_id=r.get("respondent_id"), run_id=r.get("run_id"),
                kind=r["kind"], chat_id=int(r["chat_id"]), language=r.get("language") or "it", payload=r["payload"],
                status="pending", not_before=r.get("not_before") or now, attempts=0, created_at=now, updated_at=now,
            ).on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
        added += max(0, int(result.rowcount or 0))
    return added


@dataclass(frozen=True)
class WhatsAppClaimed:
    id: int
    respondent_id: int | None
    run_id: int | None
    kind: str
    chat_id: int
    language: str
    payload: dict[str, Any]
    attempts: int
    broadcast_id: int | None = None  # a broadcast's copy: the sender composes it from the broadcast


async def claim(
    session: AsyncSession, holder: str, limit: int, lease_seconds: float, now: datetime | None = None
) -> list[WhatsAppClaimed]:
    """Lease up to ``limit`` due WhatsApp rows to ``holder`` (oldest first), as :func:`storage.outbox.claim` does."""
    now = now or utcnow()
    ids = await lease_due(session, holder, limit, lease_seconds, now, CHANNEL)
    if not ids:
        return []
    waiting = await _behind_earlier(session, ids)
    if waiting:  # a chat's messages go in order: one behind an unsent earlier message waits for it
        await put_back(session, holder, waiting)
        ids = [i for i in ids if i not in waiting]
    rows = await session.execute(
        select(OutboxMessage.id, OutboxMessage.respondent_id, OutboxMessage.run_id, OutboxMessage.kind, OutboxMessage.chat_id,
               OutboxMessage.language, OutboxMessage.payload, OutboxMessage.attempts, OutboxMessage.broadcast_id)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.lease_holder == holder, OutboxMessage.status == "claimed")
        .order_by(OutboxMessage.id)
    )
    return [
        WhatsAppClaimed(int(i), r, run, kind, int(chat or 0), lang or "it", payload or {}, int(attempts), broadcast)
        for i, r, run, kind, chat, lang, payload, attempts, broadcast in rows
    ]


async def _behind_earlier(session: AsyncSession, ids: Sequence[int]) -> set[int]:
    """Of ``ids``, the rows of a chat that has an earlier row still open (a retry due later) and not among them."""
    claimed = (await session.execute(select(OutboxMessage.id, OutboxMessage.chat_id).where(OutboxMessage.id.in_(ids)))).all()
    chats = {chat for _, chat in claimed}
    earlier: dict[int, int] = {}
    for row_id, chat in await session.execute(
        select(OutboxMessage.id, OutboxMessage.chat_id)
        .where(OutboxMessage.channel == CHANNEL, OutboxMessage.chat_id.in_(chats), OutboxMessage.status.in_(OPEN),
               OutboxMessage.id.not_in(ids), OutboxMessage.id < max(ids))
    ):
        earlier[chat] = min(row_id, earlier.get(chat, row_id))
    return {row_id for row_id, chat in claimed if chat in earlier and earlier[chat] < row_id}


async def put_back(session: AsyncSession, holder: str, ids: Sequence[int] | set[int]) -> None:
    """Rows claimed and not attempted: pending again (still due), for whoever claims next."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.lease_holder == holder, OutboxMessage.status == "claimed")
        .values(status="pending", lease_holder=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )


async def mark_inflight(session: AsyncSession, holder: str, row_id: int, now: datetime | None = None) -> bool:
    """Right before the HTTP call: True if the row is still ours (now ``inflight``)."""
    now = now or utcnow()
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.lease_holder == holder, OutboxMessage.status == "claimed")
        .values(status="inflight", attempts=OutboxMessage.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def skip(session: AsyncSession, holder: str, row_id: int, reason: str, now: datetime | None = None) -> None:
    """A row not sent after all (the respondent opted out, or no template is named for it)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.lease_holder == holder, OutboxMessage.status == "claimed")
        .values(status="skipped", last_error=reason[:300], updated_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


async def still_wanted(session: AsyncSession, row: WhatsAppClaimed, since: str | None = None) -> str | None:
    """Why a reminder, newsletter or feedback row should not go out any more (None: it should).

    As for Telegram's rows (:func:`storage.outbox.mark_inflight`): the respondent opted out of
    the plan's news or is unreachable; a reminder's run was completed, paused or touched since.
    """
    if row.kind == REPLY or row.respondent_id is None:
        return None
    if row.kind in OPT_IN_KINDS and row.respondent_id in await audiences.opted_out(session, [row.respondent_id], since):
        return "opted out"
    if row.respondent_id in await audiences.unreachable(session, [row.respondent_id]):
        return "unreachable"
    if row.kind == "reminder":
        found = (await session.execute(select(Run.status, Run.updated_at).where(Run.id == row.run_id))).first()
        expected = row.payload.get("run_updated_at")
        if found is None or found[0] != "active" or (expected and aware(found[1]).isoformat() != expected):  # type: ignore[union-attr]
            return "the run moved on"
    return None


async def record(
    session: AsyncSession, holder: str, row_id: int, status: str, *, message_id: str | None = None,
    error: str | None = None, retry_at: datetime | None = None, now: datetime | None = None,
) -> None:
    """The Cloud API's answer for one row: ``sent`` (with its ``wamid``), ``failed``, or ``retry`` (pending again at ``retry_at``)."""
    now = now or utcnow()
    values: dict[str, Any]
    if status == "sent":
        values = {"status": "sent", "sent_at": now, "provider_message_id": message_id, "delivery_status": "sent",
                  "delivery_updated_at": now, "last_error": None}
    elif status == "retry":
        values = {"status": "pending", "not_before": retry_at or now, "lease_holder": None, "lease_expires_at": None,
                  "last_error": (error or "")[:300]}
    else:
        values = {"status": status, "last_error": (error or "")[:300]}
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.lease_holder == holder, OutboxMessage.status == "inflight")
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if status != "retry" and result.rowcount:
        await forget_reply(session, row_id)
    if status == "sent" and message_id and result.rowcount:
        await apply_early(session, message_id)


async def forget_reply(session: AsyncSession, row_id: int) -> None:
    """A reply once settled keeps no words (a privacy report is a reply) and, before consent, no phone number.

    Nothing is kept of someone who never consented; of the others the row keeps only what the
    operator counts (kind, status, the ``wamid`` its statuses are recorded by).
    """
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.kind == REPLY)
        .values(payload=None).execution_options(synchronize_session=False)
    )
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.respondent_id.is_(None))
        .values(chat_id=None).execution_options(synchronize_session=False)
    )


async def record_status(session: AsyncSession, message_id: str, status: str, at: datetime | None = None) -> bool | None:
    """A status the webhook reported for a sent message: True if recorded, False if older than the one
    recorded (or not a status), None if no row has that ``wamid`` (yet: the status can outrun :func:`record`)."""
    rank = STATUS_ORDER.get(status)
    if rank is None:
        return False
    row = (await session.execute(
        select(OutboxMessage.id, OutboxMessage.delivery_status)
        .where(OutboxMessage.provider_message_id == message_id, OutboxMessage.channel == CHANNEL)
    )).first()
    if row is None:
        return None
    if STATUS_ORDER.get(row[1] or "", 0) >= rank:
        return False
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row[0])
        .values(delivery_status=status, delivery_updated_at=at or utcnow())
        .execution_options(synchronize_session=False)
    )
    return True


async def keep_early(session: AsyncSession, message_id: str, status: str, at: datetime | None = None) -> None:
    """A status no row has the ``wamid`` of yet: stored until the row is recorded (the higher status kept)."""
    if status not in STATUS_ORDER:
        return
    found = await session.get(WhatsAppEarlyStatus, message_id[:128])
    if found is None:
        await session.execute(
            _insert(session)(WhatsAppEarlyStatus).values(provider_message_id=message_id[:128], status=status, status_at=at,
                                                         received_at=utcnow())
            .on_conflict_do_nothing(index_elements=["provider_message_id"])
        )
    elif STATUS_ORDER[status] > STATUS_ORDER.get(found.status, 0):
        found.status, found.status_at = status, at
    await session.flush()


async def apply_early(session: AsyncSession, message_id: str | None = None, older_than: datetime | None = None) -> int:
    """Early statuses whose row now has its ``wamid``: recorded on it and deleted (one message's, or all).

    The sender calls it for a message it just recorded, and for all in its periodic sweep (a
    status kept by one instance while another recorded the row). ``older_than``: kept statuses
    received before it, whose message never showed up, are dropped too.
    """
    query = select(WhatsAppEarlyStatus.provider_message_id, WhatsAppEarlyStatus.status, WhatsAppEarlyStatus.status_at).join(
        OutboxMessage, OutboxMessage.provider_message_id == WhatsAppEarlyStatus.provider_message_id)
    if message_id is not None:
        query = query.where(WhatsAppEarlyStatus.provider_message_id == message_id)
    applied = 0
    for wamid, status, at in (await session.execute(query)).all():
        if await record_status(session, wamid, status, aware(at)):
            applied += 1
        await session.execute(delete(WhatsAppEarlyStatus).where(WhatsAppEarlyStatus.provider_message_id == wamid))
    if older_than is not None:
        await session.execute(delete(WhatsAppEarlyStatus).where(WhatsAppEarlyStatus.received_at < older_than))
    return applied


async def statuses(session: AsyncSession) -> dict[str, int]:
    """Delivery status → rows, for the operator (`scenari` status lines, tests)."""
    rows = await session.execute(
        select(OutboxMessage.delivery_status, func.count())
        .where(OutboxMessage.channel == CHANNEL, OutboxMessage.delivery_status.is_not(None))
        .group_by(OutboxMessage.delivery_status)
    )
    return {status: int(n) for status, n in rows}


# --- the 24-hour window -----------------------------------------------------------------------


async def touch_window(session: AsyncSession, respondent_id: int, at: datetime | None = None) -> None:
    """The respondent wrote at ``at``: their 24-hour window opens (again) from then."""
    at = at or utcnow()
    await session.execute(
        _insert(session)(WhatsAppWindow).values(respondent_id=respondent_id, last_inbound_at=at)
        .on_conflict_do_update(index_elements=["respondent_id"], set_={"last_inbound_at": at})
    )


async def last_inbound(session: AsyncSession, respondent_id: int | None) -> datetime | None:
    if respondent_id is None:
        return None
    return aware(await session.scalar(
        select(WhatsAppWindow.last_inbound_at).where(WhatsAppWindow.respondent_id == respondent_id)
    ))


async def window_open(session: AsyncSession, respondent_id: int | None, now: datetime | None = None) -> bool:
    """Whether a free-form message may reach the respondent now (they wrote within 24 hours)."""
    last = await last_inbound(session, respondent_id)
    return last is not None and (now or utcnow()) - last < WINDOW
