"""The plan's periodic scans: reminders, event reminders and feedback of new snapshots, every minute.

Each scan only writes outbox rows and is idempotent (dedupe keys), so several processes may
run this loop at once; a channel's sender delivers what they enqueue. Started beside the
sender by :func:`bot.telegram.sender.sender_task`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from storage import Database

from .events import scan_event_reminders
from .feedback import scan_feedback
from .plan import Plan
from .reminders import scan_reminders

log = logging.getLogger("scenari.sender")  # the logger these scans always reported under, in the sender's process


async def communication_loop(
    db: Database, plan: Plan, catalog: Any, stop: asyncio.Event, every_seconds: float = 60.0
) -> None:
    """Reminders, event reminders and feedback of new snapshots, every minute (all idempotent)."""
    while not stop.is_set():
        for job in (scan_reminders(db, plan, catalog),
                    scan_event_reminders(db, plan),
                    scan_feedback(db, plan, catalog)):
            try:
                await job
            except Exception:
                log.exception("communication scan failed")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_seconds)
