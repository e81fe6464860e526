"""Analyst accounts of the web dashboard, their login throttles and the published tables."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


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
