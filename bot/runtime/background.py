"""Work the service does beside answering: tagging new free texts, rebuilding the tables.

Both run off the hot path: the tagging worker picks up new free-text answers every few
seconds (so they carry themes within a minute of being stored), and the scheduler rebuilds
the convergence tables and the nightly package. `scenari serve` and `scenari bot` start them
once per process through :func:`background_jobs`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from storage import Database

from bot.service.imports import import_off_loop
from bot.settings import Settings

log = logging.getLogger("scenari.service")
TAGGING_INTERVAL_SECONDS = 20.0


@asynccontextmanager
async def background_jobs(settings: Settings, db: Database) -> AsyncIterator[Any]:
    """Start the tagging worker, the scheduler and the sender; stop them on exit. Yields the scheduler."""
    # pandas and scipy (the tables), spaCy (tagging), aiogram (the sender): seconds of imports,
    # made off the event loop so that `scenari serve` answers meanwhile
    scheduling = await import_off_loop("exports.scheduler")
    tagging = await import_off_loop("nlp.worker")
    sending = None
    if settings.telegram_bot_token:
        await import_off_loop("bot.telegram")  # before bot.telegram.sender imports aiogram: its lazy schemas
        sending = await import_off_loop("bot.telegram.sender")
    worker = tagging.start_tagging(db, settings.spacy_model, TAGGING_INTERVAL_SECONDS, taxonomy=settings.plan.taxonomy)
    scheduler = scheduling.start_scheduler(settings.schedule_options(), db)
    log.info("background jobs started", extra={"fields": {"tagging_every_s": TAGGING_INTERVAL_SECONDS}})
    try:
        # the communication plan's sender (outbox → Telegram) and its scans, when a bot token is set
        async with sending.sender_task(settings, db) if sending else contextlib.nullcontext():
            async with _email_task(settings, db):  # e-mail invitations and reminders, with SCENARI_SMTP_HOST
                yield scheduler
    finally:
        scheduler.shutdown(wait=False)
        await worker.stop()


@asynccontextmanager
async def _email_task(settings: Settings, db: Database) -> AsyncIterator[Any]:
    """The e-mail sender (bot.mail.sender), its links signed with the web's key; nothing without SCENARI_SMTP_HOST."""
    if not settings.smtp_host:
        yield None
        return
    from bot.service.mailing import unsubscribe_secret
    from bot.web.session import DEFAULT_KEY_FILE, load_secret_key

    mail = await import_off_loop("bot.mail.sender")
    secret = unsubscribe_secret(load_secret_key(settings.secret_key, DEFAULT_KEY_FILE))
    async with mail.email_task(settings, db, secret) as sender:
        yield sender
