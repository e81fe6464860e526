"""Work the service does beside answering: tagging new free texts, rebuilding the tables.

Both run off the hot path: the tagging worker picks up new free-text answers every few
seconds (so they carry themes within a minute of being stored), and the scheduler rebuilds
the convergence tables and the nightly package. `scenari serve` and `scenari bot` start them
once per process through :func:`background_jobs`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from storage import Database

from .settings import Settings

log = logging.getLogger("scenari.service")
TAGGING_INTERVAL_SECONDS = 20.0


@asynccontextmanager
async def background_jobs(settings: Settings, db: Database) -> AsyncIterator[Any]:
    """Start the tagging worker and the scheduler; stop both on exit. Yields the scheduler."""
    from exports.scheduler import start_scheduler
    from nlp.worker import start_tagging

    worker = start_tagging(db, settings.spacy_model, TAGGING_INTERVAL_SECONDS)
    scheduler = start_scheduler(settings, db)
    log.info("background jobs started", extra={"fields": {"tagging_every_s": TAGGING_INTERVAL_SECONDS}})
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)
        await worker.stop()
