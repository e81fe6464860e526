"""Deliberation: statements, rounds, participants and votes (issue 9)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONValue, utcnow


# --- deliberation: statements, rounds and votes (issue 9; storage.deliberation) -----------------
#
# * ``statements``: short texts (≤ 140 characters) put to a vote: proposed from an objective or a
#   vision (``source_answer_id``, once per answer), written by a moderator, or sent by a
#   participant during a round. ``status``: pending → approved | rejected | merged (into
#   ``merged_into_id``). ``author_respondent_id`` is kept for erasure and never shown or
#   exported. ``lemmas`` is the content-lemma set (space separated) of the NLP pipeline, for
#   near-duplicate flags (``duplicate_of_id``, ``similarity``).
# * ``deliberation_rounds``: a round for a segment (storage.audiences) and a period, with its
#   thresholds (minimum votes per statement and per category).
# * ``deliberation_participants``: who was invited to a round (or joined it), their progress
#   (active | paused | done), the statement they were last shown.
# * ``votes``: the current vote of a participant on a statement in a round (agree | disagree |
#   pass), unique; ``vote_events``: every press, the history. Both cascade from the respondent.


class Statement(Base):
    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(140))
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    source: Mapped[str] = mapped_column(String(12))  # objective | vision | moderator | participant
    source_answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="SET NULL"), unique=True)
    author_respondent_id: Mapped[int | None] = mapped_column(ForeignKey("respondents.id", ondelete="SET NULL"), index=True)
    original_text: Mapped[str | None] = mapped_column(Text)  # the proposal before a moderator rewrote it
    lemmas: Mapped[str] = mapped_column(Text, default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("statements.id", ondelete="SET NULL"))
    similarity: Mapped[float | None] = mapped_column(Float)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("statements.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(64))


class DeliberationRound(Base):
    __tablename__ = "deliberation_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    segment: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    min_votes: Mapped[int] = mapped_column(Integer, default=5)
    min_category_votes: Mapped[int] = mapped_column(Integer, default=3)
    invited: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DeliberationParticipant(Base):
    __tablename__ = "deliberation_participants"

    round_id: Mapped[int] = mapped_column(ForeignKey("deliberation_rounds.id", ondelete="CASCADE"), primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(8), default="invited")  # invited | active | paused | done
    current_statement_id: Mapped[int | None] = mapped_column(ForeignKey("statements.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Vote(Base):
    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("round_id", "statement_id", "respondent_id", name="uq_votes_round_statement_respondent"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("deliberation_rounds.id", ondelete="CASCADE"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), index=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"), index=True)
    choice: Mapped[str] = mapped_column(String(8))  # agree | disagree | pass
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class VoteEvent(Base):
    __tablename__ = "vote_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("deliberation_rounds.id", ondelete="CASCADE"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), index=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"), index=True)
    choice: Mapped[str] = mapped_column(String(8))
    cast_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
