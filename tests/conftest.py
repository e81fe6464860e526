"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured), real files."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.catalog import QuestionnaireCatalog
from bot.conversation import Conversation
from dialogs import Questionnaire, load_file
from dialogs.loader import builtin_directory
from storage import Database, upgrade_database

POSTGRES_URL = os.environ.get("SCENARI_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


async def _reset_postgres(url: str) -> None:
    db = Database(url)
    async with db.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await db.dispose()


async def make_database(backend: str, tmp_path: Path) -> Database:
    if backend == "postgresql":
        assert POSTGRES_URL
        await _reset_postgres(POSTGRES_URL)
        db = Database(POSTGRES_URL)
    else:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'scenari.db'}")
    await upgrade_database(db)
    return db


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database; every test using it runs on each configured backend."""
    database = await make_database(request.param, tmp_path)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await make_database("sqlite", tmp_path)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def imprese() -> Questionnaire:
    return load_file(builtin_directory() / "imprese.yaml")


@pytest.fixture
def catalog() -> QuestionnaireCatalog:
    return QuestionnaireCatalog.load()


@pytest.fixture
def conversation(catalog: QuestionnaireCatalog) -> Conversation:
    return Conversation(catalog, notice_version="test")


@pytest.fixture(scope="session")
def theme_tagger():
    """The offline theme tagger, built once per session (pipeline load ~0.5 s)."""
    from nlp import ThemeTagger, load_pipeline, load_taxonomy

    return ThemeTagger(load_pipeline(None), load_taxonomy())
