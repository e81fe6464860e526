"""Exports and privacy: the runs an export reads, a person's own data, erasure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .. import audit
from ..deliberation import delete_pending_of
from ..prefetch import cached
from ..models import Answer, Consent, Respondent, Run, RunOutcome
from .runs import answer_rows, current_answers


@dataclass(frozen=True)
class ExportRun:
    respondent: str
    run: str
    status: str
    version: int
    started_at: datetime
    completed_at: datetime | None
    answers: dict[str, Any]
    outcomes: dict[str, Any]
    # every current answer as (key, item index, value): repeat-group items are long tables
    rows: list[tuple[str, int, Any]] = field(default_factory=list)
    updated_at: datetime | None = None  # the last answer: where a partial run stopped, and when


async def export_runs(session: AsyncSession, questionnaire_id: str) -> list[ExportRun]:
    """Every run of a questionnaire with its current answers, keyed by pseudonyms only."""
    runs = (
        await session.execute(
            select(Run, Respondent.pseudonym)
            .join(Respondent, Respondent.id == Run.respondent_id)
            # a stopped run (the age gate) holds no answer and is nobody's data to analyse
            .where(Run.questionnaire_id == questionnaire_id, Run.status != "stopped")
            .order_by(Run.started_at, Run.id)
        )
    ).all()
    run_ids = [run.id for run, _ in runs]
    answers: dict[int, dict[str, Any]] = {run_id: {} for run_id in run_ids}
    outcomes: dict[int, dict[str, Any]] = {run_id: {} for run_id in run_ids}
    rows: dict[int, list[tuple[str, int, Any]]] = {run_id: [] for run_id in run_ids}
    for chunk in _chunks(run_ids, 500):
        for run_id, key, index, value in await session.execute(
            select(Answer.run_id, Answer.question_key, Answer.item_index, Answer.value)
            .where(Answer.run_id.in_(chunk), Answer.is_current.is_(True))
            .order_by(Answer.id)
        ):
            if index == 0:
                answers[run_id][key] = value
            rows[run_id].append((key, index, value))
        for run_id, key, value in await session.execute(
            select(RunOutcome.run_id, RunOutcome.key, RunOutcome.value).where(RunOutcome.run_id.in_(chunk))
        ):
            outcomes[run_id][key] = value
    return [
        ExportRun(
            respondent=pseudonym,
            run=run.public_id,
            status=run.status,
            version=run.questionnaire_version,
            started_at=run.started_at,
            completed_at=run.completed_at,
            answers=answers[run.id],
            outcomes=outcomes[run.id],
            rows=rows[run.id],
            updated_at=run.updated_at,
        )
        for run, pseudonym in runs
    ]


@dataclass(frozen=True)
class RespondentData:
    pseudonym: str
    language: str
    created_at: datetime
    consents: list[tuple[str, bool, str, datetime]]
    runs: list[tuple[str, str, int, dict[str, Any]]]
    # per run, in the same order: every current answer with its item index (repeat groups)
    rows: list[list[tuple[str, int, Any]]] = field(default_factory=list)


async def respondent_data(session: AsyncSession, respondent_id: int) -> RespondentData | None:
    """Everything held about one respondent, for the privacy command."""
    respondent = await session.get(Respondent, respondent_id)
    if respondent is None:
        return None
    consents = [
        (c.purpose, c.granted, c.notice_version, c.decided_at)
        for c in await session.scalars(
            select(Consent).where(Consent.respondent_id == respondent_id).order_by(Consent.id)
        )
    ]
    runs = []
    rows = []
    for run in await session.scalars(select(Run).where(Run.respondent_id == respondent_id).order_by(Run.id)):
        runs.append((run.questionnaire_id, run.status, run.questionnaire_version, await current_answers(session, run.id)))
        rows.append(await answer_rows(session, run.id))
    return RespondentData(respondent.pseudonym, respondent.language, respondent.created_at, consents, runs, rows)


async def respondent_id_by_pseudonym(session: AsyncSession, pseudonym: str) -> int | None:
    """For staff handling a request by post: the pseudonym is what the exports show."""
    return await session.scalar(select(Respondent.id).where(Respondent.pseudonym == pseudonym.strip()))


async def erase_respondent(session: AsyncSession, respondent_id: int) -> None:
    """Delete the respondent and everything linked to it (explicitly, not trusting cascades)."""
    known = cached(session)
    if known is not None:
        known.forget_respondent(respondent_id)
    await session.flush()
    pseudonym = await session.scalar(select(Respondent.pseudonym).where(Respondent.id == respondent_id))
    runs = await session.scalar(select(func.count()).select_from(Run).where(Run.respondent_id == respondent_id))
    await audit.record(session, "respondent", "erasure", pseudonym, detail={"runs": int(runs or 0)})
    await delete_pending_of(session, respondent_id)  # statements nobody approved yet go too
    run_ids = select(Run.id).where(Run.respondent_id == respondent_id).scalar_subquery()
    await session.execute(delete(Answer).where(Answer.run_id.in_(run_ids)))
    await session.execute(delete(RunOutcome).where(RunOutcome.run_id.in_(run_ids)))
    await session.execute(delete(Run).where(Run.respondent_id == respondent_id))
    await session.execute(delete(Consent).where(Consent.respondent_id == respondent_id))
    await session.execute(delete(Respondent).where(Respondent.id == respondent_id))


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    """Slices of ``items``: an IN (…) list stays under the databases' parameter limits."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
