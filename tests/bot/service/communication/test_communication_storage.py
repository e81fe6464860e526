"""The communication tables: migration 0006 matches the models, erasure removes everything."""

from __future__ import annotations

from datetime import datetime, timezone
from importlib import import_module

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from storage import Database, events, outbox, repository
from storage.models import Base, EventRsvp, OutboxMessage, RecipientStatus
from storage import audiences
from tests.bot.service.communication.comm_helpers import subscribers
from tests.storage.test_storage_register import _table_of

MINE = {"segments", "broadcasts", "outbox_messages", "recipient_status", "events", "event_rsvps"}


async def test_migration_0006_matches_the_models(db: Database) -> None:
    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, Base.metadata) if _table_of(d) in MINE]

    async with db.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


def test_0006_follows_0005() -> None:
    migration = import_module("storage.migrations.versions.0006_communication")
    assert migration.down_revision == "0005" and migration.revision == "0006"


async def test_erasure_removes_outbox_rows_rsvps_and_marks(db: Database) -> None:
    ids = await subscribers(db, None, [1, 2])
    async with db.transaction() as session:
        event = await events.create_event(session, "Incontro", "Sala", datetime(2030, 1, 1, tzinfo=timezone.utc), 5)
        await events.rsvp(session, event.id, ids[1], "yes", 1, "it")
        await outbox.enqueue(session, [{"dedupe_key": f"x{u}", "kind": "newsletter", "respondent_id": r, "chat_id": u}
                                       for u, r in ids.items()])
        await audiences.mark_unreachable(session, ids[1], "blocked")
    async with db.transaction() as session:
        await repository.erase_respondent(session, ids[1])
    async with db.transaction() as session:
        for model, left in ((OutboxMessage, 1), (EventRsvp, 0), (RecipientStatus, 0)):
            assert await session.scalar(select(func.count()).select_from(model)) == left, model


async def test_claims_are_exclusive_and_expired_leases_recover(db: Database) -> None:
    ids = await subscribers(db, None, [1, 2, 3])
    async with db.transaction() as session:
        await outbox.enqueue(session, [{"dedupe_key": f"x{u}", "kind": "newsletter", "respondent_id": r, "chat_id": u}
                                       for u, r in ids.items()])
        assert await outbox.enqueue(session, [{"dedupe_key": "x1", "kind": "newsletter", "respondent_id": ids[1], "chat_id": 1}]) == 0
    now = datetime.now(timezone.utc)
    async with db.transaction() as session:
        a = await outbox.claim(session, "a", 2, 30, now)
    async with db.transaction() as session:
        b = await outbox.claim(session, "b", 5, 30, now)
    assert len(a) == 2 and len(b) == 1 and not {r.id for r in a} & {r.id for r in b}
    async with db.transaction() as session:
        send, _ = await outbox.mark_inflight(session, "a", a[:1], now)
        assert send == [a[0].id]
        assert (await outbox.mark_inflight(session, "b", a[1:], now)) == ([], [])  # not b's row
    later = datetime.fromtimestamp(now.timestamp() + 60, timezone.utc)
    async with db.transaction() as session:
        assert await outbox.recover(session, later) == {"released": 2, "uncertain": 1}
        rows = {r.id: r.status for r in await session.scalars(select(OutboxMessage))}
    assert sorted(rows.values()) == ["pending", "pending", "uncertain"]
