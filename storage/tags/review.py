"""Human review: the coding sheet's rows, applying a coder's decisions, the review history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Answer, AnswerTag, TagReview, utcnow
from .machine import machine_tags
from .pending import free_text_answers
from .records import ADD, CONFIRM, HUMAN, HUMAN_METHOD, REMOVE, ReviewInput, ReviewSheetRow, _chunks


async def review_rows(
    session: AsyncSession, *, include_reviewed: bool = False, limit: int | None = None, min_confidence: float = 0.0
) -> list[ReviewSheetRow]:
    """Current free-text answers for a coding sheet, with the machine's suggestions and evidence.

    By default only answers nobody has reviewed yet; ``include_reviewed`` lists all of them
    (for a second coder: the suggestions are always the machine's, so coders stay independent).
    Suggestions below ``min_confidence`` are left out of the sheet.
    """
    texts = await free_text_answers(session)
    ids = sorted(texts)
    reviewed: set[int] = set()
    human: dict[int, dict[str, str]] = {}
    for chunk in _chunks(ids, 500):
        reviewed.update(await session.scalars(select(TagReview.answer_id).where(TagReview.answer_id.in_(chunk))))
        for answer_id, theme_id, decision in await session.execute(
            select(AnswerTag.answer_id, AnswerTag.theme_id, AnswerTag.decision).where(
                AnswerTag.answer_id.in_(chunk), AnswerTag.source == HUMAN
            )
        ):
            human.setdefault(answer_id, {})[theme_id] = decision
    if not include_reviewed:
        ids = [i for i in ids if i not in reviewed]
    if limit is not None:
        ids = ids[:limit]
    tags = await machine_tags(session, ids)
    rows = []
    for answer_id in ids:
        row = ReviewSheetRow(answer_id, texts[answer_id], human=human.get(answer_id, {}), reviewed=answer_id in reviewed)
        for tag in tags.get(answer_id, ()):
            if not tag.negated and (tag.score or 0.0) >= min_confidence:
                row.suggested.append(tag.theme_id)
                if tag.evidence:
                    row.evidence.append(f"{tag.theme_id}: {', '.join(tag.evidence)}")
            if tag.negated_evidence:
                row.evidence.append(f"{tag.theme_id}: rifiutato ({', '.join(tag.negated_evidence)})")
        rows.append(row)
    return rows


async def existing_answers(session: AsyncSession, answer_ids: Iterable[int]) -> dict[int, bool]:
    """answer id → is it current? (missing ids were erased)."""
    out: dict[int, bool] = {}
    for chunk in _chunks(sorted(set(answer_ids)), 500):
        for answer_id, is_current in await session.execute(
            select(Answer.id, Answer.is_current).where(Answer.id.in_(chunk))
        ):
            out[answer_id] = bool(is_current)
    return out


async def apply_review(
    session: AsyncSession, decisions: Sequence[ReviewInput], coder: str = "", source: str = "", now: datetime | None = None
) -> int:
    """Record coded texts: the review history, then the latest human decision per theme.

    ``coder`` is used for rows that name none. Rows that were not reviewed are ignored.
    The machine's evidence, method and taxonomy version are copied onto a confirmed theme,
    so the trail from a theme back to the words survives a later retag. Returns the number
    of texts recorded.
    """
    now = now or utcnow()
    chosen = [d for d in decisions if d.reviewed]
    if not chosen:
        return 0
    machine = await machine_tags(session, [d.answer_id for d in chosen])
    stored = 0
    for decision in chosen:
        who = decision.coder or coder
        if not who:
            raise ValueError(f"no coder for answer {decision.answer_id}")
        final = decision.final_themes
        review = TagReview(
            answer_id=decision.answer_id,
            coder=who,
            accept=decision.accept,
            suggested=list(decision.suggested),
            themes=list(final),
            source=source,
            sheet_row=decision.sheet_row,
            decided_at=now,
        )
        session.add(review)
        await session.flush()
        by_theme = {tag.theme_id: tag for tag in machine.get(decision.answer_id, ())}
        verdicts: dict[str, str] = {}
        for theme_id in final:
            verdicts[theme_id] = CONFIRM if theme_id in decision.suggested else ADD
        for theme_id in (*decision.suggested, *decision.remove):
            if theme_id not in final:
                verdicts[theme_id] = REMOVE
        for theme_id, verdict in verdicts.items():
            await _set_human_tag(session, decision.answer_id, theme_id, verdict, by_theme.get(theme_id), who, review.id, now)
        stored += 1
    return stored


async def _set_human_tag(
    session: AsyncSession,
    answer_id: int,
    theme_id: str,
    decision: str,
    machine: AnswerTag | None,
    coder: str,
    review_id: int,
    now: datetime,
) -> None:
    tag = await session.scalar(
        select(AnswerTag).where(
            AnswerTag.answer_id == answer_id, AnswerTag.theme_id == theme_id, AnswerTag.source == HUMAN
        )
    )
    if tag is None:
        tag = AnswerTag(answer_id=answer_id, theme_id=theme_id, source=HUMAN)
        session.add(tag)
    tag.decision = decision
    tag.score = machine.score if machine is not None else None
    tag.evidence = list(machine.evidence or ()) if machine is not None else []
    tag.negated_evidence = list(machine.negated_evidence or ()) if machine is not None else []
    tag.negated = False
    tag.method = machine.method if machine is not None else HUMAN_METHOD
    tag.taxonomy_version = machine.taxonomy_version if machine is not None else ""
    tag.tagged_at = now
    tag.coder = coder
    tag.review_id = review_id
    await session.flush()


async def reviewed_codings(session: AsyncSession) -> dict[str, dict[int, frozenset[str]]]:
    """coder → answer id → the themes that coder's latest coding of the answer kept.

    Only current answers count (a changed answer is a different text).
    """
    latest: dict[tuple[str, int], TagReview] = {}
    for review in await session.scalars(
        select(TagReview)
        .join(Answer, Answer.id == TagReview.answer_id)
        .where(Answer.is_current.is_(True))
        .order_by(TagReview.decided_at, TagReview.id)
    ):
        latest[(review.coder, review.answer_id)] = review
    out: dict[str, dict[int, frozenset[str]]] = {}
    for (who, answer_id), review in sorted(latest.items()):
        out.setdefault(who, {})[answer_id] = frozenset(review.themes or ())
    return out


async def latest_reviews(session: AsyncSession) -> dict[int, frozenset[str]]:
    """answer id → the themes of its latest coding by anyone (the reviewed reference)."""
    latest: dict[int, TagReview] = {}
    for review in await session.scalars(
        select(TagReview)
        .join(Answer, Answer.id == TagReview.answer_id)
        .where(Answer.is_current.is_(True))
        .order_by(TagReview.decided_at, TagReview.id)
    ):
        latest[review.answer_id] = review
    return {answer_id: frozenset(review.themes or ()) for answer_id, review in sorted(latest.items())}
