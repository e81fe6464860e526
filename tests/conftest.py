"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured), real files, a fake Bot API."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.service.catalog import QuestionnaireCatalog
from bot.service.conversation import Conversation
from dialogs import Questionnaire, load_file
from storage import Database, upgrade_database
from tests.support.fake_bot_api import FakeBotAPI
from tests.support.plans import CREMONA_QUESTIONNAIRES, CREMONA_TAXONOMY

POSTGRES_URL = os.environ.get("SCENARI_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


# Each test gets a PostgreSQL schema of its own, so several test runs (CI, a developer, a
# second checkout) can share one server without dropping each other's tables.
_schemas = itertools.count()


async def _postgres_schema(url: str, schema: str, create: bool) -> None:
    admin = Database(url)
    async with admin.engine.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if create:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()


async def make_database(backend: str, tmp_path: Path) -> Database:
    if backend == "postgresql":
        assert POSTGRES_URL
        schema = f"test_{os.getpid()}_{next(_schemas)}"
        await _postgres_schema(POSTGRES_URL, schema, create=True)
        db = Database(POSTGRES_URL, schema=schema)
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
        if database.schema and POSTGRES_URL:
            await _postgres_schema(POSTGRES_URL, database.schema, create=False)


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await make_database("sqlite", tmp_path)
    try:
        yield database
    finally:
        await database.dispose()


COUNTED_TABLES = (
    "respondents", "consents", "questionnaire_versions", "runs", "answers", "run_outcomes", "processed_updates",
)


@pytest.fixture
def table_counts(db: Database) -> Callable[[], Awaitable[dict[str, int]]]:
    """``await table_counts()`` → rows per table, read in a fresh transaction: what the database really holds."""

    async def _counts() -> dict[str, int]:
        async with db.transaction() as session:
            return {
                table: (await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                for table in COUNTED_TABLES
            }

    return _counts


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    """A fresh fake Telegram Bot API server on a free local port (see tests/support/fake_bot_api)."""
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture(scope="session")
def imprese() -> Questionnaire:
    return load_file(CREMONA_QUESTIONNAIRES / "imprese.yaml")


@pytest.fixture
def catalog() -> QuestionnaireCatalog:
    return QuestionnaireCatalog.load()


@pytest.fixture
def conversation(catalog: QuestionnaireCatalog) -> Conversation:
    return Conversation(catalog)


@pytest.fixture(scope="session")
def theme_tagger():
    """The offline theme tagger, built once per session (pipeline load ~0.5 s)."""
    from nlp import ThemeTagger, load_pipeline, load_taxonomy

    return ThemeTagger(load_pipeline(None), load_taxonomy(CREMONA_TAXONOMY))


@pytest.fixture(autouse=True)
def _plan_texts_reset() -> Iterator[None]:
    """A plan's texts (a Bozen app, its texts.yaml) are the process's: every test ends on Cremona's (none)."""
    from dialogs import i18n

    yield
    i18n.set_overrides({})
