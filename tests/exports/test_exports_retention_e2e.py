"""Issue 16's retention, as a tester sees it: the daily job (under its lease) erases an old free text,
the exported tables keep their counts, and `scenari audit list` shows the run with its counts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
from sqlalchemy import update

from bot.settings import Settings
from exports.lease import run_job_now
from exports.scheduler import retention_spec
from storage import Database, upgrade_database
from storage.models import Answer
from tests.support.cli import query, scenari
from tests.support.convergence_city import build_city

COUNTS = ["theme", "units", "n_public_body", "n_firm", "n_union", "n_citizen", "group_score"]


async def test_the_daily_job_erases_old_free_texts_and_the_exported_tables_keep_their_counts(tmp_path):
    path = tmp_path / "scenari.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade_database(db)
    await build_city(db)
    async with db.transaction() as session:  # the city answered 400 days ago
        await session.execute(update(Answer).values(answered_at=datetime.now(timezone.utc) - timedelta(days=400)))
    done = scenari("tables", "export", "--format", "csv", "--out", str(tmp_path / "before"), db=path)
    assert done.returncode == 0, done.stderr
    before = pd.read_csv(tmp_path / "before" / "convergence.csv")
    assert len(pd.read_csv(tmp_path / "before" / "quotes.csv")) > 0
    kept = query(path, "SELECT count(*) FROM answers WHERE question_key IN ('objective', 'become') AND value != '\"\"'")

    settings = Settings(SCENARI_RETENTION_FREE_TEXT_DAYS="365")  # type: ignore[call-arg]
    outcome = await run_job_now(db, retention_spec(settings.schedule_options(), db))
    await db.dispose()
    assert outcome.ran and outcome.ok and outcome.result.free_texts > 0

    done = scenari("tables", "export", "--format", "csv", "--out", str(tmp_path / "after"), db=path)
    assert done.returncode == 0, done.stderr
    after = pd.read_csv(tmp_path / "after" / "convergence.csv")
    pd.testing.assert_frame_equal(before[COUNTS], after[COUNTS])  # the themes stay, so every count stays
    assert len(pd.read_csv(tmp_path / "after" / "quotes.csv")) == 0  # the words are gone
    left = query(path, "SELECT count(*) FROM answers WHERE question_key IN ('objective', 'become') AND value != '\"\"'")
    assert kept[0][0] > 0 and left[0][0] == 0
    listed = scenari("audit", "list", "--since", "1d", "--action", "retention", db=path)
    assert listed.returncode == 0, listed.stderr
    assert "retention" in listed.stdout and f"free_texts={outcome.result.free_texts}" in listed.stdout
