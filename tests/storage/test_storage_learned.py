"""Stored learned theme models (migration 0009, storage.learned), on every configured backend."""

from __future__ import annotations

from storage import Database
from storage import learned as model_store
from tests.support.schema import schema_drift


async def test_the_newest_model_of_the_taxonomy_version_is_the_one_served(db: Database) -> None:
    data = {"format": 1, "vocabulary": ["fontanella", "città verde"], "coef": [0.25, -1.5]}
    async with db.transaction() as session:
        assert await model_store.latest_model(session, "2026.1") is None
        first = await model_store.save_model(
            session, taxonomy_version="2026.1", rules_method="rules", texts=12, themes=["ambiente"], data=data
        )
        other = await model_store.save_model(
            session, taxonomy_version="2025.1", rules_method="rules", texts=40, themes=["lavoro"], data={"x": 1}
        )
        second = await model_store.save_model(
            session, taxonomy_version="2026.1", rules_method="rules", texts=15, themes=["ambiente", "mobilita"],
            data={**data, "texts": 15}, metrics={"threshold": 0.35},
        )
    assert first < other < second
    async with db.transaction() as session:
        newest = await model_store.latest_model(session, "2026.1")
        older_taxonomy = await model_store.latest_model(session, "2025.1")
        assert await model_store.latest_model_id(session, "2026.1") == second
    assert newest is not None and newest.id == second and newest.texts == 15
    assert newest.themes == ("ambiente", "mobilita") and newest.metrics == {"threshold": 0.35}
    assert newest.data == {**data, "texts": 15}  # the payload comes back as it went in (gzip JSON)
    assert older_taxonomy is not None and older_taxonomy.id == other and older_taxonomy.data == {"x": 1}


async def test_learned_models_migration_matches_the_model(db: Database) -> None:
    assert await schema_drift(db, {"learned_models"}) == []
