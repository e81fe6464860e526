"""Themes of free-text answers (nlp): the tagger's passes, the themes, the human reviews, learned models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONValue, utcnow


# --- themes of free-text answers (nlp) ---------------------------------------------------------
#
# Three layers, all cascading from the answer they describe (erasure removes them with it):
#
# * ``tagged_answers``: one row per answer the tagger has processed (keywords, method,
#   taxonomy version). Its absence is what marks an answer as pending.
# * ``answer_tags``: one row per (answer, theme, source). ``source='machine'`` rows are the
#   tagger's output and are dropped and rebuilt by ``scenari nlp retag``; ``source='human'``
#   rows hold the latest human decision on that theme (confirm / add / remove) and are never
#   touched by the tagger, so a human decision wins over the machine and survives retagging.
# * ``tag_reviews``: append-only history, one row per coded text per imported sheet row: who
#   coded it, when, from which sheet and row, what was suggested and what the coder kept.


class TaggedAnswer(Base):
    """The tagger's pass over one answer: keywords and how they were obtained."""

    __tablename__ = "tagged_answers"

    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True)
    keywords: Mapped[Any] = mapped_column(JSONValue)
    method: Mapped[str] = mapped_column(String(120))
    taxonomy_version: Mapped[str] = mapped_column(String(40))
    tagged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TagReview(Base):
    """One text coded by one person from one row of a coding sheet (the audit history)."""

    __tablename__ = "tag_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    coder: Mapped[str] = mapped_column(String(64))
    accept: Mapped[bool | None] = mapped_column(Boolean)
    suggested: Mapped[Any] = mapped_column(JSONValue)  # theme ids the sheet showed
    themes: Mapped[Any] = mapped_column(JSONValue)  # theme ids the coder kept or added
    source: Mapped[str] = mapped_column(String(200))  # sheet file name
    sheet_row: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AnswerTag(Base):
    """A theme of an answer, from the machine or from a person, with its evidence and origin."""

    __tablename__ = "answer_tags"
    __table_args__ = (
        UniqueConstraint("answer_id", "theme_id", "source", name="uq_answer_tags_answer_theme_source"),
        Index("ix_answer_tags_theme_source", "theme_id", "source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    theme_id: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(8))  # 'machine' | 'human'
    decision: Mapped[str | None] = mapped_column(String(8))  # human: 'confirm' | 'add' | 'remove'
    score: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[Any] = mapped_column(JSONValue)  # words that voted for the theme
    negated_evidence: Mapped[Any] = mapped_column(JSONValue)  # mentions the writer rejected
    negated: Mapped[bool] = mapped_column(Boolean, default=False)  # only rejected: not a vote
    method: Mapped[str] = mapped_column(String(120))
    taxonomy_version: Mapped[str] = mapped_column(String(40))
    tagged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    coder: Mapped[str | None] = mapped_column(String(64))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("tag_reviews.id", ondelete="SET NULL"), index=True)


class LearnedModel(Base):
    """A theme model fitted on the reviewed texts (``scenari nlp train``), for one taxonomy version.

    ``payload`` is gzip-compressed JSON (vocabulary, coefficients, calibration), never a pickle.
    Its features are lemma n-grams seen in at least two reviewed texts, so a word written by a
    single respondent is never kept; retrain after an erasure to drop what it contributed.
    """

    __tablename__ = "learned_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    taxonomy_version: Mapped[str] = mapped_column(String(40), index=True)
    rules_method: Mapped[str] = mapped_column(String(120))
    trained_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    texts: Mapped[int] = mapped_column(Integer)  # reviewed texts it was fitted on
    themes: Mapped[Any] = mapped_column(JSONValue)  # theme ids it predicts
    metrics: Mapped[Any] = mapped_column(JSONValue)  # e.g. the cross-validated figures at training time
    payload: Mapped[bytes] = mapped_column(LargeBinary)
