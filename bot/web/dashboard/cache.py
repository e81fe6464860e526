"""The tables behind the dashboard, built on demand and kept for a minute.

The convergence tables (:mod:`exports.tables`, the same k-suppression and pseudonyms as
the file exports) are read in one transaction and computed in a worker thread, so a page never
blocks the event loop; the activity table (answers per day) is added beside them. pandas and
the tables load at the first dashboard request, not at start-up: the first pages of a
restarted service wait for neither (tests/bot/test_startup.py).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from storage import Database, aggregates, analysts

if TYPE_CHECKING:  # pandas and the tables load at the first dashboard request, not at start-up
    from exports.tables import Table, Tables  # the dashboard's other modules take the types from here

CACHE_SECONDS = 60.0
ACTIVITY = "activity"


class TableCache:
    """The convergence tables and the activity table, rebuilt when older than ``ttl`` seconds."""

    def __init__(self, db: Database, k: int, lang: str, weights: Any = None, ttl: float = CACHE_SECONDS,
                 sources: Any = None) -> None:
        self.db = db
        self.sources = sources  # the plan's labels (exports.options.PlanSources)
        self.lang, self.weights = lang, weights
        self.k = k
        self.ttl = ttl
        self._tables: Tables | None = None
        self._made = 0.0
        self._lock = asyncio.Lock()

    def _fresh(self) -> Tables | None:
        if self._tables is not None and time.monotonic() - self._made < self.ttl:
            return self._tables
        return None

    async def get(self) -> Tables:
        """The tables, built again (once, however many requests wait) when they are too old."""
        fresh = self._fresh()
        if fresh is not None:
            return fresh
        async with self._lock:
            fresh = self._fresh()
            if fresh is not None:
                return fresh
            from exports.tables import Options, build_tables  # slow (pandas): at the first dashboard request
            from exports.tables.build import read_arguments

            options = Options(k=self.k, lang=self.lang, weights=self.weights, sources=self.sources)
            reads = read_arguments(options)  # the plan's questionnaires (plan.yaml tables:)
            async with self.db.transaction() as session:
                data = await aggregates.load(session, reads["questionnaires"], outcomes_of=reads["outcomes_of"])
                activity = await analysts.activity(session)
            tables = await asyncio.to_thread(build_tables, data, options)
            tables.tables[ACTIVITY] = activity_table(activity, self.k)
            self._tables, self._made = tables, time.monotonic()
            return tables

    def forget(self) -> None:
        self._tables = None


def activity_table(rows: list[analysts.ActivityRow], k: int) -> Table:
    """Answers and respondents per day, questionnaire and channel; a day under k respondents hidden."""
    import pandas as pd  # slow to import: only once the tables are being built, never at start-up

    from exports.tables import Table  # imports pandas: likewise (loaded with build_tables by now)

    frame = pd.DataFrame({
        "day": [r.day.isoformat() for r in rows],
        "questionnaire": [r.questionnaire_id for r in rows],
        "channel": [r.channel for r in rows],
        "answers": pd.array([r.answers for r in rows], dtype="Int64"),
        "respondents": pd.array([r.respondents for r in rows], dtype="Int64"),
    })
    hidden = (frame["respondents"] > 0) & (frame["respondents"] < k)
    frame["answers"] = frame["answers"].mask(hidden)
    frame["respondents"] = frame["respondents"].mask(hidden)
    return Table(ACTIVITY, "Risposte nel tempo", "Current answers per day (UTC), questionnaire and channel, with "
                 f"the distinct respondents; a day with 1…{k - 1} respondents is hidden.", frame,
                 {"day": "UTC date the answer was given", "channel": "telegram, web or terminal",
                  "answers": "current answers given that day", "respondents": "distinct respondents that day"})
