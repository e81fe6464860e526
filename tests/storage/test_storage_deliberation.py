"""Statements, moderation, rounds and votes in the database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from exports.tables import Options, build_tables
from storage import Database, aggregates, deliberation, register, repository
from storage.deliberation import DeliberationError
from storage.models import RespondentActor, Vote, VoteEvent
from storage.register import ActorRow
from tests.support.schema import schema_drift
from tests.support.plans import CREMONA_SOURCES


async def _people(db: Database, n: int) -> list[int]:
    async with db.transaction() as session:
        return [(await repository.get_or_create_respondent(session, "telegram", str(7000 + i), "it")).id for i in range(n)]


async def _statement(db: Database, text: str, status: str = "pending", source: str = "moderator") -> int:
    """A stored statement, as moderation sees it (the near-duplicate search is the service's: tests/bot/service)."""
    async with db.transaction() as session:
        return (await deliberation.add_statement(session, text, source, status=status)).id


async def test_deliberation_only_approved_statements_are_put_to_the_vote(db: Database) -> None:
    approved = await _statement(db, "Servono più piste ciclabili sicure in città", "approved")
    pending = await _statement(db, "Il centro storico va chiuso alle auto la domenica")
    rejected = await _statement(db, "Una proposta offensiva da non pubblicare")
    async with db.transaction() as session:
        await deliberation.reject(session, rejected, "test")
        round_ = await deliberation.open_round(session, "prova", {})
        round_id = round_.id
    (person,) = await _people(db, 1)
    async with db.transaction() as session:
        await deliberation.add_participants(session, round_id, [person])
        seen = []
        for _ in range(3):
            s = await deliberation.next_statement(session, round_id, person)
            if s is None:
                break
            seen.append(s.id)
            await deliberation.record_vote(session, round_id, s.id, person, "agree")
    assert seen == [approved]  # never the pending or the rejected one
    async with db.transaction() as session:
        await deliberation.approve(session, pending, "test", "Chiudere il centro storico alle auto la domenica")
        s = await deliberation.next_statement(session, round_id, person)
        assert s is not None and s.id == pending and s.original_text.startswith("Il centro storico")
        with pytest.raises(DeliberationError):
            await deliberation.approve(session, pending, "test", "x" * 141)


async def test_deliberation_merge_keeps_the_votes_and_the_history(db: Database) -> None:
    keep = await _statement(db, "Più alberi nei quartieri", "approved")
    dup = await _statement(db, "Piantare più alberi nei quartieri", "approved")
    a, b, c = await _people(db, 3)
    async with db.transaction() as session:
        round_id = (await deliberation.open_round(session, "alberi", {})).id
        await deliberation.add_participants(session, round_id, [a, b, c])
        await deliberation.record_vote(session, round_id, keep, a, "agree")
        await deliberation.record_vote(session, round_id, dup, b, "disagree")
        await deliberation.record_vote(session, round_id, dup, a, "pass")  # a voted both: the later vote wins
        previous, changed = await deliberation.record_vote(session, round_id, dup, c, "agree")
        assert (previous, changed) == (None, True)
        assert await deliberation.record_vote(session, round_id, dup, c, "disagree") == ("agree", True)
        assert await deliberation.record_vote(session, round_id, dup, c, "disagree") == ("disagree", False)
    async with db.transaction() as session:
        target, moved = await deliberation.merge(session, dup, keep, "test")
        assert target.id == keep and moved == 3
        votes = dict((r, ch) for r, ch in await session.execute(select(Vote.respondent_id, Vote.choice).where(Vote.statement_id == keep)))
        assert votes == {a: "pass", b: "disagree", c: "disagree"}
        assert await session.scalar(select(func.count()).select_from(Vote).where(Vote.statement_id == dup)) == 0
        history = await session.scalar(select(func.count()).select_from(VoteEvent).where(VoteEvent.statement_id == keep))
        assert history == 5  # every press, now under the kept statement
        assert (await deliberation.get_statement(session, dup)).status == "merged"
        with pytest.raises(DeliberationError):
            await deliberation.approve(session, dup, "test")
        status = await deliberation.round_status(session, round_id)
        assert status["votes"] == 3 and status["voters"] == 3 and status["changes"] == 2


async def test_deliberation_coverage_order_and_categories_reach_the_workbook(db: Database) -> None:
    ids = [await _statement(db, text, "approved") for text in (
        "Una biblioteca aperta la sera", "Trasporti pubblici gratuiti per gli studenti", "Più spazi per lo sport")]
    people = await _people(db, 6)
    async with db.transaction() as session:
        await register.import_actors(session, [ActorRow("conf", "Confcommercio", "trade_association", None, 2)])
        actor = await register.get_actor(session, "conf")
        for person in people[:3]:  # three people answer for the association
            session.add(RespondentActor(respondent_id=person, actor_id=actor.id))
        await session.flush()
        round_id = (await deliberation.open_round(session, "ordine", {}, min_votes=1, min_category_votes=1)).id
        await deliberation.add_participants(session, round_id, people)
        await deliberation.record_vote(session, round_id, ids[0], people[1], "agree")
        await deliberation.record_vote(session, round_id, ids[1], people[1], "agree")
        # the fewest votes first: the third statement (0 votes) for a newcomer
        s = await deliberation.next_statement(session, round_id, people[2], random.Random(1))
        assert s is not None and s.id == ids[2]
        for person in people:
            for sid in ids:
                await deliberation.record_vote(session, round_id, sid, person, "agree")
        categories = await deliberation.respondent_categories(session, people)
        assert [categories[p] for p in people] == ["trade_association"] * 3 + ["citizen"] * 3
        data = await aggregates.load(session)
    tables = build_tables(data, Options(sources=CREMONA_SOURCES, k=3))
    shared = tables["consensus_shared"]
    assert len(shared) == 3 and list(shared["rank"]) == [1, 2, 3]
    # the rounds are counted, not the votes: Σ the statements' totals would tie their blanks together
    assert tables.counts["rounds"] == 1 and "votes" not in tables.counts
    # 3 members of the association and 3 citizens agree with everything: (3+1)/(3+2) in each category
    assert shared["consensus"].iloc[0] == pytest.approx(16 / 25)
    by_category = tables["consensus_by_category"]
    assert set(by_category["category"]) == {"trade_association", "citizen"} and set(by_category["seen"]) == {3}


async def test_deliberation_migration_matches_the_models(db: Database) -> None:
    mine = {"statements", "deliberation_rounds", "deliberation_participants", "votes", "vote_events"}
    assert await schema_drift(db, mine) == []
