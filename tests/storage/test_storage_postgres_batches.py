"""PostgreSQL only: a batch's claim and run reads in one statement, and connections left idle in the pool.

A second instance handed an update the first is still applying waits for the first's claim,
then neither applies it again nor works on the run as it was before the first's commit. A
pooled connection the server dropped while it sat idle is replaced before a batch uses it.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

import storage.database
from storage import Database, repository
from storage.prefetch import prefetch
from tests.conftest import POSTGRES_URL, _postgres_schema, make_database

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="SCENARI_TEST_POSTGRES_URL is not set")


@pytest.fixture
async def pg(tmp_path):
    database = await make_database("postgresql", tmp_path)
    try:
        yield database
    finally:
        await database.dispose()
        await _postgres_schema(POSTGRES_URL, database.schema, create=False)


async def test_a_second_instance_waits_for_the_claim_and_sees_what_the_first_committed(pg):
    async with pg.transaction() as session:
        respondent = await repository.get_or_create_respondent(session, "telegram", "701")
        await repository.create_run(session, respondent.id, "imprese", 1, {"status": "active", "answers": {}})
    second = Database(POSTGRES_URL, schema=pg.schema)  # another process: an engine of its own

    async def other_instance() -> tuple[bool, bool, dict]:
        async with second.transaction() as session:
            await prefetch(session, "telegram", ["701"], [7001, 7002])
            first_update = await repository.claim_update(session, "telegram", 7001)
            next_update = await repository.claim_update(session, "telegram", 7002)
            found = await repository.get_respondent(session, "telegram", "701")
            run = await repository.open_run(session, found.id)
            return first_update, next_update, run.state

    try:
        async with pg.transaction() as session:
            await prefetch(session, "telegram", ["701"], [7001])
            assert await repository.claim_update(session, "telegram", 7001) is True
            found = await repository.get_respondent(session, "telegram", "701")
            run = await repository.open_run(session, found.id)
            await repository.store_answer(session, run.id, "sector", "C", "C", replaces=False)
            await repository.save_run_state(session, run, {"status": "active", "answers": {"sector": "C"}})
            waiting = asyncio.create_task(other_instance())
            await asyncio.sleep(0.5)
            assert not waiting.done()  # held by this transaction's claim and lock
        assert await waiting == (False, True, {"status": "active", "answers": {"sector": "C"}})
    finally:
        await second.dispose()
    async with pg.transaction() as session:
        assert await repository.current_answers(session, run.id) == {"sector": "C"}  # once


async def test_a_connection_dropped_while_idle_in_the_pool_is_replaced(pg, monkeypatch):
    monkeypatch.setattr(storage.database, "PING_AFTER_IDLE", 0.0)
    async with pg.transaction() as session:
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
    admin = Database(POSTGRES_URL)
    try:
        async with admin.transaction() as session:
            assert await session.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await admin.dispose()
    await asyncio.sleep(0.2)
    async with pg.transaction() as session:  # the pooled connection is dead: pinged, replaced
        respondent = await repository.get_or_create_respondent(session, "telegram", "702")
        assert await session.scalar(text("SELECT pg_backend_pid()")) != pid
    async with pg.transaction() as session:
        assert (await repository.get_respondent(session, "telegram", "702")).id == respondent.id
