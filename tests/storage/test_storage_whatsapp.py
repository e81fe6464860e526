"""The outbox's WhatsApp rows (storage/outbox/whatsapp.py) and migration 0012."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from storage import Database, outbox, repository
from storage.models import OutboxMessage, WhatsAppEarlyStatus, utcnow
from storage.outbox import whatsapp as wa
from tests.support.schema import schema_drift


async def test_migration_matches_the_models(db: Database) -> None:
    assert await schema_drift(db, {"outbox_messages", "whatsapp_windows", "whatsapp_early_statuses"}) == []


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


async def test_a_status_that_outruns_the_record_is_stored_for_any_instance(db: Database) -> None:
    """Meta's ``delivered`` can come before the sender commits the wamid: it is kept in the database,
    not in the webhook's process, so the instance that records the row (or sweeps later) applies it."""
    async with db.transaction() as session:
        await wa.enqueue(session, [{"dedupe_key": f"wa:e:{n}", "chat_id": 39333000 + n, "kind": wa.REPLY,
                                    "payload": {"message": {}}} for n in (1, 2)])
        first, second = await wa.claim(session, "a", 10, 60)
        assert await wa.mark_inflight(session, "a", first.id) and await wa.mark_inflight(session, "a", second.id)
    async with db.transaction() as session:  # the webhook, on another instance, before either record
        for wamid in ("wamid.E1", "wamid.E2"):
            assert await wa.record_status(session, wamid, "delivered") is None
            await wa.keep_early(session, wamid, "delivered")
        await wa.keep_early(session, "wamid.E2", "read")
        await wa.keep_early(session, "wamid.E2", "sent")  # an older one never replaces a newer one
    async with db.transaction() as session:
        await wa.record(session, "a", first.id, "sent", message_id="wamid.E1")  # applied with the record
    async with db.transaction() as session:  # recorded while the webhook was still writing: the sweep applies it
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == second.id)
                              .values(status="sent", provider_message_id="wamid.E2", delivery_status="sent"))
        assert await wa.apply_early(session) == 1
    async with db.transaction() as session:
        found = dict((await session.execute(select(OutboxMessage.provider_message_id, OutboxMessage.delivery_status))).all())
        assert found == {"wamid.E1": "delivered", "wamid.E2": "read"}
        assert (await session.execute(select(WhatsAppEarlyStatus))).first() is None  # nothing kept once applied
        await wa.keep_early(session, "wamid.NEVER", "sent")
        await wa.apply_early(session, older_than=utcnow() + timedelta(seconds=1))
        assert (await session.execute(select(WhatsAppEarlyStatus))).first() is None  # a message never seen: dropped
