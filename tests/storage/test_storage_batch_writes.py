"""A prefetched batch's writes (storage.prefetch): plain rows sent in one executemany per statement.

What must hold, on SQLite and PostgreSQL: the transaction reads what it wrote (a second answer
to the same question in the same batch retires the first, a query sees the rows), a SAVEPOINT
rolled back does not take back the batch's earlier rows, a batch rolled back leaves nothing
(its update claims included, so the update can be applied again), and a redelivered update is
applied once, within a batch and across batches.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage import repository
from storage.models import Answer, ProcessedUpdate, Respondent, Run
from storage.prefetch import prefetch


async def _runs(db, *external_ids: str) -> dict[str, int]:
    found = {}
    async with db.transaction() as session:
        for external_id in external_ids:
            respondent = await repository.get_or_create_respondent(session, "telegram", external_id)
            run = await repository.create_run(session, respondent.id, "imprese", 1, {"status": "active"})
            found[external_id] = run.id
    return found


async def _current(db, run_id: int) -> dict[str, object]:
    async with db.transaction() as session:
        return await repository.current_answers(session, run_id)


async def test_a_batch_reads_what_it_wrote_and_commits_it_all(db):
    runs = await _runs(db, "501", "502")
    async with db.transaction() as session:
        await prefetch(session, "telegram", ["501", "502"], [1001, 1002, 1003])
        assert await repository.claim_update(session, "telegram", 1001) is True
        await repository.store_answer(session, runs["501"], "sector", "C", "C", replaces=False)
        assert await repository.claim_update(session, "telegram", 1002) is True
        await repository.store_answer(session, runs["502"], "sector", "G", "G", replaces=False)
        # the same person again, in the same batch: changes the answer just given
        assert await repository.claim_update(session, "telegram", 1003) is True
        await repository.store_answer(session, runs["501"], "sector", "F", "F", replaces=True)
        assert await repository.current_answers(session, runs["501"]) == {"sector": "F"}  # read back
        respondent = await repository.get_respondent(session, "telegram", "501")
        run = await repository.open_run(session, respondent.id)
        await repository.save_run_state(session, run, {"status": "completed", "answers": {"sector": "F"}})
        status = await session.scalar(select(Run.status).where(Run.id == runs["501"]))
        assert status == "completed"  # a query sees the run's new state too
    assert await _current(db, runs["501"]) == {"sector": "F"}
    assert await _current(db, runs["502"]) == {"sector": "G"}
    async with db.transaction() as session:
        history = await repository.answer_history(session, runs["501"])
        assert [(a.value, a.is_current) for a in history] == [("C", False), ("F", True)]
        run = await session.get(Run, runs["501"])
        assert run.state == {"status": "completed", "answers": {"sector": "F"}} and run.completed_at is not None
        marks = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
        assert marks == 3


async def test_a_redelivered_update_is_applied_once(db):
    await _runs(db, "511")
    async with db.transaction() as session:
        await prefetch(session, "telegram", ["511"], [2001, 2001])
        assert await repository.claim_update(session, "telegram", 2001) is True
        assert await repository.claim_update(session, "telegram", 2001) is False  # twice in one batch
    async with db.transaction() as session:
        await prefetch(session, "telegram", ["511"], [2001, 2002])
        assert await repository.claim_update(session, "telegram", 2001) is False  # in a later batch
        assert await repository.claim_update(session, "telegram", 2002) is True


async def test_a_rolled_back_batch_leaves_nothing_and_its_updates_can_be_applied_again(db):
    runs = await _runs(db, "521")
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await prefetch(session, "telegram", ["521"], [3001])
            assert await repository.claim_update(session, "telegram", 3001) is True
            await repository.store_answer(session, runs["521"], "sector", "C", "C", replaces=False)
            raise RuntimeError("a unit of the batch failed")
    assert await _current(db, runs["521"]) == {}
    async with db.transaction() as session:
        await prefetch(session, "telegram", ["521"], [3001])
        assert await repository.claim_update(session, "telegram", 3001) is True  # run again alone


async def test_a_savepoint_rolled_back_keeps_the_batch_rows_written_before_it(db):
    runs = await _runs(db, "531")
    async with db.transaction() as session:
        await prefetch(session, "telegram", ["531", "532"], [])
        await repository.store_answer(session, runs["531"], "sector", "C", "C", replaces=False)
        try:
            async with session.begin_nested():
                # a read inside the SAVEPOINT sends the waiting rows there...
                assert await repository.current_answers(session, runs["531"]) == {"sector": "C"}
                session.add(Respondent(channel="telegram", external_id="531", language="it"))  # a duplicate
        except IntegrityError:
            pass  # ...and its rollback must not take them back
        created = await repository.get_or_create_respondent(session, "telegram", "532")  # its own SAVEPOINT
        assert created.id is not None
    assert await _current(db, runs["531"]) == {"sector": "C"}
