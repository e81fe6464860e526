"""Project cards and their ratings on the five indices, with per-card aggregates.

A card comes from a completed ``progetto`` run (item 0) or from one item of an interview's
repeat group. A rating is one rater's answer to the ``valutazione`` questionnaire about one
card: the row is made when the rater opens the card (linking the run to the card) and filled
when the run completes. ``card_scores`` holds, per card:

* each rating's overall = Σ wᵢ·sᵢ / Σ wᵢ over the five indices (weights from configuration);
* ``overall`` = the mean of those per-rater overalls (equal to the weighted mean of the index
  means, since every index is required);
* ``sd`` = their population standard deviation (0 with one rater), ``min``/``max`` = their range;
* ``index_means`` = the mean of each index across raters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Card, CardScore, Rating, Respondent, Run, utcnow

# The five indices of the Cremona plan, in order; they are the keys of the valutazione questions.
INDICES: tuple[str, ...] = ("strategic_role", "feasibility", "change_capacity", "economic_impact", "coherence")
INDEX_LABELS: dict[str, tuple[str, str]] = {
    "strategic_role": ("Ruolo strategico per lo sviluppo socio-economico", "Strategic role for socio-economic development"),
    "feasibility": ("Fattibilità potenziale", "Potential feasibility"),
    "change_capacity": ("Capacità di gestire e anticipare il cambiamento", "Capacity to manage and anticipate change"),
    "economic_impact": ("Impatto sullo sviluppo economico", "Impact on economic development"),
    "coherence": ("Coerenza con le linee di sviluppo in atto", "Coherence with current development lines"),
}
EQUAL_WEIGHTS: dict[str, float] = {key: 1.0 for key in INDICES}


def weighted_mean(scores: Mapping[str, float], weights: Mapping[str, float] | None = None) -> float:
    weights = weights or EQUAL_WEIGHTS
    total = sum(weights.get(key, 0.0) for key in INDICES)
    if total <= 0:
        raise ValueError("the weights of the indices must not all be zero")
    return sum(weights.get(key, 0.0) * float(scores[key]) for key in INDICES) / total


# --- cards ------------------------------------------------------------------------------------


async def create_card(
    session: AsyncSession,
    run: Run,
    fields: Mapping[str, Any],
    *,
    item_index: int = 0,
    title: str,
    promoter: str | None = None,
    theme: str | None = None,
    stage: str | None = None,
    cost: float | None = None,
) -> Card:
    """The card of a run (or of one item of it); made once, a second call returns the first."""
    found = await session.scalar(select(Card).where(Card.source_run_id == run.id, Card.item_index == item_index))
    if found is not None:
        return found
    card = Card(
        source_run_id=run.id, item_index=item_index, questionnaire_id=run.questionnaire_id,
        questionnaire_version=run.questionnaire_version, title=title[:300], promoter=(promoter or None) and promoter[:300],
        theme=theme, stage=stage, cost=cost, fields=dict(fields),
    )
    session.add(card)
    await session.flush()
    return card


async def get_card(session: AsyncSession, card_id: int) -> Card | None:
    return await session.get(Card, card_id)


async def list_cards(session: AsyncSession) -> list[Card]:
    return list(await session.scalars(select(Card).order_by(Card.id)))


async def cards_to_rate(session: AsyncSession, rater_id: int | None) -> list[Card]:
    """Cards the rater has not completed a rating of (open ones included), oldest first."""
    query = select(Card).order_by(Card.id)
    if rater_id is not None:
        done = select(Rating.card_id).where(Rating.rater_id == rater_id, Rating.completed_at.is_not(None))
        query = query.where(Card.id.not_in(done))
    return list(await session.scalars(query))


# --- ratings ----------------------------------------------------------------------------------


async def rating_of(session: AsyncSession, card_id: int, rater_id: int) -> Rating | None:
    return await session.scalar(select(Rating).where(Rating.card_id == card_id, Rating.rater_id == rater_id))


async def attach_run(session: AsyncSession, card_id: int, rater_id: int, run_id: int) -> Rating:
    """Tie the rater's (new) valutazione run to the card."""
    rating = await rating_of(session, card_id, rater_id)
    if rating is None:
        rating = Rating(card_id=card_id, rater_id=rater_id, run_id=run_id)
        session.add(rating)
    else:
        rating.run_id = run_id
    await session.flush()
    return rating


async def rating_for_run(session: AsyncSession, run_id: int) -> Rating | None:
    return await session.scalar(select(Rating).where(Rating.run_id == run_id))


async def complete_rating(
    session: AsyncSession, rating: Rating, scores: Mapping[str, Any], comment: str | None,
    weights: Mapping[str, float] | None = None, now: datetime | None = None,
) -> CardScore:
    """Store the scores of a completed rating and recompute its card's aggregate."""
    missing = [key for key in INDICES if scores.get(key) is None]
    if missing:
        raise ValueError(f"rating without {', '.join(missing)}")
    rating.scores = {key: int(scores[key]) for key in INDICES}
    rating.comment = comment or None
    rating.completed_at = now or utcnow()
    await session.flush()
    return await recompute_score(session, rating.card_id, weights, now=now)


async def recompute_score(
    session: AsyncSession, card_id: int, weights: Mapping[str, float] | None = None, now: datetime | None = None
) -> CardScore:
    weights = dict(weights or EQUAL_WEIGHTS)
    completed = list(
        await session.scalars(select(Rating.scores).where(Rating.card_id == card_id, Rating.completed_at.is_not(None)))
    )
    overalls = [weighted_mean(scores, weights) for scores in completed]
    score = await session.get(CardScore, card_id)
    if score is None:
        score = CardScore(card_id=card_id)
        session.add(score)
    score.raters = len(overalls)
    score.weights = {key: float(weights.get(key, 0.0)) for key in INDICES}
    score.computed_at = now or utcnow()
    if overalls:
        mean = sum(overalls) / len(overalls)
        score.overall = mean
        score.sd = math.sqrt(sum((x - mean) ** 2 for x in overalls) / len(overalls))
        score.min, score.max = min(overalls), max(overalls)
        score.index_means = {key: sum(float(s[key]) for s in completed) / len(completed) for key in INDICES}
    else:
        score.overall = score.sd = score.min = score.max = None
        score.index_means = {}
    await session.flush()
    return score


async def recompute_all(session: AsyncSession, weights: Mapping[str, float] | None = None) -> int:
    """Recompute every card's aggregate (after the weights changed or a rater erased their data)."""
    await session.execute(delete(CardScore))
    cards = list(await session.scalars(select(Card.id)))
    for card_id in cards:
        await recompute_score(session, card_id, weights)
    return len(cards)


async def card_score(session: AsyncSession, card_id: int) -> CardScore | None:
    return await session.get(CardScore, card_id)


# --- exports ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardExport:
    card: int
    source_run: str
    source_item: int
    questionnaire: str
    submitted_by: str  # pseudonym of who filled the card in
    title: str
    promoter: str | None
    theme: str | None
    stage: str | None
    cost: float | None
    fields: dict[str, Any]
    created_at: datetime
    raters: int
    overall: float | None
    sd: float | None
    min: float | None
    max: float | None
    index_means: dict[str, float]


@dataclass(frozen=True)
class RatingExport:
    card: int
    title: str
    rater: str  # the rater's pseudonym
    scores: dict[str, int]
    overall: float
    comment: str | None
    completed_at: datetime | None


async def export_cards(session: AsyncSession) -> list[CardExport]:
    rows = (
        await session.execute(
            select(Card, Run.public_id, Respondent.pseudonym, CardScore)
            .join(Run, Run.id == Card.source_run_id)
            .join(Respondent, Respondent.id == Run.respondent_id)
            .outerjoin(CardScore, CardScore.card_id == Card.id)
            .order_by(Card.id)
        )
    ).all()
    return [
        CardExport(
            card.id, run_public_id, card.item_index, card.questionnaire_id, pseudonym, card.title, card.promoter,
            card.theme, card.stage, card.cost, dict(card.fields or {}), card.created_at,
            score.raters if score else 0, score.overall if score else None, score.sd if score else None,
            score.min if score else None, score.max if score else None, dict(score.index_means or {}) if score else {},
        )
        for card, run_public_id, pseudonym, score in rows
    ]


async def export_ratings(session: AsyncSession, weights: Mapping[str, float] | None = None) -> list[RatingExport]:
    """Completed ratings, keyed by the raters' pseudonyms."""
    rows = (
        await session.execute(
            select(Rating, Card.title, Respondent.pseudonym)
            .join(Card, Card.id == Rating.card_id)
            .join(Respondent, Respondent.id == Rating.rater_id)
            .where(Rating.completed_at.is_not(None))
            .order_by(Rating.card_id, Rating.completed_at, Rating.id)
        )
    ).all()
    return [
        RatingExport(
            rating.card_id, title, pseudonym, dict(rating.scores), weighted_mean(rating.scores, weights),
            rating.comment, rating.completed_at,
        )
        for rating, title, pseudonym in rows
    ]


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights for exactly the five indices, non-negative, not all zero."""
    unknown = set(weights) - set(INDICES)
    if unknown:
        raise ValueError(f"unknown index {sorted(unknown)[0]!r}; the indices are {', '.join(INDICES)}")
    out = {key: float(weights.get(key, 1.0)) for key in INDICES}
    if any(w < 0 or math.isnan(w) for w in out.values()):
        raise ValueError("weights must not be negative")
    if sum(out.values()) <= 0:
        raise ValueError("the weights must not all be zero")
    return out

