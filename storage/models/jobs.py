"""Scheduled jobs, report snapshots and report subscriptions (exports.scheduler)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONValue, utcnow


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
