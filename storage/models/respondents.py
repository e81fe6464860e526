"""Respondents, their consents, questionnaire versions, runs and answers: the core of a conversation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, orm_insert_sentinel

from .base import Base, JSONValue, new_pseudonym, utcnow


class Respondent(Base):
    __tablename__ = "respondents"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_respondents_channel_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(16), unique=True, default=new_pseudonym)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5), default="it")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Consent(Base):
    """Every consent decision is kept (granted or revoked), with the notice version shown."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool] = mapped_column(Boolean)
    notice_version: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QuestionnaireVersion(Base):
    """The exact definition each run started with, so a new file version never breaks old runs."""

    __tablename__ = "questionnaire_versions"

    questionnaire_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_respondent_status", "respondent_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_pseudonym)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"))
    questionnaire_id: Mapped[str] = mapped_column(String(24), index=True)
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="active")
    state: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Answer(Base):
    """One row per answer given. Changing an answer adds a row; the old one stays as history."""

    __tablename__ = "answers"
    __table_args__ = (
        Index(
            "uq_answers_current",
            "run_id",
            "question_key",
            "item_index",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str] = mapped_column(String(40))
    item_index: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    raw: Mapped[str | None] = mapped_column(Text)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # set when retention erased the words of a free text (storage.retention): its themes stay
    text_erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Lets SQLAlchemy insert a batch's answers in one INSERT … RETURNING with a
    # deterministic order (SQLite does not promise RETURNING order): group commit needs it.
    _sentinel: Mapped[int | None] = orm_insert_sentinel()


class RunOutcome(Base):
    """Computed scores and classifications of a completed run (e.g. the innovation profile)."""

    __tablename__ = "run_outcomes"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONValue, nullable=True)


class ProcessedUpdate(Base):
    """Inbound updates already applied: a redelivered update is recognised and not stored twice."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
