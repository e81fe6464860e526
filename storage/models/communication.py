"""The communication plan: audiences, broadcasts, the delivery outbox, events (issue 8)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONValue, utcnow


# --- the communication plan: audiences, broadcasts, the delivery outbox, events (issue 8) -------
#
# * ``segments``: named audience filters (language, actor category, questionnaire completed or
#   not, innovation profile, municipality, invitation state), as JSON. The audience itself is
#   every Telegram respondent whose latest ``newsletter`` consent is granted (storage.audiences).
# * ``broadcasts``: one message to a segment (newsletter, event invitation) or a system batch
#   (reminders, feedback of results, event reminders): the texts in Italian and English
#   (Markdown) and in the plan's other languages (``texts``), buttons, an optional document, when it is due and its state.
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
    # the plan's other languages (Bozen's German): language → text; Italian and English are the columns above
    texts: Mapped[dict[str, str] | None] = mapped_column(JSONValue)
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
    # "telegram" (respondent_id and chat_id set) or "email" (actor_id set: an actor's contact,
    # no respondent yet; the address and the invitation token are in the payload) — issue 19
    channel: Mapped[str] = mapped_column(String(10), default="telegram", server_default="telegram")
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(5), default="it")
    payload: Mapped[Any] = mapped_column(JSONValue, nullable=True)  # a personal message: {"html", "buttons"}
    # pending → claimed → inflight → sent | failed | blocked | uncertain; or skipped | cancelled
    status: Mapped[str] = mapped_column(String(10), default="pending")
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_holder: Mapped[str | None] = mapped_column(String(120))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # WhatsApp (migration 0012): the Cloud API's message id ("wamid.…") and the latest status its
    # webhook reported for it (sent | delivered | read | failed), with when that status came
    provider_message_id: Mapped[str | None] = mapped_column(String(128), index=True)
    delivery_status: Mapped[str | None] = mapped_column(String(10))
    delivery_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EmailOptOut(Base):
    """An address that followed an e-mail's unsubscribe link: no e-mail of any kind goes to it again."""

    __tablename__ = "email_optouts"

    address: Mapped[str] = mapped_column(String(254), primary_key=True)  # lower-cased
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source: Mapped[str] = mapped_column(String(20), default="link")  # link | one-click | staff


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


class WhatsAppEarlyStatus(Base):
    """A delivery status the webhook got before the sender recorded its message's ``wamid`` (migration 0012).

    Meta may report ``sent`` a moment before the sender commits the id it was just given; kept
    here (not in one process's memory) it is applied by whichever instance records the message
    or sweeps next (storage.outbox.whatsapp.apply_early), then deleted.
    """

    __tablename__ = "whatsapp_early_statuses"

    provider_message_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WhatsAppWindow(Base):
    """When a WhatsApp respondent last wrote (migration 0012): the Cloud API's 24-hour window.

    Inside it any message may be sent; outside it only an approved template (bot.whatsapp.sender).
    Kept for stored respondents only (nothing is stored before consent), erased with them.
    """

    __tablename__ = "whatsapp_windows"

    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True)
    last_inbound_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
