"""Listening: stakeholder register, invitations, project cards and ratings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONValue, utcnow


# --- listening: stakeholder register, invitations, project cards and ratings ------------------
#
# * ``actors``: the stakeholder register (organisations are public; the contact person is
#   personal data and never exported). ``state`` goes invited → answered.
# * ``invitations``: single-use tokens of the ``/start ascolto_<token>`` deep links.
# * ``respondent_actors``: which actor a respondent answers for (one actor per respondent).
# * ``cards``: project cards, from a completed ``progetto`` run (item_index 0) or, later, from
#   an item of an interview's repeat group (the item's index).
# * ``ratings``: one rater's rating of one card, linked to the ``valutazione`` run answering it.
# * ``card_scores``: per-card aggregates across raters, recomputed when a rating completes.
# Everything that comes from a respondent cascades from their runs, so erasure removes it.


class Actor(Base):
    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    organisation: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(24))
    contact_person: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))  # personal data, like the person (issue 19)
    language: Mapped[str | None] = mapped_column(String(5))  # the contact's language for e-mails (None: the plan's)
    state: Mapped[str] = mapped_column(String(12), default="new")  # new | invited | answered
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("respondents.id", ondelete="SET NULL"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RespondentActor(Base):
    __tablename__ = "respondent_actors"

    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Card(Base):
    __tablename__ = "cards"
    __table_args__ = (UniqueConstraint("source_run_id", "item_index", name="uq_cards_source_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    item_index: Mapped[int] = mapped_column(Integer, default=0)
    questionnaire_id: Mapped[str] = mapped_column(String(24))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    promoter: Mapped[str | None] = mapped_column(String(300))
    theme: Mapped[str | None] = mapped_column(String(40))
    stage: Mapped[str | None] = mapped_column(String(24))
    cost: Mapped[float | None] = mapped_column(Float)
    fields: Mapped[dict[str, Any]] = mapped_column(JSONValue)  # every answer of the card, by key
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("card_id", "rater_id", name="uq_ratings_card_rater"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), unique=True)
    scores: Mapped[Any] = mapped_column(JSONValue, nullable=True)  # index key → 1..5
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CardScore(Base):
    __tablename__ = "card_scores"

    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True)
    raters: Mapped[int] = mapped_column(Integer)
    overall: Mapped[float | None] = mapped_column(Float)  # mean over raters of their weighted means
    sd: Mapped[float | None] = mapped_column(Float)  # population standard deviation across raters
    min: Mapped[float | None] = mapped_column(Float)
    max: Mapped[float | None] = mapped_column(Float)
    index_means: Mapped[Any] = mapped_column(JSONValue)  # index key → mean across raters
    weights: Mapped[Any] = mapped_column(JSONValue)  # the weights these numbers were computed with
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
