"""Reminders of stopped questionnaires, due ``delays[i]`` hours after the last answer.

A run stopped for ``reminder_delays[i]`` gets reminder ``i`` (at most ``reminder_max`` per
run), moved out of the quiet hours, with a resume button. The sender checks again right
before sending (completed, paused, erased, opted out → not sent).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from dialogs.i18n import speaking
from storage import Database, audiences, outbox, repository
from storage.models import utcnow

from .markup import escape
from .plan import Plan
from ..texts import translate

log = logging.getLogger("scenari.communication")


async def scan_reminders(db: Database, plan: Plan, catalog: Any, now: datetime | None = None) -> int:
    """Enqueue the reminders now due for stopped runs; returns how many."""
    now = now or utcnow()
    if not plan.reminder_delays or plan.reminder_max <= 0:
        return 0
    first = timedelta(hours=plan.reminder_delays[0])
    rows = []
    async with db.transaction() as session:
        stalled = await outbox.stalled_runs(session, now - first)
        if not stalled:
            return 0
        had = await outbox.reminders_of_runs(session, [s[0] for s in stalled])
        out = await audiences.opted_out(session, {s[1] for s in stalled}, plan.newsletter_since)
        blocked = await audiences.unreachable(session, {s[1] for s in stalled})
        for run_id, respondent_id, chat_id, lang, qid, updated in stalled:
            n = had.get(run_id, 0)
            if n >= plan.reminder_max or respondent_id in out or respondent_id in blocked:
                continue
            due = updated + timedelta(hours=plan.reminder_delays[n])
            if due > now:
                continue
            run = await repository.get_run(session, run_id)
            title, register = qid, None
            if catalog is not None and qid in catalog.ids(open_only=False):
                title, register = catalog.current(qid).title.get(lang), catalog.current(qid).register
            rows.append({
                "dedupe_key": f"rem:{run_id}:{n}", "kind": "reminder", "respondent_id": respondent_id, "run_id": run_id,
                "chat_id": int(chat_id), "language": lang, "not_before": plan.out_of_quiet_hours(now),
                "payload": {
                    "html": escape(reminder_text(lang, title, register)),
                    "buttons": [{"text": translate("resume", lang), "action": "resume", "run": run.public_id if run else ""}],
                    "run_updated_at": updated.isoformat(),
                },
            })
        added = await outbox.enqueue(session, rows) if rows else 0
    if added:
        log.info("%d reminders enqueued", added)
    return added


def reminder_due_again(plan: Plan, moment: datetime) -> datetime:
    """When a reminder claimed during the quiet hours may go (the sender defers it)."""
    return plan.out_of_quiet_hours(moment)


def reminder_text(lang: str, title: str, register: str | None) -> str:
    """The reminder in the questionnaire's "tu" or "Lei" (dialogs.i18n.speaking)."""
    with speaking(register):
        return translate("reminder", lang, title=title)
