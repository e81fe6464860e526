"""SQLAlchemy 2 typed models. The schema itself is made only by the Alembic migrations."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, orm_insert_sentinel

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# JSONB on PostgreSQL: it compares and groups (plain json cannot), which aggregations need.
JSONValue = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_pseudonym() -> str:
    """A random public id: exports and callback data carry this, never a Telegram id."""
    return secrets.token_hex(6)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSONValue, Any: JSONValue}


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


# --- scheduled jobs, report snapshots and subscriptions (exports.scheduler) -------------------
#
# * ``job_schedules``: one row per scheduled job: when it is next due (so a restarted service
#   knows, and a missed nightly run is made up once), how its last run went, and the lease that
#   keeps two service instances from running it at once (``lease_holder`` until
#   ``lease_expires_at``; taken in a short transaction, see storage/jobs.py).
# * ``report_snapshots``: every rebuild of the convergence tables: when its data was read, from
#   how many answers, which file (and optional zip) it wrote. Counts only, no personal data.
# * ``report_subscriptions``: analysts who receive the nightly package in Telegram; cascades from
#   the analyst's respondent row, so /cancella removes it too.


class JobSchedule(Base):
    __tablename__ = "job_schedules"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    trigger: Mapped[str] = mapped_column(String(120))  # e.g. "every 15 min", "daily 02:30 Europe/Rome"
    next_run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_holder: Mapped[str | None] = mapped_column(String(120))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[str | None] = mapped_column(String(12))  # running | ok | failed
    last_error: Mapped[str | None] = mapped_column(Text)
    last_holder: Mapped[str | None] = mapped_column(String(120))
    runs: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportSnapshot(Base):
    __tablename__ = "report_snapshots"
    __table_args__ = (Index("ix_report_snapshots_kind_computed", "kind", "computed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # convergence | nightly | on_demand
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # when the data was read
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answers: Mapped[int] = mapped_column(Integer)
    counts: Mapped[Any] = mapped_column(JSONValue)  # the tables' counts (runs, tags, cards …)
    path: Mapped[str] = mapped_column(String(500))  # the workbook
    package_path: Mapped[str | None] = mapped_column(String(500))  # the zip of CSV/Parquet, if made
    seconds: Mapped[float | None] = mapped_column(Float)
    tagged: Mapped[int] = mapped_column(Integer, default=0)
    holder: Mapped[str | None] = mapped_column(String(120))


class ReportSubscription(Base):
    __tablename__ = "report_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(5), default="it")
    subscribed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- analyst accounts of the web dashboard (bot.web.dashboard; scenari analysts …) --------------
#
# * ``analyst_accounts``: who may open /analisi and call /api: a user name, an argon2 hash of the
#   password (never the password), optionally the analyst's Telegram id, the SHA-256 of an API
#   bearer token when one was issued, and ``session_key`` — a random key every signed session
#   cookie of the account must carry: logging out draws a new one (ending every session at once),
#   and an account removed takes its key along, so a new account given the same id (SQLite reuses
#   freed ids) never inherits a cookie. ``session_epoch`` counts the log-outs.
# * ``login_throttles``: failed logins counted per account name and per client address, with
#   the time a lock-out ends; in the database so that restarting the service resets nothing.
# * ``published_tables``: the convergence tables an analyst chose to show on /risultati.


class AnalystAccount(Base):
    __tablename__ = "analyst_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    session_key: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_urlsafe(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):
    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)  # "account:<name>" | "address:<ip>"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PublishedTable(Base):
    __tablename__ = "published_tables"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("analyst_accounts.id", ondelete="SET NULL"))


# --- the communication plan: audiences, broadcasts, the delivery outbox, events (issue 8) -------
#
# * ``segments``: named audience filters (language, actor category, questionnaire completed or
#   not, innovation profile, municipality, invitation state), as JSON. The audience itself is
#   every Telegram respondent whose latest ``newsletter`` consent is granted (storage.audiences).
# * ``broadcasts``: one message to a segment (newsletter, event invitation) or a system batch
#   (reminders, feedback of results, event reminders): the texts in Italian and English
#   (Markdown), buttons, an optional document, when it is due and its state.
# * ``outbox_messages``: the durable delivery outbox, one row per recipient and message. A
#   sender claims rows with a lease (``lease_holder`` until ``lease_expires_at``), marks them
#   ``inflight`` right before the Bot API call and records the outcome right after Telegram's
#   answer (storage.outbox explains the states). ``dedupe_key`` is unique: a row is never
#   enqueued twice. Rows cascade from the respondent, so erasure removes pending ones too.
# * ``recipient_status``: respondents who blocked the bot (403): nothing more is sent to them.
# * ``events`` and ``event_rsvps``: workshops and meetings, their capacity, answers (sì / no /
#   forse) and the waiting list.


class Segment(Base):
    __tablename__ = "segments"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Broadcast(Base):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="newsletter")  # newsletter | event | reminder | feedback | event_reminder
    segment: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    text_it: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str | None] = mapped_column(Text)
    buttons: Mapped[Any] = mapped_column(JSONValue)  # list of {"kind": "questionnaire"|"results"|"url", ...}
    document_path: Mapped[str | None] = mapped_column(String(500))
    document_file_id: Mapped[str | None] = mapped_column(String(200))  # Telegram's id after the first upload
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | scheduled | sending | done | cancelled
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source_key: Mapped[str | None] = mapped_column(String(80), unique=True)  # system batches: made once
    created_by: Mapped[str | None] = mapped_column(String(64))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_due", "status", "not_before"),
        Index("ix_outbox_messages_broadcast_status", "broadcast_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(80), unique=True)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(5), default="it")
    payload: Mapped[Any] = mapped_column(JSONValue, nullable=True)  # a personal message: {"html", "buttons"}
    # pending → claimed → inflight → sent | failed | blocked | uncertain; or skipped | cancelled
    status: Mapped[str] = mapped_column(String(10), default="pending")
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_holder: Mapped[str | None] = mapped_column(String(120))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecipientStatus(Base):
    __tablename__ = "recipient_status"

    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True)
    unreachable_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(String(200))


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EventRsvp(Base):
    __tablename__ = "event_rsvps"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True, index=True)
    answer: Mapped[str] = mapped_column(String(8))  # yes | no | maybe
    status: Mapped[str] = mapped_column(String(10))  # confirmed | waiting | declined | maybe
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(5), default="it")
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    waiting_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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


class AuditEvent(Base):
    """One line of the audit log (issue 16): append-only, never a secret, a password or an answer.

    ``actor``: an analyst's name, ``cli`` (staff at the terminal), ``system`` (a scheduled job) or
    a respondent's pseudonym (their own privacy export or erasure). ``action``: login, download,
    publish, coding_import, account, privacy_export, erasure, retention. ``outcome``: ok | refused.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(12), default="ok")
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONValue, default=dict)
