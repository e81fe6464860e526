"""What counts: each answer's effective themes (human decisions over machine tags) and their totals."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import AnswerTag, TagReview
from .pending import free_text_answers
from .records import HUMAN, MACHINE, REMOVE, EffectiveTag, _chunks


async def effective_themes(
    session: AsyncSession, answer_ids: Iterable[int] | None = None, *, min_confidence: float = 0.0
) -> dict[int, list[EffectiveTag]]:
    """Current free-text answer → the themes it counts for, human decisions first.

    A theme counts when a person confirmed or added it, or when the machine found it (not only
    rejected) with a confidence of at least ``min_confidence`` and no person removed it. A
    person's decision counts whatever the machine's confidence. Each entry carries its evidence
    and origin.
    """
    texts = await free_text_answers(session, answer_ids)
    ids = sorted(texts)
    tags: dict[int, list[AnswerTag]] = {}
    reviews: dict[int, TagReview] = {}
    for chunk in _chunks(ids, 500):
        for tag in await session.scalars(select(AnswerTag).where(AnswerTag.answer_id.in_(chunk))):
            tags.setdefault(tag.answer_id, []).append(tag)
    review_ids = {t.review_id for ts in tags.values() for t in ts if t.review_id is not None}
    for chunk in _chunks(sorted(review_ids), 500):
        for review in await session.scalars(select(TagReview).where(TagReview.id.in_(chunk))):
            reviews[review.id] = review
    out: dict[int, list[EffectiveTag]] = {}
    for answer_id in ids:
        by_source: dict[str, dict[str, AnswerTag]] = {MACHINE: {}, HUMAN: {}}
        for tag in tags.get(answer_id, ()):
            by_source[tag.source][tag.theme_id] = tag
        chosen: list[EffectiveTag] = []
        for theme_id, tag in by_source[HUMAN].items():
            if tag.decision == REMOVE:
                continue
            review = reviews.get(tag.review_id) if tag.review_id is not None else None
            chosen.append(
                EffectiveTag(
                    theme_id, HUMAN, tag.decision, tag.score, tuple(tag.evidence or ()), tag.method,
                    tag.taxonomy_version, tag.tagged_at, tag.coder,
                    review.source if review else None, review.sheet_row if review else None,
                )
            )
        for theme_id, tag in by_source[MACHINE].items():
            if tag.negated or theme_id in by_source[HUMAN] or (tag.score or 0.0) < min_confidence:
                continue
            chosen.append(
                EffectiveTag(
                    theme_id, MACHINE, None, tag.score, tuple(tag.evidence or ()), tag.method,
                    tag.taxonomy_version, tag.tagged_at,
                )
            )
        chosen.sort(key=lambda e: (e.source != HUMAN, -(e.score or 0.0), e.theme_id))
        out[answer_id] = chosen
    return out


async def theme_counts(session: AsyncSession, *, min_confidence: float = 0.0) -> dict[str, int]:
    """How many current free-text answers count for each theme (convergence across actors)."""
    counts: dict[str, int] = {}
    for entries in (await effective_themes(session, min_confidence=min_confidence)).values():
        for entry in entries:
            counts[entry.theme_id] = counts.get(entry.theme_id, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
