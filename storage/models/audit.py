"""The audit log (issue 16)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONValue, utcnow


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
