"""Fixtures for the storage tests: counting what the database really holds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import text

from storage import Database

TABLES = ("respondents", "consents", "questionnaire_versions", "runs", "answers", "run_outcomes", "processed_updates")


@pytest.fixture
def table_counts(db: Database) -> Callable[[], Awaitable[dict[str, int]]]:
    """``await table_counts()`` → rows per table, read in a fresh transaction."""

    async def _counts() -> dict[str, int]:
        async with db.transaction() as session:
            return {table: (await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one() for table in TABLES}

    return _counts
