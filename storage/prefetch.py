"""Rows a batch of updates will need, loaded in three queries instead of three per update.

Under group commit, many updates share one transaction. Without this, each of them would
look up its respondent, its open run and whether its update id was already processed: three
round trips each, serialised on one connection. :func:`prefetch` loads all of that for the
whole batch at once and keeps it in ``session.info``; the repository functions read it
before going to the database and keep it current as they write. It lives exactly as long as
the session (one batch, one transaction), so it can never go stale across transactions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from .models import ProcessedUpdate, Respondent, Run

KEY = "scenari.prefetched"
OPEN_STATUSES = ("active", "paused")


@dataclass
class Prefetched:
    checked_updates: set[tuple[str, int]] = field(default_factory=set)
    processed_updates: set[tuple[str, int]] = field(default_factory=set)
    respondents: dict[tuple[str, str], Respondent | None] = field(default_factory=dict)
    open_runs: dict[int, list[Run]] = field(default_factory=dict)  # newest first

    def remember_run(self, run: Run) -> None:
        runs = self.open_runs.get(run.respondent_id)
        if runs is None:
            return  # this respondent was not prefetched: the database stays the source
        runs[:] = [r for r in runs if r is not run]
        if run.status in OPEN_STATUSES:
            runs.insert(0, run)

    def forget_respondent(self, respondent_id: int) -> None:
        self.open_runs.pop(respondent_id, None)
        for key, respondent in list(self.respondents.items()):
            if respondent is not None and respondent.id == respondent_id:
                self.respondents[key] = None


def cached(session: AsyncSession) -> Prefetched | None:
    return session.info.get(KEY)


async def prefetch(
    session: AsyncSession, channel: str, external_ids: Iterable[str], update_ids: Iterable[int]
) -> Prefetched:
    """Load respondents, their open runs (locked on PostgreSQL) and processed update ids."""
    found = session.info.setdefault(KEY, Prefetched())
    ids = sorted(set(external_ids))
    updates = sorted(set(update_ids))
    if updates:
        rows = await session.scalars(
            select(ProcessedUpdate.update_id).where(
                ProcessedUpdate.channel == channel, ProcessedUpdate.update_id.in_(updates)
            )
        )
        found.processed_updates.update((channel, u) for u in rows)
        found.checked_updates.update((channel, u) for u in updates)
    if ids:
        respondents = list(
            await session.scalars(
                select(Respondent).where(tuple_(Respondent.channel, Respondent.external_id).in_([(channel, i) for i in ids]))
            )
        )
        for external_id in ids:
            found.respondents.setdefault((channel, external_id), None)
        for respondent in respondents:
            found.respondents[(channel, respondent.external_id)] = respondent
            found.open_runs[respondent.id] = []
        if respondents:
            runs = await session.scalars(
                select(Run)
                .where(Run.respondent_id.in_([r.id for r in respondents]), Run.status.in_(OPEN_STATUSES))
                .order_by(Run.updated_at.desc(), Run.id.desc())
                .with_for_update()
            )
            for run in runs:
                found.open_runs[run.respondent_id].append(run)
    return found
