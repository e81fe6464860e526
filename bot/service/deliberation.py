"""Deliberation, channel-neutral: statements from what people said, rounds, invitations, summaries.

* :func:`statement_from` makes a proposal out of an objective or a vision: its first sentence,
  whitespace collapsed, at most 140 characters (cut at a word, with "…").
* :func:`create_statement` stores a statement with its content lemmas (the NLP pipeline) and a
  near-duplicate flag (:mod:`nlp.similarity`: lemma-set Jaccard ≥ 0.6 or difflib ratio ≥ 0.85).
* :func:`invite` adds a round's segment to its participants and writes one invitation per person
  to the communication plan's durable outbox (:mod:`storage.outbox`; :mod:`bot.telegram.sender` delivers).
* :func:`summarise` (when a round closes) writes to each voter who opted in to the plan's news a
  short personal summary: the statements most shared across categories.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import threading
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from storage import Database, audiences, deliberation, outbox
from storage.deliberation import MAX_LENGTH, DeliberationError
from storage.models import DeliberationRound, Statement, utcnow

from bot.service.communication import Plan
from bot.service.texts import translate

log = logging.getLogger("scenari.deliberation")


# --- statements -------------------------------------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")


def statement_from(text: str) -> str | None:
    """One sentence of ``text``, trimmed to at most 140 characters; None when too short to vote on."""
    first = next((part for part in _SENTENCE.split(text.strip()) if part.strip()), "")
    first = " ".join(first.split()).strip(" -–—•*\"'«»“”")
    if len(first) < 12 or len(first.split()) < 3:
        return None
    if len(first) > MAX_LENGTH:
        cut = first[: MAX_LENGTH - 1]
        cut = cut[: cut.rfind(" ")] if " " in cut else cut
        first = cut.rstrip(" ,;:.") + "…"
    first = first[0].upper() + first[1:]
    return first


_similarity: Any = None
_lock = threading.Lock()


def similarity(model: str | None = None) -> Any:
    """The process's :class:`nlp.similarity.StatementSimilarity` (the pipeline loads on first use)."""
    global _similarity
    with _lock:
        if _similarity is None:
            from nlp.similarity import StatementSimilarity  # the nlp package imports spaCy and pandas (seconds)

            _similarity = StatementSimilarity(model=model)
        return _similarity


async def lemmas_of(text: str, model: str | None = None) -> frozenset[str]:
    return await asyncio.to_thread(similarity(model).lemmas, text)


async def create_statement(session: AsyncSession, text: str, source: str, lemmas: frozenset[str], *,
                           status: str = deliberation.PENDING, **fields: Any) -> Statement:
    """Store a statement with its lemmas and, when one exists, its nearest near-duplicate."""
    candidates = await deliberation.similarity_candidates(session)
    match = similarity().best(text, lemmas, candidates)
    return await deliberation.add_statement(
        session, text, source, status=status, lemmas=lemmas,
        duplicate_of_id=match.id if match else None, similarity=round(match.score, 3) if match else None, **fields,
    )


async def propose(db: Database, limit: int | None = None, model: str | None = None) -> int:
    """Proposals (pending) from the objectives and visions not used yet; returns how many."""
    async with db.transaction() as session:
        sources = await deliberation.source_texts(session, limit)
    made = 0
    sim = similarity(model)
    await asyncio.to_thread(lambda: sim.nlp)  # load the pipeline off the event loop
    for chunk_start in range(0, len(sources), 200):
        async with db.transaction() as session:
            for source in sources[chunk_start:chunk_start + 200]:
                text = statement_from(source.text)
                if text is None:
                    continue
                await create_statement(session, text, source.kind, sim.lemmas(text), source_answer_id=source.answer_id,
                                       author_respondent_id=source.respondent_id)
                made += 1
    return made


# --- rounds -------------------------------------------------------------------------------------------


def _until(round_: DeliberationRound, lang: str, zone: str) -> str:
    if round_.closes_at is None:
        return ""
    local = deliberation.aware(round_.closes_at).astimezone(ZoneInfo(zone))  # type: ignore[union-attr]
    return translate("until", lang, date=local.strftime("%d/%m/%Y %H:%M"))


async def invite(db: Database, round_id: int, settings: Any) -> tuple[int, int]:
    """Add the round's segment to its participants; an invitation per new participant in the outbox.

    Returns (new participants, invitations enqueued).
    """
    plan = Plan.from_settings(settings)
    async with db.transaction() as session:
        round_ = await deliberation.get_round(session, round_id)
        if round_ is None:
            raise DeliberationError(f"no round #{round_id}")
        recipients = await audiences.resolve(session, round_.segment or {}, plan.newsletter_since)
        new = set(await deliberation.add_participants(session, round_.id, [r.respondent_id for r in recipients]))
        now = utcnow()
        rows = [{
            "dedupe_key": f"dlinv{round_.id}:r{r.respondent_id}", "kind": "newsletter", "respondent_id": r.respondent_id,
            "chat_id": r.chat_id, "language": r.language, "not_before": plan.out_of_quiet_hours(now), "channel": r.channel,
            "payload": {"html": html.escape(translate("invite", r.language, name=round_.name,
                                               until=_until(round_, r.language, settings.city_timezone))),
                        "buttons": _vote_button(round_.id, r.language) if r.channel == audiences.WHATSAPP
                        else _start_button(settings, r.language)},
        } for r in recipients if r.respondent_id in new]
        enqueued = await outbox.enqueue(session, rows) if rows else 0
    return len(new), enqueued


def _vote_button(round_id: int, lang: str) -> list[dict[str, Any]]:
    """WhatsApp has no deep link with a payload: its sender draws this as a reply button (bot.whatsapp.render)."""
    return [{"text": "🗳 Vota" if lang == "it" else ("🗳 Abstimmen" if lang == "de" else "🗳 Vote"), "action": "vote",
             "round": round_id}]


def _start_button(settings: Any, lang: str) -> list[dict[str, str]]:
    username = getattr(settings, "telegram_bot_username", None)
    if not username:
        return []
    return [{"text": "🗳 Vota" if lang == "it" else "🗳 Vote", "url": f"https://t.me/{username}?start=vota"}]


async def round_frames(db: Database, round_id: int, k: int, lang: str = "it", sources: Any = None) -> dict[str, Any]:
    from exports.tables.consensus import ConsensusOptions, consensus_frames  # pandas and numpy (seconds)

    async with db.transaction() as session:
        data = await deliberation.load_votes(session, [round_id])
    return await asyncio.to_thread(consensus_frames, data, None, None, ConsensusOptions(k=k, lang=lang, groups=False,
                                                                                      sources=sources))


async def summarise(db: Database, round_id: int, settings: Any, top: int = 3) -> int:
    """A personal summary to every voter of the round who opted in to the plan's news; returns how many."""
    from exports.tables.consensus import top_shared  # pandas and numpy (seconds)

    plan = Plan.from_settings(settings)
    async with db.transaction() as session:
        round_ = await deliberation.get_round(session, round_id)
        if round_ is None:
            raise DeliberationError(f"no round #{round_id}")
        name = round_.name
        people = await deliberation.voters(session, round_id)
        out = await audiences.opted_out(session, [rid for rid, _, _ in people], plan.newsletter_since)
        never = {rid for rid, _, _ in people if await audiences.subscribed(session, rid) is None}
        counts = {rid: len(await deliberation.votes_of(session, round_id, rid)) for rid, _, _ in people}
    frames = await round_frames(db, round_id, settings.suppress_k, sources=settings.plan.sources())
    shared = top_shared(frames, name, top)
    now = utcnow()
    rows = []
    for rid, chat, lang in people:
        if rid in out or rid in never:
            continue  # only to those who opted in to the plan's news
        if shared:
            body = html.escape(translate("summary", lang, name=name, votes=counts[rid])) + "\n" + "\n".join(
                f"{i}. {html.escape(text)}" for i, text in enumerate(shared, 1))
        else:
            body = html.escape(translate("summary_none", lang, name=name, votes=counts[rid]))
        rows.append({"dedupe_key": f"dlsum{round_id}:r{rid}", "kind": "feedback", "respondent_id": rid,
                     "chat_id": int(chat), "language": lang, "not_before": plan.out_of_quiet_hours(now),
                     "payload": {"html": body, "buttons": []}})
    async with db.transaction() as session:
        return await outbox.enqueue(session, rows) if rows else 0


# --- the personal summary, read on a page (the web) -------------------------------------------------


def shared_ids(frames: dict[str, Any], round_name: str, top: int = 3) -> list[tuple[int, str]]:
    """(statement id, text) of a round's ``top`` most shared statements: the rows
    :func:`exports.tables.consensus.top_shared` reads for :func:`summarise`, with their ids, so
    a page can put the reader's own vote beside each (the same ranking, the same suppression)."""
    shared = frames.get("consensus_shared")
    if shared is None or shared.empty:
        return []
    mine = shared[(shared["round"] == round_name) & shared["rank"].notna()].sort_values("rank").head(top)
    return [(int(i), str(t)) for i, t in zip(mine["statement_id"], mine["statement"])]


async def summary_reader(session: AsyncSession, round_id: int, respondent_id: int, since: str | None) -> bool:
    """Whether :func:`summarise` would write to this voter: a vote in the round, and the plan's news
    agreed to (never asked or withdrawn: no summary), whatever the channel."""
    if not await deliberation.votes_of(session, round_id, respondent_id):
        return False
    if await audiences.subscribed(session, respondent_id) is None:
        return False
    return not await audiences.opted_out(session, [respondent_id], since)
