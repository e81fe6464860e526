"""The audit log's storage: erasures are recorded wherever they come from, secrets refused, old rows purged."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from storage import audit, repository
from storage.models import Respondent

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=timezone.utc)


async def test_an_erasure_is_recorded_without_what_was_erased(db):
    async with db.transaction() as session:
        session.add(Respondent(id=7, pseudonym="pseudo0007", channel="test", external_id="7", language="it"))
    async with db.transaction() as session:
        await repository.erase_respondent(session, 7)
    async with db.transaction() as session:
        [event] = await audit.events(session, action="erasure")
    assert (event.actor, event.target, event.outcome, event.detail) == ("respondent", "pseudo0007", "ok", {"runs": 0})


async def test_secrets_never_enter_the_log(db):
    async with db.transaction() as session:
        with pytest.raises(ValueError):
            await audit.record(session, "anna", "login", detail={"password": "x"})
        with pytest.raises(ValueError):
            await audit.record(session, "anna", "teleport")


async def test_purge_keeps_what_is_younger_than_the_retention(db):
    async with db.transaction() as session:
        await audit.record(session, "anna", "login", at=NOW - timedelta(days=800))
        await audit.record(session, "anna", "download", "priorities", at=NOW - timedelta(days=10),
                           detail={"format": "csv", "rows": 4})
    async with db.transaction() as session:
        assert await audit.purge(session, keep_days=730, now=NOW) == 1
    async with db.transaction() as session:
        left = await audit.events(session)
    assert [(e.action, e.target) for e in left] == [("download", "priorities")]
    assert left[0].at == NOW - timedelta(days=10)
