"""Machine tags: storing the tagger's results, clearing them for a retag, reading them back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Answer, AnswerTag, TaggedAnswer, utcnow
from .records import MACHINE, TaggedText, _chunks


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


async def store_tags(session: AsyncSession, results: Sequence[TaggedText]) -> int:
    """Store the tagger's output; returns how many answers were newly recorded.

    Answers erased since they were read are skipped, and so are answers another worker
    recorded meanwhile (INSERT … ON CONFLICT DO NOTHING on the ``tagged_answers`` key).
    """
    if not results:
        return 0
    now = utcnow()
    by_id = {r.answer_id: r for r in results}
    existing: set[int] = set()
    for chunk in _chunks(sorted(by_id), 500):
        existing.update(await session.scalars(select(Answer.id).where(Answer.id.in_(chunk))))
    rows = [
        {
            "answer_id": r.answer_id,
            "keywords": list(r.keywords),
            "method": r.method,
            "taxonomy_version": r.taxonomy_version,
            "tagged_at": now,
        }
        for r in by_id.values()
        if r.answer_id in existing
    ]
    if not rows:
        return 0
    claimed = set(
        await session.scalars(
            _insert(session, TaggedAnswer).on_conflict_do_nothing(index_elements=["answer_id"]).returning(
                TaggedAnswer.answer_id
            ),
            rows,
        )
    )
    tag_rows = [
        {
            "answer_id": r.answer_id,
            "theme_id": tag.theme_id,
            "source": MACHINE,
            "decision": None,
            "score": tag.score,
            "evidence": list(tag.evidence),
            "negated_evidence": list(tag.negated_evidence),
            "negated": tag.negated,
            "method": tag.method or r.method,
            "taxonomy_version": r.taxonomy_version,
            "tagged_at": now,
            "coder": None,
            "review_id": None,
        }
        for r in by_id.values()
        if r.answer_id in claimed
        for tag in r.tags
    ]
    if tag_rows:
        await session.execute(
            _insert(session, AnswerTag).on_conflict_do_nothing(index_elements=["answer_id", "theme_id", "source"]),
            tag_rows,
        )
    return len(claimed)


async def clear_machine_tags(session: AsyncSession) -> int:
    """Forget every machine pass (tags and keywords): every free-text answer is pending again.

    Human decisions (``source='human'``) and the review history are kept, and so is the machine
    pass of a text whose words retention erased (``storage.retention``): there is nothing to read.
    """
    erased = select(Answer.id).where(Answer.text_erased_at.is_not(None))
    await session.execute(delete(AnswerTag).where(AnswerTag.source == MACHINE, AnswerTag.answer_id.not_in(erased)))
    result = await session.execute(delete(TaggedAnswer).where(TaggedAnswer.answer_id.not_in(erased)))
    return result.rowcount or 0


async def machine_tags(session: AsyncSession, answer_ids: Iterable[int]) -> dict[int, list[AnswerTag]]:
    """Machine tags (voting and rejected) of the given answers."""
    out: dict[int, list[AnswerTag]] = {}
    for chunk in _chunks(sorted(set(answer_ids)), 500):
        for tag in await session.scalars(
            select(AnswerTag)
            .where(AnswerTag.answer_id.in_(chunk), AnswerTag.source == MACHINE)
            .order_by(AnswerTag.answer_id, AnswerTag.score.desc(), AnswerTag.id)
        ):
            out.setdefault(tag.answer_id, []).append(tag)
    return out


async def keywords(session: AsyncSession, answer_ids: Iterable[int]) -> dict[int, TaggedAnswer]:
    """The machine pass (keywords, method, taxonomy version) of the given answers."""
    out: dict[int, TaggedAnswer] = {}
    for chunk in _chunks(sorted(set(answer_ids)), 500):
        for row in await session.scalars(select(TaggedAnswer).where(TaggedAnswer.answer_id.in_(chunk))):
            out[row.answer_id] = row
    return out
