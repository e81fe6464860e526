"""The outbox's WhatsApp rows (storage/outbox/whatsapp.py) and migration 0012."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage import Database, outbox, repository
from storage.models import OutboxMessage, utcnow
from storage.outbox import whatsapp as wa
from tests.support.schema import schema_drift


async def test_migration_matches_the_models(db: Database) -> None:
    assert await schema_drift(db, {"outbox_messages", "whatsapp_windows"}) == []


async def test_a_reply_is_queued_once_and_sent_once_under_a_lease(db: Database) -> None:
    row = {"dedupe_key": wa.reply_key("wamid.ABC", 0), "chat_id": 393331112222, "kind": wa.REPLY,
           "payload": {"message": {"type": "text"}}}
    async with db.transaction() as session:
        assert await wa.enqueue(session, [row]) == 1
        assert await wa.enqueue(session, [row]) == 0  # a redelivered webhook queues nothing twice
    async with db.transaction() as session:
        mine = await wa.claim(session, "a", 10, 60)
        assert [r.chat_id for r in mine] == [393331112222]
        assert await wa.claim(session, "b", 10, 60) == []  # another sender gets nothing
        assert await outbox.claim(session, "t", 10, 60) == []  # nor Telegram's
        assert await wa.mark_inflight(session, "a", mine[0].id)
        await wa.record(session, "a", mine[0].id, "sent", message_id="wamid.OUT1")
    async with db.transaction() as session:
        assert await wa.record_status(session, "wamid.OUT1", "read")
        assert not await wa.record_status(session, "wamid.OUT1", "delivered")  # a late status never moves back
        status, delivery, payload, chat = (await session.execute(select(
            OutboxMessage.status, OutboxMessage.delivery_status, OutboxMessage.payload, OutboxMessage.chat_id))).one()
    assert (status, delivery) == ("sent", "read")
    assert payload is None and chat is None  # sent before any consent: neither its words nor the number are kept


async def test_a_row_in_flight_when_its_sender_died_is_held_never_sent_again(db: Database) -> None:
    async with db.transaction() as session:
        await wa.enqueue(session, [{"dedupe_key": "wa:x:0", "chat_id": 1, "kind": wa.REPLY, "payload": {"message": {}}}])
        row = (await wa.claim(session, "dead", 1, 1))[0]
        assert await wa.mark_inflight(session, "dead", row.id)
    async with db.transaction() as session:
        assert (await outbox.recover(session, utcnow() + timedelta(seconds=5)))["uncertain"] == 1
        assert await wa.claim(session, "alive", 10, 60, utcnow() + timedelta(seconds=5)) == []


async def test_the_window_is_open_for_a_day_after_the_respondent_wrote(db: Database) -> None:
    now = utcnow()
    async with db.transaction() as session:
        respondent = await repository.get_or_create_respondent(session, "whatsapp", "393339990000", "it")
        assert not await wa.window_open(session, respondent.id, now)
        await wa.touch_window(session, respondent.id, now - timedelta(hours=30))
        await wa.touch_window(session, respondent.id, now - timedelta(hours=23))
        assert await wa.window_open(session, respondent.id, now)
        assert not await wa.window_open(session, respondent.id, now + timedelta(hours=2))
