"""Themes of free-text answers: pending texts, machine tags, human review. Callers own the transaction.

Plain arguments in, plain records out: this module knows nothing of spaCy (``nlp.worker`` and
``nlp.coding`` turn tagger results and coding sheets into the records below).

The rules (see also storage/models.py):

* a free-text answer is a current, not skipped answer to a question whose type is ``text`` in
  the questionnaire definition the run was started with (``questionnaire_versions``);
* it is *pending* while it has no ``tagged_answers`` row;
* machine tags (``answer_tags.source='machine'``) are replaced by retagging; human decisions
  (``source='human'``) are only written by a review and always win over the machine;
* everything hangs off ``answers.id`` with ON DELETE CASCADE, so erasure takes it along.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, false, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Answer, AnswerTag, QuestionnaireVersion, Run, TaggedAnswer, TagReview, utcnow

MACHINE = "machine"
HUMAN = "human"
CONFIRM, ADD, REMOVE = "confirm", "add", "remove"
HUMAN_METHOD = "human"


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingText:
    """A free-text answer the tagger has not seen yet."""

    answer_id: int
    text: str


@dataclass(frozen=True)
class MachineTag:
    theme_id: str
    score: float
    evidence: tuple[str, ...] = ()
    negated_evidence: tuple[str, ...] = ()
    negated: bool = False  # only rejected mentions ("niente turismo"): kept for reviewers, not a vote
    method: str = ""  # who suggested it (rules, learned:<version>, both); "" = the pass's method


@dataclass(frozen=True)
class TaggedText:
    """The tagger's output for one answer, ready to store."""

    answer_id: int
    method: str
    taxonomy_version: str
    keywords: tuple[str, ...] = ()
    tags: tuple[MachineTag, ...] = ()


@dataclass(frozen=True)
class EffectiveTag:
    """A theme an answer counts for, and where it comes from (the audit trail)."""

    theme_id: str
    source: str  # 'machine' or 'human'
    decision: str | None  # human: 'confirm' or 'add'
    score: float | None
    evidence: tuple[str, ...]
    method: str
    taxonomy_version: str
    tagged_at: datetime
    coder: str | None = None
    sheet: str | None = None
    sheet_row: int | None = None


@dataclass(frozen=True)
class ReviewInput:
    """One coded text from a coding sheet: what was suggested and what the coder decided.

    ``accept`` None with added/removed themes means the coder corrected the suggestions
    (kept minus removed, plus added); None with no edits means the row was not reviewed.
    """

    answer_id: int
    suggested: tuple[str, ...]
    accept: bool | None
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    coder: str = ""
    sheet_row: int | None = None

    @property
    def reviewed(self) -> bool:
        return self.accept is not None or bool(self.add) or bool(self.remove)

    @property
    def final_themes(self) -> tuple[str, ...]:
        keep = [] if self.accept is False else [t for t in self.suggested if t not in self.remove]
        return tuple(dict.fromkeys([*keep, *(t for t in self.add if t not in self.remove)]))


@dataclass
class ReviewSheetRow:
    """A current free-text answer as the coding sheet shows it."""

    answer_id: int
    text: str
    suggested: list[str] = field(default_factory=list)  # machine themes that vote
    evidence: list[str] = field(default_factory=list)  # "theme: words", rejected mentions marked
    human: dict[str, str] = field(default_factory=dict)  # theme -> latest human decision
    reviewed: bool = False


# --- pending texts ------------------------------------------------------------------------------


async def text_question_keys(session: AsyncSession) -> dict[tuple[str, int], set[str]]:
    """(questionnaire id, version) → keys of its ``text`` questions, from the stored definitions."""
    out: dict[tuple[str, int], set[str]] = {}
    rows = await session.execute(
        select(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.version, QuestionnaireVersion.definition)
    )
    for questionnaire_id, version, definition in rows:
        questions = (definition or {}).get("questions") or []
        keys = {q["key"] for q in questions if isinstance(q, dict) and q.get("type") == "text" and q.get("key")}
        if keys:
            out[(questionnaire_id, version)] = keys
    return out


def _free_text_condition(keys: dict[tuple[str, int], set[str]]) -> Any:
    if not keys:
        return false()
    return or_(
        *(
            and_(
                Run.questionnaire_id == questionnaire_id,
                Run.questionnaire_version == version,
                Answer.question_key.in_(sorted(question_keys)),
            )
            for (questionnaire_id, version), question_keys in sorted(keys.items())
        )
    )


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


async def untagged_text_answers(session: AsyncSession, limit: int = 256) -> list[PendingText]:
    """The oldest current free-text answers with no machine pass yet (at most ``limit``)."""
    keys = await text_question_keys(session)
    rows = await session.execute(
        select(Answer.id, Answer.value)
        .join(Run, Run.id == Answer.run_id)
        .outerjoin(TaggedAnswer, TaggedAnswer.answer_id == Answer.id)
        .where(
            Answer.is_current.is_(True),
            Answer.skipped.is_(False),
            TaggedAnswer.answer_id.is_(None),
            _free_text_condition(keys),
        )
        .order_by(Answer.id)
        .limit(limit)
    )
    return [PendingText(answer_id, _as_text(value)) for answer_id, value in rows]


async def free_text_answers(session: AsyncSession, answer_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Current free-text answers (all, or those among ``answer_ids``) → their text."""
    keys = await text_question_keys(session)
    query = (
        select(Answer.id, Answer.value)
        .join(Run, Run.id == Answer.run_id)
        .where(Answer.is_current.is_(True), Answer.skipped.is_(False), _free_text_condition(keys))
        .order_by(Answer.id)
    )
    if answer_ids is None:
        return {answer_id: _as_text(value) for answer_id, value in await session.execute(query)}
    wanted = sorted(set(answer_ids))
    out: dict[int, str] = {}
    for chunk in _chunks(wanted, 500):
        for answer_id, value in await session.execute(query.where(Answer.id.in_(chunk))):
            out[answer_id] = _as_text(value)
    return out


# --- machine tags -------------------------------------------------------------------------------


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


# --- what counts --------------------------------------------------------------------------------


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


# --- human review -------------------------------------------------------------------------------


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


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
