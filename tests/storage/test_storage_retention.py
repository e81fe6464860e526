"""Retention: an old free text loses its words while the convergence tables keep their counts (clock injected)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
from sqlalchemy import func, select

from exports.tables import Options, build_tables
from storage import aggregates, audit
from storage import tags as tag_store
from storage.models import Actor, Answer
from storage.retention import Policy, RetentionJob
from tests.support.convergence_city import build_city
from tests.support.plans import CREMONA_SOURCES

NOW = datetime.now(timezone.utc)  # the city's answers are stamped when inserted; the job's clock is injected
COUNTS = ["theme", "units", "n_public_body", "n_firm", "n_union", "n_citizen", "group_score"]


async def _tables(db):
    async with db.transaction() as session:
        return build_tables(await aggregates.load(session), Options(sources=CREMONA_SOURCES, k=3))


async def test_old_free_text_is_erased_and_the_tables_keep_their_counts(db):
    await build_city(db)
    before = await _tables(db)
    assert not before["quotes"].empty
    async with db.transaction() as session:  # build_city gives explicit ids, which PostgreSQL's sequence never saw
        next_id = (await session.scalar(select(func.max(Actor.id))) or 0) + 1
        session.add(Actor(id=next_id, code="later", organisation="Ente nuovo", category="other", contact_person="Maria Rossi",
                          created_at=NOW + timedelta(days=390)))
    job = RetentionJob(db, Policy(free_text_days=365, contact_days=30, audit_days=730),
                       clock=lambda: NOW + timedelta(days=400))
    result = await job()
    assert result.free_texts > 0
    after = await _tables(db)
    pd.testing.assert_frame_equal(before["convergence"][COUNTS], after["convergence"][COUNTS])
    pd.testing.assert_frame_equal(before["innovation_profiles"], after["innovation_profiles"])
    assert after["quotes"].empty  # the words are gone, the themes they carried are not
    async with db.transaction() as session:
        texts = (await session.scalars(select(Answer.value).where(Answer.question_key.in_(("objective", "become"))))).all()
        contacts = dict((await session.execute(select(Actor.code, Actor.contact_person))).all())
        [event] = await audit.events(session, action="retention")
    assert set(texts) == {""}
    assert contacts["later"] == "Maria Rossi"  # imported 10 days before: kept
    assert event.actor == "system" and event.detail["free_texts"] == result.free_texts
    async with db.transaction() as session:  # `scenari nlp retag` starts by forgetting machine tags …
        await tag_store.clear_machine_tags(session)
    retagged = await _tables(db)  # … but not those of erased texts: the counts stay
    pd.testing.assert_frame_equal(before["convergence"][COUNTS], retagged["convergence"][COUNTS])
    again = await job()  # nothing left to do, and it says so
    assert (again.free_texts, again.contacts) == (0, 0)


async def test_nothing_is_erased_before_its_time(db):
    await build_city(db)
    result = await RetentionJob(db, Policy(free_text_days=365), clock=lambda: NOW + timedelta(days=300))()
    assert result.free_texts == 0
    assert not (await _tables(db))["quotes"].empty
