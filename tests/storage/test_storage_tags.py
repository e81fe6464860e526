"""Stored themes of free-text answers: what is pending, machine tags, human decisions, erasure."""

from __future__ import annotations

from alembic import command
from sqlalchemy import func, inspect, select, text

from storage import repository
from storage import tags as tag_store
from storage.migrate import alembic_config, upgrade_database
from storage.models import AnswerTag, TaggedAnswer, TagReview

TAG_TABLES = ("tagged_answers", "answer_tags", "tag_reviews")
DEFINITION = {
    "id": "imprese",
    "version": 1,
    "questions": [
        {"key": "employees", "type": "single"},
        {"key": "innovation_example", "type": "text"},
        {"key": "city_role", "type": "text"},
    ],
}


async def _run_with_answers(db, user="1"):
    """A run with a choice, two free texts (one changed), and a skipped free text in another run."""
    async with db.transaction() as session:
        respondent = await repository.get_or_create_respondent(session, "telegram", user)
        await repository.register_definition(session, "imprese", 1, DEFINITION)
        run = await repository.create_run(session, respondent.id, "imprese", 1, {"status": "active"})
        await repository.store_answer(session, run.id, "employees", "small", "2")
        example = await repository.store_answer(session, run.id, "innovation_example", "nuovo forno", "nuovo forno")
        old = await repository.store_answer(session, run.id, "city_role", "piu treni", "piu treni")
        role = await repository.store_answer(session, run.id, "city_role", "piste ciclabili e treni", "piste ciclabili e treni")
        other = await repository.create_run(session, respondent.id, "imprese", 1, {"status": "active"})
        await repository.store_answer(session, other.id, "city_role", None, None, skipped=True)
        return respondent.id, example.id, old.id, role.id


def _tagged(answer_id, *tags, keywords=("treno",)):
    return tag_store.TaggedText(answer_id, "test-method", "2025.1", keywords, tuple(tags))


async def _counts(db):
    async with db.transaction() as session:
        return {t: (await session.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one() for t in TAG_TABLES}


async def test_pending_are_current_unskipped_text_answers_in_order(db):
    _, example, _, role = await _run_with_answers(db)
    async with db.transaction() as session:
        pending = await tag_store.untagged_text_answers(session, 10)
        assert pending == [
            tag_store.PendingText(example, "nuovo forno"),
            tag_store.PendingText(role, "piste ciclabili e treni"),
        ]
        assert await tag_store.untagged_text_answers(session, 1) == pending[:1]


async def test_stored_tags_keep_method_version_evidence_and_keywords(db):
    _, example, _, role = await _run_with_answers(db)
    mobility = tag_store.MachineTag("mobilita", 0.84, ("piste ciclabili", "treni"))
    rejected = tag_store.MachineTag("turismo_cultura", 0.0, (), ("turismo",), negated=True)
    async with db.transaction() as session:
        stored = await tag_store.store_tags(session, [_tagged(role, mobility, rejected), _tagged(example, keywords=())])
    assert stored == 2
    async with db.transaction() as session:
        assert await tag_store.untagged_text_answers(session, 10) == []
        again = await tag_store.store_tags(session, [_tagged(role, mobility)])  # another worker was faster
        assert again == 0
        row = await session.get(TaggedAnswer, role)
        assert (row.keywords, row.method, row.taxonomy_version) == (["treno"], "test-method", "2025.1")
        tags = {t.theme_id: t for t in await session.scalars(select(AnswerTag).where(AnswerTag.answer_id == role))}
        assert tags["mobilita"].evidence == ["piste ciclabili", "treni"] and tags["mobilita"].source == "machine"
        assert tags["turismo_cultura"].negated and tags["turismo_cultura"].negated_evidence == ["turismo"]
        effective = await tag_store.effective_themes(session)
    assert [e.theme_id for e in effective[role]] == ["mobilita"]  # a rejection is not a vote
    assert effective[role][0].method == "test-method" and effective[role][0].evidence == ("piste ciclabili", "treni")
    assert effective[example] == []


async def test_tags_of_erased_answers_are_not_stored(db):
    respondent_id, example, _, role = await _run_with_answers(db)
    async with db.transaction() as session:
        await repository.erase_respondent(session, respondent_id)
    async with db.transaction() as session:
        assert await tag_store.store_tags(session, [_tagged(role, tag_store.MachineTag("mobilita", 0.6, ("treni",)))]) == 0
    assert set((await _counts(db)).values()) == {0}


async def test_human_decisions_win_and_survive_clearing_machine_tags(db):
    _, example, _, role = await _run_with_answers(db)
    async with db.transaction() as session:
        await tag_store.store_tags(session, [
            _tagged(role, tag_store.MachineTag("mobilita", 0.84, ("treni",)), tag_store.MachineTag("ambiente", 0.6, ("piste",))),
            _tagged(example),
        ])
    review = tag_store.ReviewInput(
        role, suggested=("mobilita", "ambiente"), accept=True, add=("benessere_sport",), remove=("ambiente",),
        coder="anna", sheet_row=3,
    )
    unreviewed = tag_store.ReviewInput(example, suggested=(), accept=None)
    async with db.transaction() as session:
        assert await tag_store.apply_review(session, [review, unreviewed], source="sheet.xlsx") == 1
    async with db.transaction() as session:
        before = await tag_store.effective_themes(session, [role])
        await tag_store.clear_machine_tags(session)
        assert [p.answer_id for p in await tag_store.untagged_text_answers(session, 10)] == [example, role]
        # the machine comes back with a different opinion: the person still wins
        await tag_store.store_tags(session, [_tagged(role, tag_store.MachineTag("ambiente", 0.6, ("piste",)))])
        after = await tag_store.effective_themes(session, [role])
    for effective in (before, after):
        entries = {e.theme_id: e for e in effective[role]}
        assert set(entries) == {"mobilita", "benessere_sport"}
        confirmed = entries["mobilita"]
        assert (confirmed.source, confirmed.decision, confirmed.coder) == ("human", "confirm", "anna")
        assert confirmed.evidence == ("treni",) and confirmed.method == "test-method"  # trail kept after retag
        assert (confirmed.sheet, confirmed.sheet_row) == ("sheet.xlsx", 3)
        assert (entries["benessere_sport"].decision, entries["benessere_sport"].method) == ("add", "human")
    async with db.transaction() as session:
        decisions = dict(
            (await session.execute(
                select(AnswerTag.theme_id, AnswerTag.decision).where(AnswerTag.answer_id == role, AnswerTag.source == "human")
            )).all()
        )
        assert decisions == {"mobilita": "confirm", "benessere_sport": "add", "ambiente": "remove"}
        assert await tag_store.theme_counts(session) == {"benessere_sport": 1, "mobilita": 1}


async def test_latest_decision_wins_and_codings_are_kept_per_coder(db):
    _, example, _, role = await _run_with_answers(db)
    async with db.transaction() as session:
        await tag_store.store_tags(session, [_tagged(role, tag_store.MachineTag("mobilita", 0.6, ("treni",))), _tagged(example)])
        await tag_store.apply_review(session, [tag_store.ReviewInput(role, ("mobilita",), True, coder="anna")])
        await tag_store.apply_review(session, [tag_store.ReviewInput(example, (), True)], coder="anna")
    async with db.transaction() as session:
        await tag_store.apply_review(session, [tag_store.ReviewInput(role, ("mobilita",), False, add=("ambiente",), coder="bruno")])
    async with db.transaction() as session:
        effective = await tag_store.effective_themes(session)
        codings = await tag_store.reviewed_codings(session)
        latest = await tag_store.latest_reviews(session)
        history = (await session.execute(select(func.count()).select_from(TagReview))).scalar_one()
    assert [(e.theme_id, e.coder) for e in effective[role]] == [("ambiente", "bruno")]
    assert codings == {
        "anna": {example: frozenset(), role: frozenset({"mobilita"})},
        "bruno": {role: frozenset({"ambiente"})},
    }
    assert latest == {example: frozenset(), role: frozenset({"ambiente"})}
    assert history == 3  # every coding stays in the history


async def test_erasing_a_respondent_leaves_no_tags(db):
    gone, *_ = await _run_with_answers(db, "1")
    kept, _, _, kept_role = await _run_with_answers(db, "2")
    async with db.transaction() as session:
        pending = await tag_store.untagged_text_answers(session, 10)
        await tag_store.store_tags(
            session, [_tagged(p.answer_id, tag_store.MachineTag("mobilita", 0.6, ("treni",))) for p in pending]
        )
        await tag_store.apply_review(
            session, [tag_store.ReviewInput(p.answer_id, ("mobilita",), True) for p in pending], coder="anna"
        )
    assert await _counts(db) == {"tagged_answers": 4, "answer_tags": 8, "tag_reviews": 4}
    async with db.transaction() as session:
        await repository.erase_respondent(session, gone)
    assert await _counts(db) == {"tagged_answers": 2, "answer_tags": 4, "tag_reviews": 2}
    async with db.transaction() as session:
        assert kept_role in await tag_store.effective_themes(session)


async def test_migration_0002_goes_down_and_up(db):
    def _tables(connection):
        return set(inspect(connection).get_table_names())

    def _downgrade(connection):
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")

    async with db.engine.begin() as connection:
        assert set(TAG_TABLES) <= await connection.run_sync(_tables)
        await connection.run_sync(_downgrade)
        tables = await connection.run_sync(_tables)
    assert not set(TAG_TABLES) & tables and "answers" in tables
    await upgrade_database(db)
    async with db.engine.connect() as connection:
        assert set(TAG_TABLES) <= await connection.run_sync(_tables)
